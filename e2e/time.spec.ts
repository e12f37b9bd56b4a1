/**
 * The lab's clock controls, the RTC's 7 h 45 min overflow and deep sleep, in Chromium.
 * Rules: reference esp8266-micropython-behaviour.md §4.2 (a read within 7 h keeps the RTC right,
 * none for longer than a wrap loses one), §2.5 and §6.2 (deep sleep, GPIO16→RST, DEEPSLEEP_RESET).
 */
import { expect, test } from '@playwright/test';
import { BANNER, lastLine, openLessonAndBoot, typeLine, waitForTerminal } from './helpers';

const SET_CLOCK = 'import machine, time; machine.RTC().datetime((2024, 2, 29, 0, 12, 0, 0, 0))';

test('an 8-hour jump with no read loses an RTC wrap; reading every 4 hours keeps the time', async ({ page }) => {
  await openLessonAndBoot(page);
  const uptime = page.getByTestId('board-uptime');
  // this board's RTC loses 0.05 s a minute; set it exact for round figures
  await expect(page.getByTestId('rtc-drift')).toHaveValue('-0.05');
  await page.getByTestId('rtc-drift').fill('0');
  await page.getByTestId('rtc-drift').press('Tab');
  await typeLine(page, SET_CLOCK);
  await waitForTerminal(page, (t) => t.endsWith('0, 0))\n>>>'), 'clock set');
  // no read for 8 h: the counter wrapped (7 h 45 min) without the firmware seeing it, so the clock
  // says 12:14 (20:00 less 7 h 45 min 38 s) instead of 20:00
  await page.getByTestId('jump-8h').click();
  await expect(uptime).toContainText(/up 8 h 0\d min/);
  await typeLine(page, 'time.localtime()[3:5]');
  await waitForTerminal(page, (t) => /\n\(12, 14\)\n>>>$/.test(t), 'the clock jumped back by a wrap');
  // again, with a read after every 4 hours: each read notices the wrap, the clock says 20:00
  await typeLine(page, SET_CLOCK);
  await waitForTerminal(page, (t) => t.endsWith('0, 0))\n>>>'), 'clock set again');
  for (let i = 0; i < 4; i++) await page.getByTestId('jump-1h').click();
  await typeLine(page, 'time.localtime()[3]');
  await waitForTerminal(page, (t) => t.endsWith('localtime()[3]\n16\n>>>'), '16:00 after 4 h');
  for (let i = 0; i < 4; i++) await page.getByTestId('jump-1h').click();
  await typeLine(page, 'time.localtime()[3:5]');
  await waitForTerminal(page, (t) => /\n\(20, 0\)\n>>>$/.test(t), '20:00 after 8 h with a read between');
  await page.getByTestId('clock-controls').screenshot({ path: 'screenshots/clock-controls.png' });
});

test('pause freezes the board clock; ×1 lets a sleep finish', async ({ page }) => {
  await openLessonAndBoot(page);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('board-uptime')).toContainText('paused');
  await typeLine(page, 'import time; time.sleep(1); print("slept")');
  await page.waitForTimeout(1500);
  expect(lastLine(await waitForTerminal(page, () => true, 'terminal'))).not.toBe('>>>');
  await page.getByRole('button', { name: '×1' }).click();
  await waitForTerminal(page, (t) => t.endsWith('slept\n>>>'), 'the sleep ended once the clock ran');
});

test('deep sleep with GPIO16 wired to RST: the picture shows it asleep, it wakes with DEEPSLEEP_RESET', async ({ page }) => {
  await openLessonAndBoot(page);
  await page.locator('.circuit-panel summary').click();
  await page.getByLabel('GPIO16 wired to RST (deep-sleep wake)').check();
  await typeLine(page, "import machine; machine.RTC().memory(b'kept'); machine.deepsleep(4000)");
  const board = page.locator('.board');
  await expect(board).toHaveAttribute('data-sleeping', 'true');
  await expect(page.getByTestId('sleep-badge')).toBeVisible();
  await expect(page.getByTestId('supply')).toContainText('20 µA');
  await expect(page.getByTestId('board-uptime')).toContainText('deep sleep');
  await board.screenshot({ path: 'screenshots/deep-sleep.png' });
  // the RTC timer pulls RST through the wire: a new boot, banner and prompt
  await waitForTerminal(page, (t) => t.split(BANNER).length === 3 && lastLine(t) === '>>>', 'the board woke and booted', 15_000);
  await expect(board).toHaveAttribute('data-sleeping', 'false');
  await expect(page.getByTestId('supply')).toContainText('70 mA');
  await typeLine(page, 'import machine; machine.reset_cause() == machine.DEEPSLEEP_RESET, machine.RTC().memory()');
  await waitForTerminal(page, (t) => t.endsWith("(True, b'kept')\n>>>"), 'reset_cause() says DEEPSLEEP_RESET, RTC memory kept');
});
