/**
 * The installable, offline site: manifest and icons, the service worker's precache (a lesson
 * never visited runs offline, cross-origin isolated), the update banner of a new deployment,
 * and pages that cannot have a service worker.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { BANNER, FIRST_LESSON, lastLine, openLessonAndBoot, typeLine, waitForTerminal } from './helpers';

/** The lesson the offline test opens: not visited before going offline. */
const OFFLINE_LESSON = '/en/lessons/repl-keys';
const UPDATE_TEXT = 'A new version of ESP8266 Lab is ready.';

/** The built site (E2E_DIST: another build directory, e.g. when the preview serves one). */
const DIST = resolve(process.env.E2E_DIST ?? fileURLToPath(new URL('../dist/', import.meta.url)));
const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.bin': 'application/octet-stream',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.webmanifest': 'application/manifest+json',
};

/**
 * This test's own server of the built site (dist/), with the isolation headers of the real one,
 * whose sw.js can be changed: a new deployment is a new sw.js at the same URL. (Playwright's
 * routing does not see the browser's update check of a service worker script.)
 */
async function serveBuiltSite(): Promise<{ origin: string; deploy(tag: string): void; swRequests(): number; close(): Promise<void> }> {
  let tag = '';
  let swRequests = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      let file = join(DIST, path);
      if (!file.startsWith(DIST + sep)) file = join(DIST, '404');
      try {
        if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
        let body = await readFile(file);
        if (path === '/sw.js') {
          swRequests += 1;
          if (tag) body = Buffer.concat([body, Buffer.from(`\n// deployment ${tag}\n`)]);
        }
        res.writeHead(200, {
          'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
          'Cache-Control': 'no-cache',
          'Cross-Origin-Opener-Policy': 'same-origin',
          'Cross-Origin-Embedder-Policy': 'require-corp',
          'Cross-Origin-Resource-Policy': 'same-origin',
        });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deploy: (t) => (tag = t),
    swRequests: () => swRequests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(1, 4).toString('latin1'), 'PNG signature').toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** A custom property's value in src/styles/global.css. */
function cssVar(name: string): string {
  const css = readFileSync(new URL('../src/styles/global.css', import.meta.url), 'utf8');
  const m = new RegExp(`${name}:\\s*(#[0-9a-fA-F]{3,8})`).exec(css);
  if (!m) throw new Error(`no ${name} in global.css`);
  return m[1].toLowerCase();
}

/** Collects uncaught page errors and console errors of a page. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  return errors;
}

/**
 * Waits until the page's service worker is activated and controls the page (reloading once if
 * it does not take control by itself), i.e. the precache install has completed.
 */
async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return reg.active?.state;
  });
  const controlled = () => page.evaluate(() => navigator.serviceWorker.controller !== null);
  if (!(await controlled())) {
    await page.waitForTimeout(1000);
    if (!(await controlled())) await page.reload();
  }
  await expect.poll(controlled, { message: 'a service worker controls the page' }).toBe(true);
  await expect.poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.state)).toBe('activated');
}

/** Every URL in the page origin's Cache Storage. */
async function cachedUrls(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) {
      for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
    }
    return urls;
  });
}

