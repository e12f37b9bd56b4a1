/** Reading works without JavaScript: text, highlighted code and pictures; the lab leaves a note. */
import { expect, test } from '@playwright/test';
import { FIRST_LESSON } from './helpers';

test.use({ javaScriptEnabled: false });

test('a lesson reads without JavaScript', async ({ page }) => {
  await page.goto(FIRST_LESSON);
  await expect(page.locator('h1')).toHaveText('First steps: the REPL and the LED on GPIO13');
  // code highlighted at build time (Shiki colours the tokens with inline styles)
  const code = page.locator('pre.astro-code[data-language="python"]').first();
  await expect(code).toBeVisible();
  expect(await code.locator('span[style*="color"]').count()).toBeGreaterThan(3);
  await expect(page.locator('.lab-note')).toContainText('needs JavaScript');
  await expect(page.locator('.xterm')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Run/ })).toHaveCount(0);
  const objectives = page.locator('.objectives li');
  expect(await objectives.count()).toBeGreaterThan(1);
  await page.screenshot({ path: 'screenshots/no-js.png', fullPage: true });
});
