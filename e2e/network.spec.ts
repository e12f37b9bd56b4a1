/**
 * The virtual network in the real page: WiFi and an HTTP GET from the board, the LmacRxBlk
 * deadlock caused on purpose and cleared with Reset, and the laptop panel fetching the board's
 * own web server. Everything stays in the page (emulator/net/); no request leaves it.
 */
import { expect, test } from '@playwright/test';
import { BANNER, lastLine, openLessonAndBoot, typeLine, waitForTerminal } from './helpers';

const flat = (t: string) => t.replace(/\n/g, '');

test('connect to the lab WiFi and fetch a page with requests', async ({ page }) => {
  await openLessonAndBoot(page);
  await typeLine(page, "import network, socket, time; sta = network.WLAN(network.STA_IF); sta.active(True); sta.connect('ESP-Lab', 'esp8266lab')");
  await typeLine(page, 'time.sleep(3); print(sta.isconnected(), sta.ifconfig())');
  await waitForTerminal(page, (t) => flat(t).includes("True ('192.168.1.23', '255.255.255.0', '192.168.1.1', '8.8.8.8')"), 'connected, with its address', 15_000);
  await typeLine(page, "import requests; r = requests.get('http://example.com/hello.txt'); print(r.status_code, r.text)");
  await waitForTerminal(page, (t) => flat(t).includes('200 Hello from the virtual internet!') && lastLine(t) === '>>>', 'the page');
  await page.locator('.lab').screenshot({ path: 'screenshots/network-wifi-get.png' });
});

test('a socket left open fills the WiFi stack: LmacRxBlk:1 until Reset', async ({ page }) => {
  test.setTimeout(90_000);
  await openLessonAndBoot(page);
  await typeLine(page, "import network, socket, time, esp; esp.osdebug(0); sta = network.WLAN(network.STA_IF); sta.active(True); sta.connect('ESP-Lab', 'esp8266lab'); time.sleep(3)");
  await waitForTerminal(page, (t) => flat(t).includes('ip:192.168.1.23,mask:255.255.255.0,gw:192.168.1.1') && lastLine(t) === '>>>', 'the SDK\'s connection messages', 15_000);
  await typeLine(page, "s = socket.socket(); s.connect(socket.getaddrinfo('towel.blinkenlights.nl', 23)[0][-1]); s.recv(100); 1/0");
  await waitForTerminal(page, (t) => flat(t).includes('ZeroDivisionError'), 'the exception');
  const stuck = await waitForTerminal(page, (t) => (flat(t).match(/LmacRxBlk:1/g) ?? []).length >= 4, 'LmacRxBlk:1 again and again', 15_000);
  expect(stuck).toContain('LmacRxBlk:1');
  await page.locator('.lab').screenshot({ path: 'screenshots/network-lmacrxblk.png' });
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await waitForTerminal(page, (t) => flat(t).lastIndexOf(BANNER) > flat(t).lastIndexOf('LmacRxBlk:1') && lastLine(t) === '>>>', 'a new boot after Reset', 15_000);
  // the station reconnects by itself (the SDK keeps its settings) and networking works again
  // (waits for the station rather than a fixed time: on a loaded machine the rejoin can take longer)
  await typeLine(page, "import network, socket, time; sta = network.WLAN(network.STA_IF)");
  await typeLine(page, "while not sta.isconnected(): time.sleep(0.2)");
  await page.keyboard.press('Enter');
  await waitForTerminal(page, (t) => lastLine(t) === '>>>' && flat(t).endsWith('time.sleep(0.2)...>>>'), 'the station rejoined', 30_000);
  await typeLine(page, "print(socket.getaddrinfo('example.com', 80))");
  await waitForTerminal(page, (t) => flat(t).includes("[(2, 1, 0, '', ('203.0.113.10', 80))]") && lastLine(t) === '>>>', 'DNS works again', 30_000);
  await page.locator('.lab').screenshot({ path: 'screenshots/network-after-reset.png' });
});

test('the laptop panel fetches the board\'s own web server through its access point', async ({ page }) => {
  await openLessonAndBoot(page);
  await typeLine(page, "import socket; s = socket.socket(); s.bind(('', 80)); s.listen(1)");
  await typeLine(page, "cl, addr = s.accept(); print('client', addr); cl.recv(1000); cl.send('HTTP/1.0 200 OK\\r\\nContent-Type: text/html\\r\\n\\r\\n<h1>Hello from the ESP-07</h1>'); cl.close()");
  const panel = page.getByTestId('net-panel');
  await panel.locator('summary').click();
  await expect(page.getByTestId('net-url')).toHaveValue('http://192.168.4.1/');
  await page.getByTestId('net-send').click();
  await expect(page.getByTestId('net-response')).toContainText('<h1>Hello from the ESP-07</h1>', { timeout: 15_000 });
  await expect(page.getByTestId('net-status')).toContainText('joined MicroPython-c1dd42');
  await waitForTerminal(page, (t) => flat(t).includes("client ('192.168.4.2', 51234)") && lastLine(t) === '>>>', 'the board saw the laptop');
  await panel.screenshot({ path: 'screenshots/network-laptop-panel.png' });
  // nothing listens any more: refused
  await typeLine(page, 's.close()');
  await page.getByTestId('net-send').click();
  await expect(page.getByTestId('net-status')).toContainText('Connection refused');
});
