/**
 * No t-strings, as on the ESP8266 build of v1.28.0 (MICROPY_PY_TSTRINGS needs the FULL_FEATURES
 * level, MP@v1.28.0:py/mpconfig.h): the site serves the wasm with its lexer patched
 * (emulator/firmware/wasm-tstring-patch.ts), so `t'…'` typed at the lab's REPL is the board's
 * SyntaxError while f-strings work, and the differences page no longer lists t-strings.
 */
import { expect, test } from '@playwright/test';
import { BANNER, bootAtSize, checkTerminalView, typeLine, waitForTerminal, WINDOW_SIZES } from './helpers';

for (const [width, height] of WINDOW_SIZES) {
  test(`a t-string at the REPL is a SyntaxError, an f-string works (${width}x${height})`, async ({ page }) => {
    const errors = await bootAtSize(page, width, height);
    expect(BANNER).toContain('MicroPython v1.28.0 on');

    await typeLine(page, "t'a{1}'");
    // wrong case: the unpatched wasm printed a Template object here
    const after = await waitForTerminal(page, (t) => /t'a\{1\}'\n[\s\S]*SyntaxError: invalid syntax\n>>>$/.test(t), 'the board\'s SyntaxError');
    expect(after).not.toContain('Template');
    await typeLine(page, "f'{1+1}!'");
    await waitForTerminal(page, (t) => t.endsWith("'2!'\n>>>"), 'an f-string evaluated');
    await checkTerminalView(page, `screenshots/tstrings-repl-${width}.png`, width === 1280);
    expect(errors).toEqual([]);
  });
}

test('the differences page no longer lists t-strings; the complex-numbers entry stays', async ({ page }) => {
  await page.goto('/en/differences/');
  await expect(page.locator('#complex-numbers')).toBeVisible();
  await expect(page.locator('#t-strings')).toHaveCount(0);
  await expect(page.getByText('Template strings')).toHaveCount(0);
});
