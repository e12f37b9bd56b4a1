/**
 * vfs.VfsFat in the lab, in Chromium: a block device written at the prompt is formatted and
 * mounted as FAT as on the board (MP@v1.27.0:extmod/vfs_fat.c over the FatFs copy in
 * lib/oofatfs; here emulator/firmware/fatfs.ts behind the emulator thread), and the differences
 * page says what remains different (no finaliser for a dropped FAT file).
 */
import { expect, test } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { openLessonAndBoot, typeLine, waitForTerminal } from './helpers';

/** A 512-byte-sector RAM disk of our own, one line for the REPL. */
const RAMDISK = [
  'class D:',
  ' def __init__(s, n): s.b = bytearray(n * 512)',
  ' def readblocks(s, n, b): b[:] = s.b[n * 512:n * 512 + len(b)]',
  ' def writeblocks(s, n, b): s.b[n * 512:n * 512 + len(b)] = b',
  ' def ioctl(s, o, a): return len(s.b) // 512 if o == 4 else None',
].join('\\n');

test('a RAM disk at the prompt: VfsFat.mkfs, mount, a file written and read back, the 8.3 name on the disk', async ({ page }) => {
  test.setTimeout(90_000);
  await openLessonAndBoot(page);
  await typeLine(page, `exec("${RAMDISK}")`);
  await typeLine(page, "import vfs, os; d = D(50); vfs.VfsFat.mkfs(d); vfs.mount(d, '/fat')");
  await typeLine(page, "f = open('/fat/hi.txt', 'w'); f.write('hi FAT'); f.close()");
  await waitForTerminal(page, (t) => t.endsWith('\n6\n>>>'), 'six bytes written', 30_000);
  await typeLine(page, "os.listdir('/fat'), os.statvfs('/fat')[2:4]");
  await waitForTerminal(page, (t) => t.endsWith("\n(['hi.txt'], (16, 15))\n>>>"), 'listed, one of 16 clusters used');
  await typeLine(page, "open('/fat/hi.txt').read(), b'HI      TXT' in d.b, vfs.VfsFat(d)");
  await waitForTerminal(page, (t) => t.endsWith("\n('hi FAT', True, <VfsFat>)\n>>>"), 'read back; the short name on the disk');
  for (const [w, h, name] of [[1280, 800, 'desktop'], [1366, 768, 'laptop'], [390, 844, 'phone']] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.locator('.xterm').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `screenshots/vfs-fat-${name}.png` });
  }
});

test('the differences page says VfsFat works and what differs', async ({ page }) => {
  await page.goto('/en/differences/');
  const text = page.locator('dt:has-text("The filesystem") + dd');
  await expect(text).toContainText('vfs.VfsFat works on a block device of your own');
  await expect(text).toContainText('close()');
  await expect(text).not.toContainText('not emulated');
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  await text.scrollIntoViewIfNeeded();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: 'screenshots/differences-vfs-fat.png' });
});
