/**
 * Two MicroPython releases (emulator/firmware/builds.ts RELEASES): a new board boots v1.28.0 on
 * the v1.28.0 wasm build alone; the Flash panel writes v1.27.0, after which the board boots v1.27.0
 * on its own wasm build (also after a reload); /firmware/ lists both releases' files.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, test, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { BANNER, lastLine, openLessonAndBoot, typeLine, waitForTerminal } from './helpers';
import { bannerLine, firmwareBuild, firmwareIdentity, RELEASES, type ReleaseId } from '../emulator/firmware/builds.ts';

const require = createRequire(import.meta.url);
/** Each release's wasm size in bytes as npm has it: how a request for it is told apart (the names are hashed). */
const WASM_BYTES = Object.fromEntries((Object.keys(RELEASES) as ReleaseId[]).map((r) => [r, statSync(require.resolve(`${RELEASES[r].wasmPackage}/micropython.wasm`)).size])) as Record<ReleaseId, number>;
const BANNER_127 = bannerLine(firmwareIdentity('4M', '1.27.0'));

// the service worker would fetch every file of the site for offline use: only the lab's own loads count here
test.use({ serviceWorkers: 'block' });

/** The releases whose wasm the page has loaded so far, in order. */
function wasmLoads(page: Page): ReleaseId[] {
  const loads: ReleaseId[] = [];
  page.on('response', async (r) => {
    if (!new URL(r.url()).pathname.endsWith('.wasm')) return;
    // the site serves each wasm patched at build time (a few hundred bytes more): the nearest size
    const size = (await r.body()).length;
    const release = (Object.keys(WASM_BYTES) as ReleaseId[]).find((k) => Math.abs(WASM_BYTES[k] - size) < 4096);
    loads.push(release ?? (`unknown ${size}` as ReleaseId));
  });
  return loads;
}

test('a new board boots v1.28.0 and loads only the v1.28.0 wasm', async ({ page }) => {
  expect(Math.abs(WASM_BYTES['1.27.0'] - WASM_BYTES['1.28.0'])).toBeGreaterThan(8192); // told apart by size
  const loads = wasmLoads(page);
  await openLessonAndBoot(page);
  const text = await waitForTerminal(page, (t) => t.includes(BANNER) && lastLine(t) === '>>>', 'the v1.28.0 banner');
  expect(BANNER).toBe('MicroPython v1.28.0 on 2026-04-06; ESP module with ESP8266');
  expect(text).not.toContain('v1.27.0');
  await typeLine(page, 'import sys; sys.implementation.version');
  await waitForTerminal(page, (t) => t.endsWith("(1, 28, 0, '')\n>>>"), 'sys.implementation.version');
  expect(loads).toEqual(['1.28.0']);
});

test('the Flash panel writes v1.27.0: the board boots v1.27.0 on its own wasm, and again after a reload', async ({ page }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const loads = wasmLoads(page);
  await openLessonAndBoot(page);
  await page.locator('.circuit-panel summary').click();
  await page.getByLabel('USB-serial adapter with DTR/RTS auto-reset').check();
  await page.locator('.flash-panel summary').click();
  const release = page.getByRole('combobox', { name: 'MicroPython release' });
  await expect(release).toHaveValue('1.28.0');
  await expect(page.getByRole('radio', { name: firmwareBuild('4M').file })).toBeChecked();
  await expect(page.getByRole('radio', { name: /v1\.27\.0\.bin/ })).toHaveCount(0);
  // by keyboard: the release, then the image of the same flash size is chosen in it
  await release.focus();
  await release.selectOption('1.27.0');
  await expect(page.locator('#flash-release-note')).toContainText('The release before');
  const file127 = firmwareBuild('4M', '1.27.0').file;
  await expect(page.getByRole('radio', { name: file127 })).toBeChecked();
  await expect(page.getByRole('radio', { name: /v1\.28\.0\.bin/ })).toHaveCount(0);
  await expect(page.getByRole('radio', { name: /ESP8266_GENERIC.*-20251209-v1\.27\.0\.bin/ })).toHaveCount(3);
  await expect(page.getByRole('link', { name: `Download ${file127}` })).toHaveAttribute('href', `/firmware/${file127}`);
  const axe = await new AxeBuilder({ page }).include('.flash-panel').analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  for (const [w, h, name] of [[1280, 800, 'desktop'], [1366, 768, 'laptop'], [390, 844, 'phone']] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.locator('.flash-panel').scrollIntoViewIfNeeded();
    await page.locator('.flash-panel').screenshot({ path: `screenshots/flash-release-${name}.png` });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('button', { name: 'Write firmware' }).click();
  await expect(page.getByTestId('flash-result')).toContainText(`Wrote ${file127} and verified it (MD5)`, { timeout: 60_000 });
  await page.locator('.terminal-wrap').scrollIntoViewIfNeeded();
  await waitForTerminal(page, (t) => t.split('terminal connected again')[1]?.includes(BANNER_127) === true && lastLine(t) === '>>>', 'v1.27.0 boots', 20_000);
  await typeLine(page, 'import sys; sys.implementation.version');
  await waitForTerminal(page, (t) => t.endsWith("(1, 27, 0, '')\n>>>"), 'the v1.27.0 interpreter runs');
  expect(loads).toEqual(['1.28.0', '1.27.0']);
  await page.screenshot({ path: 'screenshots/release-127-booted.png' });

  // the board keeps its firmware: a reload boots v1.27.0 again, on the v1.27.0 wasm alone
  await page.waitForTimeout(1000); // the page saves the flash 400 ms after the last write
  loads.length = 0;
  await page.reload();
  await waitForTerminal(page, (t) => t.includes(BANNER_127) && lastLine(t) === '>>>', 'v1.27.0 after the reload', 20_000);
  expect(await page.locator('.xterm-rows').textContent()).not.toContain('v1.28.0');
  expect(loads).toEqual(['1.27.0']);
  expect(errors).toEqual([]);
});

test('/firmware/ lists both releases, each for 4 MB, 1 MB and 512 KB, and the files download', async ({ page, request }) => {
  await page.goto('/firmware/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Firmware downloads');
  await expect(page.getByRole('heading', { name: 'MicroPython v1.28.0 (2026-04-06), the current release' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'MicroPython v1.27.0 (2025-12-09)' })).toBeVisible();
  for (const r of ['1.28.0', '1.27.0'] as const) {
    const table = page.getByTestId(`firmware-${r}`);
    await expect(table.locator('tbody tr')).toHaveCount(3);
    for (const flash of ['4M', '1M', '512K'] as const) {
      const b = firmwareBuild(flash, r);
      await expect(table.getByRole('link', { name: b.file })).toHaveAttribute('href', `/firmware/${b.file}`);
      await expect(table).toContainText(bannerLine(b.id));
      const res = await request.get(`/firmware/${b.file}`);
      expect(res.status()).toBe(200);
      expect((await res.body()).length).toBe(b.id.fileSize);
    }
  }
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  for (const [w, h, name] of [[1280, 800, 'desktop'], [1366, 768, 'laptop'], [390, 844, 'phone']] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: `screenshots/firmware-list-${name}.png`, fullPage: true });
  }
});
