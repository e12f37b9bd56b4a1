/**
 * The exercises of the time and network lessons, end to end in Chromium: the 8-hour jump losing a
 * wrap and NTP fixing the clock, a board counting its deep-sleep wake-ups, and the LmacRxBlk
 * deadlock caused, recovered by a hard reset and prevented with try/finally.
 */
import { expect, test, type Page } from '@playwright/test';
import { BANNER, lastLine, openLessonAndBoot, waitForTerminal } from './helpers';

/** Presses the Run button of the lesson's code block that contains `text`. */
async function run(page: Page, text: string): Promise<void> {
  const block = page.locator('.lesson-text .runnable', { hasText: text }).first();
  await block.getByRole('button', { name: /Run/ }).click();
}

const flat = (t: string) => t.replace(/\s+/g, '');

test('keeping time: +8 h without a read loses a wrap; NTP sets the clock (exercise)', async ({ page }) => {
  test.setTimeout(60_000);
  await openLessonAndBoot(page, '/en/lessons/keeping-time/');
  const status = page.getByTestId('exercise-time-overflow');
  await expect(status).toHaveAttribute('data-done', 'false');
  await run(page, "print('set to'");
  await waitForTerminal(page, (t) => t.includes('set to (9, 0)') && lastLine(t) === '>>>', 'clock set to 9:00');
  await page.getByTestId('jump-8h').click();
  await page.waitForTimeout(300);
  await run(page, "print('now'");
  // eight hours later the clock reads about 9:15: one 7 h 45 min wrap went unseen
  const t = await waitForTerminal(page, (x) => /now \((9|10), \d+\)/.test(x) && lastLine(x) === '>>>', 'the hour after the jump');
  expect(t).not.toContain('now (17,');
  const exercise = page.locator('.exercise', { has: status });
  await exercise.locator('summary', { hasText: 'Solution' }).click();
  await exercise.locator('.exercise-solution .runnable').nth(0).getByRole('button', { name: /Run/ }).click();
  // the prompt after this paste (its echo ends with the datetime line and an empty === line)
  await waitForTerminal(page, (x) => x.lastIndexOf('0, 9, 0, 0, 0))') > x.lastIndexOf("print('now'") && /0, 9, 0, 0, 0\)\)\n===\s*\n>>>$/.test(x), 'clock set again');
  await page.getByTestId('jump-8h').click();
  await page.waitForTimeout(300);
  await exercise.locator('.exercise-solution .runnable', { hasText: "'lost wrap'" }).getByRole('button', { name: /Run/ }).click();
  await waitForTerminal(page, (x) => x.includes('lost wrap') && lastLine(x) === '>>>', 'lost wrap');
  await exercise.locator('.exercise-solution .runnable', { hasText: 'ntptime.settime()' }).getByRole('button', { name: /Run/ }).click();
  await waitForTerminal(page, (x) => x.includes('synced') && lastLine(x) === '>>>', 'synced', 30_000);
  await expect(status).toHaveAttribute('data-done', 'true');
});

test('deep sleep: with GPIO16 wired to RST, main.py counts three wake-ups (exercise)', async ({ page }) => {
  test.setTimeout(60_000);
  await openLessonAndBoot(page, '/en/lessons/deep-sleep/');
  const status = page.getByTestId('exercise-deep-sleep-count');
  await page.locator('.circuit-panel summary').click();
  await page.getByLabel('GPIO16 wired to RST (deep-sleep wake)').check();
  const exercise = page.locator('.exercise', { has: status });
  await exercise.locator('summary', { hasText: 'Solution' }).click();
  await exercise.locator('.exercise-solution').getByRole('button', { name: /Run/ }).click();
  await waitForTerminal(page, (t) => lastLine(t) === '>>>' && t.includes('==='), 'main.py written');
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await waitForTerminal(page, (t) => flat(t).includes('wakenumber3') && lastLine(t) === '>>>', 'three wake-ups', 30_000);
  await expect(status).toHaveAttribute('data-done', 'true');
  await page.locator('.lab').screenshot({ path: 'screenshots/lesson-deep-sleep.png' });
});

