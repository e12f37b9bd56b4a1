/**
 * The Flash panel's "Real flashing speed" (emulator/link/link-timing.ts, as the CLI's
 * `--realistic-link`): with it, writing takes at least the time the compressed image needs on
 * the serial line at the chosen baud rate (10 bits a byte) and a chip erase the W25Q32JV's 10 s;
 * without it, flashing runs at the emulator's pace. The bounds are computed from esptool's own
 * log (the compressed size it reports), not hard-coded.
 */
import { expect, test, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { FIRST_LESSON } from './helpers';
import { BITS_PER_BYTE, chipEraseSeconds } from '../emulator/link/link-timing.ts';

const log = (page: Page) => page.getByTestId('flash-log');
const result = (page: Page) => page.getByTestId('flash-result');
const realistic = (page: Page) => page.getByRole('checkbox', { name: 'Real flashing speed' });

/** The board with the DTR/RTS auto-reset adapter (no buttons to hold) and the Flash panel open. */
async function boardWithPanel(page: Page): Promise<void> {
  await page.goto(FIRST_LESSON);
  // the first prompt (xterm does not paint off screen, as on a phone before a Run)
  await page.waitForFunction(() => performance.getEntriesByName('lab:prompt').length > 0, null, { timeout: 30_000 });
  await page.locator('.circuit-panel summary').click();
  await page.getByLabel('USB-serial adapter with DTR/RTS auto-reset').check();
  await page.locator('.flash-panel summary').click();
  await expect(page.getByRole('button', { name: 'Write firmware' })).toBeVisible();
}

/** The last `flash:write` measure flasher.ts records around esptool-js's writeFlash, in ms. */
async function lastWriteMs(page: Page): Promise<number> {
  return page.evaluate(() => performance.getEntriesByName('flash:write').at(-1)?.duration ?? NaN);
}

/** Writes the selected image; returns esptool's compressed size and the write's duration in ms. */
async function write(page: Page, minutes = 2): Promise<{ compressed: number; ms: number }> {
  await page.getByRole('button', { name: 'Write firmware' }).click();
  await expect(result(page)).toContainText('verified it (MD5)', { timeout: minutes * 60_000 });
  const m = /Compressed (\d+) bytes to (\d+)/.exec((await log(page).textContent()) ?? '');
  expect(m, 'esptool logged the compressed size').not.toBeNull();
  return { compressed: Number(m![2]), ms: await lastWriteMs(page) };
}

test('Real flashing speed: a write at 460800 baud takes at least compressed·10/460800 s; off it is much faster; the choice is remembered', async ({ page }) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.setViewportSize({ width: 1280, height: 800 });
  await boardWithPanel(page);
  await expect(realistic(page)).not.toBeChecked(); // off by default
  await page.getByRole('combobox', { name: 'esptool baud rate' }).selectOption('460800');
  // keyboard: Space on the focused checkbox ticks it
  await realistic(page).focus();
  await page.keyboard.press('Space');
  await expect(realistic(page)).toBeChecked();
  await expect(page.locator('#flash-realistic-note')).toContainText('baud rate');

  await page.getByRole('button', { name: 'Write firmware' }).click();
  // while it writes, the bar moves and the panel says how long is left
  const progress = page.locator('.flash-progress');
  await expect(progress).toContainText(/Writing… \d+ %, about \d+ s left/, { timeout: 30_000 });
  await page.locator('.flash-panel').scrollIntoViewIfNeeded();
  await page.locator('.flash-panel').screenshot({ path: 'screenshots/flash-realistic-1280.png' });
  await expect(result(page)).toContainText('verified it (MD5)', { timeout: 120_000 });
  const text = (await log(page).textContent()) ?? '';
  const compressed = Number(/Compressed \d+ bytes to (\d+)/.exec(text)?.[1]);
  const slowMs = await lastWriteMs(page);
  const lineMs = (compressed * BITS_PER_BYTE * 1000) / 460800;
  console.log(`real speed: ${compressed} compressed bytes written in ${(slowMs / 1000).toFixed(2)} s; the line needs ${(lineMs / 1000).toFixed(2)} s`);
  expect(compressed).toBeGreaterThan(100_000);
  expect(slowMs).toBeGreaterThanOrEqual(lineMs);
  expect(slowMs).toBeLessThan(lineMs * 2 + 5000); // paced, not stuck
  await expect(page.getByLabel('Flash progress')).toHaveAttribute('value', '100');

  // off: the same write at the emulator's pace
  await realistic(page).uncheck();
  const fast = await write(page);
  console.log(`emulator speed: ${fast.compressed} compressed bytes written in ${(fast.ms / 1000).toFixed(2)} s`);
  expect(fast.compressed).toBe(compressed);
  expect(fast.ms).toBeLessThan(lineMs / 3);

  // remembered across a reload (localStorage)
  await realistic(page).check();
  await page.reload();
  await page.locator('.flash-panel summary').click();
  await expect(realistic(page)).toBeChecked();
  expect(errors).toEqual([]);
});

test('Real flashing speed: Erase only takes the chip erase time (10 s for 4 MB) and counts it down', async ({ page }) => {
  test.setTimeout(120_000);
  await page.addInitScript(() => localStorage.setItem('esp8266-lab:flash-realistic', '1'));
  await boardWithPanel(page);
  await expect(realistic(page)).toBeChecked();
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Erase only' }).click();
  await expect(page.locator('.flash-progress')).toContainText(/Erasing the flash…, about \d+ s left/, { timeout: 20_000 });
  await expect(result(page)).toContainText('Erased the flash.', { timeout: 60_000 });
  const s = (Date.now() - t0) / 1000;
  const chip = chipEraseSeconds(4 * 1024 * 1024);
  console.log(`Erase only with real speed: ${s.toFixed(1)} s (chip erase ${chip} s)`);
  expect(s).toBeGreaterThanOrEqual(chip);
  await expect(log(page)).toContainText('Chip erase completed successfully');
});

for (const [w, h] of [[1366, 768], [390, 844]] as const) {
  test(`the Flash panel with Real flashing speed at ${w}x${h} (screenshot, axe)`, async ({ page }) => {
    test.setTimeout(120_000);
    await page.setViewportSize({ width: w, height: h });
    await page.addInitScript(() => localStorage.setItem('esp8266-lab:flash-realistic', '1'));
    await boardWithPanel(page);
    await page.getByRole('button', { name: 'Write firmware' }).click();
    await expect(page.locator('.flash-progress')).toContainText(/about \d+ s left/, { timeout: 30_000 });
    await page.locator('.flash-panel').scrollIntoViewIfNeeded();
    await page.locator('.flash-panel').screenshot({ path: `screenshots/flash-realistic-${w}.png` });
    const axe = await new AxeBuilder({ page }).include('.flash-panel').analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  });
}
