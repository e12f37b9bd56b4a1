/**
 * WebREPL in the real page: `import webrepl_setup` at the serial REPL (its real questions),
 * `webrepl.start()` (its real messages, reference §5.5), then the laptop's WebREPL client panel
 * connects over the virtual network to 192.168.4.1:8266, gives the password and runs `1+1`.
 * Nothing leaves the page (emulator/net/webrepl.ts).
 */
import { expect, test } from '@playwright/test';
import { lastLine, openLessonAndBoot, typeLine, waitForTerminal } from './helpers';

const flat = (t: string) => t.replace(/\n/g, '');

test('set up WebREPL at the REPL, start it, connect from the laptop panel and run 1+1', async ({ page }) => {
  await openLessonAndBoot(page);
  await typeLine(page, 'import webrepl_setup');
  await waitForTerminal(page, (t) => t.trimEnd().endsWith('>'), 'the (E)nable/(D)isable question');
  await typeLine(page, 'E');
  await waitForTerminal(page, (t) => t.trimEnd().endsWith('New password (4-9 chars):'), 'the password prompt');
  await typeLine(page, 'lab1234');
  await waitForTerminal(page, (t) => t.trimEnd().endsWith('Confirm password:'), 'the confirmation');
  await typeLine(page, 'lab1234');
  await waitForTerminal(page, (t) => t.trimEnd().endsWith('Would you like to reboot now? (y/n)'), 'the reboot question');
  await typeLine(page, 'n');
  await waitForTerminal(page, (t) => lastLine(t) === '>>>', 'the prompt again');
  await typeLine(page, 'import webrepl; webrepl.start()');
  await waitForTerminal(page, (t) => flat(t).includes('WebREPL server started on http://192.168.4.1:8266/Started webrepl in normal mode') && lastLine(t) === '>>>', 'WebREPL started');
  await page.locator('.lab').screenshot({ path: 'screenshots/webrepl-setup.png' });

  const panel = page.getByTestId('webrepl-panel');
  await panel.locator('summary').click();
  await expect(page.getByTestId('webrepl-url')).toHaveValue('ws://192.168.4.1:8266/');
  await page.getByTestId('webrepl-connect').click();
  await expect(page.getByTestId('webrepl-term')).toContainText('Password:', { timeout: 15_000 });
  await waitForTerminal(page, (t) => flat(t).includes("WebREPL connection from: ('192.168.4.2', 54321)"), 'the board saw the laptop');
  await page.getByTestId('webrepl-input').fill('lab1234');
  await page.getByTestId('webrepl-send').click();
  await expect(page.getByTestId('webrepl-term')).toContainText('WebREPL connected', { timeout: 15_000 });
  await page.getByTestId('webrepl-input').fill('1+1');
  await page.getByTestId('webrepl-send').click();
  await expect(page.getByTestId('webrepl-term')).toContainText('>>> 1+1\n2\n>>>', { timeout: 15_000 });
  // dupterm: the serial terminal shows the same session
  await waitForTerminal(page, (t) => flat(t).includes('1+12>>>'), 'the REPL duplicated on the serial terminal');
  await panel.screenshot({ path: 'screenshots/webrepl-panel.png' });
  await page.locator('.lab').screenshot({ path: 'screenshots/webrepl-lab.png' });
});
