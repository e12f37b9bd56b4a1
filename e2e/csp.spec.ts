/**
 * The Content-Security-Policy (src/integrations/csp.mjs) and the terminal's OSC 8 links.
 *
 * - The home page, a lesson whose board runs code, the differences and teacher's pages, and the
 *   search dialog raise no `securitypolicyviolation` event and log no CSP error; every built page
 *   carries the meta element and has no inline script left; the preview server sends the header.
 * - The policy bites: a script element with inline code, added after load, does not run.
 * - A link printed by the board as an OSC 8 sequence, clicked in the terminal, opens no page: an
 *   in-page warning shows its full URL and says the program printed it; only its Open button
 *   opens it. A plain URL in the output is not a link at all.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { CSP_HEADER, CSP_META } from '../src/integrations/csp.mjs';
import { FIRST_LESSON, lastLine, openLessonAndBoot, typeLine, waitForTerminal } from './helpers';

const DIST = process.env.E2E_DIST ?? 'dist';

declare global {
  interface Window {
    __cspViolations?: string[];
    __inlineRan?: boolean;
  }
}

/**
 * Records CSP trouble on `page`: `securitypolicyviolation` events (from an init script, so from
 * the first byte of every document) and console messages about the policy.
 */
async function watchCsp(page: Page): Promise<{ check: (where: string) => Promise<void> }> {
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (/Content[ -]Security[ -]Policy|Refused to (load|execute|compile|connect|apply|create|frame)/i.test(m.text())) consoleErrors.push(m.text());
  });
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations!.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  return {
    async check(where) {
      const violations = await page.evaluate(() => window.__cspViolations ?? []);
      expect(violations, `securitypolicyviolation events on ${where}`).toEqual([]);
      expect(consoleErrors, `CSP console messages on ${where}`).toEqual([]);
    },
  };
}

/** Every .html file of the build, relative to it. */
function builtPages(dir = DIST, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return builtPages(full, `${prefix}${name}/`);
    return name.endsWith('.html') ? [`${prefix}${name}`] : [];
  });
}

test.describe('Content-Security-Policy', () => {
  test('every built page has the meta element first in <head> and no inline script', () => {
    const pages = builtPages();
    expect(pages.length).toBeGreaterThanOrEqual(16);
    for (const file of pages) {
      const html = readFileSync(join(DIST, file), 'utf8');
      const metas = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/g) ?? [];
      expect(metas, file).toHaveLength(1);
      expect(metas[0], file).toContain(CSP_META.replace(/"/g, '&quot;'));
      // before any script or stylesheet
      const at = html.indexOf('Content-Security-Policy');
      for (const tag of ['<script', '<link rel="stylesheet"', '<style']) {
        const first = html.indexOf(tag);
        if (first !== -1) expect(at, `${file}: the meta comes before ${tag}`).toBeLessThan(first);
      }
      for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
        expect(m[1], `${file}: every script has a src`).toMatch(/\ssrc="\/[^"]+"/);
        expect(m[2], file).toBe('');
      }
    }
    expect(CSP_META).not.toContain('frame-ancestors'); // ignored, with a console warning, in a meta
    expect(CSP_HEADER).toBe(`${CSP_META}; frame-ancestors 'none'`);
  });

  test('home page: the header from the preview server, the meta, no violation', async ({ page }) => {
    const csp = await watchCsp(page);
    const res = await page.goto('/');
    expect(res!.headers()['content-security-policy']).toBe(CSP_HEADER);
    await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveAttribute('content', CSP_META);
    await page.waitForLoadState('networkidle');
    await csp.check('/');
    // workers, scripts and wasm get the header too (a worker's policy is its script's header)
    const worker = await page.request.get('/sw.js');
    expect(worker.headers()['content-security-policy']).toBe(CSP_HEADER);
  });

  test('a lesson: the board boots (wasm compiled in its worker), runs code and prints; no violation', async ({ page }) => {
    const csp = await watchCsp(page);
    await openLessonAndBoot(page);
    await typeLine(page, 'print("csp", 6 * 7)');
    await waitForTerminal(page, (t) => t.includes('csp 42') && lastLine(t) === '>>>', 'the output and the prompt');
    await csp.check(FIRST_LESSON);
  });

  test('the differences and teacher’s pages and the search page: no violation', async ({ page }) => {
    const csp = await watchCsp(page);
    for (const path of ['/en/differences/', '/en/workshop/', '/en/search/?q=deepsleep']) {
      await page.goto(path);
      await page.waitForLoadState('networkidle');
      await csp.check(path);
    }
    await expect(page.locator('.pagefind-ui__result').first()).toBeVisible();
    await csp.check('/en/search/ with results');
  });

  test('the search dialog loads Pagefind’s UI, its wasm and finds a lesson; no violation', async ({ page }) => {
    const csp = await watchCsp(page);
    await page.goto('/en/lessons/deep-sleep/');
    await page.locator('h1').click();
    await page.keyboard.press('/');
    const dialog = page.getByRole('dialog', { name: 'Search the course' });
    await expect(dialog.locator('input.pagefind-ui__search-input')).toBeFocused();
    await page.keyboard.type('deepsleep');
    await expect(dialog.locator('.pagefind-ui__result').first()).toBeVisible();
    await csp.check('the search dialog');
  });

  test('an inline script added without a hash is blocked, and reported', async ({ page }) => {
    await watchCsp(page);
    await page.goto('/');
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true;';
      document.body.append(s);
    });
    // one report per policy that blocks it: the meta's and the header's
    await expect.poll(() => page.evaluate(() => window.__cspViolations ?? [])).toEqual([
      expect.stringMatching(/^script-src-elem blocked inline/),
      expect.stringMatching(/^script-src-elem blocked inline/),
    ]);
    expect(await page.evaluate(() => window.__inlineRan)).toBeUndefined();
    // a same-origin script file still runs: the policy blocks inline code, not the site's own files
    await page.evaluate(() => new Promise<void>((ok, fail) => {
      const s = document.createElement('script');
      s.src = document.querySelector<HTMLScriptElement>('script[src]')!.src;
      s.type = 'module';
      s.onload = () => ok();
      s.onerror = () => fail(new Error('own script blocked'));
      document.body.append(s);
    }));
  });
});

