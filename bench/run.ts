/**
 * `npm run bench`: speed and size figures of the built site, measured in headless Chromium
 * (Debian's, as in the tests). Prints figures and targets; it does not pass or fail on them.
 *
 * - lab activation → first `>>> ` shown, median of 5 cold loads (fresh browser context each), with
 *   the emulator thread's phases (bench/startup.ts), and the bare MicroPython interpreter's own
 *   start in the same browser; navigation → prompt cold and on a second lesson (warm cache)
 * - hard reset (Reset button) and soft reset (Ctrl-D) → `>>> `, with the phases of a hard reset
 * - memory of the page and of the emulator thread after the first boot and after 300 hard resets
 * - keystroke → echo shown in the terminal
 * - Ctrl-C → `>>> ` for a sleeping loop and for a tight loop
 * - bytes (raw and gzip) of the lesson page's JavaScript before the lab starts, and of the whole lab
 * - esptool-js writing the 640 KB firmware image to the board (Node, compressed, MD5-verified), and
 *   the same from the lab's Flash panel in the browser (auto-reset adapter fitted, 460800 baud)
 * - a durable flash write: one 4 KB sector written and flushed through an OPFS sync access handle
 *   (bench/opfs.ts), the cost emulator/link/flash-file.ts adds when a firmware call changed a sector
 * - the size of the workshop's offline zip (bundle/esp8266-lab-workshop.zip)
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from '@playwright/test';
import { TestBoard } from '../emulator/node/test-board.ts';
import { esptoolOn, firmwareFile, writeImage } from '../emulator/node/esptool.ts';
import { opfsSectorWrite } from './opfs.ts';
import { bareInterpreterStart, bootPhases, labMemory, median, phaseTable, promptMark, type PhaseTimes } from './startup.ts';

/** Port and built site: 4329 and dist/ unless BENCH_PORT / BENCH_DIST say otherwise (parallel work). */
const PORT = Number(process.env.BENCH_PORT ?? 4329);
const ORIGIN = `http://localhost:${PORT}`;
const LESSON = '/en/lessons/first-steps/';
/** The lesson opened second in the same browser context (warm HTTP and code caches). */
const LESSON2 = '/en/lessons/repl-keys/';
/** BENCH_ONLY=startup prints only the start-up, reset and memory figures. */
const ONLY_STARTUP = process.env.BENCH_ONLY === 'startup';
/** Hard resets before the memory figure is taken again (the target: within 10 % after 300). */
const MEMORY_RESETS = Number(process.env.BENCH_RESETS ?? 300);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DIST = process.env.BENCH_DIST ? pathToFileURL(`${resolve(process.env.BENCH_DIST)}/`) : new URL('../dist/', import.meta.url);

