/**
 * The lab's Flash panel: esptool-js in the page writing firmware to the virtual ESP-07 over its
 * serial port, with the buttons (Flash held at Reset) or the DTR/RTS auto-reset adapter.
 */
import { expect, test, type Page } from '@playwright/test';
import { BANNER, lastLine, openLessonAndBoot, waitForTerminal } from './helpers';
import { firmwareBuild } from '../emulator/firmware/builds.ts';

/** The default release's 4 MB file (builds.ts), the panel's first choice. */
const BUILD_4M = firmwareBuild('4M').file;

/** Fails the test on any uncaught error in the page. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

/** Holds Flash from the keyboard and clicks Reset: the ROM waits in download mode. Flash stays held. */
async function holdFlashAndReset(page: Page): Promise<void> {
  const flash = page.getByRole('button', { name: 'Flash (hold)' });
  await flash.focus();
  await page.keyboard.down('Space');
  await expect(flash).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect(page.getByTestId('flash-hint')).toContainText('The board is in download mode');
}

async function releaseFlash(page: Page): Promise<void> {
  await page.keyboard.up('Space');
  await expect(page.getByRole('button', { name: 'Flash (hold)' })).toHaveAttribute('aria-pressed', 'false');
}

async function openPanel(page: Page): Promise<void> {
  await page.locator('.flash-panel summary').click();
  await expect(page.getByRole('button', { name: 'Write firmware' })).toBeVisible();
}

const log = (page: Page) => page.getByTestId('flash-log');
const result = (page: Page) => page.getByTestId('flash-result');
const banners = (t: string) => t.split(BANNER).length - 1;

test('Flash held at Reset, erase and write the 4 MB build, then Reset boots it', async ({ page }) => {
  const errors = watchErrors(page);
  await openLessonAndBoot(page);
  await openPanel(page);
  await expect(page.getByTestId('flash-hint')).toContainText('not in download mode');
  await holdFlashAndReset(page);
  await page.getByLabel('Erase flash first').check();
  await page.getByRole('radio', { name: new RegExp(BUILD_4M.replace(/\./g, '\\.')) }).check();
  await page.getByRole('button', { name: 'Write firmware' }).click();
  // the click scrolled the lab to the Write button: back to the terminal (xterm paints only in view)
  await page.locator('.terminal-wrap').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('terminal')).toContainText('terminal disconnected');
  await expect(result(page)).toContainText(`Wrote ${BUILD_4M} and verified it (MD5)`, { timeout: 30_000 });
  await expect(page.getByLabel('Flash progress')).toHaveAttribute('value', '100');
  await expect(log(page)).toContainText('Chip is ESP8266EX');
  await expect(log(page)).toContainText(/MAC: ([0-9a-f]{2}:){5}[0-9a-f]{2}/);
  await expect(log(page)).toContainText('Auto-detected Flash size: 4MB');
  await expect(log(page)).toContainText('Erasing flash');
  await expect(log(page)).toContainText('Hash of data verified.');
  await expect(result(page)).toContainText('let go of Flash (if held) and press Reset');
  await page.locator('.lab').screenshot({ path: 'screenshots/flash-written.png' });
  // the panel let go of the port: the terminal shows the board again
  await expect(page.getByTestId('terminal')).toContainText('terminal connected again');
  await releaseFlash(page);
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await waitForTerminal(page, (t) => t.includes(BANNER) && t.split('terminal connected again')[1]?.includes(BANNER) === true && lastLine(t) === '>>>', 'the new firmware boots', 15_000);
  expect(errors).toEqual([]);
});

