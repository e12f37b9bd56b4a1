/**
 * The board's flash is kept in the browser: files survive a reload; factory reset, the flash-size
 * option, a damaged saved board; and the boot-process lesson's exercise.
 */
import { expect, test } from '@playwright/test';
import { BANNER, lastLine, openLessonAndBoot, typeLine, waitForTerminal } from './helpers';

const BOOT_LESSON = '/en/lessons/the-boot-process/';

/**
 * The terminal's text without white space: long lines wrap (trailing spaces of a row are
 * trimmed), and MicroPython's first line follows the ROM's garbage on the same row.
 */
const flat = (t: string) => t.replace(/\s+/g, '');
const SETUP = 'Performinginitialsetup';
/** The banner's start without white space, `MicroPythonv1.28.0` (the default build's release). */
const VERSION = flat(BANNER.split(' on ')[0] ?? BANNER);

/** Waits for the next prompt after the command just typed. */
async function prompt(page: import('@playwright/test').Page): Promise<string> {
  return waitForTerminal(page, (t) => lastLine(t) === '>>>', 'prompt');
}

test('a file written on the board is still there after a page reload', async ({ page }) => {
  await openLessonAndBoot(page, BOOT_LESSON);
  const first = await prompt(page);
  expect(flat(first)).toContain(SETUP);
  await typeLine(page, "f = open('keep.txt', 'w'); f.write('kept across reloads'); f.close()");
  await prompt(page);
  // the page saves the flash shortly after the board writes it
  await page.waitForTimeout(1500);
  await page.reload();
  await waitForTerminal(page, (t) => t.includes(BANNER) && lastLine(t) === '>>>', 'banner after reload');
  expect(flat(await prompt(page))).not.toContain(SETUP);
  await typeLine(page, "print(open('keep.txt').read())");
  await waitForTerminal(page, (t) => t.includes('\nkept across reloads\n>>>'), 'file content');
});

test('factory reset gives a new board; the flash size option switches builds and keeps each board', async ({ page }) => {
  await openLessonAndBoot(page, BOOT_LESSON);
  await typeLine(page, "open('x.txt', 'w').close(); print(len(os.listdir()))");
  await waitForTerminal(page, (t) => t.includes('\n2\n>>>'), 'two files');
  const options = page.locator('details.board-options');
  await options.locator('summary').click();
  await options.getByRole('button', { name: 'Factory reset…' }).click();
  await options.getByRole('button', { name: 'Yes, factory reset' }).click();
  await waitForTerminal(page, (t) => flat(t).lastIndexOf(SETUP) > flat(t).lastIndexOf('listdir()))2>>>') && lastLine(t) === '>>>', 'a new first boot');
  await typeLine(page, 'print(os.listdir())');
  await waitForTerminal(page, (t) => t.includes("\n['boot.py']\n>>>"), 'only boot.py after factory reset');

  await typeLine(page, "open('on4m.txt', 'w').close()");
  await prompt(page);
  await page.waitForTimeout(800);
  await options.getByTestId('flash-size').selectOption('512K');
  await waitForTerminal(page, (t) => t.includes('ESP module (512K) with ESP8266') && lastLine(t) === '>>>', '512K banner');
  await typeLine(page, 'import vfs');
  await waitForTerminal(page, (t) => t.includes("ImportError: no module named 'vfs'"), 'no vfs on 512K');
  await page.getByTestId('lab').screenshot({ path: 'screenshots/board-options-512k.png' });
  await options.getByTestId('flash-size').selectOption('4M');
  await waitForTerminal(page, (t) => lastLine(t) === '>>>' && t.lastIndexOf(BANNER) > t.lastIndexOf('(512K)'), '4M banner again');
  await typeLine(page, 'import os; print(sorted(os.listdir()))');
  await waitForTerminal(page, (t) => t.includes("\n['boot.py', 'on4m.txt']\n>>>"), 'the 4M board came back with its files');
});

test('a damaged saved board is reported and replaced by a new one', async ({ page }) => {
  await openLessonAndBoot(page, BOOT_LESSON);
  // the board keeps its flash in a file (src/lib/board.ts): damage it from a page without the lab
  await page.goto('/');
  await page.evaluate(async () => {
    const dir = await navigator.storage.getDirectory();
    const file = await dir.getFileHandle('esp8266-lab-flash-4M.bin');
    // the lesson page's emulator thread may take a moment to let go of the file
    for (let i = 0; ; i++) {
      try {
        const w = await file.createWritable();
        await w.write('not a flash image');
        await w.close();
        return;
      } catch (e) {
        if (i > 100) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
  await page.goto(BOOT_LESSON);
  await expect(page.getByTestId('lab-notice')).toContainText('the saved board could not be read (17 bytes instead of 4194304)');
  await waitForTerminal(page, (t) => flat(t).includes(SETUP) && lastLine(t) === '>>>', 'a new board');
});

test('boot-process lesson: main.py starting my_app on every boot completes the exercise', async ({ page }) => {
  await openLessonAndBoot(page, BOOT_LESSON);
  const status = page.getByTestId('exercise-boot-start-app');
  await expect(status).toHaveAttribute('data-done', 'false');
  const exercise = page.locator('.exercise', { has: status });
  await exercise.locator('summary', { hasText: 'Solution' }).click();
  await exercise.locator('.exercise-solution').getByRole('button', { name: /Run/ }).click();
  await prompt(page);
  await page.waitForTimeout(300);
  await expect(status).toHaveAttribute('data-done', 'false');
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await waitForTerminal(page, (t) => flat(t).includes(`app:started${VERSION}`), 'app line before the banner');
  await expect(status).toHaveAttribute('data-done', 'true');
  await page.locator('.exercise', { has: status }).screenshot({ path: 'screenshots/exercise-boot-app.png' });
});

test('with GPIO16 wired to RST in the circuit panel, driving GPIO16 low resets the board', async ({ page }) => {
  await openLessonAndBoot(page, BOOT_LESSON);
  await page.locator('.circuit-panel summary').click();
  await page.getByLabel('GPIO16 wired to RST (deep-sleep wake)').check();
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await prompt(page);
  await typeLine(page, 'from machine import Pin; p = Pin(16, Pin.OUT)');
  await waitForTerminal(page, (t) => lastLine(t) === '>>>' && flat(t).lastIndexOf(VERSION) > flat(t).indexOf('Pin(16,Pin.OUT)') && flat(t).includes('Pin(16,Pin.OUT)'), 'a reset after Pin(16, Pin.OUT)');
  await typeLine(page, 'import machine; machine.reset_cause()');
  await waitForTerminal(page, (t) => t.endsWith('\n6\n>>>'), 'HARD_RESET');
});
