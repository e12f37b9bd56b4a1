/**
 * Enter on an empty prompt gives a new prompt, as on the board: the esp8266 port's REPL skips an
 * empty line (MP@v1.28.0:shared/runtime/pyexec.c `pyexec_friendly_repl`), while the official
 * v1.28.0 wasm's event-driven REPL compiled it and printed `SyntaxError: invalid syntax`. The REPL
 * pump answers that Enter (emulator/firmware/repl-pump.ts `emptyEnter`).
 */
import { expect, test } from '@playwright/test';
import { BANNER, bootAtSize, checkTerminalView, typeLine, waitForTerminal, WINDOW_SIZES } from './helpers';

for (const [width, height] of WINDOW_SIZES) {
  test(`Enter at an empty prompt gives a new prompt, no SyntaxError (${width}x${height})`, async ({ page }) => {
    const errors = await bootAtSize(page, width, height);
    expect(BANNER).toContain('MicroPython v1.28.0 on');

    await page.locator('.xterm').click();
    for (let i = 0; i < 3; i++) await page.keyboard.press('Enter');
    await typeLine(page, '6*7');
    const text = await waitForTerminal(page, (t) => t.endsWith('>>> 6*7\n42\n>>>'), 'the line after three empty Enters');
    // wrong case: every empty Enter printed a traceback before the fix
    expect(text).not.toContain('SyntaxError');
    expect(text).toMatch(/>>>\n>>>\n>>>\n>>> 6\*7\n42\n>>>$/);
    await checkTerminalView(page, `screenshots/empty-enter-${width}.png`, width === 1280);
    expect(errors).toEqual([]);
  });
}