test('wifi and sockets: LmacRxBlk, a hard reset, then try/finally (exercise)', async ({ page }) => {
  test.setTimeout(90_000);
  await openLessonAndBoot(page, '/en/lessons/wifi-and-sockets/');
  const status = page.getByTestId('exercise-sockets-close');
  await run(page, "sta.connect('ESP-Lab', 'esp8266lab')");
  await waitForTerminal(page, (t) => t.includes("('192.168.1.") && lastLine(t) === '>>>', 'connected');
  await run(page, "raise ValueError('something went wrong')"); // the first such block: no finally
  await waitForTerminal(page, (t) => t.includes('LmacRxBlk:1'), 'the deadlock', 20_000);
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await waitForTerminal(page, (t) => lastLine(t) === '>>>' && t.lastIndexOf(BANNER) > t.lastIndexOf('LmacRxBlk:1'), 'rebooted');
  // the board rejoins the saved network by itself; wait for it before the fixed version
  await page.locator('.xterm').click();
  await page.keyboard.type("import network, time\rwhile not network.WLAN(network.WLAN.IF_STA).isconnected(): time.sleep(0.2)\r\r");
  await waitForTerminal(page, (t) => lastLine(t) === '>>>', 'rejoined', 20_000);
  await run(page, "print('socket closed')");
  await waitForTerminal(page, (t) => t.includes('socket closed'), 'the fixed version', 20_000);
  await expect(status).toHaveAttribute('data-done', 'true');
});

test('TLS lesson: https works with example.com, the ECDHE-only host fails (exercise)', async ({ page }) => {
  test.setTimeout(60_000);
  await openLessonAndBoot(page, '/en/lessons/tls-on-a-small-chip/');
  const status = page.getByTestId('exercise-tls-limits');
  await run(page, "sta.connect('ESP-Lab', 'esp8266lab')");
  await waitForTerminal(page, (t) => t.includes("192.168.1.") && lastLine(t) === '>>>', 'connected');
  await run(page, "requests.get('https://example.com/')");
  await waitForTerminal(page, (t) => /\n200 /.test(t) && lastLine(t) === '>>>', 'HTTPS 200', 20_000);
  await run(page, "getaddrinfo('modern.example.org'");
  await waitForTerminal(page, (t) => t.includes('OSError: -40') && lastLine(t) === '>>>', 'the ECDHE handshake fails', 20_000);
  await expect(status).toHaveAttribute('data-done', 'true');
});

test('WebREPL lesson: setup, start, log in from the laptop panel and run code there (exercise)', async ({ page }) => {
  test.setTimeout(60_000);
  await openLessonAndBoot(page, '/en/lessons/webrepl/');
  const status = page.getByTestId('exercise-webrepl-connect');
  await run(page, 'import webrepl_setup');
  await waitForTerminal(page, (t) => t.trimEnd().endsWith('(Empty line to quit)\n>'), 'the (E)nable/(D)isable question');
  await page.locator('.xterm').click();
  for (const [answer, next] of [['E', 'New password (4-9 chars):'], ['lab123', 'Confirm password:'], ['lab123', 'Would you like to reboot now? (y/n)']] as const) {
    await page.keyboard.type(`${answer}\r`);
    await waitForTerminal(page, (t) => t.trimEnd().endsWith(next), next);
  }
  await page.keyboard.type('y\r');
  await waitForTerminal(page, (t) => flat(t).includes('Startedwebreplinnormalmode') && lastLine(t) === '>>>', 'WebREPL started at boot', 20_000);
  const panel = page.getByTestId('webrepl-panel');
  await panel.locator('summary').click();
  await page.getByTestId('webrepl-connect').click();
  await expect(page.getByTestId('webrepl-term')).toContainText('Password:', { timeout: 15_000 });
  await page.getByTestId('webrepl-input').fill('lab123');
  await page.getByTestId('webrepl-send').click();
  await expect(page.getByTestId('webrepl-term')).toContainText('WebREPL connected', { timeout: 15_000 });
  await page.getByTestId('webrepl-input').fill("print('webrepl ok')");
  await page.getByTestId('webrepl-send').click();
  await expect(status).toHaveAttribute('data-done', 'true');
});
