/**
 * The rest of the 4 MB build's modules in the lab, in Chromium: a `btree` database in a littlefs
 * file, typed at the lab's REPL, is there again after a reload (MP@v1.27.0 extmod/modbtree.c;
 * emulator/firmware/python/_fw_btree.py), a missing key is KeyError, and the differences page
 * says what differs for mip, ESP-NOW and btree (fidelity §20).
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { BANNER, lastLine, openLessonAndBoot, typeLine, waitForTerminal } from './helpers';

test('a btree database written at the REPL outlives a reload; a missing key is KeyError', async ({ page }) => {
  await openLessonAndBoot(page);
  await typeLine(page, "import btree; f = open('pins.db', 'w+b'); db = btree.open(f)");
  await waitForTerminal(page, (t) => t.endsWith('db = btree.open(f)\n>>>'), 'the database is open');
  await typeLine(page, "db[b'led'] = b'GPIO13'; db[b'button'] = b'GPIO0'; db.flush()");
  await waitForTerminal(page, (t) => t.endsWith("db.flush()\n0\n>>>"), 'flush() returns 0');
  await typeLine(page, 'db.close(); f.close()');
  await waitForTerminal(page, (t) => t.endsWith('f.close()\n0\n>>>'), 'closed');
  // the page keeps the flash in IndexedDB a moment after the last write
  await page.waitForTimeout(2000);
  await page.reload();
  await waitForTerminal(page, (t) => t.includes(BANNER) && lastLine(t) === '>>>', 'banner after the reload');
  await typeLine(page, "import btree; f = open('pins.db', 'r+b'); db = btree.open(f); list(db.items())");
  await waitForTerminal(page, (t) => t.endsWith("[(b'button', b'GPIO0'), (b'led', b'GPIO13')]\n>>>"), 'the items, in key order');
  await typeLine(page, "db[b'relay']");
  await waitForTerminal(page, (t) => t.endsWith('Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\nKeyError:\n>>>'), 'KeyError for a missing key');
  await typeLine(page, "db.get(b'relay', b'none'), db.close(), db");
  await waitForTerminal(page, (t) => t.endsWith("(b'none', 0, <btree 0>)\n>>>"), 'get with a default; closed');
  for (const [w, h, name] of [[1280, 800, 'desktop'], [1366, 768, 'laptop'], [390, 844, 'phone']] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: `screenshots/modules-btree-${name}.png` });
  }
});

test('the differences page has entries for mip, ESP-NOW and btree', async ({ page }) => {
  await page.goto('/en/differences/');
  for (const [id, text] of [['mip', 'rpartition'], ['espnow', 'channel 1'], ['btree', "Berkeley DB's layout"]] as const) {
    const dd = page.locator(`dt#${id} + dd`);
    await expect(dd).toBeVisible();
    await expect(dd).toContainText(text);
  }
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  await page.locator('dt#mip').scrollIntoViewIfNeeded();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: 'screenshots/modules-differences.png' });
});

test('mip installs a file from the virtual GitHub at the lab\'s REPL; the WiFi lesson shows how', async ({ page }) => {
  test.setTimeout(60_000);
  await openLessonAndBoot(page, '/en/lessons/wifi-and-sockets/');
  const flat = (t: string) => t.replace(/\n/g, '');
  await typeLine(page, "import network, time; sta = network.WLAN(network.WLAN.IF_STA); sta.active(True); sta.connect('ESP-Lab', 'esp8266lab')");
  await typeLine(page, 'while not sta.isconnected(): time.sleep(0.2)');
  await page.keyboard.press('Enter');
  await waitForTerminal(page, (t) => lastLine(t) === '>>>' && flat(t).endsWith('time.sleep(0.2)...>>>'), 'connected', 30_000);
  await typeLine(page, "import mip; mip.install('github:esp8266-lab/examples/blinky.py')");
  await waitForTerminal(page, (t) => t.endsWith('Downloading github:esp8266-lab/examples/blinky.py to /lib\nCopying: /lib/blinky.py\nDone\n>>>'), 'installed', 30_000);
  await typeLine(page, "import blinky; blinky.__version__");
  await waitForTerminal(page, (t) => t.endsWith("'1.0.0'\n>>>"), 'the module imports from /lib');
  const section = page.getByRole('heading', { name: 'Installing a library with mip' });
  await section.scrollIntoViewIfNeeded();
  await expect(section).toBeVisible();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: 'screenshots/modules-mip-lesson.png' });
});
