// @ts-check
/**
 * Astro integration: the site's search index. After `astro build` it runs Pagefind (its Node
 * API, no CDN, no extra command) over the HTML files of the build's own output directory, so
 * `astro build --outDir X` indexes X, and writes the index and Pagefind's default UI
 * (`pagefind-ui.js`, `pagefind-ui.css`) to `<outDir>/pagefind/`.
 *
 * - What is indexed: only elements marked `data-pagefind-body` (the lesson article, the
 *   `<main>` of the other pages); inside them `data-pagefind-ignore` leaves parts out. Headings
 *   with an `id` (every MDX heading) give the sub-results that link to a section.
 * - Languages: Pagefind reads `<html lang>` and writes one index per language
 *   (`pagefind/index/`, `pagefind/fragment/` are shared; `pagefind-entry.json` lists the
 *   languages, each with its own `wasm.<lang>.pagefind` and meta file). The UI on a page loads
 *   the index of that page's language, so an English page finds English lessons only and a
 *   `lang="zh-CN"` page will find Chinese ones. The build log names the languages indexed.
 * - It must come before the PWA integration in `integrations`: hooks run in that order, and
 *   the service worker's precache is the list of files present when it runs.
 * - The build fails if Pagefind reports an error or finds no page to index.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as pagefind from 'pagefind';

/**
 * Pagefind's other two UIs, which the site does not use (it loads `pagefind-ui.js`): removed so
 * that the service worker does not precache 250 KB for nothing.
 */
const UNUSED_UI = ['pagefind-component-ui.js', 'pagefind-component-ui.css', 'pagefind-modular-ui.js', 'pagefind-modular-ui.css'];

/**
 * @param {{ bundleDir?: string }} [options] `bundleDir`: the index's folder in the output
 *   directory (default `pagefind`; the UI finds it next to `pagefind-ui.js`)
 * @returns {import('astro').AstroIntegration}
 */
export default function pagefindIntegration(options = {}) {
  const bundleDir = options.bundleDir ?? 'pagefind';
  return {
    name: 'esp8266-lab:pagefind',
    hooks: {
      'astro:config:setup': ({ config }) => {
        const names = config.integrations.map((i) => i.name);
        const pwa = names.indexOf('esp8266-lab:pwa');
        if (pwa !== -1 && pwa < names.indexOf('esp8266-lab:pagefind')) {
          throw new Error('pagefind() must come before pwa() in integrations, or the search index is not precached');
        }
      },
      'astro:build:done': async ({ dir, logger }) => {
        const outDir = fileURLToPath(dir);
        try {
          const { index, errors } = await pagefind.createIndex({});
          if (!index) throw new Error(`pagefind: ${errors.join('; ')}`);
          const added = await index.addDirectory({ path: outDir });
          if (added.errors.length > 0) throw new Error(`pagefind: ${added.errors.join('; ')}`);
          const written = await index.writeFiles({ outputPath: join(outDir, bundleDir) });
          if (written.errors.length > 0) throw new Error(`pagefind: ${written.errors.join('; ')}`);
          for (const file of UNUSED_UI) await rm(join(outDir, bundleDir, file), { force: true });
          const entry = JSON.parse(await readFile(join(outDir, bundleDir, 'pagefind-entry.json'), 'utf8'));
          /** @type {[string, { page_count: number }][]} */
          const languages = Object.entries(entry.languages ?? {});
          if (languages.every(([, info]) => info.page_count === 0)) throw new Error('pagefind: no page has data-pagefind-body');
          const list = languages.map(([lang, info]) => `${lang} ${info.page_count} pages`).join(', ');
          logger.info(`/${bundleDir}/: ${added.page_count} HTML files read; indexed per language: ${list}`);
        } finally {
          await pagefind.close();
        }
      },
    },
  };
}
