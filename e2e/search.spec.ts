/**
 * Site search (Pagefind, built by src/integrations/pagefind.mjs; UI from src/lib/site-search.ts):
 * the lesson each technical term is taught in comes first and links to its section, a nonsense
 * query finds nothing, keyboard-only use, no request leaves the site, only the lesson text and
 * the pages' main content are indexed, one index per language, the page for readers without
 * JavaScript, search offline through the service worker, axe on the open search, screenshots.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';

const DIST = resolve(process.env.E2E_DIST ?? 'dist');
const SHOTS = 'screenshots';

/**
 * Each term and the lesson that teaches it (found with `grep -il TERM content/lessons/en/*.mdx`:
 * the lesson whose sections explain it, not one that mentions it in passing).
 */
const TERMS: { query: string; lesson: string; needle: RegExp }[] = [
  { query: 'strapping', lesson: '/en/lessons/wiring-and-boot-modes/', needle: /strapping/i },
  { query: 'Lmac', lesson: '/en/lessons/wifi-and-sockets/', needle: /LmacRxBlk/ },
  { query: 'deepsleep', lesson: '/en/lessons/deep-sleep/', needle: /deepsleep/ },
  { query: '74880', lesson: '/en/lessons/wiring-and-boot-modes/', needle: /74880/ },
];

/** Records every request of the context that goes to another origin than the site's. */
function foreignRequests(context: BrowserContext, origin: string): string[] {
  const foreign: string[] = [];
  context.on('request', (r) => {
    const url = r.url();
    if (url.startsWith('data:')) return;
    if (new URL(url).origin !== origin) foreign.push(url);
  });
  return foreign;
}

/** Opens the search dialog from the header and searches for `query`. */
async function search(page: Page, query: string): Promise<void> {
  const dialog = page.getByRole('dialog', { name: 'Search the course' });
  if (!(await dialog.isVisible())) await page.getByRole('button', { name: 'Search' }).click();
  await expect(dialog).toBeVisible();
  const field = dialog.locator('input.pagefind-ui__search-input');
  await expect(field).toBeFocused();
  await expect(field).toHaveAccessibleName('Search the course'); // the dialog's visible heading
  await field.fill(query);
  await expect(dialog.locator('.pagefind-ui__message')).toContainText(query);
}

/** The heading with `id` on the current page and the text of its section (up to the next heading of its level or above). */
function sectionText(page: Page, id: string): Promise<{ heading: string; text: string } | null> {
  return page.evaluate((id) => {
    const h = document.getElementById(id);
    if (!h || !/^H[1-6]$/.test(h.tagName)) return null;
    const level = Number(h.tagName[1]);
    let text = h.textContent ?? '';
    for (let n = h.nextElementSibling; n; n = n.nextElementSibling) {
      if (/^H[1-6]$/.test(n.tagName) && Number(n.tagName[1]) <= level) break;
      text += '\n' + (n.textContent ?? '');
    }
    return { heading: h.textContent ?? '', text };
  }, id);
}

