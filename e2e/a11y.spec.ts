/**
 * axe-core on every page of the built site: the home page, every lesson (after its lab booted),
 * the differences page and the teacher's page, on a laptop (1280×800) and a phone (390×844; on a
 * lesson with the terminal docked after a Run). No violation of impact serious or critical may
 * remain; a failure lists each rule with the nodes it found.
 */
import { readdirSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

const DIST = process.env.E2E_DIST ?? 'dist';

/** The lessons as the content folder has them; each must have been built. */
const LESSONS = readdirSync('content/lessons/en')
  .filter((f) => f.endsWith('.mdx'))
  .map((f) => f.replace(/\.mdx$/, ''))
  .sort();

const PAGES = ['/', ...LESSONS.map((slug) => `/en/lessons/${slug}/`), '/en/differences/', '/en/workshop/'];

test('the page list covers the whole built site', () => {
  expect(LESSONS.length).toBe(12);
  const built = readdirSync(`${DIST}/en/lessons`, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  expect(built).toEqual(LESSONS);
});

/**
 * Serious and critical violations as "rule (impact): help — target | target …" lines. Besides
 * axe's default rules, the experimental label-content-name-mismatch (WCAG 2.5.3, a control's
 * name contains its visible text) is on: issue 11 found it on the board's pads.
 */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .options({ rules: { 'label-content-name-mismatch': { enabled: true } } })
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
}

const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
];

for (const path of PAGES) {
  test(`axe: no serious or critical violations on ${path}`, async ({ page }) => {
    test.setTimeout(90_000);
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize(viewport);
      await page.goto(path);
      const lesson = path.startsWith('/en/lessons/');
      if (lesson) {
        // booted: the first prompt was shown (xterm does not paint while off screen, as on a phone)
        await page.waitForFunction(() => performance.getEntriesByName('lab:prompt').length > 0, null, { timeout: 30_000 });
        if (viewport.width < 1100) {
          // the phone's docked terminal, opened by the first Run (or, in a lesson without Run
          // blocks, by the event a Run button sends)
          const run = page.locator('.run-button').first();
          if ((await run.count()) > 0) await run.click();
          else await page.evaluate(() => window.dispatchEvent(new Event('esp8266-lab:focus-terminal')));
          await expect(page.locator('[data-dock="open"]')).toHaveCount(1);
        }
      }
      expect(await seriousViolations(page), `${path} at ${viewport.width}×${viewport.height}`).toEqual([]);
    }
  });
}
