/**
 * Lesson figures (src/components/Figure.astro, public/diagrams/*.svg): each drawing is on its
 * lesson page with real alt text and a caption, its file answers 200 as SVG, it loads and shows
 * without JavaScript, it fits a 390 px phone without sideways page scrolling and keeps its text
 * at >= 12 px (a wide schematic scrolls in its own frame instead), and the SVG files are
 * self-contained (no scripts, no requests to other origins, title and desc inside).
 */
import AxeBuilder from '@axe-core/playwright';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';

interface Expected {
  lesson: string;
  src: string;
  /** Words the alt text must contain: the connections or facts a blind reader needs. */
  altMentions: string[];
  /** Text of the heading of the section the figure sits in. */
  section: RegExp;
  /** A wide figure: never narrower than its natural width, scrolls in its frame. */
  wide?: boolean;
}

const FIGURES: Expected[] = [
  {
    lesson: '/en/lessons/wiring-and-boot-modes/',
    src: '/diagrams/esp07-minimum-circuit.svg',
    altMentions: ['EN (CH_PD)', 'R2', 'RST', 'R1', 'Reset button', 'GPIO16', 'GPIO0', 'R5', 'Flash button', 'GPIO2', 'R3', 'GPIO15', 'R4', 'GPIO13', 'LED', 'TXD (GPIO1)', "adapter's RX", 'RXD (GPIO3)', 'C1', 'C2', 'VCC'],
    section: /What a bare ESP-07 needs/,
    wide: true,
  },
  {
    lesson: '/en/lessons/wiring-and-boot-modes/',
    src: '/diagrams/strapping-boot-modes.svg',
    altMentions: ['GPIO15', 'GPIO0', 'GPIO2', 'boot mode:(3,6)', 'boot mode:(1,6)', 'boot mode:(7,6)', 'UART download', 'SDIO'],
    section: /Before any firmware runs/,
  },
  {
    lesson: '/en/lessons/flashing-micropython/',
    src: '/diagrams/flash-layout.svg',
    altMentions: ['0x000000', '0x100000', 'esp.flash_user_start()', '0x3FB000', '0x3FC000', 'esp_init_data', '0x400000', '0x99000', '0xFB000', '0x7B000', 'no filesystem'],
    section: /One chip, three flash sizes/,
  },
  {
    lesson: '/en/lessons/the-boot-process/',
    src: '/diagrams/boot-sequence.svg',
    altMentions: ['74880', 'rst cause:2', 'boot mode:(3,6)', '_boot.py', 'boot.py', 'main.py', 'Ctrl-D', 'MPY: soft reboot', 'deep-sleep wake'],
    section: /From reset to the prompt/,
  },
];

const DIAGRAMS = join(process.cwd(), 'public', 'diagrams');

/** The lesson's figure for `src`, with its image. */
function figureOf(page: Page, src: string) {
  const figure = page.locator('figure.figure', { has: page.locator(`img[src="${src}"]`) });
  return { figure, img: figure.locator('img') };
}

/** Scrolls the image into view (it loads lazily) and waits for it to be decoded. */
async function loaded(page: Page, src: string): Promise<{ naturalWidth: number; naturalHeight: number; complete: boolean }> {
  const { img } = figureOf(page, src);
  await img.scrollIntoViewIfNeeded();
  await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0), { message: `${src} loads` }).toBe(true);
  return img.evaluate((i: HTMLImageElement) => ({ naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight, complete: i.complete }));
}

