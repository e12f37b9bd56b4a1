/**
 * Enter on an empty prompt gives a new prompt, as on the board: the esp8266 port's REPL skips an
 * empty line (MP@v1.28.0:shared/runtime/pyexec.c `pyexec_friendly_repl`), while the official
 * v1.28.0 wasm's event-driven REPL compiled it and printed `SyntaxError: invalid syntax`. The REPL
 * pump answers that Enter (emulator/firmware/repl-pump.ts `emptyEnter`).
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { FIRST_LESSON, lastLine, typeLine, waitForTerminal } from './helpers';

for (const [width, height] of [[1280, 800], [1366, 768], [390, 844]] as const) {
  test(`Enter at an empty prompt gives a new prompt, no SyntaxError (${width}x${height})`, async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setViewportSize({ width, height });
    await page.goto(FIRST_LESSON);
    await page.locator('.terminal-wrap').scrollIntoViewIfNeeded();
    await waitForTerminal(page, (t) => /MicroPython v1\.28\.0 on/.test(t) && lastLine(t) === '>>>', 'v1.28.0 banner and prompt', 30_000);

    await page.locator('.xterm').click();
    for (let i = 0; i < 3; i++) await page.keyboard.press('Enter');
    await typeLine(page, '6*7');
    const text = await waitForTerminal(page, (t) => t.endsWith('>>> 6*7\n42\n>>>'), 'the line after three empty Enters');
    // wrong case: every empty Enter printed a traceback before the fix
    expect(text).not.toContain('SyntaxError');
    expect(text).toMatch(/>>>\n>>>\n>>>\n>>> 6\*7\n42\n>>>$/);
    await page.locator('.terminal-wrap').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `screenshots/empty-enter-${width}.png` });
    if (width === 1280) {
      const axe = await new AxeBuilder({ page }).include('.terminal-wrap').analyze();
      expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
    }
    expect(errors).toEqual([]);
  });
}
