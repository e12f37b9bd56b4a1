/**
 * A room served from one laptop: students open http://<teacher-ip>:port/, which is plain HTTP to
 * another computer — not a secure context, so no SharedArrayBuffer, no cross-origin isolation,
 * no service worker. Chromium is told that `lab.test` is 127.0.0.1 (--host-resolver-rules), so
 * the page has a host name that is not localhost, exactly as on the room's network. The lab must
 * boot, run code, sleep, answer input() while a program runs (the workshop server's relay,
 * workshop/RELAY.md), stop a runaway loop, and its Files panel must work. With `--https` the
 * same host gets the full, cross-origin isolated lab.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import type { ChildProcess } from 'node:child_process';
import { BANNER, lastLine, startWorkshopServer, terminalText, typeLine, waitForTerminal } from './helpers';
import { firmwareBuild } from '../emulator/firmware/builds.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PYTHON = process.env.PYTHON ?? 'python3';
const HOST = 'lab.test';
const ZIP = path.join(REPO, 'bundle', 'esp8266-lab-workshop.zip');

/** The servers come from the workshop zip (its lib/ has what --https needs); they serve dist/. */
let unzipped = '';
let serverDir = '';
test.beforeAll(() => {
  if (!existsSync(ZIP)) throw new Error(`${ZIP} is missing: run npm run bundle`);
  unzipped = mkdtempSync(path.join(tmpdir(), 'lab-lan-'));
  for (const [name, data] of Object.entries(unzipSync(readFileSync(ZIP)))) {
    if (name.endsWith('/') || name.includes('/site/')) continue;
    const target = path.join(unzipped, ...name.split('/'));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, data);
  }
  serverDir = path.join(unzipped, 'esp8266-lab-workshop');
});
test.afterAll(() => {
  if (unzipped) rmSync(unzipped, { recursive: true, force: true });
});

