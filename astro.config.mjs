// @ts-check
import mdx from '@astrojs/mdx';
import preact from '@astrojs/preact';
import { defineConfig } from 'astro/config';
import pagefind from './src/integrations/pagefind.mjs';
import pwa from './src/integrations/pwa.mjs';

/**
 * Cross-origin isolation for every page, worker and wasm file: the emulator shares memory
 * with the page (SharedArrayBuffer), which browsers allow only under COOP + COEP.
 * Astro's own `server.headers` applies them in `astro dev` and `astro preview` alike
 * (shared/reference/browser-runtime-findings.md §2).
 */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * Shiki transformer: a fenced block whose meta has `run` (```python run) gets
 * `data-runnable` and its source in `data-code`; the `pre` component adds a Run button.
 * @type {import('shiki').ShikiTransformer}
 */
const runnableBlocks = {
  name: 'esp8266-lab:runnable',
  pre(node) {
    const meta = this.options.meta?.__raw ?? '';
    if (/(^|\s)run(\s|$)/.test(meta)) {
      node.properties['data-runnable'] = '';
      node.properties['data-code'] = this.source;
    }
  },
};

export default defineConfig({
  site: 'http://localhost:4321',
  integrations: [mdx(), preact(), pagefind(), pwa()], // pagefind before pwa: its files get precached
  server: { headers: isolation },
  devToolbar: { enabled: false },
  markdown: {
    shikiConfig: { theme: 'github-light', transformers: [runnableBlocks] },
  },
  vite: {
    worker: { format: 'es' },
    optimizeDeps: {
      include: ['@xterm/xterm'],
      exclude: ['@micropython/micropython-webassembly-pyscript'],
    },
    build: { assetsInlineLimit: 0 },
  },
});
