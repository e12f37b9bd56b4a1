/** Runaway code never freezes the page. */
import { expect, test } from '@playwright/test';
import { lastLine, openLessonAndBoot, typeLine, waitForTerminal } from './helpers';

test('a print flood keeps the page responsive and stops on Ctrl-C', async ({ page }) => {
  await openLessonAndBoot(page);
  await typeLine(page, "while True: print('flood ' * 8)");
  await page.keyboard.press('Enter');
  await waitForTerminal(page, (t) => t.includes('flood flood'), 'flood output');
  // the main thread still answers quickly while the board prints as fast as it can
  const lags: number[] = [];
  for (let i = 0; i < 5; i++) {
    lags.push(await page.evaluate(() => new Promise<number>((resolve) => {
      const t0 = performance.now();
      setTimeout(() => resolve(performance.now() - t0), 0);
    })));
  }
  expect(Math.max(...lags)).toBeLessThan(250);
  await page.getByRole('button', { name: 'Reset', exact: true }).hover();
  await page.locator('.xterm').click();
  await page.keyboard.press('Control+C');
  await waitForTerminal(page, (t) => t.includes('KeyboardInterrupt:') && lastLine(t) === '>>>', 'stopped');
});

test('a memory bomb gives MemoryError and the board goes on', async ({ page }) => {
  await openLessonAndBoot(page);
  await typeLine(page, 'b = bytearray(10**9)');
  await waitForTerminal(page, (t) => t.includes('MemoryError: memory allocation failed') && lastLine(t) === '>>>', 'MemoryError');
  await typeLine(page, '2**10');
  await waitForTerminal(page, (t) => t.endsWith('1024\n>>>'), 'REPL alive');
});
