// @ts-check
import mdx from '@astrojs/mdx';
import preact from '@astrojs/preact';
import { defineConfig } from 'astro/config';
import csp, { CSP_HEADER } from './src/integrations/csp.mjs';
import pagefind from './src/integrations/pagefind.mjs';
import pwa from './src/integrations/pwa.mjs';
import preparedWasm from './src/integrations/prepared-wasm.mjs';

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
  // the site's Content-Security-Policy (src/integrations/csp.mjs; built pages also carry it as a meta)
  'Content-Security-Policy': CSP_HEADER,
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

/**
 * WCAG relative luminance of a `#rrggbb` colour (0 black to 1 white).
 * @param {string} hex
 */
function luminance(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * WCAG contrast ratio of two `#rrggbb` colours (1 to 21).
 * @param {string} a
 * @param {string} b
 */
function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/**
 * Shiki transformer: every token colour reaches WCAG AA (4.5:1) on the theme's background.
 * github-light's orange (#e36209, parameters and `self`) has 3.48:1 on white; a colour that falls
 * short is darkened in steps of 4 % (hue kept) until it passes: #e36209 becomes #bf5205 (4.75:1).
 * @param {string} background the theme's `editor.background`
 * @returns {import('shiki').ShikiTransformer}
 */
function readableTokens(background) {
  /** @type {Map<string, string>} */
  const fixed = new Map();
  const readable = (/** @type {string} */ color) => {
    const key = color.slice(0, 7).toLowerCase();
    if (!/^#[0-9a-f]{6}$/.test(key)) return color;
    let out = fixed.get(key);
    if (out === undefined) {
      let rgb = [1, 3, 5].map((i) => parseInt(key.slice(i, i + 2), 16));
      out = key;
      while (contrast(out, background) < 4.5) {
        rgb = rgb.map((c) => Math.floor(c * 0.96));
        out = `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
      }
      fixed.set(key, out);
    }
    return out + color.slice(7);
  };
  return {
    name: 'esp8266-lab:readable-tokens',
    tokens(lines) {
      for (const line of lines) for (const token of line) if (token.color) token.color = readable(token.color);
    },
  };
}

export default defineConfig({
  // Astro's HTML compression drops the line break between text and inline <code> ("partition,<code>splitlines"),
  // gluing words together; gzip makes up most of what it would save (~8 KB over all pages)
  compressHTML: false,
  site: 'http://localhost:4321',
  integrations: [mdx(), preact(), csp(), pagefind(), pwa()], // csp and pagefind before pwa: their files get precached
  server: { headers: isolation },
  devToolbar: { enabled: false },
  markdown: {
    // github-light's background is #fff
    shikiConfig: { theme: 'github-light', transformers: [runnableBlocks, readableTokens('#ffffff')] },
  },
  vite: {
    // the interpreter's wasm patched at build time (`?esp-patched` imports), for pages and the worker
    plugins: [preparedWasm()],
    worker: { format: 'es', plugins: () => [preparedWasm()] },
    optimizeDeps: {
      include: ['@xterm/xterm'],
      exclude: ['@micropython/micropython-webassembly-pyscript', '@micropython/micropython-webassembly-pyscript-1.28'],
    },
    build: { assetsInlineLimit: 0 },
  },
});