test.describe('lesson figures', () => {
  test('every file in public/diagrams is used by a lesson figure, and each SVG is self-contained', async () => {
    const files = readdirSync(DIAGRAMS).filter((f) => f.endsWith('.svg'));
    expect(files.sort()).toEqual(FIGURES.map((f) => f.src.replace('/diagrams/', '')).sort());
    for (const f of files) {
      const svg = readFileSync(join(DIAGRAMS, f), 'utf8');
      expect(svg, f).toMatch(/^<svg [^>]*role="img"/);
      expect(svg, f).toMatch(/<title id="t">[^<]{10,}<\/title>/);
      expect(svg, f).toMatch(/<desc id="d">[^<]{80,}<\/desc>/);
      expect(svg, f).toContain('aria-labelledby="t d"');
      expect(svg, f).not.toMatch(/<script|@import|@font-face|url\((?!#)/i);
      // nothing from another origin: the only URL is the SVG namespace
      expect(svg.match(/https?:\/\/[^"']+/g) ?? [], f).toEqual(['http://www.w3.org/2000/svg']);
      expect(svg, f).toMatch(/font-family="system-ui/);
    }
  });

  for (const fig of FIGURES) {
    test(`${fig.src} is on ${fig.lesson} where the text talks about it`, async ({ page }) => {
      // the file itself: served as SVG
      const res = await page.request.get(fig.src);
      expect(res.status(), fig.src).toBe(200);
      expect(res.headers()['content-type']).toMatch(/^image\/svg\+xml/);
      const svg = await res.text();
      const [, vw, vh] = svg.match(/viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"/) ?? [];

      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(fig.lesson);
      const { figure, img } = figureOf(page, fig.src);
      await expect(figure).toHaveCount(1);
      const alt = (await img.getAttribute('alt')) ?? '';
      expect(alt.length, 'alt text describes the content').toBeGreaterThan(150);
      expect(alt).not.toMatch(/^(diagram|figure|image|picture)\b/i);
      for (const word of fig.altMentions) expect(alt, `alt mentions ${word}`).toContain(word);
      expect((await figure.locator('figcaption').innerText()).trim().length).toBeGreaterThan(20);
      await expect(img).toHaveAttribute('loading', 'lazy');
      // width and height are the drawing's own size (no layout shift, right aspect ratio)
      await expect(img).toHaveAttribute('width', String(Number(vw)));
      await expect(img).toHaveAttribute('height', String(Number(vh)));
      // it sits in the section that talks about it
      const heading = await figure.evaluate((el) => {
        let n: Element | null = el;
        while (n && !(n.previousElementSibling?.tagName === 'H2')) n = n.previousElementSibling ?? null;
        return n?.previousElementSibling?.textContent ?? '';
      });
      expect(heading).toMatch(fig.section);

      const natural = await loaded(page, fig.src);
      expect(natural.naturalWidth).toBeGreaterThan(0);
      await expect(img).toBeVisible();
      // at 1280 x 800 the drawing is shown at least at its natural size: text >= 12 px
      const box = (await img.boundingBox())!;
      expect(box.width).toBeGreaterThanOrEqual(Number(vw) - 0.5);
      if (fig.wide) {
        // the 568 px column holds the whole schematic: no sideways scrolling, no hint
        const frame = figure.locator('.figure-scroll');
        expect(await frame.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
        await expect(figure.locator('.figure-scroll-hint')).toBeHidden();
      }
      await figure.screenshot({ path: `screenshots/figure-${fig.src.replace('/diagrams/', '').replace('.svg', '')}-1280.png` });
    });
  }

  test('a missing figure file is not served (the status check above can fail)', async ({ page }) => {
    const res = await page.request.get('/diagrams/esp07-minimum-circuit-renamed.svg');
    expect(res.status()).toBe(404);
  });

  test('without JavaScript, at 390 x 844: figures show, fit the phone and stay legible', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const page = await context.newPage();
    for (const lesson of [...new Set(FIGURES.map((f) => f.lesson))]) {
      await page.goto(lesson);
      // no sideways scrolling of the page
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${lesson} scrolls sideways`).toBeLessThanOrEqual(0);
      for (const fig of FIGURES.filter((f) => f.lesson === lesson)) {
        const { figure, img } = figureOf(page, fig.src);
        const natural = await loaded(page, fig.src);
        expect(natural.naturalWidth, `${fig.src} loads without JavaScript`).toBeGreaterThan(0);
        await expect(img).toBeVisible();
        const fbox = (await figure.boundingBox())!;
        expect(fbox.x).toBeGreaterThanOrEqual(0);
        expect(fbox.x + fbox.width, `${fig.src} fits 390 px`).toBeLessThanOrEqual(390);
        const shown = (await img.boundingBox())!.width;
        const width = Number(await img.getAttribute('width'));
        if (fig.wide) {
          // never shrunk: the frame scrolls instead, it can be focused, and the full-size link works
          expect(shown).toBeGreaterThanOrEqual(width - 0.5);
          const frame = figure.locator('.figure-scroll');
          expect(await frame.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
          await expect(frame).toHaveAttribute('tabindex', '0');
          await expect(figure.locator('.figure-scroll-hint')).toBeVisible();
          const full = figure.getByRole('link', { name: /Open full size/ });
          await expect(full).toHaveAttribute('href', fig.src);
        } else {
          // a phone-sized drawing keeps its text at >= 12 px (within 2 %)
          expect(shown / width, `${fig.src} shown at ${shown} px`).toBeGreaterThanOrEqual(0.98);
        }
        await figure.screenshot({ path: `screenshots/figure-${fig.src.replace('/diagrams/', '').replace('.svg', '')}-390.png` });
      }
      await page.screenshot({ path: `screenshots/figures-390-${lesson.split('/').at(-2)}.png` });
    }
    await context.close();
  });

  test('the figures have no serious accessibility problems, and the schematic is reachable by keyboard', async ({ browser }) => {
    // axe needs JavaScript in the page; the site's own scripts are kept out (the figures need none,
    // and the lab would boot an emulator for nothing)
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.route('**/*.{js,mjs,wasm}', (route) => route.abort());
    for (const lesson of [...new Set(FIGURES.map((f) => f.lesson))]) {
      await page.goto(lesson);
      const results = await new AxeBuilder({ page }).include('figure.figure').analyze();
      const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), lesson).toEqual([]);
    }
    await page.goto(FIGURES[0].lesson);
    const frame = figureOf(page, FIGURES[0].src).figure.locator('.figure-scroll');
    await frame.focus();
    await expect(frame).toBeFocused();
    const before = await frame.evaluate((el) => el.scrollLeft);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => frame.evaluate((el) => el.scrollLeft)).toBeGreaterThan(before);
    await context.close();
  });

  test('with the lab running, figures still show at 1366 x 768', async ({ page }) => {
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.goto(FIGURES[0].lesson);
    for (const fig of FIGURES.filter((f) => f.lesson === FIGURES[0].lesson)) {
      const natural = await loaded(page, fig.src);
      expect(natural.naturalWidth).toBeGreaterThan(0);
      await figureOf(page, fig.src).figure.screenshot({ path: `screenshots/figure-${fig.src.replace('/diagrams/', '').replace('.svg', '')}-1366.png` });
    }
  });
});