test.describe('installable site', () => {
  // the other specs block service workers (playwright.config.ts); these are about them
  test.use({ serviceWorkers: 'allow' });
  test('manifest is linked, valid, matches the site colours, and its icons load at their sizes', async ({ page, request }) => {
    await page.goto('/');
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    expect(href).toBe('/manifest.webmanifest');
    const res = await request.get(href!);
    expect(res.status()).toBe(200);
    const manifest = JSON.parse(await res.text()) as {
      name: string; short_name: string; start_url: string; scope: string; display: string;
      theme_color: string; background_color: string;
      icons: { src: string; sizes: string; type: string; purpose?: string }[];
    };
    expect(manifest.name).toBe('ESP8266 Lab');
    expect(manifest.short_name.length).toBeGreaterThan(0);
    expect(manifest.short_name.length).toBeLessThanOrEqual(12);
    expect(manifest.start_url).toBe('/');
    expect(manifest.scope).toBe('/');
    expect(manifest.display).toBe('standalone');
    expect(manifest.theme_color).toBe(cssVar('--navy'));
    expect(manifest.background_color).toBe(cssVar('--paper'));
    await expect(page.locator('meta[name="theme-color"]')).toHaveAttribute('content', manifest.theme_color);

    const pngs = manifest.icons.filter((i) => i.type === 'image/png');
    expect(pngs.map((i) => `${i.sizes} ${i.purpose ?? 'any'}`).sort()).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);
    expect(manifest.icons.some((i) => i.type === 'image/svg+xml')).toBe(true);
    for (const icon of manifest.icons) {
      const r = await request.get(icon.src);
      expect(r.status(), icon.src).toBe(200);
      expect(r.headers()['content-type'], icon.src).toContain(icon.type);
      const body = await r.body();
      if (icon.type === 'image/png') {
        const [w, h] = icon.sizes.split('x').map(Number);
        expect(pngSize(body), icon.src).toEqual({ width: w, height: h });
      } else {
        expect(body.toString('utf8')).toContain('<svg');
      }
    }
    const apple = await page.locator('link[rel="apple-touch-icon"]').getAttribute('href');
    const appleRes = await request.get(apple!);
    expect(appleRes.status()).toBe(200);
    expect(pngSize(await appleRes.body())).toEqual({ width: 180, height: 180 });
  });

  test('after one visit, a lesson never opened runs offline, cross-origin isolated, with the firmware files', async ({ page, context }) => {
    test.setTimeout(90_000);
    // when the page registers, relative to its load event
    await context.addInitScript(() => {
      const w = window as unknown as { __swTimes: { load?: number; register?: number } };
      w.__swTimes = {};
      addEventListener('load', () => (w.__swTimes.load = performance.now()));
      const sw = navigator.serviceWorker;
      if (!sw) return;
      const register = sw.register.bind(sw);
      sw.register = (...args: Parameters<typeof register>) => {
        w.__swTimes.register ??= performance.now();
        return register(...args);
      };
    });
    await page.goto('/');
    await waitForServiceWorker(page);
    const times = await page.evaluate(() => (window as unknown as { __swTimes: { load?: number; register?: number } }).__swTimes);
    expect(times.register, 'the service worker is registered').toBeDefined();
    expect(times.register!, 'registered after the load event').toBeGreaterThanOrEqual(times.load!);
    await expect(page.locator('#update-banner'), 'no update banner on a first install').toBeEmpty();

    const urls = await cachedUrls(page);
    expect(urls.some((u) => /^\/_astro\/micropython-.*\.wasm/.test(u)), 'the wasm is precached').toBe(true);
    expect(urls.some((u) => /^\/_astro\/board\.worker-.*\.js/.test(u)), 'the emulator worker is precached').toBe(true);
    // every release's three files (4 MB, 1 MB, 512 KB), so a workshop can flash either release offline
    const built = readdirSync(join(DIST, 'firmware')).filter((f) => f.endsWith('.bin'));
    expect(built.length, 'two releases of three files each are built').toBe(6);
    expect(urls.filter((u) => /^\/firmware\/.*\.bin/.test(u)).sort(), 'the firmware files are precached').toEqual(built.map((f) => `/firmware/${f}`).sort());
    expect(urls.some((u) => u.startsWith(`${OFFLINE_LESSON}/index.html`)), 'the lesson is precached').toBe(true);

    await context.setOffline(true);
    // the network is really gone, for the service worker too: what is not precached fails
    const uncached = await page.evaluate(() => fetch(`/not-precached-${Math.random()}`).then((r) => `HTTP ${r.status}`, () => 'failed'));
    expect(uncached).toBe('failed');

    const lesson = await context.newPage();
    const errors = collectErrors(lesson);
    // the URL without its trailing slash, as a learner might type it
    const nav = await lesson.goto(OFFLINE_LESSON);
    expect(nav?.status()).toBe(200);
    expect(nav?.fromServiceWorker()).toBe(true);
    await waitForTerminal(lesson, (t) => t.includes(BANNER) && lastLine(t) === '>>>', 'banner and prompt offline', 30_000);
    expect(await lesson.evaluate(() => crossOriginIsolated)).toBe(true);
    await typeLine(lesson, 'print(6*7)');
    await waitForTerminal(lesson, (t) => /\n42\n>>>$/.test(t), '42 printed offline');

    // the Flash panel's firmware files
    await lesson.locator('.flash-panel summary').click();
    const links = await lesson.locator('.flash-panel a[download]').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href') ?? ''));
    expect(links.length).toBe(3);
    for (const href of links) {
      const got = await lesson.evaluate(async (u) => {
        const r = await fetch(u);
        return { status: r.status, bytes: (await r.arrayBuffer()).byteLength };
      }, href);
      expect(got.status, href).toBe(200);
      expect(got.bytes, href).toBeGreaterThan(400 * 1024);
    }

    // another page, with its trailing slash
    const other = await lesson.goto('/en/differences/');
    expect(other?.status()).toBe(200);
    await expect(lesson.locator('h1')).toBeVisible();
    expect(errors).toEqual([]);
  });

  test('a new deployment shows the update banner; Reload activates it and reloads the page', async ({ browser }) => {
    test.setTimeout(90_000);
    const site = await serveBuiltSite();
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const errors = collectErrors(page);
      await openLessonAndBoot(page, `${site.origin}${FIRST_LESSON}`);
      await waitForServiceWorker(page);
      await expect(page.locator('#update-banner')).toBeEmpty();

      // the next deployment: the same files, a different sw.js
      const before = site.swRequests();
      site.deploy(String(Date.now()));
      await page.evaluate(async () => {
        await (await navigator.serviceWorker.getRegistration())?.update();
      });
      expect(site.swRequests(), 'the update check fetched sw.js').toBeGreaterThan(before);

      const banner = page.getByRole('status').filter({ hasText: UPDATE_TEXT });
      await expect(banner).toBeVisible({ timeout: 20_000 });
      const reload = banner.getByRole('button', { name: 'Reload' });
      await expect(reload).toBeVisible();
      expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting?.state)).toBe('installed');

      // the banner stays clear of the terminal, at desktop and phone sizes
      mkdirSync('screenshots', { recursive: true });
      for (const [width, height] of [[1280, 800], [390, 844]]) {
        await page.setViewportSize({ width, height });
        await page.screenshot({ path: `screenshots/pwa-update-banner-${width}x${height}.png` });
        const b = await banner.boundingBox();
        const term = await page.locator('.terminal-wrap').boundingBox();
        expect(b && term).toBeTruthy();
        const overlaps = b!.x < term!.x + term!.width && term!.x < b!.x + b!.width && b!.y < term!.y + term!.height && term!.y < b!.y + b!.height;
        expect(overlaps, `banner over the terminal at ${width}x${height}`).toBe(false);
      }
      await page.setViewportSize({ width: 1400, height: 900 });

      await page.evaluate(() => ((window as unknown as { __oldPage: boolean }).__oldPage = true));
      // keyboard: focus the button and press Enter
      await reload.focus();
      const reloaded = page.waitForEvent('load');
      await page.keyboard.press('Enter');
      await reloaded;
      expect(await page.evaluate(() => (window as unknown as { __oldPage?: boolean }).__oldPage)).toBeUndefined();
      await expect.poll(() => page.evaluate(async () => {
        const reg = await navigator.serviceWorker.getRegistration();
        return { waiting: reg?.waiting ?? null, active: reg?.active?.state, controlled: navigator.serviceWorker.controller !== null };
      })).toEqual({ waiting: null, active: 'activated', controlled: true });
      await expect(page.locator('#update-banner')).toBeEmpty();
      await waitForTerminal(page, (t) => t.includes(BANNER) && lastLine(t) === '>>>', 'the lab boots again');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await site.close();
    }
  });
});

