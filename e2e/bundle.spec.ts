/**
 * The workshop's offline zip, as a teacher would use it: unzipped into a folder whose path has a
 * space and non-ASCII letters, served by serve.mjs (port 4330) and then by serve.py (port 4331)
 * from there, with every request to anywhere else blocked. In each, every lesson boots its board
 * and its first Run button runs and prints what the lesson says.
 *
 * The zip is built (node scripts/bundle.mjs) only when bundle/esp8266-lab-workshop.zip is missing
 * or older than dist/ (`npm run test:e2e` runs `npm run bundle` first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { BANNER, lastLine, startWorkshopServer, terminalText, typeLine, waitForTerminal } from './helpers';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const ZIP = path.join(REPO, 'bundle', 'esp8266-lab-workshop.zip');
const PYTHON = process.env.PYTHON ?? 'python3';

/** True when the terminal has a line that is exactly `line` (not the paste-mode echo of the code). */
const hasLine = (text: string, line: string) => text.split('\n').some((l) => l === line);
const noTraceback = (text: string) => !text.includes('Traceback (most recent call last)');

/**
 * What the first ```python run block of each lesson prints, checked on the terminal's visible text
 * (the Run button sends the block in paste mode, so the code itself is echoed after `=== `: the
 * checks look for output lines, never for text that also appears in the code). A lesson without a
 * Run block gets `null`, and a line typed at the REPL instead.
 */
const EXPECT: Record<string, null | { what: string; check: (page: Page) => Promise<void> }> = {
  // `print('good night')`, then machine.deepsleep(3000)
  'deep-sleep': {
    what: "a line 'good night'",
    check: (page) => waitForTerminal(page, (t) => hasLine(t, 'good night') && noTraceback(t), "'good night'").then(() => {}),
  },
  // blinks the LED on GPIO13 forever and prints nothing: the LED is seen lit and dark, no traceback
  'first-steps': {
    what: 'the LED on GPIO13 blinking',
    check: async (page) => {
      const led = page.locator('[data-led="13"]');
      await expect(led).toHaveAttribute('data-lit', 'true', { timeout: 5000 });
      await expect(led).toHaveAttribute('data-lit', 'false', { timeout: 5000 });
      await expect(led).toHaveAttribute('data-lit', 'true', { timeout: 5000 });
      expect(noTraceback(await terminalText(page))).toBe(true);
    },
  },
  // no Run block (the lesson drives the Flash panel)
  'flashing-micropython': null,
  // print(time.localtime()) and print(machine.RTC().datetime()): two 8-number tuples from 20xx
  'keeping-time': {
    what: 'two date tuples',
    check: (page) =>
      waitForTerminal(page, (t) => (t.match(/^\(20\d\d(, \d+){7}\)$/gm) ?? []).length >= 2 && noTraceback(t), 'two date tuples').then(() => {}),
  },
  // the gc.mem_free() cost table; the lesson shows `small int      0` first and `[0] * 100      416` last
  'living-in-38k': {
    what: 'the cost table',
    check: (page) =>
      waitForTerminal(page, (t) => /^small int {6}0$/m.test(t) && /^\[0\] \* 100 {6}\d+$/m.test(t) && noTraceback(t), 'cost table').then(() => {}),
  },
  // Pin(n) for 0..16: 6, 7, 8, 11 fail (flash pins), then the list of valid GPIOs as the lesson shows it
  'meet-the-esp07': {
    what: "'valid: [0, 1, 2, 3, 4, 5, 9, 10, 12, 13, 14, 15, 16]'",
    check: (page) =>
      waitForTerminal(page, (t) => hasLine(t, 'valid: [0, 1, 2, 3, 4, 5, 9, 10, 12, 13, 14, 15, 16]'), 'valid pins').then(() => {}),
  },
  // counts up once a second forever: two consecutive numbers on lines of their own
  'repl-keys': {
    what: 'the count 1, 2, ...',
    check: (page) =>
      waitForTerminal(page, (t) => {
        const nums = new Set(t.split('\n').filter((l) => /^\d+$/.test(l)).map(Number));
        return [...nums].some((n) => nums.has(n + 1)) && noTraceback(t);
      }, 'two counts', 15_000).then(() => {}),
  },
  // print(open('boot.py').read()): the default boot.py the first boot wrote
  'the-boot-process': {
    what: "the default boot.py",
    check: (page) =>
      waitForTerminal(page, (t) => /^# This file is executed on every boot/m.test(t) && noTraceback(t), 'boot.py').then(() => {}),
  },
  // joins ESP-Lab and prints the station's IPv4 address
  'tls-on-a-small-chip': {
    what: 'an IPv4 address',
    check: (page) =>
      waitForTerminal(page, (t) => /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/m.test(t) && noTraceback(t), 'IP address', 20_000).then(() => {}),
  },
  // import webrepl_setup: asks whether WebREPL should start on boot
  webrepl: {
    what: 'the webrepl_setup question',
    check: (page) =>
      waitForTerminal(page, (t) => t.includes('WebREPL daemon auto-start status') && t.includes('(E)nable or (D)isable'), 'webrepl_setup').then(() => {}),
  },
  // sta.scan(): one tuple per access point, the lab's own ESP-Lab among them
  'wifi-and-sockets': {
    what: "a scan entry for b'ESP-Lab'",
    check: (page) => waitForTerminal(page, (t) => /^\(b'ESP-Lab', /m.test(t) && noTraceback(t), 'scan result', 15_000).then(() => {}),
  },
  // no Run block (the lesson is about the circuit and boot modes)
  'wiring-and-boot-modes': null,
};

let workdir = '';
let folder = '';

test.beforeAll(() => {
  const dist = path.join(REPO, 'dist', 'index.html');
  if (!existsSync(ZIP) || (existsSync(dist) && statSync(ZIP).mtimeMs < statSync(dist).mtimeMs)) {
    const made = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'bundle.mjs')], { cwd: REPO, stdio: 'inherit' });
    if (made.status !== 0) throw new Error('node scripts/bundle.mjs failed (is dist/ built? npm run bundle)');
  }
  workdir = mkdtempSync(path.join(tmpdir(), 'lab bundle ü é '));
  for (const [name, data] of Object.entries(unzipSync(readFileSync(ZIP)))) {
    const target = path.join(workdir, ...name.split('/'));
    if (name.endsWith('/')) mkdirSync(target, { recursive: true });
    else {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, data);
    }
  }
  folder = path.join(workdir, 'esp8266-lab-workshop');
});