if (!existsSync(CHROMIUM)) {
  console.error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH.`);
  process.exit(1);
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

async function startPreview(): Promise<() => void> {
  const child = spawn(process.execPath, ['node_modules/astro/bin/astro.mjs', 'preview', '--port', String(PORT), '--outDir', fileURLToPath(DIST), '--ignore-lock'], {
    cwd: new URL('..', import.meta.url),
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(ORIGIN)).ok) return () => child.kill();
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('astro preview did not start');
}

const promptCount = (page: Page) => page.evaluate(() => performance.getEntriesByName('lab:prompt').length);

/** Time from a key event in the page to the next prompt mark, in ms. */
async function keyToPrompt(page: Page, key: string): Promise<number> {
  const before = await promptCount(page);
  await page.evaluate(() => {
    const w = window as unknown as { __keyAt?: number };
    document.addEventListener('keydown', (e) => { w.__keyAt = e.timeStamp; }, { capture: true, once: true });
  });
  await page.keyboard.press(key);
  const at = await promptMark(page, before + 1);
  return at - (await page.evaluate(() => (window as unknown as { __keyAt: number }).__keyAt));
}

async function main() {
  const stop = await startPreview();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // performance.measureUserAgentSpecificMemory() answers at once (the memory figures)
      '--enable-blink-features=ForceEagerMeasureMemory'],
  });
  try {
    // 1. cold loads
    const toPrompt: number[] = [];
    const navToPrompt: number[] = [];
    const coldPhases: { phases: PhaseTimes; origin: number }[] = [];
    const warmNav: number[] = [];
    const warmToPrompt: number[] = [];
    let scriptsBeforeLab: string[] = [];
    let labAssets: string[] = [];
    for (let i = 0; i < 5; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const requested = new Set<string>();
      context.on('request', (r) => requested.add(r.url()));
      await page.goto(ORIGIN + LESSON);
      const prompt = await promptMark(page, 1);
      const activate = await page.evaluate(() => performance.getEntriesByName('lab:activate')[0]!.startTime);
      toPrompt.push(prompt - activate);
      navToPrompt.push(prompt);
      coldPhases.push({ phases: await bootPhases(page, 0), origin: activate });
      if (i === 0) {
        await page.waitForTimeout(300);
        const res = await page.evaluate(() =>
          (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((r) => ({ name: r.name, end: r.responseEnd, type: r.initiatorType })),
        );
        const own = res.filter((r) => r.name.startsWith(ORIGIN));
        scriptsBeforeLab = own.filter((r) => r.end <= activate && r.name.endsWith('.js')).map((r) => new URL(r.name).pathname);
        const entryScripts = await page.evaluate(() =>
          [...document.querySelectorAll('script[type="module"][src], astro-island[component-url], astro-island[renderer-url]')].flatMap((el) =>
            ['src', 'component-url', 'renderer-url'].map((a) => el.getAttribute(a)).filter((v): v is string => !!v),
          ),
        );
        scriptsBeforeLab = [...new Set([...scriptsBeforeLab, ...entryScripts.filter((s) => s.endsWith('.js'))])];
        // the worker's own script and wasm requests appear in the context's request events
        labAssets = [...new Set([...requested, ...own.map((r) => r.name)].filter((u) => u.startsWith(ORIGIN)).map((u) => new URL(u).pathname).filter((p) => /\.(js|wasm|css)$/.test(p)))];
      }
      // a second lesson in the same context: HTTP cache, code cache and service worker warm
      await page.waitForTimeout(500);
      await page.goto(ORIGIN + LESSON2);
      const prompt2 = await promptMark(page, 1);
      warmNav.push(prompt2);
      warmToPrompt.push(prompt2 - (await page.evaluate(() => performance.getEntriesByName('lab:activate')[0]!.startTime)));
      await context.close();
    }
    const bare: number[] = [];
    for (let i = 0; i < 5; i++) bare.push(await bareInterpreterStart(browser, ORIGIN));

    // 2-4. warm page: reset, echo, Ctrl-C
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(ORIGIN + LESSON);
    await promptMark(page, 1);
    await page.waitForTimeout(300);

    const memoryFirst = await labMemory(page);
    const resets: number[] = [];
    const resetPhases: { phases: PhaseTimes; origin: number }[] = [];
    const hardReset = async () => {
      const before = await promptCount(page);
      const t0 = await page.evaluate(() => {
        const t = performance.now();
        (document.querySelector('.board-controls button') as HTMLButtonElement).click();
        return t;
      });
      const at = await promptMark(page, before + 1);
      return { t0, ms: at - t0 };
    };
    for (let i = 0; i < 5; i++) {
      const { t0, ms } = await hardReset();
      resets.push(ms);
      resetPhases.push({ phases: await bootPhases(page, t0), origin: t0 });
      await page.waitForTimeout(100);
    }
    const softResets: number[] = [];
    const softPhases: { phases: PhaseTimes; origin: number }[] = [];
    await page.locator('.xterm').click();
    for (let i = 0; i < 5; i++) {
      const t0 = await page.evaluate(() => performance.now());
      softResets.push(await keyToPrompt(page, 'Control+D'));
      softPhases.push({ phases: await bootPhases(page, t0), origin: t0 });
      await page.waitForTimeout(100);
    }
    for (let i = 5; i < MEMORY_RESETS; i++) await hardReset();
    await page.waitForTimeout(300);
    const memoryAfter = await labMemory(page);
    const wasmBytes = await page.evaluate(() => (performance.getEntriesByName('lab:boot:repl').at(-1) as PerformanceMeasure | undefined)?.detail?.memoryBytes ?? NaN);

    const row = (name: string, value: string, target: string) => console.log(`${name.padEnd(46)} ${value.padStart(22)}   ${target}`);
    const startupFigures = () => {
      console.log('\nESP8266 Lab start-up (headless Chromium, astro preview on localhost)\n');
      row('lab activation → first >>> (median of 5 cold)', fmt(median(toPrompt)), `target ≤ 300 ms and ≤ 1.2 × bare (now ×${(median(toPrompt) / median(bare)).toFixed(2)})`);
      console.log(`${''.padEnd(46)} samples: ${toPrompt.map((x) => x.toFixed(0)).join(', ')} ms`);
      row('bare MicroPython wasm: worker → >>> (median)', fmt(median(bare)), `samples: ${bare.map((x) => x.toFixed(0)).join(', ')} ms (unpatched package, no firmware)`);
      row('navigation → first >>>, cold (median of 5)', fmt(median(navToPrompt)), 'target ≤ 800 ms');
      row('navigation → first >>>, second lesson (warm)', fmt(median(warmNav)), `target ≤ 400 ms (activation → >>> ${fmt(median(warmToPrompt))})`);
      console.log('phases of the first boot (emulator thread; median duration, median end after activation; samples):');
      for (const l of phaseTable(coldPhases)) console.log(l);
      row('hard reset (Reset button) → >>> (median of 5)', fmt(median(resets)), 'target ≤ 50 ms');
      console.log('phases of a hard reset (ends after the click):');
      for (const l of phaseTable(resetPhases)) console.log(l);
      row('soft reset (Ctrl-D) → >>> (median of 5)', fmt(median(softResets)), 'target ≤ 50 ms');
      console.log('phases of a soft reset (after the key press):');
      for (const l of phaseTable(softPhases)) console.log(l);
      const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
      const pct = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(0)} %`;
      row(`memory: page JS, first boot → ${MEMORY_RESETS} resets`, `${mb(memoryFirst.page)} → ${mb(memoryAfter.page)}`, `${pct(memoryFirst.page, memoryAfter.page)}; target within 10 %`);
      row(`memory: emulator thread, first boot → ${MEMORY_RESETS}`, `${mb(memoryFirst.worker)} → ${mb(memoryAfter.worker)}`, `${pct(memoryFirst.worker, memoryAfter.worker)}; target within 10 % (interpreter memory now ${mb(wasmBytes)})`);
    };
    if (ONLY_STARTUP) {
      await context.close();
      startupFigures();
      return;
    }

    const echoes: number[] = [];
    const term = page.getByTestId('terminal');
    for (let i = 0; i < 10; i++) {
      await page.evaluate(() => {
        const el = document.querySelector('[data-testid="terminal"]') as HTMLElement;
        const w = window as unknown as { __echo?: Promise<number> };
        w.__echo = new Promise((resolve) => {
          let keyAt = 0;
          document.addEventListener('keydown', (e) => { keyAt = e.timeStamp; }, { capture: true, once: true });
          const mo = new MutationObserver(() => {
            mo.disconnect();
            resolve(performance.now() - keyAt);
          });
          mo.observe(el, { attributes: true, attributeFilter: ['data-rx'] });
        });
      });
      await page.keyboard.press('x');
      echoes.push(await page.evaluate(() => (window as unknown as { __echo: Promise<number> }).__echo));
    }
    await term.click();
    await page.keyboard.press('Control+C');
    await page.waitForTimeout(200);

    const sleeping: number[] = [];
    const tight: number[] = [];
    await page.keyboard.type('import time\r');
    await page.waitForTimeout(200);
    for (let i = 0; i < 5; i++) {
      await page.keyboard.type('while True: time.sleep_ms(100)\r\r');
      await page.waitForTimeout(300);
      sleeping.push(await keyToPrompt(page, 'Control+C'));
      await page.keyboard.type('while True: pass\r\r');
      await page.waitForTimeout(300);
      tight.push(await keyToPrompt(page, 'Control+C'));
    }

    // 5. realistic speed: ticks_us() around code, against the ESP8266 figures (reference §7)
    await page.keyboard.press('Control+C');
    await page.keyboard.press('Control+E');
    for (const line of [
      'import time, machine', 'from machine import Pin', 'p = Pin(12, Pin.OUT)',
      'def loop(n):', '    t = time.ticks_us()', '    for i in range(n):', '        pass', '    return time.ticks_diff(time.ticks_us(), t) / n',
      'def square(n):', '    t = time.ticks_us()', '    for i in range(n):',
      '        p.value(1); p.value(0); p.value(1); p.value(0); p.value(1); p.value(0); p.value(1); p.value(0); p.value(1); p.value(0)',
      '    return time.ticks_diff(time.ticks_us(), t) / (10 * n)',
    ]) {
      await page.keyboard.type(line);
      await page.keyboard.press('Enter');
    }
    await page.keyboard.press('Control+D');
    const result = async (expr: string, tag: string) => {
      await page.keyboard.type(`print("${tag}", ${expr})\r`);
      const re = new RegExp(`${tag} ([\\d.]+)`);
      const h = await page.waitForFunction(
        (src) => new RegExp(src).exec(document.querySelector('.xterm-rows')?.textContent ?? '')?.[1] ?? null,
        re.source,
        { timeout: 60_000 },
      );
      return Number(await h.jsonValue());
    };
    const fastLoop = await result('loop(20000)', 'FASTLOOP');
    await page.getByRole('checkbox', { name: 'ESP8266 speed' }).check();
    await page.locator('.xterm').click();
    const loop80 = await result('loop(5000)', 'LOOP80');
    const pin80 = await result('square(300)', 'PIN80');
    await page.keyboard.type('machine.freq(160000000)\r');
    const loop160 = await result('loop(5000)', 'LOOP160');
    const pin160 = await result('square(300)', 'PIN160');
    await context.close();

    // 6. sizes, from the files the browser loaded
    const size = (paths: string[]) => {
      let raw = 0;
      let gz = 0;
      for (const p of paths) {
        const bytes = readFileSync(new URL(`.${p}`, DIST));
        raw += bytes.length;
        gz += gzipSync(bytes, { level: 6 }).length;
      }
      return { raw, gz };
    };
    const before = size(scriptsBeforeLab);
    const lab = size(labAssets);

    startupFigures();
    console.log('\nESP8266 Lab benchmark, the rest\n');
    row('keystroke → echo in terminal (median of 10)', fmt(median(echoes)), 'target ≤ 16 ms');
    row('Ctrl-C → >>>, sleeping loop (median of 5)', fmt(median(sleeping)), '');
    row('Ctrl-C → >>>, tight loop (median of 5)', fmt(median(tight)), '');
    row('page JS before the lab starts (raw / gzip)', `${kb(before.raw)} / ${kb(before.gz)}`, 'target ≤ 60 KB gzip');
    row('whole lab: JS + wasm + CSS (raw / gzip)', `${kb(lab.raw)} / ${kb(lab.gz)}`, '');
    const ratio = (got: number, want: number) => `${got.toFixed(1)} µs (×${(got / want).toFixed(2)})`;
    row('default speed: empty loop pass', `${fastLoop.toFixed(2)} µs`, 'as fast as the host allows');
    row('ESP8266 speed, 80 MHz: empty loop pass', ratio(loop80, 46), 'ESP8266 ≈ 46 µs, within ±30%');
    row('ESP8266 speed, 80 MHz: pin.value(x)', ratio(pin80, 34), 'ESP8266 ≈ 34 µs, within ±30%');
    row('ESP8266 speed, 160 MHz: empty loop pass', ratio(loop160, 23), 'ESP8266 ≈ 23 µs, within ±30%');
    row('ESP8266 speed, 160 MHz: pin.value(x)', ratio(pin160, 17), 'half the 80 MHz cost');
    const write = await esptoolWrite();
    row('esptool-js: write 640 KB firmware (Node)', fmt(write), 'target ≤ 2000 ms (compressed, MD5 verified, 460800 baud)');
    const inPage = await browserEsptoolWrite(browser);
    row('esptool-js: write 640 KB firmware (browser)', fmt(inPage), 'Flash panel, same options as the Node figure');
    const opfs = await opfsSectorWrite(browser, ORIGIN);
    row('flash file: 4 KB sector write + flush (OPFS)', fmt(opfs.sector), 'added when a firmware call changed a sector');
    row('flash file: 8 sectors in one write + flush', fmt(opfs.run8), 'one write per run of dirty sectors');
    const zip = workshopZipBytes();
    row('workshop zip (npm run bundle)', `${zip} B / ${(zip / 1024 / 1024).toFixed(2)} MB`, 'target ≤ 8 MB');
    console.log(`\nfiles before the lab: ${scriptsBeforeLab.join(' ')}`);
    console.log(`files of the whole lab: ${labAssets.join(' ')}`);
  } finally {
    await browser.close();
    stop();
  }
}