test('a blank board: Erase only, Reset stops in the ROM (ets_main.c); writing the firmware recovers it (the flashing lesson\'s exercise)', async ({ page }) => {
  const errors = watchErrors(page);
  await openLessonAndBoot(page, '/en/lessons/flashing-micropython/');
  const exercise = page.getByTestId('exercise-flash-blank-board');
  await expect(exercise).toHaveAttribute('data-done', 'false');
  await openPanel(page);
  await holdFlashAndReset(page);
  await page.getByRole('button', { name: 'Erase only' }).click();
  await expect(result(page)).toContainText('Erased the flash.', { timeout: 30_000 });
  await expect(log(page)).toContainText('Chip erase completed successfully');
  await releaseFlash(page);
  await page.getByRole('combobox', { name: 'Terminal baud rate' }).selectOption('74880');
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect(page.locator('.xterm-rows')).toContainText('boot mode:(3,6)');
  await expect(page.locator('.xterm-rows')).toContainText('ets_main.c');
  await page.locator('.lab').screenshot({ path: 'screenshots/flash-blank-board.png' });
  // recover: download mode again, write the build at 460800 baud
  await holdFlashAndReset(page);
  await page.getByRole('combobox', { name: 'esptool baud rate' }).selectOption('460800');
  await page.getByRole('button', { name: 'Write firmware' }).click();
  await expect(result(page)).toContainText('verified it (MD5)', { timeout: 30_000 });
  await expect(log(page)).toContainText('Changing baudrate to 460800');
  await releaseFlash(page);
  await page.getByRole('combobox', { name: 'Terminal baud rate' }).selectOption('115200');
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await waitForTerminal(page, (t) => banners(t) >= 1 && lastLine(t) === '>>>', 'MicroPython is back', 15_000);
  // the erase took the filesystem too: a first boot, and the exercise is done
  await expect(page.locator('.xterm-rows')).toContainText('Performing initial setup');
  await expect(exercise).toHaveAttribute('data-done', 'true');
  expect(errors).toEqual([]);
});

test('with the DTR/RTS auto-reset adapter, Write needs no buttons and the board boots by itself', async ({ page }) => {
  const errors = watchErrors(page);
  await openLessonAndBoot(page);
  await page.locator('.circuit-panel summary').click();
  await page.getByLabel('USB-serial adapter with DTR/RTS auto-reset').check();
  await openPanel(page);
  await expect(page.getByTestId('flash-hint')).toContainText('Auto-reset is fitted');
  await page.getByRole('combobox', { name: 'esptool baud rate' }).selectOption('460800');
  await page.getByRole('button', { name: 'Write firmware' }).click();
  await expect(result(page)).toContainText('esptool reset the board through RTS', { timeout: 30_000 });
  await expect(log(page)).toContainText('Chip is ESP8266EX');
  await expect(log(page)).toContainText('Hash of data verified.');
  await expect(log(page)).toContainText('Hard resetting via RTS pin');
  await expect(page.getByRole('button', { name: 'Flash (hold)' })).toHaveAttribute('aria-pressed', 'false');
  // the lab panel is scrolled to the Flash panel: back to the terminal (xterm paints only in view)
  await page.locator('.terminal-wrap').scrollIntoViewIfNeeded();
  await waitForTerminal(page, (t) => t.split('terminal connected again')[1]?.includes(BANNER) === true && lastLine(t) === '>>>', 'booted after the hard reset', 15_000);
  await page.locator('.lab').screenshot({ path: 'screenshots/flash-auto-reset.png' });
  expect(errors).toEqual([]);
});

test('errors are shown and the panel stays usable: no download mode, then an image larger than the flash', async ({ page }) => {
  const errors = watchErrors(page);
  await openLessonAndBoot(page);
  await openPanel(page);
  await page.getByRole('button', { name: 'Write firmware' }).click();
  await expect(result(page)).toContainText('esptool could not connect', { timeout: 30_000 });
  await expect(result(page)).toContainText('Hold Flash, press Reset');
  await expect(log(page)).toContainText('Failed to connect with the device');
  await page.locator('.lab').screenshot({ path: 'screenshots/flash-connect-error.png' });
  await expect(page.getByRole('button', { name: 'Write firmware' })).toBeEnabled();
  // the terminal is connected again: the REPL answers
  await page.locator('.xterm').click();
  await page.keyboard.press('Control+C');
  await page.keyboard.type('print(6 * 7)\r');
  await waitForTerminal(page, (t) => t.endsWith('42\n>>>'), 'REPL answers after the failed connect');
  // a file that cannot fit in 4 MB
  await holdFlashAndReset(page);
  await page.getByLabel('Firmware file from your computer').setInputFiles({ name: 'too-big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(4 * 1024 * 1024 + 4096, 0xaa) });
  await expect(page.getByRole('radio', { name: 'A file from your computer' })).toBeChecked();
  await page.getByRole('button', { name: 'Write firmware' }).click();
  await expect(result(page)).toContainText("esptool stopped: File 1 doesn't fit in the available flash", { timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Write firmware' })).toBeEnabled();
  await releaseFlash(page);
  expect(errors).toEqual([]);
});
