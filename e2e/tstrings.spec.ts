/**
 * No t-strings, as on the ESP8266 build of v1.28.0 (MICROPY_PY_TSTRINGS needs the FULL_FEATURES
 * level, MP@v1.28.0:py/mpconfig.h): the site serves the wasm with its lexer patched
 * (emulator/firmware/wasm-tstring-patch.ts), so `t'…'` typed at the lab's REPL is the board's
 * SyntaxError while f-strings work, and the differences page no longer lists t-strings.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { FIRST_LESSON, lastLine, typeLine, waitForTerminal } from './helpers';

for (const [width, height] of [[1280, 800], [1366, 768], [390, 844]] as const) {
  test(`a t-string at the REPL is a SyntaxError, an f-string works (${width}x${height})`, async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setViewportSize({ width, height });
    await page.goto(FIRST_LESSON);
    await page.locator('.terminal-wrap').scrollIntoViewIfNeeded();
    await waitForTerminal(page, (t) => /MicroPython v1\.28\.0 on/.test(t) && lastLine(t) === '>>>', 'v1.28.0 banner and prompt', 30_000);

    await typeLine(page, "t'a{1}'");
    // wrong case: the unpatched wasm printed a Template object here
    const after = await waitForTerminal(page, (t) => /t'a\{1\}'\n[\s\S]*SyntaxError: invalid syntax\n>>>$/.test(t), 'the board\'s SyntaxError');
    expect(after).not.toContain('Template');
    await typeLine(page, "f'{1+1}!'");
    await waitForTerminal(page, (t) => t.endsWith("'2!'\n>>>"), 'an f-string evaluated');
    await page.locator('.terminal-wrap').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `screenshots/tstrings-repl-${width}.png` });
    if (width === 1280) {
      const axe = await new AxeBuilder({ page }).include('.terminal-wrap').analyze();
      expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
    }
    expect(errors).toEqual([]);
  });
}

test('the differences page no longer lists t-strings; the complex-numbers entry stays', async ({ page }) => {
  await page.goto('/en/differences/');
  await expect(page.locator('#complex-numbers')).toBeVisible();
  await expect(page.locator('#t-strings')).toHaveCount(0);
  await expect(page.getByText('Template strings')).toHaveCount(0);
});