/**
 * The same write from the lab's Flash panel in the page: the 4M build fetched from /firmware/,
 * auto-reset adapter fitted, 460800 baud; the panel measures writeFlash as `flash:write`
 * (src/lib/flasher.ts), from after main() to the verified MD5.
 */
async function browserEsptoolWrite(browser: Browser): Promise<number> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(ORIGIN + LESSON);
    await promptMark(page, 1);
    await page.locator('.circuit-panel summary').click();
    await page.getByLabel('USB-serial adapter with DTR/RTS auto-reset').check();
    await page.locator('.flash-panel summary').click();
    await page.getByRole('combobox', { name: 'esptool baud rate' }).selectOption('460800');
    await page.getByRole('button', { name: 'Write firmware' }).click();
    await page.getByTestId('flash-result').waitFor({ timeout: 60_000 });
    const ms = await page.evaluate(() => performance.getEntriesByName('flash:write')[0]?.duration ?? NaN);
    if (Number.isNaN(ms)) throw new Error(`the Flash panel did not write: ${await page.getByTestId('flash-result').textContent()}`);
    return ms;
  } finally {
    await context.close();
  }
}

/**
 * Size in bytes of bundle/esp8266-lab-workshop.zip, made first (scripts/bundle.mjs) when it is
 * missing or older than the build in dist/.
 */
function workshopZipBytes(): number {
  const zip = new URL('../bundle/esp8266-lab-workshop.zip', import.meta.url);
  if (!existsSync(zip) || statSync(zip).mtimeMs < statSync(new URL('index.html', DIST)).mtimeMs) {
    const made = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/bundle.mjs', import.meta.url))], { stdio: 'inherit' });
    if (made.status !== 0) throw new Error('scripts/bundle.mjs failed');
  }
  return statSync(zip).size;
}

/** Time for esptool-js's writeFlash of the default firmware file, from after main() to done. */
async function esptoolWrite(): Promise<number> {
  const board = await TestBoard.boot();
  try {
    await board.enterDownloadMode();
    const { transport, loader } = esptoolOn(board.host, 460800);
    await loader.main('no_reset');
    const data = firmwareFile();
    const t0 = performance.now();
    await writeImage(loader, data, 0);
    const ms = performance.now() - t0;
    await transport.disconnect();
    return ms;
  } finally {
    board.dispose();
  }
}

await main();
