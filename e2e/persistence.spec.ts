/**
 * Persistence without loss (src/lib/board.ts, emulator/link/flash-file.ts): the flash is a file
 * in the Origin Private File System written by the emulator thread, each write on storage when
 * the firmware call returns; one tab at a time has a board (Web Locks).
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { BANNER, lastLine, openLessonAndBoot, terminalText, typeLine, waitForTerminal } from './helpers';

const LESSON = '/en/lessons/the-boot-process/';
const flat = (t: string) => t.replace(/\s+/g, '');
const SETUP = 'Performinginitialsetup';

async function prompt(page: Page): Promise<string> {
  return waitForTerminal(page, (t) => lastLine(t) === '>>>', 'prompt');
}

test('a reload right after f.close() returns keeps the file', async ({ page }) => {
  await openLessonAndBoot(page, LESSON);
  await prompt(page);
  await typeLine(page, "f=open('main.py','w'); f.write('print(\"kept-at-once\")'); f.close()");
  // at the prompt after the close: reload at once, no waiting for a save
  await waitForTerminal(page, (t) => /f\.close\(\)\d*>>>$/.test(flat(t)), 'prompt after the close', 5000);
  await page.reload();
  await waitForTerminal(page, (t) => t.includes(BANNER) && lastLine(t) === '>>>', 'banner after the reload');
  const boot = await terminalText(page);
  expect(flat(boot)).not.toContain(SETUP);
  // main.py ran at the boot
  expect(flat(boot)).toContain('kept-at-once');
  await typeLine(page, 'import os; print(os.listdir()); print(open("main.py").read())');
  await waitForTerminal(page, (t) => t.includes("['boot.py', 'main.py']\nprint(\"kept-at-once\")\n>>>"), 'the file and its content');
  // the firmware's MD5 trailer, written by the page after the first boot, reached the file too
  await typeLine(page, 'import esp; esp.check_fw()');
  await waitForTerminal(page, (t) => /md5: [0-9a-f]{32}\nTrue\n>>>$/.test(t), 'check_fw() passes after the reload');
});

test('closing the page in the middle of a loop of writes: the filesystem mounts and holds every file closed', async ({ context }) => {
  const page = await context.newPage();
  await openLessonAndBoot(page, LESSON);
  await prompt(page);
  await typeLine(page, "for i in range(400):\r    f=open('n%d.txt' % i,'w'); f.write('x'*300); f.close(); print('closed', i)\r");
  // let a good number of files be closed, then close the tab mid-loop
  const closed = (t: string) => Math.max(-1, ...[...t.matchAll(/closed (\d+)/g)].map((m) => Number(m[1])));
  await waitForTerminal(page, (t) => closed(t) >= 40, 'some files closed', 20_000);
  const seen = closed(await terminalText(page));
  await page.close();
  const again = await context.newPage();
  await openLessonAndBoot(again, LESSON);
  await prompt(again);
  expect(flat(await terminalText(again))).not.toContain(SETUP);
  // every file closed is whole; the one being written when the tab closed may exist, empty
  // (open() commits its entry, the data comes at close), as after a power cut on a board
  await typeLine(again, "import os; n=[x for x in os.listdir() if x.startswith('n')]; print('files', len(n), [x for x in n if open(x).read()!='x'*300], all(('n%d.txt' % i) in n for i in range(len(n))))");
  const t = await waitForTerminal(again, (x) => /files \d+ \[[^\]]*\] (True|False)\n>>>/.test(x), 'the count', 30_000);
  const [, count, bad, prefix] = /files (\d+) \[([^\]]*)\] (True|False)/.exec(t) ?? [];
  expect(Number(count)).toBeGreaterThanOrEqual(seen + 1);
  expect(Number(count)).toBeLessThan(400);
  expect(prefix).toBe('True');
  if (bad !== '') {
    expect(bad).toBe(`'n${Number(count) - 1}.txt'`);
    await typeLine(again, `print(len(open('n${Number(count) - 1}.txt').read()))`);
    await waitForTerminal(again, (x) => x.endsWith('\n0\n>>>'), 'the file open when the tab closed is empty');
  }
});

test('two tabs: the second says the board is open elsewhere, cannot change it, takes it over; the first says it lost it', async ({ context }) => {
  const first = await context.newPage();
  await openLessonAndBoot(first, LESSON);
  await prompt(first);
  await typeLine(first, "f=open('tabs.txt','w'); f.write('from-the-first-tab'); f.close()");
  await waitForTerminal(first, (t) => /f\.close\(\)\d*>>>$/.test(flat(t)), 'prompt after the close');

  const second = await context.newPage();
  await second.goto(LESSON);
  const notice = second.getByTestId('board-elsewhere');
  await expect(notice).toContainText('This board is open in another tab');
  await expect(notice).toHaveAttribute('data-state', 'elsewhere');
  // its board does not run: no banner, and typing reaches nothing
  await second.waitForTimeout(1500);
  expect(await terminalText(second)).not.toContain(BANNER);
  await typeLine(second, "open('second.txt','w').close()");
  await second.waitForTimeout(500);
  expect(await terminalText(second)).not.toContain('second.txt');
  const axe = await new AxeBuilder({ page: second }).include('[data-testid="board-elsewhere"]').analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  await second.setViewportSize({ width: 1280, height: 800 });
  await second.screenshot({ path: 'screenshots/persist-second-tab-1280.png' });
  await second.setViewportSize({ width: 390, height: 844 });
  await notice.scrollIntoViewIfNeeded();
  await second.screenshot({ path: 'screenshots/persist-second-tab-390.png' });
  await second.setViewportSize({ width: 1366, height: 768 });

  // the first tab still writes its board meanwhile
  await typeLine(first, "f=open('tabs.txt','a'); f.write('+more'); f.close()");
  await waitForTerminal(first, (t) => flat(t).includes("'+more')") && /f\.close\(\)\d*>>>$/.test(flat(t)), 'prompt after the second close');

  // take over by keyboard
  const take = notice.getByRole('button', { name: 'Use the board in this tab' });
  await take.focus();
  await second.keyboard.press('Enter');
  await waitForTerminal(second, (t) => t.includes(BANNER) && lastLine(t) === '>>>', 'the board boots in the second tab', 15_000);
  await expect(notice).toHaveCount(0);
  // the keyboard went on to the terminal of the board now here
  await expect(second.locator('.xterm-helper-textarea')).toBeFocused();
  await typeLine(second, "print(open('tabs.txt').read()); import os; print(os.listdir())");
  await waitForTerminal(second, (t) => t.includes("from-the-first-tab+more\n['boot.py', 'tabs.txt']\n>>>"), 'what the first tab wrote');

  const lost = first.getByTestId('board-elsewhere');
  await expect(lost).toHaveAttribute('data-state', 'lost');
  await expect(lost).toContainText('This board is now open in another tab');
  await first.screenshot({ path: 'screenshots/persist-first-tab-lost-1366.png' });
  // the first tab's board is stopped: what is typed there changes nothing
  await typeLine(first, "open('first-late.txt','w').close()");
  await first.waitForTimeout(500);
  await typeLine(second, 'print(os.listdir())');
  await waitForTerminal(second, (t) => t.endsWith("['boot.py', 'tabs.txt']\n>>>"), 'no file from the stopped tab');
  await typeLine(second, "open('second.txt','w').close()");
  await waitForTerminal(second, (t) => t.endsWith("open('second.txt','w').close()\n>>>"), 'a file from the second tab');

  // the tab that lost the board gets it back by itself when the other one closes
  const banners = (await terminalText(first)).split(BANNER).length;
  // the flash file has the write already: the tab closes at once
  await second.close();
  await expect(lost).toHaveCount(0, { timeout: 15_000 });
  await waitForTerminal(first, (t) => t.split(BANNER).length > banners && lastLine(t) === '>>>', 'the first tab boots again', 15_000);
  await typeLine(first, 'import os; print(sorted(os.listdir()))');
  await waitForTerminal(first, (t) => t.endsWith("['boot.py', 'second.txt', 'tabs.txt']\n>>>"), 'with what the second tab wrote');

  // a board got back that way can be taken over again
  const third = await context.newPage();
  await third.goto(LESSON);
  await third.getByTestId('board-elsewhere').getByRole('button', { name: 'Use the board in this tab' }).click();
  await waitForTerminal(third, (t) => t.includes(BANNER) && lastLine(t) === '>>>', 'the board boots in the third tab', 15_000);
  await expect(first.getByTestId('board-elsewhere')).toHaveAttribute('data-state', 'lost');
});

test('a board saved in IndexedDB before flash files moves into the file on first use; a damaged record is reported', async ({ page }) => {
  await openLessonAndBoot(page, LESSON);
  await prompt(page);
  await typeLine(page, "f=open('old.txt','w'); f.write('from-indexeddb'); f.close()");
  await waitForTerminal(page, (t) => /f\.close\(\)\d*>>>$/.test(flat(t)), 'prompt after the close');
  // make this browser look like one from before: the flash as an IndexedDB record, no file
  await page.goto('/');
  const idb = (action: 'file-to-record' | 'damage') =>
    page.evaluate(async (what) => {
      const dir = await navigator.storage.getDirectory();
      const name = 'esp8266-lab-flash-4M.bin';
      // the lesson page's emulator thread may take a moment to let go of the file
      for (let i = 0; ; i++) {
        try {
          await (await dir.getFileHandle(name)).createWritable().then((w) => w.abort());
          break;
        } catch (e) {
          if (i > 100) throw e;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const value = what === 'damage' ? 'not a flash image' : await (await (await dir.getFileHandle(name)).getFile()).arrayBuffer();
      await dir.removeEntry(name);
      await new Promise<void>((resolve, reject) => {
        const req = indexedDB.open('esp8266-lab', 1);
        req.onupgradeneeded = () => req.result.createObjectStore('flash');
        req.onsuccess = () => {
          const tx = req.result.transaction('flash', 'readwrite');
          tx.objectStore('flash').put(value, '4M');
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
        };
        req.onerror = () => reject(req.error);
      });
    }, action);
  await idb('file-to-record');
  await page.goto(LESSON);
  await waitForTerminal(page, (t) => t.includes(BANNER) && lastLine(t) === '>>>', 'banner');
  expect(flat(await terminalText(page))).not.toContain(SETUP);
  await typeLine(page, "print(open('old.txt').read())");
  await waitForTerminal(page, (t) => t.includes('\nfrom-indexeddb\n>>>'), 'the file from the record');
  // the file has it now: a damaged record is not even read
  await page.goto('/');
  await page.evaluate(async () => {
    const f = await (await (await navigator.storage.getDirectory()).getFileHandle('esp8266-lab-flash-4M.bin')).getFile();
    if (f.size !== 4194304) throw new Error(`file is ${f.size} bytes`);
  });
  // no file and a damaged record: reported, and a new board
  await idb('damage');
  await page.goto(LESSON);
  await expect(page.getByTestId('lab-notice')).toContainText('the saved board could not be read (not a flash image)');
  await waitForTerminal(page, (t) => flat(t).includes(SETUP) && lastLine(t) === '>>>', 'a new board');
});
