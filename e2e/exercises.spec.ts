/** Exercises are checked from the board's state and remembered in the browser. */
import { expect, test } from '@playwright/test';
import { openLessonAndBoot, typeLine } from './helpers';

const LESSON = '/en/lessons/meet-the-esp07/';

test('driving GPIO12 high completes the exercise, and it stays done after a reload', async ({ page }) => {
  await openLessonAndBoot(page, LESSON);
  const status = page.getByTestId('exercise-meet-drive-gpio12');
  await expect(status).toHaveAttribute('data-done', 'false');
  await typeLine(page, 'from machine import Pin; p = Pin(12, Pin.OUT)');
  await expect(status).toHaveAttribute('data-done', 'false');
  await typeLine(page, 'p.value(1); p.value()');
  await expect(status).toHaveAttribute('data-done', 'true');
  await page.locator('.exercise').first().screenshot({ path: 'screenshots/exercise-done.png' });
  await page.reload();
  await expect(page.getByTestId('exercise-meet-drive-gpio12')).toHaveAttribute('data-done', 'true');
});

test('the half-brightness exercise needs PWM at about half duty; its solution solves it', async ({ page }) => {
  await openLessonAndBoot(page, LESSON);
  const status = page.getByTestId('exercise-meet-half-led');
  // the lesson's own fade loop passes through half duty: that is not "left at half brightness"
  const fade = page.locator('.runnable', { hasText: 'for d in range(0, 1024, 32)' }).getByRole('button', { name: /Run/ });
  await fade.click();
  await expect(page.locator('.xterm-rows')).toContainText('led.deinit()');
  await page.waitForTimeout(3000);
  await expect(status).toHaveAttribute('data-done', 'false');
  await typeLine(page, 'from machine import Pin, PWM; led = PWM(Pin(13), duty=100)');
  await page.waitForTimeout(300);
  await expect(status).toHaveAttribute('data-done', 'false');
  const exercise = page.locator('.exercise', { has: status });
  await exercise.locator('summary', { hasText: 'Solution' }).click();
  await exercise.locator('.exercise-solution').getByRole('button', { name: /Run/ }).click();
  await expect(status).toHaveAttribute('data-done', 'true');
});

test('hints and solutions are readable without JavaScript', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(LESSON);
  const first = page.locator('.exercise').first();
  await expect(first.locator('.exercise-goal')).toContainText('GPIO12');
  await first.locator('summary', { hasText: 'Hint' }).click();
  await expect(first.locator('.exercise-hint')).toHaveAttribute('open', '');
  await context.close();
});

test('filling the heap until MemoryError, then freeing it, completes the memory exercise', async ({ page }) => {
  await openLessonAndBoot(page, '/en/lessons/living-in-38k/');
  const status = page.getByTestId('exercise-mem-until-error');
  await expect(status).toHaveAttribute('data-done', 'false');
  // the learner's own attempt, typed at the REPL
  await typeLine(page, 'import gc; l = []');
  await typeLine(page, 'while True: l.append(bytearray(100))');
  await page.keyboard.press('Enter');
  await expect(page.locator('.xterm-rows')).toContainText('MemoryError: memory allocation failed', { timeout: 15_000 });
  await expect(status).toHaveAttribute('data-done', 'false');
  await typeLine(page, 'l = None; gc.collect()');
  await typeLine(page, "if gc.mem_free() > 30000: print('free again')");
  await page.keyboard.press('Enter');
  await expect(status).toHaveAttribute('data-done', 'true');
});

