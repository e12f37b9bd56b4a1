/**
 * A boot loop in the lab: a main.py that calls machine.reset() restarts the board about seven
 * times a second, as a real ESP8266 does (the ROM and the SDK take ~110 ms: boot.ts
 * FIRMWARE_START_MS), and Ctrl-C held down lands while boot.py runs (shared/runtime/pyexec.c,
 * ports/esp8266/main.c: a KeyboardInterrupt in boot.py skips main.py). The boot-process lesson
 * tells the learner to do exactly this; the vitest transcript is firmware/boot-loop.test.ts.
 */
import { expect, test } from '@playwright/test';
import { lastLine, terminalText, typeLine, waitForTerminal } from './helpers';

const BOOT_LESSON = '/en/lessons/the-boot-process/';

test('a main.py that calls machine.reset() loops; Ctrl-C held down gets the prompt back, and renaming main.py ends the loop', async ({ page }) => {
  test.setTimeout(60_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(BOOT_LESSON);
  // whichever release the Flash panel's default build is
  await waitForTerminal(page, (t) => t.includes('MicroPython v') && lastLine(t) === '>>>', 'banner and prompt');
  await typeLine(page, "f = open('main.py', 'w'); f.write('import machine\\nmachine.reset()\\n'); f.close()");
  await waitForTerminal(page, (t) => lastLine(t) === '>>>', 'prompt after writing main.py');
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  // the loop: no prompt comes back by itself
  await page.waitForTimeout(1500);
  expect(lastLine(await terminalText(page))).not.toBe('>>>');
  // Ctrl-C held down, as a keyboard's repeat sends it
  await page.locator('.xterm').click();
  let landed = false;
  for (let i = 0; i < 300 && !landed; i++) {
    await page.keyboard.press('Control+C');
    await page.waitForTimeout(30);
    const t = await terminalText(page);
    landed = t.includes('KeyboardInterrupt:') && lastLine(t) === '>>>';
  }
  expect(landed).toBe(true);
  await waitForTerminal(page, (t) => /KeyboardInterrupt: *\n\nMicroPython v/.test(t) && lastLine(t) === '>>>', 'KeyboardInterrupt out of boot.py, then the banner');
  await page.waitForTimeout(300); // Ctrl-Cs still on their way give prompts of their own
  await typeLine(page, "import os; os.rename('main.py', 'main_off.py'); os.listdir()");
  await waitForTerminal(page, (t) => t.includes("['boot.py', 'main_off.py']") && lastLine(t) === '>>>', 'main.py renamed');
  await page.locator('[data-testid="lab"]').first().screenshot({ path: 'screenshots/boot-loop-escaped-1280.png' });
  // a reset now boots to the prompt
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await waitForTerminal(page, (t) => (t.split("'main_off.py']").at(-1) ?? '').includes('MicroPython v') && lastLine(t) === '>>>', 'a normal boot');
  for (const [width, height] of [[1366, 768], [390, 844]] as const) {
    await page.setViewportSize({ width, height });
    await page.getByTestId('terminal').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `screenshots/boot-loop-after-${width}.png` });
  }
});
