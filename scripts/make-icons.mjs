#!/usr/bin/env node
/**
 * Renders the site's PNG icons from our drawing, public/icons/icon.svg, in headless Chromium.
 * Run it once after changing the drawing and commit the PNGs: `node scripts/make-icons.mjs`
 * (CHROMIUM_PATH overrides /usr/bin/chromium, as for the browser tests).
 *
 * - icon-192.png, icon-512.png: the drawing on a transparent background ("any")
 * - icon-maskable-512.png: full-bleed background, the drawing shrunk into the central safe
 *   zone (a circle of 40 % of the size) that launchers never crop
 * - apple-touch-icon.png (180x180): the maskable layout, opaque, as iOS wants it
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

const dir = fileURLToPath(new URL('../public/icons/', import.meta.url));
/** Background of the maskable and Apple icons: the site's paper colour (global.css --paper). */
const BACKGROUND = '#fbfaf7';
/** The module's bounding box reaches 276 px from the centre at scale 1; 0.7 keeps it within 204.8. */
const SAFE_SCALE = 0.7;

const source = await readFile(`${dir}icon.svg`, 'utf8');
const inner = source.replace(/^[\s\S]*?<svg[^>]*>/, '').replace(/<\/svg>\s*$/, '').replace(/<title>[\s\S]*?<\/title>/, '');

/**
 * The full-bleed variant of the drawing.
 * @returns {string} SVG text
 */
function maskableSvg() {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><rect width="512" height="512" fill="${BACKGROUND}"/>` +
    `<g transform="translate(256 256) scale(${SAFE_SCALE}) translate(-256 -256)">${inner}</g></svg>`;
}

const outputs = [
  { file: 'icon-192.png', size: 192, svg: source, transparent: true },
  { file: 'icon-512.png', size: 512, svg: source, transparent: true },
  { file: 'icon-maskable-512.png', size: 512, svg: maskableSvg(), transparent: false },
  { file: 'apple-touch-icon.png', size: 180, svg: maskableSvg(), transparent: false },
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  for (const { file, size, svg, transparent } of outputs) {
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    const url = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    await page.setContent(
      `<style>html,body{margin:0;background:transparent}img{display:block;width:${size}px;height:${size}px}</style><img src="${url}" alt="">`,
    );
    await page.locator('img').evaluate((img) => /** @type {HTMLImageElement} */ (img).decode());
    const png = await page.screenshot({ omitBackground: transparent, clip: { x: 0, y: 0, width: size, height: size } });
    await writeFile(`${dir}${file}`, png);
    console.log(`public/icons/${file}: ${size}x${size}, ${png.length} bytes`);
    await page.close();
  }
} finally {
  await browser.close();
}
