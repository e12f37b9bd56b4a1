/** The Files panel: mpremote-style file transfer over the raw REPL, in the real page. */
import { expect, test, type Page } from '@playwright/test';
import { editorText, typeOver } from './code-editor';
import { BANNER, lastLine, openLessonAndBoot, terminalText, typeLine, waitForTerminal } from './helpers';

async function openFiles(page: Page) {
  const panel = page.getByTestId('files-panel');
  await panel.locator('summary').click();
  return panel;
}

/** The terminal's rows joined without line breaks (main.py's output follows the ROM's garbage, so it may wrap). */
const flat = (t: string) => t.replace(/\n/g, '');

/** Presses Reset and waits until `marker` is printed, then the banner and the prompt after it. */
async function resetAndSee(page: Page, marker: string): Promise<string> {
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  const t = await waitForTerminal(
    page,
    (t) => {
      const at = flat(t).lastIndexOf(marker);
      return at !== -1 && flat(t).indexOf(BANNER, at) > at && lastLine(t) === '>>>';
    },
    `${marker} printed by main.py, then the banner and >>>`,
  );
  return flat(t);
}

test('upload main.py, reset runs it; edit and save, reset runs the new text; it survives a reload', async ({ page }) => {
  await openLessonAndBoot(page);
  const panel = await openFiles(page);
  await panel.getByRole('button', { name: 'List files' }).click();
  const list = panel.getByTestId('files-list');
  await expect(list.locator('tr[data-file="boot.py"]')).toContainText('228 B');
  // after an operation the terminal is at the friendly prompt again
  await waitForTerminal(page, (t) => lastLine(t) === '>>>' && t.includes('terminal connected again'), 'prompt after listing');

  // the marker is built at run time, so it can only reach the terminal by main.py running
  await panel.getByTestId('files-upload').setInputFiles({
    name: 'main.py',
    mimeType: 'text/x-python',
    buffer: Buffer.from("print('MARKER-' + 'ONE')\n"),
  });
  await expect(list.locator('tr[data-file="main.py"]')).toContainText('25 B');
  await expect(panel.getByTestId('files-status')).toContainText('Uploaded main.py');
  await resetAndSee(page, 'MARKER-ONE');

  await panel.getByRole('button', { name: 'Edit main.py' }).click();
  // the file opens in the site's code editor (CodeMirror), focused
  const text = panel.getByRole('textbox', { name: 'Contents of /main.py' });
  await expect(text).toBeFocused();
  expect(await editorText(panel.getByTestId('files-text'))).toBe("print('MARKER-' + 'ONE')\n");
  await typeOver(page, "print('MARKER-' + 'TWO')\nprint('second line')\n");
  expect(await editorText(panel.getByTestId('files-text'))).toBe("print('MARKER-' + 'TWO')\nprint('second line')\n");
  await expect(panel.getByText('(not saved)')).toBeVisible();
  await panel.locator('.files-editor').screenshot({ path: 'screenshots/files-editor.png' });
  await panel.getByRole('button', { name: 'Save to board' }).click();
  await expect(panel.getByTestId('files-status')).toContainText('Saved /main.py');
  await expect(list.locator('tr[data-file="main.py"]')).toContainText('46 B');
  const after = await resetAndSee(page, 'MARKER-TWO');
  expect(after.slice(after.lastIndexOf('MARKER-TWO'))).toContain('second line');
  await panel.screenshot({ path: 'screenshots/files-panel.png' });
  await page.locator('.terminal-wrap').screenshot({ path: 'screenshots/files-terminal-after-reset.png' });

  // the flash is kept in IndexedDB: after a reload the file is still there
  await page.waitForTimeout(1000); // the page saves the flash 400 ms after the last write
  await page.reload();
  await waitForTerminal(page, (t) => flat(t).includes('MARKER-TWO') && lastLine(t) === '>>>', 'main.py runs at power-on after the reload');
  const again = await openFiles(page);
  await again.getByRole('button', { name: 'List files' }).click();
  await expect(again.locator('tr[data-file="main.py"]')).toContainText('46 B');
});