/** Boots the lab, runs one line, and checks no service worker was registered. */
async function bootsWithoutServiceWorker(page: Page, context: BrowserContext): Promise<string[]> {
  const errors = collectErrors(page);
  const info: string[] = [];
  page.on('console', (m) => info.push(`${m.type()}: ${m.text()}`));
  await openLessonAndBoot(page);
  await typeLine(page, 'print(6*7)');
  await waitForTerminal(page, (t) => /\n42\n>>>$/.test(t), '42 printed');
  // past load + idle, when a registration would have happened
  await page.waitForTimeout(1500);
  expect(context.serviceWorkers()).toEqual([]);
  expect(errors).toEqual([]);
  return info;
}

test.describe('service workers blocked', () => {
  test.use({ serviceWorkers: 'block' });
  test('the lab boots and runs code with no page errors', async ({ page, context }) => {
    await bootsWithoutServiceWorker(page, context);
  });
});

test.describe('no service worker possible', () => {
  test('a browser without service workers, or a page that is not a secure context, registers nothing and logs nothing', async ({ browser }) => {
    for (const setup of [
      () => {
        Reflect.deleteProperty(Navigator.prototype, 'serviceWorker');
      },
      () => {
        Object.defineProperty(window, 'isSecureContext', { value: false });
      },
    ]) {
      const context = await browser.newContext();
      await context.addInitScript(setup);
      const page = await context.newPage();
      const messages = await bootsWithoutServiceWorker(page, context);
      expect(messages.filter((m) => m.includes('ESP8266 Lab') || m.toLowerCase().includes('service worker'))).toEqual([]);
      await context.close();
    }
  });
});
