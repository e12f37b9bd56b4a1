/** The lab's board picture: pin map, ADC slider, PWM brightness. */
import { expect, test } from '@playwright/test';
import { lastLine, openLessonAndBoot, typeLine, waitForTerminal } from './helpers';

test('the pin map names each pad and types Pin(n) when clicked', async ({ page }) => {
  await openLessonAndBoot(page);
  await typeLine(page, 'from machine import Pin');
  const pad = page.locator('[data-gpio="14"]');
  await pad.hover();
  await expect(page.getByTestId('pad-info')).toContainText('GPIO14 — HSPI clock');
  await expect(page.getByTestId('pad-info')).toContainText('HSPI clock');
  // keyboard: Tab focus shows the info, Enter types Pin(n)
  await page.locator('[data-pad="GPIO2"]').focus();
  await expect(page.getByTestId('pad-info')).toContainText('strapping pin, must be high at reset');
  await page.keyboard.press('Enter');
  await waitForTerminal(page, (t) => lastLine(t) === '>>> Pin(2)', 'Pin(2) typed');
  await page.locator('.xterm').click();
  await page.keyboard.press('Enter');
  await waitForTerminal(page, (t) => t.endsWith('>>> Pin(2)\nPin(2)\n>>>'), 'Pin(2) evaluated');
  await pad.click();
  await waitForTerminal(page, (t) => lastLine(t) === '>>> Pin(14)', 'Pin(14) typed by a click');
  await page.locator('.board').screenshot({ path: 'screenshots/pin-map.png' });
});

test('the ADC slider sets what ADC(0).read() returns', async ({ page }) => {
  await openLessonAndBoot(page);
  const slider = page.getByRole('slider', { name: /ADC pin/ });
  await slider.fill('512');
  await expect(page.locator('.adc-control output')).toHaveText('0.50 V');
  await typeLine(page, 'from machine import ADC; ADC(0).read()');
  await waitForTerminal(page, (t) => t.endsWith('512\n>>>'), 'ADC reads 512');
  await slider.fill('1024');
  await typeLine(page, 'ADC(0).read()');
  await waitForTerminal(page, (t) => t.endsWith('ADC(0).read()\n1024\n>>>'), 'ADC reads 1024');
});

test('PWM on GPIO13 dims the LED', async ({ page }) => {
  await openLessonAndBoot(page);
  const led = page.locator('[data-led="13"]');
  await typeLine(page, 'from machine import Pin, PWM; p = PWM(Pin(13), freq=1000, duty=256)');
  await expect(led).toHaveAttribute('data-lit', 'true');
  await expect(led).toHaveAttribute('data-brightness', '0.25');
  await expect(page.locator('[data-gpio="13"]')).toHaveAttribute('data-duty', '256');
  await page.locator('.board').screenshot({ path: 'screenshots/pwm-quarter.png' });
  await typeLine(page, 'p.duty(1023)');
  await expect(led).toHaveAttribute('data-brightness', '1.00');
  await typeLine(page, 'p.duty(0)');
  await expect(led).toHaveAttribute('data-lit', 'false');
  await typeLine(page, 'p');
  await waitForTerminal(page, (t) => t.endsWith('PWM(13, freq=1000, duty=0)\n>>>'), 'PWM repr');
});

test('the differences page is linked from every page and readable', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'How the virtual ESP-07 differs from a real one' }).click();
  await expect(page.locator('h1')).toHaveText('How the virtual ESP-07 differs from a real one');
  await expect(page.locator('dt', { hasText: 'Floating point' })).toBeVisible();
});