test.describe('site search', () => {
  for (const { query, lesson, needle } of TERMS) {
    test(`"${query}" finds ${lesson} and the section that explains it`, async ({ page, context, baseURL }) => {
      const foreign = foreignRequests(context, new URL(baseURL!).origin);
      await page.goto('/');
      await search(page, query);
      const first = page.locator('.pagefind-ui__result').first();
      const link = first.locator('a.pagefind-ui__result-link').first(); // its title; the sections' links follow
      await expect(link).toHaveAttribute('href', lesson);
      // a sub-result: a section of that lesson, by its heading's id
      const sections = first.locator('.pagefind-ui__result-nested a.pagefind-ui__result-link');
      const hrefs = await sections.evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
      const anchored = hrefs.filter((h) => h.includes('#'));
      expect(anchored.length, `sub-results of ${lesson}: ${hrefs.join(', ')}`).toBeGreaterThan(0);
      for (const h of anchored) expect(h).toMatch(new RegExp(`^${lesson}#[a-z0-9-]+$`));
      // following it lands on that heading, whose section does discuss the term
      const target = anchored[0]!;
      await first.locator(`.pagefind-ui__result-nested a[href="${target}"]`).first().click();
      await expect(page).toHaveURL((url) => url.pathname + url.hash === target);
      await expect(page.getByRole('dialog', { name: 'Search the course' })).toBeHidden();
      const section = await sectionText(page, target.split('#')[1]!);
      expect(section, `heading #${target.split('#')[1]}`).not.toBeNull();
      expect(section!.text).toMatch(needle);
      expect(foreign, 'requests to other origins').toEqual([]);
    });
  }

  test('a query that matches nothing says so and lists no result', async ({ page }) => {
    await page.goto('/');
    await search(page, 'qwertyzzz');
    const dialog = page.getByRole('dialog', { name: 'Search the course' });
    await expect(dialog.locator('.pagefind-ui__message')).toHaveText('No results for qwertyzzz');
    await expect(dialog.locator('.pagefind-ui__result')).toHaveCount(0);
    // and a real term in the same field does find something (the empty list above was not a broken index)
    await dialog.locator('input.pagefind-ui__search-input').fill('strapping');
    await expect(dialog.locator('.pagefind-ui__result').first()).toBeVisible();
  });

  test('keyboard only: Tab to Search in the header, type, Tab to a result, Enter; Esc closes and gives focus back; / opens it', async ({ page }) => {
    await page.goto('/en/lessons/first-steps/');
    const open = page.getByRole('button', { name: 'Search' });
    let reached = false;
    for (let i = 0; i < 8 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await open.evaluate((b) => b === document.activeElement);
    }
    expect(reached, 'Search is among the first Tab stops').toBe(true);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Search the course' });
    const field = dialog.locator('input.pagefind-ui__search-input');
    await expect(field).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(open).toBeFocused();

    // "/" outside a text field opens it too
    await page.locator('h1').click();
    await page.keyboard.press('/');
    await expect(field).toBeFocused();
    await page.keyboard.type('deepsleep');
    await expect(dialog.locator('.pagefind-ui__result').first()).toBeVisible();
    // Tab leaves the field (past its Clear button) for the first result's link
    const firstLink = dialog.locator('.pagefind-ui__result-link').first();
    for (let i = 0; i < 4 && !(await firstLink.evaluate((a) => a === document.activeElement)); i++) await page.keyboard.press('Tab');
    await expect(firstLink).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/en\/lessons\/deep-sleep\/$/);
  });

  test('the index holds the lesson text and main content only, one index per language', async ({ page }) => {
    const entry = JSON.parse(readFileSync(join(DIST, 'pagefind', 'pagefind-entry.json'), 'utf8')) as {
      languages: Record<string, { page_count: number }>;
    };
    const lessons = readFileSync(join(DIST, 'index.html'), 'utf8').match(/href="\/en\/lessons\/[^"]+"/g) ?? [];
    const lessonCount = new Set(lessons).size;
    expect(lessonCount).toBeGreaterThanOrEqual(12);
    // every page is <html lang="en">: one English index with the lessons, home, workshop,
    // differences and firmware pages (the search page itself has no data-pagefind-body and is left out)
    expect(Object.keys(entry.languages)).toEqual(['en']);
    expect(entry.languages.en!.page_count).toBe(lessonCount + 4);

    const requested: string[] = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await page.goto('/en/lessons/deep-sleep/');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await search(page, 'deepsleep');
    await expect(page.locator('.pagefind-ui__result').first()).toBeVisible();
    // the UI loaded the index of the page's language
    expect(requested.some((p) => /^\/pagefind\/pagefind\.en_[0-9a-f]+\.pf_meta$/.test(p)), requested.join(' ')).toBe(true);

    // what a lesson's record holds: its text, not the header, pager, lesson list, lab or footer
    const record = await page.evaluate(async () => {
      const api = '/pagefind/pagefind.js'; // Pagefind's search API, as the UI loads it
      const pagefind = await import(api);
      const found = await pagefind.search('deepsleep');
      for (const r of found.results) {
        const data = await r.data();
        if (data.url === '/en/lessons/deep-sleep/') return { content: data.content as string, title: data.meta.title as string };
      }
      return null;
    });
    expect(record).not.toBeNull();
    expect(record!.title).toMatch(/deep sleep/i);
    expect(record!.content).toContain('GPIO16');
    // (each of these is in the page's HTML, outside the lesson's <article data-pagefind-body>)
    const html = readFileSync(join(DIST, 'en/lessons/deep-sleep/index.html'), 'utf8');
    for (const chrome of ['Nothing you type leaves the site', 'MicroPython on a virtual ESP-07', 'Search the course', 'Next lesson', 'All lessons', 'turn JavaScript on']) {
      expect(html, chrome).toContain(chrome);
      expect(record!.content, chrome).not.toContain(chrome);
    }
  });

  test('axe: no serious or critical violations with the search open; screenshots at three sizes', async ({ page }) => {
    mkdirSync(SHOTS, { recursive: true });
    for (const vp of [{ width: 1280, height: 800 }, { width: 1366, height: 768 }, { width: 390, height: 844 }]) {
      await page.setViewportSize(vp);
      await page.goto('/en/lessons/first-steps/');
      await search(page, 'strapping');
      const dialog = page.getByRole('dialog', { name: 'Search the course' });
      await expect(dialog.locator('.pagefind-ui__result').first()).toBeVisible();
      await expect(dialog.locator('.pagefind-ui__result-excerpt mark').first()).toBeVisible();
      // the dialog fits the window, and nothing scrolls sideways
      const box = (await dialog.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(vp.width);
      expect(box.y + box.height).toBeLessThanOrEqual(vp.height);
      expect(await dialog.evaluate((d) => d.scrollWidth <= d.clientWidth)).toBe(true);
      await page.screenshot({ path: `${SHOTS}/search-${vp.width}x${vp.height}.png` });
      const results = await new AxeBuilder({ page }).include('dialog[data-search-dialog]').analyze();
      const bad = results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
      expect(bad, `${vp.width}x${vp.height}`).toEqual([]);
    }
  });

  test('the search page: ?q= searches, and axe finds nothing serious', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/en/search/?q=74880');
    const field = page.locator('main input.pagefind-ui__search-input');
    await expect(field).toHaveValue('74880');
    await expect(field).toBeFocused();
    await expect(page.locator('main .pagefind-ui__result-link').first()).toHaveAttribute('href', '/en/lessons/wiring-and-boot-modes/');
    // the header's Search focuses the page's own field instead of opening a second search
    await page.locator('h1').click();
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(field).toBeFocused();
    await expect(page.getByRole('dialog')).toBeHidden();
    await page.screenshot({ path: `${SHOTS}/search-page-390x844.png` });
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  });
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  test('the header links to the search page, which says search needs JavaScript and lists the lessons', async ({ page }) => {
    await page.goto('/en/lessons/first-steps/');
    await expect(page.getByRole('button', { name: 'Search' })).toBeHidden();
    const link = page.getByRole('link', { name: 'Search' });
    await expect(link).toBeVisible();
    await link.click();
    await expect(page).toHaveURL(/\/en\/search\/$/);
    await expect(page.locator('.search-nojs')).toContainText('Search needs JavaScript');
    await expect(page.locator('.search-nojs-list a')).toHaveCount(12);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${SHOTS}/search-nojs-390x844.png` });
  });
});

test.describe('offline', () => {
  // the other specs block service workers (playwright.config.ts); this one is about them
  test.use({ serviceWorkers: 'allow' });
  test('after one visit, search works with the network gone (the index is precached)', async ({ page, context }) => {
    test.setTimeout(90_000);
    await page.goto('/');
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    await expect.poll(() => page.evaluate(async () => {
      const names = await caches.keys();
      let n = 0;
      for (const name of names) n += (await (await caches.open(name)).keys()).filter((r) => r.url.includes('/pagefind/')).length;
      return n;
    }), { message: 'pagefind files in the precache', timeout: 60_000 }).toBeGreaterThan(5);
    await expect.poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.state), { timeout: 30_000 }).toBe('activated');
    await context.setOffline(true);
    const lesson = await context.newPage();
    await lesson.goto('/en/lessons/repl-keys/');
    await expect.poll(() => lesson.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await search(lesson, 'Lmac');
    await expect(lesson.locator('.pagefind-ui__result-link').first()).toHaveAttribute('href', '/en/lessons/wifi-and-sockets/');
    await lesson.close();
  });
});