/** Clicks the first characters of the terminal row whose text is exactly `text`. */
async function clickTerminalText(page: Page, text: string): Promise<void> {
  const box = await page.locator('.xterm-rows').evaluate((rows, wanted) => {
    const row = Array.from(rows.children).find((r) => (r.textContent ?? '').replace(/\u00a0/g, ' ').trim() === wanted);
    if (!row) return null;
    const r = row.getBoundingClientRect();
    return { x: r.left, y: r.top, height: r.height };
  }, text);
  expect(box, `a terminal row reading ${text}`).not.toBeNull();
  const x = box!.x + 12;
  const y = box!.y + box!.height / 2;
  await page.mouse.move(x - 6, y);
  await page.mouse.move(x, y, { steps: 3 }); // xterm finds the link under the pointer on hover
  await page.waitForTimeout(200);
  await page.mouse.click(x, y);
}

const OSC8_URL = 'https://example.com/printed-by-the-board?x=1';
/** Python source printing an OSC 8 link whose text is `board-link` (typed at the REPL). */
const OSC8_PRINT = String.raw`print('\x1b]8;;` + OSC8_URL + String.raw`\x1b\\board-link\x1b]8;;\x1b\\')`;

test.describe('OSC 8 links printed by the board', () => {
  test('clicking one opens no page: a warning shows the full URL, from the program; only Open opens it', async ({ page, context }) => {
    const opened: string[] = [];
    context.on('page', (p) => opened.push(p.url()));
    await context.route(/^https?:\/\/example\.com\//, (route) => route.abort()); // nothing leaves the site
    await openLessonAndBoot(page);
    await page.evaluate(() => {
      window.confirm = () => { throw new Error('window.confirm was called'); };
    });

    // a plain URL in the output is not a link
    await typeLine(page, "print('https://example.com/plain')");
    await waitForTerminal(page, (t) => t.split('\n').includes('https://example.com/plain'), 'the plain URL');
    await clickTerminalText(page, 'https://example.com/plain');
    await page.waitForTimeout(500);
    await expect(page.getByTestId('terminal-link-warning')).toHaveCount(0);

    await typeLine(page, OSC8_PRINT);
    await waitForTerminal(page, (t) => t.split('\n').includes('board-link') && lastLine(t) === '>>>', 'the link text');
    await clickTerminalText(page, 'board-link');
    const warning = page.getByTestId('terminal-link-warning');
    await expect(warning).toBeVisible();
    await expect(warning).toHaveAttribute('role', 'alert');
    await expect(warning).toContainText('The program on the board printed a link to');
    await expect(warning.locator('.terminal-link-url')).toHaveText(OSC8_URL);
    await page.waitForTimeout(500);
    expect(opened, 'no page opened by the click').toEqual([]);
    expect(await page.evaluate(() => location.pathname)).toBe(FIRST_LESSON);

    // Dismiss: the warning goes, the terminal has the keyboard again, still no page
    await warning.getByRole('button', { name: 'Dismiss' }).click();
    await expect(warning).toHaveCount(0);
    await expect(page.locator('.xterm-helper-textarea')).toBeFocused();
    expect(opened).toEqual([]);

    // the explicit Open button opens the URL (in a new page, without access to the lab's window)
    await clickTerminalText(page, 'board-link');
    await expect(warning).toBeVisible();
    const popup = context.waitForEvent('page');
    await warning.getByRole('button', { name: 'Open' }).click();
    await popup;
    expect(opened).toHaveLength(1);
    await expect(warning).toHaveCount(0);
  });

  for (const size of [{ width: 1280, height: 800 }, { width: 1366, height: 768 }, { width: 390, height: 844 }]) {
    test(`the warning at ${size.width}x${size.height}: screenshot, axe`, async ({ page }) => {
      await page.setViewportSize(size);
      if (size.width >= 700) await openLessonAndBoot(page);
      else {
        await page.goto(FIRST_LESSON);
        await page.waitForFunction(() => performance.getEntriesByName('lab:prompt').length > 0, null, { timeout: 30_000 });
        // phones: Run docks the terminal at the bottom
        const run = page.locator('.runnable', { hasText: 'print(' }).first().getByRole('button', { name: /Run/ });
        await run.scrollIntoViewIfNeeded();
        await run.click();
        await expect(page.getByTestId('lab')).toHaveAttribute('data-dock', 'open');
        await waitForTerminal(page, (t) => lastLine(t) === '>>>', 'the prompt after Run');
      }
      await typeLine(page, OSC8_PRINT);
      await waitForTerminal(page, (t) => t.split('\n').includes('board-link') && lastLine(t) === '>>>', 'the link text');
      await clickTerminalText(page, 'board-link');
      const warning = page.getByTestId('terminal-link-warning');
      await expect(warning).toBeVisible();
      await warning.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `screenshots/osc8-warning-${size.width}x${size.height}.png` });
      const results = await new AxeBuilder({ page }).analyze();
      const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
    });
  }
});