test('the ESP8266 speed setting makes ticks_us() read what the chip would', async ({ page }) => {
  await openLessonAndBoot(page);
  await page.locator('.xterm').click();
  await page.keyboard.press('Control+E');
  for (const line of ['import time', 'def loop(n):', '    t = time.ticks_us()', '    for i in range(n):', '        pass', '    return time.ticks_diff(time.ticks_us(), t) // n']) {
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  }
  await page.keyboard.press('Control+D');
  await typeLine(page, 'print("fast", loop(10000))');
  const fast = Number(/fast (\d+)/.exec(await waitForTerminal(page, (t) => /fast \d+\n>>>$/.test(t), 'fast loop'))?.[1]);
  expect(fast).toBeLessThan(10);
  await page.getByRole('checkbox', { name: 'ESP8266 speed' }).check();
  await typeLine(page, 'print("esp", loop(10000))');
  const esp = Number(/esp (\d+)/.exec(await waitForTerminal(page, (t) => /esp \d+\n>>>$/.test(t), 'realistic loop'))?.[1]);
  expect(esp).toBeGreaterThanOrEqual(46 * 0.7);
  expect(esp).toBeLessThanOrEqual(46 * 1.3);
});

test('the ROM line is garbage at 115200 and readable at 74880; Flash + Reset enters download mode', async ({ page }) => {
  await openLessonAndBoot(page);
  // at 115200 the boot ROM's 74880-baud line arrived as garbage before the banner
  expect(await page.locator('.xterm-rows').textContent()).not.toContain('ets Jan');
  await page.getByRole('combobox', { name: 'Terminal baud rate' }).selectOption('74880');
  const flash = page.getByRole('button', { name: 'Flash (hold)' });
  // hold Flash from the keyboard (a mouse has one pointer), click Reset, then let go
  await flash.focus();
  await page.keyboard.down('Space');
  await expect(flash).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect(page.locator('.xterm-rows')).toContainText('ets Jan  8 2013,rst cause:2, boot mode:(1,6)');
  await page.locator('.lab').screenshot({ path: 'screenshots/download-mode.png' });
  await page.keyboard.up('Space');
  await expect(flash).toHaveAttribute('aria-pressed', 'false');
  // a reset without Flash at 74880: the ROM loads the firmware image from flash
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect(page.locator('.xterm-rows')).toContainText('load 0x40100000, len 28672, room 16');
  await expect(page.locator('.xterm-rows')).toContainText(/csum 0x[0-9a-f]{2}/);
  await page.locator('.lab').screenshot({ path: 'screenshots/rom-load-lines.png' });
  // back to the REPL's rate, reset without Flash: MicroPython boots
  await page.getByRole('combobox', { name: 'Terminal baud rate' }).selectOption('115200');
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await waitForTerminal(page, (t) => (t.match(/MicroPython v\d+\.\d+\.\d+ on/g) ?? []).length >= 1 && lastLine(t) === '>>>', 'banner after normal boot');
});

test("circuit panel: the blog's first circuit never reaches MicroPython; fitting the GPIO15 pull-down fixes it", async ({ page }) => {
  await openLessonAndBoot(page);
  await page.locator('.circuit-panel summary').click();
  await page.getByLabel('10 kΩ pull-down on GPIO15 (R4)').uncheck();
  await page.getByLabel('10 kΩ pull-up on GPIO2 (R3)').uncheck();
  await page.getByLabel('GPIO15 wired to the Flash button').check();
  await expect(page.locator('[data-pad="GPIO15"] .pad-note')).toHaveText(' to FLASH');
  await page.getByRole('combobox', { name: 'Terminal baud rate' }).selectOption('74880');
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect(page.locator('.xterm-rows')).toContainText('boot mode:(7,6)');
  await page.locator('.lab').screenshot({ path: 'screenshots/circuit-panel.png' });
  await page.getByRole('button', { name: 'Restore the working circuit' }).click();
  await expect(page.getByLabel('10 kΩ pull-down on GPIO15 (R4)')).toBeChecked();
  await page.getByRole('combobox', { name: 'Terminal baud rate' }).selectOption('115200');
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await waitForTerminal(page, (t) => (t.match(/MicroPython v\d+\.\d+\.\d+ on/g) ?? []).length >= 2 && lastLine(t) === '>>>', 'banner after the fix');
});
