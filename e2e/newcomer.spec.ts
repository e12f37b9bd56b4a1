/**
 * The newcomer story of issue 2, in real Chromium against the built site.
 */
import { expect, test } from '@playwright/test';
import { BANNER, FIRST_LESSON, lastLine, openLessonAndBoot, terminalText, typeLine, waitForTerminal } from './helpers';

test('home page lists the lessons with summaries', async ({ page }) => {
  await page.goto('/');
  const items = page.locator('.lesson-list li');
  await expect(items).toHaveCount(12);
  await expect(items.first().locator('a')).toHaveText('First steps: the REPL and the LED on GPIO13');
  await expect(items.first().locator('p')).not.toBeEmpty();
  await items.first().locator('a').click();
  await expect(page).toHaveURL(FIRST_LESSON);
});

test('the lesson boots a virtual ESP-07 showing the banner, cross-origin isolated', async ({ page }) => {
  await openLessonAndBoot(page);
  const text = await terminalText(page);
  expect(text).toContain(`${BANNER}\nType "help()" for more information.\n>>>`);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(page.locator('h1')).toHaveText('First steps: the REPL and the LED on GPIO13');
});

test('typing at the REPL lights and darkens the LED on GPIO13', async ({ page }) => {
  await openLessonAndBoot(page);
  const led = page.locator('[data-led="13"]');
  await expect(led).toHaveAttribute('data-lit', 'false');
  await typeLine(page, 'from machine import Pin');
  await typeLine(page, 'led = Pin(13, Pin.OUT)');
  await expect(page.locator('[data-gpio="13"]')).toHaveAttribute('data-level', 'low');
  await typeLine(page, 'led.on()');
  await expect(led).toHaveAttribute('data-lit', 'true');
  await expect(page.locator('[data-gpio="13"]')).toHaveAttribute('data-level', 'high');
  await expect(page.getByTestId('led-status')).toHaveText('LED on GPIO13 is on');
  await page.locator('.board').screenshot({ path: 'screenshots/led-on.png' });
  await typeLine(page, 'led.off()');
  await expect(led).toHaveAttribute('data-lit', 'false');
  await expect(page.getByTestId('led-status')).toHaveText('LED on GPIO13 is off');
  await page.screenshot({ path: 'screenshots/lesson-led-off.png', fullPage: false });
});

test('Run blinks the LED; Ctrl-C stops it with KeyboardInterrupt and keeps variables', async ({ page }) => {
  await openLessonAndBoot(page);
  const block = page.locator('.runnable', { hasText: 'while True' }).first();
  await block.getByRole('button', { name: /Run/ }).click();
  const led = page.locator('[data-led="13"]');
  // it blinks: both states are seen while the loop runs
  await expect(led).toHaveAttribute('data-lit', 'true', { timeout: 5000 });
  await expect(led).toHaveAttribute('data-lit', 'false', { timeout: 5000 });
  await expect(led).toHaveAttribute('data-lit', 'true', { timeout: 5000 });
  await page.screenshot({ path: 'screenshots/blinking.png' });
  await page.locator('.xterm').click();
  await page.keyboard.press('Control+C');
  const text = await waitForTerminal(page, (t) => t.includes('KeyboardInterrupt:') && lastLine(t) === '>>>', 'KeyboardInterrupt and prompt');
  expect(text).toMatch(/Traceback \(most recent call last\):\n {2}File "<stdin>", line \d+, in <module>\nKeyboardInterrupt:\n>>>$/);
  await typeLine(page, 'print(type(led).__name__, led)');
  await waitForTerminal(page, (t) => t.includes('Pin Pin(13)') && lastLine(t) === '>>>', 'led still defined');
  expect(await page.getByTestId('lab-notice').textContent()).toBe('');
});

test('Ctrl-C stops a tight loop that never sleeps, keeping the REPL state', async ({ page }) => {
  await openLessonAndBoot(page);
  await typeLine(page, 'n = 0');
  await typeLine(page, 'while True: n += 1');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
  await page.keyboard.press('Control+C');
  await waitForTerminal(page, (t) => t.endsWith('KeyboardInterrupt:\n>>>'), 'KeyboardInterrupt');
  await typeLine(page, 'n > 1000');
  await waitForTerminal(page, (t) => t.endsWith('True\n>>>'), 'n kept');
});