test.afterAll(() => {
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

// The site's service worker would answer later navigations from its cache; here the server must.
test.use({ serviceWorkers: 'block' });

for (const [name, port] of [['serve.mjs', 4330], ['serve.py', 4331]] as const) {
  test(`unzipped bundle served by ${name}: every lesson boots and its first Run block prints what the lesson says`, async ({ page, context }) => {
    test.setTimeout(300_000);
    const origin = `http://localhost:${port}`;
    const blocked: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`) || url === origin) return route.continue();
      blocked.push(url);
      return route.abort('blockedbyclient');
    });
    // what each script, style sheet and wasm came as, by path
    const encodings = new Map<string, string>();
    context.on('response', (r) => {
      const file = new URL(r.url()).pathname;
      if (/\.(wasm|js|css)$/.test(file)) encodings.set(file, r.headers()['content-encoding'] ?? 'identity');
    });

    const server = await startWorkshopServer(name === 'serve.mjs' ? process.execPath : PYTHON, [name, '--port', String(port)], port, folder);
    try {
      const lessons = readdirSync(path.join(folder, 'site', 'en', 'lessons')).sort();
      expect(lessons.length).toBeGreaterThanOrEqual(12);
      expect(lessons.filter((l) => !(l in EXPECT)), 'lessons without an expectation in bundle.spec.ts').toEqual([]);
      for (const lesson of lessons) {
        const res = await page.goto(`${origin}/en/lessons/${lesson}/`);
        expect(res?.status(), lesson).toBe(200);
        expect(res?.headers()['content-encoding'], `${lesson}: page sent precompressed`).toBe('br');
        await waitForTerminal(page, (t) => t.includes(BANNER) && lastLine(t) === '>>>', `${lesson}: banner and prompt`, 20_000);
        expect(await page.evaluate(() => crossOriginIsolated), lesson).toBe(true);
        const expectation = EXPECT[lesson];
        if (expectation === null) {
          await expect(page.locator('.runnable'), `${lesson} has no Run block`).toHaveCount(0);
          await typeLine(page, 'print(6 * 7)');
          await waitForTerminal(page, (t) => hasLine(t, '42') && lastLine(t) === '>>>', `${lesson}: the REPL answers`);
          continue;
        }
        await page.locator('.runnable').first().getByRole('button', { name: /Run/ }).click();
        await test.step(`${lesson}: ${expectation!.what}`, () => expectation!.check(page));
      }
      // every file the bundle has a brotli copy of (scripts/bundle.mjs skips those under 1 KB) came as it
      const precompressed = [...encodings].filter(([file]) => existsSync(path.join(folder, 'site', `${file}.br`)));
      expect([...encodings].filter(([file]) => file.endsWith('.wasm')).map(([, e]) => e), 'the interpreter came precompressed').toEqual(['br']);
      expect(precompressed.filter(([file]) => file.endsWith('.js')).length, 'scripts with a brotli copy').toBeGreaterThan(0);
      expect(precompressed.filter(([, e]) => e !== 'br'), 'files sent without their brotli copy').toEqual([]);
      expect(blocked, 'requests that left the local server').toEqual([]);
    } finally {
      server.kill();
    }
  });
}