test('wiring lesson: download mode, then break and repair the circuit, each checked from the ROM line', async ({ page }) => {
  await openLessonAndBoot(page, '/en/lessons/wiring-and-boot-modes/');
  const download = page.getByTestId('exercise-boot-download-mode');
  const circuit = page.getByTestId('exercise-boot-broken-circuit');
  await expect(download).toHaveAttribute('data-done', 'false');
  await expect(circuit).toHaveAttribute('data-done', 'false');
  const reset = page.getByRole('button', { name: 'Reset', exact: true });
  // a plain reset is not download mode
  await reset.click();
  await openLessonAndBootAgain(page);
  await expect(download).toHaveAttribute('data-done', 'false');
  const flash = page.getByRole('button', { name: 'Flash (hold)' });
  await flash.focus();
  await page.keyboard.down('Space');
  await reset.click();
  await expect(download).toHaveAttribute('data-done', 'true');
  await page.keyboard.up('Space');
  // repairing a circuit that was never broken does not count
  await expect(circuit).toHaveAttribute('data-done', 'false');
  await page.locator('.circuit-panel summary').click();
  await page.getByLabel('10 kΩ pull-down on GPIO15 (R4)').uncheck();
  await reset.click();
  await expect(circuit).toHaveAttribute('data-done', 'false');
  await page.getByRole('button', { name: 'Restore the working circuit' }).click();
  await reset.click();
  await expect(circuit).toHaveAttribute('data-done', 'true');
  await page.locator('.exercise').nth(1).screenshot({ path: 'screenshots/exercise-broken-circuit.png' });
});

/** After a Reset: the banner again (a second one on the page) and a prompt. */
async function openLessonAndBootAgain(page: import('@playwright/test').Page): Promise<void> {
  await expect(page.locator('.xterm-rows')).toContainText(/MicroPython v\d+\.\d+\.\d+ on[\s\S]*MicroPython v\d+\.\d+\.\d+ on/);
}

test('code that only mentions the expected text does not tick: the echo of typed and pasted lines is not output', async ({ page }) => {
  await openLessonAndBoot(page, '/en/lessons/living-in-38k/');
  const status = page.getByTestId('exercise-mem-until-error');
  await typeLine(page, 'import gc; l = []');
  await typeLine(page, 'while True: l.append(bytearray(100))');
  await page.keyboard.press('Enter');
  await expect(page.locator('.xterm-rows')).toContainText('MemoryError: memory allocation failed', { timeout: 15_000 });
  // a wrong attempt whose code contains the text but prints something else
  await typeLine(page, 'l = [bytearray(5000) for i in range(5)]');
  await typeLine(page, "print('free again') if gc.mem_free() > 99999 else print('still full', 224)");
  await expect(page.locator('.xterm-rows')).toContainText('still full 224');
  await page.waitForTimeout(500);
  await expect(status).toHaveAttribute('data-done', 'false');
});

test('lesson 1: the LED must follow the Flash button; an LED left on does not count', async ({ page }) => {
  await openLessonAndBoot(page, '/en/lessons/first-steps/');
  const status = page.getByTestId('exercise-first-led-follows-button');
  const flash = page.getByRole('button', { name: 'Flash (hold)' });
  // wrong: the LED simply switched on, then the button pressed and released
  await typeLine(page, 'from machine import Pin; led = Pin(13, Pin.OUT); led.on()');
  await flash.focus();
  await page.keyboard.down('Space');
  await page.waitForTimeout(700);
  await page.keyboard.up('Space');
  await page.waitForTimeout(1200);
  await expect(status).toHaveAttribute('data-done', 'false');
  // right: the lesson's solution, then hold and release
  const exercise = page.locator('.exercise', { has: status });
  await exercise.locator('summary', { hasText: 'Solution' }).click();
  await exercise.locator('.exercise-solution').getByRole('button', { name: /Run/ }).click();
  await page.waitForTimeout(500);
  await flash.focus();
  await page.keyboard.down('Space');
  await page.waitForTimeout(800);
  await page.keyboard.up('Space');
  await expect(status).toHaveAttribute('data-done', 'true');
});

test('deep sleep without the GPIO16→RST wire: typing to the sleeping board explains why nothing answers', async ({ page }) => {
  await openLessonAndBoot(page, '/en/lessons/deep-sleep/');
  await typeLine(page, 'import machine; machine.deepsleep(600000)');
  await expect(page.locator('.board')).toHaveAttribute('data-sleeping', 'true');
  await typeLine(page, 'print(1)');
  await expect(page.getByTestId('lab-notice')).toContainText('GPIO16 is not wired to RST');
  await expect(page.locator('.xterm-rows')).toContainText('press Reset');
});
