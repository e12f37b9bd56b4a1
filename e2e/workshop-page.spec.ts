/** The teacher's page (/en/workshop/): reachable from the home page, complete, accessible, no JavaScript needed. */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

const PAGE = '/en/workshop/';

const SECTIONS = [
  'On this page',
  'Before the day',
  'Three ways to run it',
  'Server options',
  'A two-hour workshop',
  'A one-day workshop',
  'What each learner needs',
  'When something goes wrong',
];
const WAYS = ['1. Each laptop runs its own copy', '2. One laptop serves the room', '3. The installed offline site'];

/** Heading levels in document order. */
async function headingLevels(page: Page): Promise<number[]> {
  return page.locator('h1, h2, h3, h4, h5, h6').evaluateAll((hs) => hs.map((h) => Number(h.tagName[1])));
}

test('the home page links to the teacher page', async ({ page }) => {
  await page.goto('/');
  const link = page.getByRole('link', { name: "The teacher's page" });
  await expect(link).toBeVisible();
  await expect(page.locator('.workshop-callout')).toContainText('Running a workshop?');
  await link.click();
  await expect(page).toHaveURL(new RegExp(`${PAGE}$`));
  await expect(page.locator('main h1')).toHaveText('Running a workshop');
});

test('the teacher page has its sections, headings in order, and plans built from real lessons', async ({ page }) => {
  await page.goto(PAGE);
  await expect(page.locator('main')).toHaveCount(1);
  await expect(page.locator('h1')).toHaveCount(1);
  expect(await page.locator('main h2').allTextContents()).toEqual(SECTIONS);
  const h3 = (await page.locator('main h3').allTextContents()).map((t) => t.trim());
  for (const way of WAYS) expect(h3).toContain(way);

  // no heading skips a level
  const levels = await headingLevels(page);
  expect(levels[0]).toBe(1);
  for (let i = 1; i < levels.length; i++) expect(levels[i], `heading ${i} after level ${levels[i - 1]}`).toBeLessThanOrEqual(levels[i - 1] + 1);

  // the commands and facts a teacher needs are on the page
  const text = (await page.locator('main').innerText()).replace(/\s+/g, ' ');
  for (const s of [
    'npm run bundle', 'http://localhost:8266/', 'start.bat', './start.command', './start.sh --lan',
    'node serve.mjs --lan', 'python3 serve.py --open', '--https', '--port 8267', 'certs/',
    'Proceed to … (unsafe)', 'Accept the Risk and Continue', 'visit this website', 'compatibility mode',
    'Install ESP8266 Lab', 'Extract All', 'spaces',
  ]) expect(text, s).toContain(s);
  // the zip is not offered as a download link from the site
  await expect(page.locator('a[href$=".zip"]')).toHaveCount(0);

  // each plan links lessons, with a break
  for (const id of ['two-hours', 'one-day']) {
    const table = page.locator(`h2#${id} ~ .table-wrap`).first().locator('table');
    expect(await table.locator('a[href^="/en/lessons/"]').count(), id).toBeGreaterThanOrEqual(4);
    await expect(table.locator('tr.pause').first()).toBeVisible();
  }
  await expect(page.locator('h2#two-hours ~ .table-wrap').first().locator('a[href^="/en/lessons/"]')).toHaveCount(4);
  await expect(page.locator('h2#one-day ~ .table-wrap').first().locator('a[href^="/en/lessons/"]')).toHaveCount(10);
  // troubleshooting rows
  expect(await page.locator('table.trouble tbody tr').count()).toBeGreaterThanOrEqual(8);
});

test('every internal link on the teacher page resolves', async ({ page, baseURL }) => {
  await page.goto(PAGE);
  const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
  const origin = new URL(baseURL!).origin;
  const internal = [...new Set(hrefs.filter((h) => new URL(h).origin === origin))];
  expect(internal.length).toBeGreaterThan(15);
  const checked = new Set<string>();
  for (const href of internal) {
    const url = new URL(href);
    if (url.hash && url.pathname === PAGE) {
      // a jump within the page: its target exists
      await expect(page.locator(`[id="${decodeURIComponent(url.hash.slice(1))}"]`), href).toHaveCount(1);
    }
    url.hash = '';
    if (checked.has(url.href)) continue;
    checked.add(url.href);
    const res = await page.request.get(url.href);
    expect(res.status(), url.href).toBe(200);
  }
  // the lesson pages, the home page and this page itself
  expect(checked.size).toBeGreaterThanOrEqual(12);
});

test('axe finds no serious or critical problems on the teacher page', async ({ page }) => {
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    await page.setViewportSize(viewport);
    await page.goto(PAGE);
    const results = await new AxeBuilder({ page }).analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), `${viewport.width}px`).toEqual([]);
  }
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the teacher page renders, and fits a phone', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(PAGE);
    await expect(page.locator('main h1')).toHaveText('Running a workshop');
    expect(await page.locator('main h2').allTextContents()).toEqual(SECTIONS);
    await expect(page.locator('table.plan').first()).toBeVisible();
    // wide: the plans are real tables with their header row
    await expect(page.locator('table.plan thead').first()).toBeVisible();
    await page.screenshot({ path: 'screenshots/workshop-1280.png', fullPage: true });

    // nothing is wider than the screen: no sideways scrolling of the page or of any table, on a
    // small tablet (tables as tables) and on a phone (rows stacked); the phone comes last
    for (const width of [700, 390]) {
      await page.setViewportSize({ width, height: 844 });
      await page.goto(PAGE);
      const overflow = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        tables: Array.from(document.querySelectorAll('.table-wrap')).map((w) => w.scrollWidth - w.clientWidth),
      }));
      expect(overflow.page, `page at ${width}px`).toBeLessThanOrEqual(0);
      for (const t of overflow.tables) expect(t, `a table at ${width}px`).toBeLessThanOrEqual(0);
    }
    // narrow: the rows stack into cards, so each cell takes the full width
    const cell = page.locator('table.plan tbody td').first();
    const row = page.locator('table.plan tbody tr').first();
    const [cellBox, rowBox] = [await cell.boundingBox(), await row.boundingBox()];
    expect(cellBox!.width).toBeGreaterThan(rowBox!.width * 0.9);
    await page.screenshot({ path: 'screenshots/workshop-390.png', fullPage: true });
  });
});