test('works while a program runs; download gives the bytes; delete asks first; errors are clear', async ({ page }) => {
  await openLessonAndBoot(page);
  const panel = await openFiles(page);
  await panel.getByRole('button', { name: 'List files' }).click();
  await expect(panel.locator('tr[data-file="boot.py"]')).toBeVisible();

  // a runaway loop: the panel stops it with Ctrl-C, as mpremote does
  await typeLine(page, 'n = 7');
  await typeLine(page, 'while True: pass');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
  expect(lastLine(await terminalText(page))).not.toBe('>>>');
  const bin = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 13) & 0xff));
  await panel.getByTestId('files-upload').setInputFiles([
    { name: 'data.bin', mimeType: 'application/octet-stream', buffer: bin },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('héllo\n') },
  ]);
  await expect(panel.getByTestId('files-status')).toContainText('Uploaded data.bin, notes.txt');
  await expect(panel.locator('tr[data-file="data.bin"]')).toContainText('2.9 KB');
  await waitForTerminal(page, (t) => lastLine(t) === '>>>', 'prompt after the upload');
  await typeLine(page, 'n * 6');
  await waitForTerminal(page, (t) => t.endsWith('n * 6\n42\n>>>'), 'the interrupted program’s variables are kept');

  const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Download data.bin' }).click()]);
  expect(download.suggestedFilename()).toBe('data.bin');
  const path = await download.path();
  const { readFile } = await import('node:fs/promises');
  expect(Buffer.compare(await readFile(path), bin)).toBe(0);

  // a new file with a name that exists is refused before anything is sent
  await panel.getByRole('button', { name: 'New file' }).click();
  await expect(panel.getByRole('textbox', { name: 'New file name' })).toBeFocused();
  await page.keyboard.type('notes.txt');
  await panel.getByRole('button', { name: 'Save to board' }).click();
  await expect(panel.getByTestId('files-error')).toContainText('notes.txt already exists');
  await panel.getByRole('button', { name: 'Close' }).click();

  // delete, from the keyboard, with a confirmation step
  await panel.getByRole('button', { name: 'Delete notes.txt' }).focus();
  await page.keyboard.press('Enter');
  const confirm = panel.getByRole('group', { name: 'Confirm deleting notes.txt' });
  await expect(confirm.getByRole('button', { name: 'Yes, delete' })).toBeFocused();
  await panel.screenshot({ path: 'screenshots/files-confirm-delete.png' });
  await page.keyboard.press('Enter');
  await expect(panel.getByTestId('files-status')).toContainText('Deleted /notes.txt');
  await expect(panel.locator('tr[data-file="notes.txt"]')).toHaveCount(0);

  // the board's own error, explained: the file went away behind the panel's back
  await typeLine(page, "import os; os.remove('data.bin')");
  await waitForTerminal(page, (t) => t.endsWith("os.remove('data.bin')\n>>>"), 'removed at the REPL');
  await panel.getByRole('button', { name: 'Edit data.bin' }).click();
  await expect(panel.getByTestId('files-error')).toContainText('there is no such file or directory (the board said OSError: [Errno 2] ENOENT)');
  await expect(panel.locator('tr[data-file="data.bin"]')).toHaveCount(0); // the list shows the board as it is
  await panel.screenshot({ path: 'screenshots/files-error.png' });

  // a big upload: the panel is busy, its buttons are disabled, and a progress bar moves
  const big = Buffer.alloc(48_000, 0x5a);
  await panel.getByTestId('files-upload').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: big });
  await expect(panel).toHaveAttribute('aria-busy', 'true');
  await expect(panel.getByRole('button', { name: 'Refresh' })).toBeDisabled();
  await expect(panel.getByRole('progressbar', { name: 'Transfer progress' })).toBeVisible();
  await panel.screenshot({ path: 'screenshots/files-busy.png' });
  await expect(panel.locator('tr[data-file="big.bin"]')).toContainText('47 KB', { timeout: 30_000 });
  await expect(panel).toHaveAttribute('aria-busy', 'false');
});
