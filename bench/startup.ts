/**
 * Start-up figures for `npm run bench` (bench/run.ts): the lab's cold and warm start, its
 * breakdown by phase (the emulator thread's `timing` message, firmware/startup-phases.ts, seen on
 * the page as `lab:boot:<phase>` measures), hard and soft reset, the bare MicroPython
 * interpreter's own start in the same browser, and memory over many resets.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from '@playwright/test';

/** A boot's phases as the page measured them: name → [start, end] on the page's timeline, ms. */
export type PhaseTimes = Map<string, { start: number; end: number }>;

/** The phases in the order the table prints them (firmware/startup-phases.ts). */
export const PHASE_ORDER = ['worker', 'wasm-fetch', 'patch', 'compile', 'rom', 'create', 'restore', 'install', 'frozen', 'scripts', 'repl'] as const;

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Waits in the page for the n-th `lab:prompt` mark; returns its time. */
export async function promptMark(page: Page, n: number, timeout = 15_000): Promise<number> {
  await page.waitForFunction((k) => performance.getEntriesByName('lab:prompt').length >= k, n, { timeout, polling: 5 });
  return page.evaluate((k) => performance.getEntriesByName('lab:prompt')[k - 1]!.startTime, n);
}

/**
 * The phases of the boot whose `repl` phase ended after `after` (page time, ms), once its timing
 * has arrived (it is sent just after the prompt): those that ended after `after` (a reset's list
 * leaves out the thread's start, which stays on the timeline from the first boot).
 */
export async function bootPhases(page: Page, after: number): Promise<PhaseTimes> {
  await page.waitForFunction(
    (t) => performance.getEntriesByName('lab:boot:repl').some((e) => e.startTime + e.duration > t),
    after,
    { timeout: 10_000, polling: 5 },
  );
  const list = await page.evaluate((t) =>
    performance.getEntriesByType('measure').filter((e) => e.name.startsWith('lab:boot:') && e.startTime + e.duration > t).map((e) => ({ name: e.name.slice(9), start: e.startTime, end: e.startTime + e.duration })),
  after);
  const out: PhaseTimes = new Map();
  for (const p of list) out.set(p.name, { start: p.start, end: p.end });
  return out;
}

/** Per phase: median duration and median end relative to `origin` (e.g. activation), over the samples. */
export function phaseTable(samples: { phases: PhaseTimes; origin: number }[], only?: readonly string[]): string[] {
  const lines: string[] = [];
  for (const name of PHASE_ORDER) {
    if (only && !only.includes(name)) continue;
    const got = samples.map((s) => ({ p: s.phases.get(name), o: s.origin })).filter((x) => x.p);
    if (got.length === 0) continue;
    const dur = median(got.map((x) => x.p!.end - x.p!.start));
    const end = median(got.map((x) => x.p!.end - x.o));
    const range = got.map((x) => (x.p!.end - x.p!.start).toFixed(0)).join(', ');
    lines.push(`  ${name.padEnd(11)} ${`${dur.toFixed(1)} ms`.padStart(10)}   ends at +${end.toFixed(0).padStart(4)} ms   (${range})`);
  }
  return lines;
}

const require = createRequire(import.meta.url);
/** The official package, unpatched: the bare interpreter. */
const BARE_MJS = require.resolve('@micropython/micropython-webassembly-pyscript/micropython.mjs');
const BARE_WASM = require.resolve('@micropython/micropython-webassembly-pyscript/micropython.wasm');

const BARE_PAGE = `<!doctype html><meta charset="utf-8"><title>bare MicroPython</title><script type="module">
const t0 = performance.now();
const w = new Worker('bare-worker.js', { type: 'module' });
w.onmessage = (e) => { window.__bare = e.data.at - performance.timeOrigin - t0; };
</script>`;

/** The bare interpreter in a module worker, as the lab runs ours: load, start the REPL, wait for `>>> `. */
const BARE_WORKER = `import { loadMicroPython } from './micropython.mjs';
let text = '';
let done = false;
const mp = await loadMicroPython({
  url: new URL('micropython.wasm', import.meta.url).href,
  heapsize: 256 * 1024,
  linebuffer: false,
  stdout: (b) => {
    text += String.fromCharCode(...b);
    if (!done && text.endsWith('>>> ')) {
      done = true;
      postMessage({ at: performance.timeOrigin + performance.now() });
    }
  },
});
mp.replInit();
`;

/**
 * The bare MicroPython WebAssembly interpreter (the package as published, no patches, no
 * firmware) started in a module Web Worker of a page on the site's origin: from the page's
 * script creating the worker to `>>> ` printed by `replInit()`, ms. Cold (a new browser context
 * each time, so no HTTP or code cache). The files are served by Playwright's routing from
 * node_modules; the page is not cross-origin isolated (the interpreter does not need it).
 */
export async function bareInterpreterStart(browser: Browser, origin: string): Promise<number> {
  const context = await browser.newContext();
  try {
    await routeBare(context, origin);
    const page = await context.newPage();
    await page.goto(`${origin}/__bench/bare/index.html`);
    const h = await page.waitForFunction(() => (window as unknown as { __bare?: number }).__bare ?? null, null, { timeout: 20_000, polling: 5 });
    return Number(await h.jsonValue());
  } finally {
    await context.close();
  }
}

async function routeBare(context: BrowserContext, origin: string): Promise<void> {
  const files: Record<string, { body: Buffer | string; type: string }> = {
    'index.html': { body: BARE_PAGE, type: 'text/html' },
    'bare-worker.js': { body: BARE_WORKER, type: 'text/javascript' },
    'micropython.mjs': { body: readFileSync(BARE_MJS), type: 'text/javascript' },
    'micropython.wasm': { body: readFileSync(BARE_WASM), type: 'application/wasm' },
  };
  await context.route(`${origin}/__bench/bare/**`, (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop() ?? '';
    const f = files[name];
    if (!f) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ status: 200, body: f.body, contentType: f.type });
  });
}

/** Bytes of JavaScript memory of the page (Window) and of the emulator thread (its worker), from `performance.measureUserAgentSpecificMemory()` (needs cross-origin isolation; the launch flag ForceEagerMeasureMemory makes it answer at once). */
export async function labMemory(page: Page): Promise<{ page: number; worker: number }> {
  return page.evaluate(async () => {
    const m = (performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<{ breakdown: { bytes: number; attribution: { scope: string }[] }[] }> }).measureUserAgentSpecificMemory;
    if (!m) return { page: NaN, worker: NaN };
    const r = await m.call(performance);
    let page = 0;
    let worker = 0;
    for (const b of r.breakdown) {
      if (b.attribution.some((a) => a.scope === 'Window')) page += b.bytes;
      if (b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')) worker += b.bytes;
    }
    return { page, worker };
  });
}