test('Reset hard-resets the board: banner again, LED off, variables gone', async ({ page }) => {
  await openLessonAndBoot(page);
  await typeLine(page, 'from machine import Pin; Pin(13, Pin.OUT).on(); k = 1');
  await expect(page.locator('[data-led="13"]')).toHaveAttribute('data-lit', 'true');
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect(page.locator('[data-led="13"]')).toHaveAttribute('data-lit', 'false');
  await waitForTerminal(page, (t) => (t.match(/MicroPython v\d+\.\d+\.\d+ on/g) ?? []).length === 2 && lastLine(t) === '>>>', 'second banner');
  await typeLine(page, 'k');
  await waitForTerminal(page, (t) => t.includes("NameError: name 'k' isn't defined"), 'k gone');
});

test('the Flash button is keyboard operable and pulls GPIO0 low while held', async ({ page }) => {
  await openLessonAndBoot(page);
  await typeLine(page, 'from machine import Pin; b = Pin(0, Pin.IN)');
  await typeLine(page, 'b.value()');
  await waitForTerminal(page, (t) => t.endsWith('b.value()\n1\n>>>'), 'GPIO0 high');
  const flash = page.getByRole('button', { name: 'Flash (hold)' });
  await flash.focus();
  await page.keyboard.down('Space');
  await expect(flash).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.up('Space');
  await expect(flash).toHaveAttribute('aria-pressed', 'false');
  // hold it with the mouse and read GPIO0 from the terminal meanwhile
  const box = (await flash.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await expect(flash).toHaveAttribute('aria-pressed', 'true');
  await page.locator('.xterm-helper-textarea').focus();
  await page.keyboard.type('b.value()');
  await page.keyboard.press('Enter');
  await waitForTerminal(page, (t) => t.endsWith('b.value()\n0\n>>>'), 'GPIO0 low while Flash held');
  await page.mouse.up();
  await expect(flash).toHaveAttribute('aria-pressed', 'false');
});

test('UTF-8 typed at the prompt is kept', async ({ page }) => {
  await openLessonAndBoot(page);
  await page.locator('.xterm').click();
  await page.keyboard.insertText('print("你好")');
  await page.keyboard.press('Enter');
  await waitForTerminal(page, (t) => /\n你好\n>>>$/.test(t), 'print of UTF-8');
});

test('lesson pages link to the previous and next lesson', async ({ page }) => {
  await page.goto(FIRST_LESSON);
  const next = page.locator('a[rel="next"]');
  await expect(next).toBeVisible();
  await next.click();
  await expect(page.locator('a[rel="prev"]')).toHaveAttribute('href', FIRST_LESSON);
});

test('no request leaves the site\'s origin', async ({ page, baseURL }) => {
  const origins = new Set<string>();
  page.on('request', (r) => origins.add(new URL(r.url()).origin));
  await openLessonAndBoot(page);
  const block = page.locator('.runnable').first();
  await block.getByRole('button', { name: /Run/ }).click();
  await page.waitForTimeout(500);
  await page.goto('/');
  expect([...origins]).toEqual([new URL(baseURL!).origin]);
});

test('wide screens show text and lab side by side, with the lab staying in view', async ({ page }) => {
  await page.goto(FIRST_LESSON);
  const text = await page.locator('.lesson-text').boundingBox();
  const lab = await page.locator('aside.lab').boundingBox();
  expect(lab!.x).toBeGreaterThan(text!.x + text!.width - 1);
  await page.mouse.wheel(0, 1500);
  await page.waitForTimeout(300);
  const labAfter = await page.locator('aside.lab').boundingBox();
  expect(labAfter!.y).toBeGreaterThanOrEqual(0);
  expect(labAfter!.y).toBeLessThan(40);
});

test('narrow screens stack the lab under the text', async ({ page }) => {
  await page.setViewportSize({ width: 600, height: 900 });
  await page.goto(FIRST_LESSON);
  const text = await page.locator('.lesson-text').boundingBox();
  const lab = await page.locator('aside.lab').boundingBox();
  expect(lab!.y).toBeGreaterThan(text!.y + text!.height - 1);
  await page.screenshot({ path: 'screenshots/narrow.png', fullPage: false });
});
