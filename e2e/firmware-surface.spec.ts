/**
 * The firmware's module surface in the lab, in Chromium: what the ESP8266 build leaves out fails
 * as on the board (MP@v1.27.0:ports/esp8266/mpconfigport.h; the interpreter's tables are patched
 * at load, emulator/firmware/wasm-surface-patch.ts), and the differences page says what is left.
 */
import { expect, test } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { openLessonAndBoot, typeLine, waitForTerminal } from './helpers';
import { GENERIC_4M } from '../emulator/firmware/builds.ts';

test('str.center, random.randint and math.tau fail at the lab\'s prompt as on the board; os.uname() works with %', async ({ page }) => {
  await openLessonAndBoot(page);
  await typeLine(page, "'a'.center(5)");
  await waitForTerminal(page, (t) => t.endsWith("AttributeError: 'str' object has no attribute 'center'\n>>>"), 'no str.center');
  await typeLine(page, 'import random; random.randint(1, 6)');
  await waitForTerminal(page, (t) => t.endsWith("AttributeError: 'module' object has no attribute 'randint'\n>>>"), 'no random.randint');
  await typeLine(page, 'import math; math.tau');
  await waitForTerminal(page, (t) => t.endsWith("AttributeError: 'module' object has no attribute 'tau'\n>>>"), 'no math.tau');
  await typeLine(page, "import os; '%s on %s' % os.uname()[3:]");
  await waitForTerminal(page, (t) => t.endsWith(`'${GENERIC_4M.version} on ESP module with ESP8266'\n>>>`), 'uname with %');
  await typeLine(page, 'help(help)');
  await waitForTerminal(page, (t) => t.endsWith('object <function> is of type function\n>>>'), 'help is a built-in function');
  for (const [w, h, name] of [[1280, 800, 'desktop'], [1366, 768, 'laptop'], [390, 844, 'phone']] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: `screenshots/firmware-surface-${name}.png` });
  }
});

test('the differences page lists what the emulator removes and what remains', async ({ page }) => {
  await page.goto('/en/differences/');
  const entry = page.locator('dt', { hasText: 'Features the ESP8266 firmware leaves out' });
  await expect(entry).toBeVisible();
  const text = page.locator('dt:has-text("Features the ESP8266 firmware leaves out") + dd');
  await expect(text).toContainText('random.randint');
  // the spaces between inline code at line breaks survive the build (compressHTML off)
  await expect(text).toContainText('partition, splitlines');
  await expect(page.locator('dt#complex-numbers + dd')).toContainText('1j');
  await expect(text).not.toContainText('slice.indices');
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  await text.scrollIntoViewIfNeeded();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: 'screenshots/differences-surface.png' });
});