test.use({
  serviceWorkers: 'block',
  launchOptions: {
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--host-resolver-rules=MAP ${HOST} 127.0.0.1`],
  },
});

async function boot(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/en/lessons/first-steps/`);
  await waitForTerminal(page, (t) => t.includes(BANNER) && lastLine(t) === '>>>', 'banner and prompt', 20_000);
}

/** Waits for `text` to be printed after what the terminal showed before (the whole visible text). */
async function typeAndSee(page: Page, line: string, expected: RegExp, what: string, timeout = 10_000): Promise<string> {
  await typeLine(page, line);
  return waitForTerminal(page, (t) => expected.test(t), what, timeout);
}

const servers: ChildProcess[] = [];
test.afterEach(() => {
  for (const s of servers.splice(0)) s.kill();
});

for (const [name, port] of [['serve.mjs', 4340], ['serve.py', 4341]] as const) {
  test(`plain HTTP to another computer (${name}): compatibility mode boots, runs, sleeps, reads input() while running, stops runaway loops`, async ({ page }) => {
    test.setTimeout(120_000);
    const cmd = name === 'serve.mjs' ? process.execPath : PYTHON;
    servers.push(await startWorkshopServer(cmd, [name, '--root', path.join(REPO, 'dist'), '--port', String(port)], port, serverDir));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const origin = `http://${HOST}:${port}`;
    await boot(page, origin);
    expect(await page.evaluate(() => [isSecureContext, crossOriginIsolated, typeof SharedArrayBuffer])).toEqual([false, false, 'undefined']);
    const mode = page.locator('.lab-mode');
    await expect(mode).toHaveAttribute('data-mode', 'relay');
    await expect(mode).toContainText('Compatibility mode');
    await expect(mode).toContainText('http://localhost:');

    // Run: the first runnable block that prints (first-steps' REPL greeting block)
    await typeAndSee(page, 'print(6 * 7)', /^42$/m, 'a line runs');

    // time.sleep(0.5) takes its time (measured by the board's own clock)
    await typeAndSee(page, 'import time; t = time.ticks_ms(); time.sleep(0.5); d = time.ticks_diff(time.ticks_ms(), t); print("slept", d >= 500 and d < 1500)', /^slept True$/m, 'time.sleep(0.5)');

    // input() answered while the program runs
    await typeLine(page, 'name = input("name? "); print("hello", name)');
    await waitForTerminal(page, (t) => /^name\? $/m.test(t) || lastLine(t) === 'name?', 'input() prompt');
    await page.keyboard.type('Ada');
    await page.keyboard.press('Enter');
    await waitForTerminal(page, (t) => /^hello Ada$/m.test(t), 'input() got the typed line');

    // Ctrl-C of a sleeping loop: a KeyboardInterrupt, variables kept, no reset
    await typeLine(page, 'n = 0');
    await typeLine(page, 'while True: n += 1; time.sleep(0.05)');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(500);
    await page.keyboard.press('Control+C');
    await waitForTerminal(page, (t) => /KeyboardInterrupt: ?\n>>>$/.test(t), 'KeyboardInterrupt');
    await typeAndSee(page, 'print("n ok", n > 2)', /^n ok True$/m, 'variables kept');

    // Ctrl-C of `while True: pass`: nothing in the loop can see it; the announced restart
    await typeLine(page, 'while True: pass');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
    await page.keyboard.press('Control+C');
    await waitForTerminal(page, (t) => t.includes('did not stop on Ctrl-C') && lastLine(t) === '>>>', 'announced hard reset, then the prompt', 20_000);
    await typeAndSee(page, 'print("alive")', /^alive$/m, 'the board runs again');
    expect(errors).toEqual([]);
    if (name === 'serve.mjs') {
      await page.screenshot({ path: 'screenshots/lan-compat-1280.png' });
    }
  });
}

test('compatibility mode: a Run button, and the Files panel writes a file that main.py runs', async ({ page }) => {
  test.setTimeout(120_000);
  const port = 4342;
  servers.push(await startWorkshopServer(process.execPath, ['serve.mjs', '--root', path.join(REPO, 'dist'), '--port', String(port)], port, serverDir));
  const origin = `http://${HOST}:${port}`;
  await page.goto(`${origin}/en/lessons/repl-keys/`);
  await waitForTerminal(page, (t) => t.includes(BANNER) && lastLine(t) === '>>>', 'banner and prompt', 20_000);
  await expect(page.locator('.lab-mode')).toHaveAttribute('data-mode', 'relay');
  // a Run button (paste mode through message mode and the relay): the lesson's counting loop,
  // which sleeps a second between numbers; Ctrl-C reaches it through the relay
  await page.locator('.runnable', { hasText: 'count += 1' }).first().getByRole('button', { name: /Run/ }).click();
  await waitForTerminal(page, (t) => /^2$/m.test(t), 'the loop counts', 20_000);
  await page.locator('.xterm').click();
  await page.keyboard.press('Control+C');
  await waitForTerminal(page, (t) => /KeyboardInterrupt: ?\n>>>$/.test(t), 'KeyboardInterrupt');
  expect(await terminalText(page)).not.toContain('did not stop on Ctrl-C');

  const panel = page.getByTestId('files-panel');
  await panel.locator('summary').click();
  await panel.getByTestId('files-upload').setInputFiles({ name: 'main.py', mimeType: 'text/x-python', buffer: Buffer.from("print('LAN-' + 'MAIN')\n") });
  await expect(panel.getByTestId('files-status')).toContainText('Uploaded main.py', { timeout: 20_000 });
  await expect(panel.getByTestId('files-list').locator('tr[data-file="main.py"]')).toContainText('23 B');
  await waitForTerminal(page, (t) => lastLine(t) === '>>>', 'prompt after the upload');
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await waitForTerminal(page, (t) => t.replace(/\n/g, '').includes('LAN-MAIN') && lastLine(t) === '>>>', 'main.py ran after Reset', 20_000);
  expect(await terminalText(page)).not.toContain('Traceback');
});

test('compatibility mode: the Flash panel writes the firmware in download mode, and Reset boots it', async ({ page }) => {
  test.setTimeout(120_000);
  const port = 4344;
  servers.push(await startWorkshopServer(process.execPath, ['serve.mjs', '--root', path.join(REPO, 'dist'), '--port', String(port)], port, serverDir));
  await boot(page, `http://${HOST}:${port}`);
  await expect(page.locator('.lab-mode')).toHaveAttribute('data-mode', 'relay');
  await page.locator('.flash-panel summary').click();
  const flash = page.getByRole('button', { name: 'Flash (hold)' });
  await flash.focus();
  await page.keyboard.down('Space');
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect(page.getByTestId('flash-hint')).toContainText('The board is in download mode', { timeout: 15_000 });
  await page.getByRole('radio', { name: firmwareBuild('4M').file }).check();
  await page.getByRole('button', { name: 'Write firmware' }).click();
  await expect(page.getByTestId('flash-result')).toContainText('and verified it (MD5)', { timeout: 60_000 });
  await expect(page.getByTestId('flash-log')).toContainText('Hash of data verified.');
  await page.keyboard.up('Space');
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await waitForTerminal(page, (t) => t.split('terminal connected again').at(-1)?.includes(BANNER) === true && lastLine(t) === '>>>', 'the written firmware boots', 20_000);
});

test('--https on the same host name: the full, cross-origin isolated lab', async ({ browser }) => {
  test.setTimeout(120_000);
  const port = 4343;
  servers.push(await startWorkshopServer(process.execPath, ['serve.mjs', '--https', '--root', path.join(REPO, 'dist'), '--port', String(port)], port, serverDir));
  // what a student does once: accept the self-signed certificate
  const context = await browser.newContext({ ignoreHTTPSErrors: true, serviceWorkers: 'block' });
  const page = await context.newPage();
  await boot(page, `https://${HOST}:${port}`);
  expect(await page.evaluate(() => [isSecureContext, crossOriginIsolated])).toEqual([true, true]);
  await expect(page.locator('.lab-mode')).toHaveAttribute('data-mode', 'shared');
  await expect(page.locator('.lab-mode')).toBeHidden();
  // full mode: even `while True: pass` stops with a KeyboardInterrupt, variables kept
  await typeLine(page, 'k = 5');
  await typeLine(page, 'while True: pass');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
  await page.keyboard.press('Control+C');
  await waitForTerminal(page, (t) => /KeyboardInterrupt: ?\n>>>$/.test(t), 'KeyboardInterrupt');
  await typeAndSee(page, 'print("k is", k)', /^k is 5$/m, 'variables kept');
  await context.close();
});
