// @ts-check
/**
 * Astro integration: the site's Content-Security-Policy.
 *
 * The policy (`cspPolicy()`): everything from the site's own origin; scripts and workers from
 * 'self' only, plus 'wasm-unsafe-eval' (the MicroPython interpreter and Pagefind's search are
 * WebAssembly, compiled with `WebAssembly.instantiate`, which CSP counts as eval); fetches, XHR
 * (the workshop relay) and WebSockets to 'self' only; no plugins, no `<base>` elsewhere, forms to
 * 'self'. Styles allow 'unsafe-inline': Shiki colours code with `style` attributes, Astro inlines
 * small stylesheets, and xterm.js and Pagefind's UI add `<style>` elements at run time. Images
 * may be `data:` URLs (Pagefind's UI draws its icons that way).
 *
 * Delivery:
 * - **Built pages** (`astro:build:done`): every inline `<script>` of every HTML file is moved out
 *   into `/_astro/inline.<sha256-prefix>.js` (classic scripts stay classic and parser-blocking,
 *   modules stay modules) so the policy needs no hash and is the same string everywhere; then a
 *   `<meta http-equiv="Content-Security-Policy">` with `cspPolicy('meta')` goes right after
 *   `<meta charset>`, before any script. The build fails if a page has no `<head>`.
 * - **Headers**: `cspPolicy('header')` adds `frame-ancestors 'none'` (ignored, with a console
 *   warning, in a meta element). astro.config.mjs puts it in `server.headers`, so `astro preview`
 *   and `astro dev` send it on every answer; the workshop servers (workshop/serve.mjs,
 *   workshop/serve.py) send the same string, which workshop/servers.test.ts checks against
 *   `CSP_HEADER`.
 * - **`astro dev`** (`astro:server:setup`): dev pages are not post-processed, and Astro's dev
 *   HTML has inline scripts (the island runtime, `is:inline` scripts); HTML answers get the
 *   header with the sha256 hashes of that page's inline scripts added to `script-src`.
 *
 * It must come before pwa() in `integrations`, so that the moved-out scripts are precached.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directives shared by the meta element and the header, in order. */
const DIRECTIVES = [
  ["default-src", "'self'"],
  ["script-src", "'self' 'wasm-unsafe-eval'"],
  ["worker-src", "'self'"],
  ["connect-src", "'self'"],
  ["img-src", "'self' data:"],
  ["style-src", "'self' 'unsafe-inline'"],
  ["font-src", "'self'"],
  ["manifest-src", "'self'"],
  ["object-src", "'none'"],
  ["base-uri", "'self'"],
  ["form-action", "'self'"],
];

/**
 * The site's Content-Security-Policy as one header value (directives joined by `; `).
 * @param {'meta' | 'header'} delivery `'header'` adds `frame-ancestors 'none'`, which only a
 *   header can carry
 * @param {string[]} [scriptHashes] sources such as `'sha256-…'` added to `script-src`
 *   (only `astro dev` needs them: built pages have no inline script)
 * @returns {string}
 */
export function cspPolicy(delivery, scriptHashes = []) {
  const parts = DIRECTIVES.map(([name, value]) =>
    name === 'script-src' && scriptHashes.length > 0 ? `${name} ${value} ${scriptHashes.join(' ')}` : `${name} ${value}`,
  );
  if (delivery === 'header') parts.push("frame-ancestors 'none'");
  return parts.join('; ');
}

/** The header value sent by `astro preview`, `astro dev` and the workshop servers. */
export const CSP_HEADER = cspPolicy('header');

/** The `content` of the meta element in every built page. */
export const CSP_META = cspPolicy('meta');

/**
 * A CSP hash source for a script's text, exactly as the browser hashes it (UTF-8 bytes of the
 * element's text, whitespace included).
 * @param {string} text
 * @returns {string} `'sha256-<base64>'`
 */
export function scriptHash(text) {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** `<script …>…</script>` (Astro's output: no `</script>` inside a script). */
const SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;

/**
 * Whether a script element with these attributes runs as JavaScript from its text (no `src`,
 * and no type or a JavaScript or module type; data blocks such as JSON are not scripts to CSP).
 * @param {string} attrs the text between `<script` and `>`
 */
function isInlineCode(attrs) {
  if (/\ssrc\s*=/i.test(attrs)) return false;
  const type = /\stype\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(attrs);
  const t = (type?.[1] ?? type?.[2] ?? type?.[3] ?? '').trim().toLowerCase();
  return t === '' || t === 'module' || t === 'text/javascript' || t === 'application/javascript';
}

/**
 * The sha256 hash sources of every inline script in a page.
 * @param {string} html
 * @returns {string[]} unique, in order of appearance
 */
export function inlineScriptHashes(html) {
  /** @type {Set<string>} */
  const out = new Set();
  for (const m of html.matchAll(SCRIPT)) if (isInlineCode(m[1])) out.add(scriptHash(m[2]));
  return [...out];
}

/**
 * Moves a page's inline scripts out: each becomes `<script src="<base><name>">` with its other
 * attributes kept (but `async`/`defer`, which an inline script ignores, dropped, so it still runs
 * where it stood).
 * @param {string} html
 * @param {string} [base] the URL folder of the files, default `/_astro/`
 * @returns {{ html: string, files: Map<string, string> }} the new page, and file name → text
 */
export function externalizeInlineScripts(html, base = '/_astro/') {
  /** @type {Map<string, string>} */
  const files = new Map();
  const out = html.replace(SCRIPT, (whole, /** @type {string} */ attrs, /** @type {string} */ body) => {
    if (!isInlineCode(attrs)) return whole;
    const name = `inline.${createHash('sha256').update(body, 'utf8').digest('hex').slice(0, 12)}.js`;
    files.set(name, body);
    const kept = attrs.replace(/\s(?:async|defer)(?=[\s>]|$)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?/gi, '');
    return `<script${kept} src="${base}${name}"></script>`;
  });
  return { html: out, files };
}

/**
 * Puts the meta element at the top of `<head>` (after `<meta charset>` when there is one), so it
 * applies to every script and style that follows.
 * @param {string} html
 * @param {string} policy
 * @returns {string}
 * @throws when the page has no `<head>`
 */
export function insertCspMeta(html, policy) {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${policy.replace(/"/g, '&quot;')}">`;
  const charset = /<meta\s+charset\s*=\s*["']?[^"'>\s]+["']?\s*\/?>/i.exec(html);
  if (charset) return html.slice(0, charset.index + charset[0].length) + meta + html.slice(charset.index + charset[0].length);
  const head = /<head\b[^>]*>/i.exec(html);
  if (!head) throw new Error('csp: page has no <head>');
  return html.slice(0, head.index + head[0].length) + meta + html.slice(head.index + head[0].length);
}

/** @param {string} dir @returns {AsyncGenerator<string>} every .html file under dir */
async function* htmlFiles(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* htmlFiles(full);
    else if (entry.name.endsWith('.html')) yield full;
  }
}

/**
 * `astro dev`: HTML answers are held until complete, then sent with the header plus the hashes
 * of their inline scripts. Other answers pass through untouched (they keep `server.headers`).
 * @param {import('node:http').IncomingMessage} _req
 * @param {import('node:http').ServerResponse} res
 * @param {() => void} next
 */
function devHeaders(_req, res, next) {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end };
  /** @type {Buffer[]} */
  const chunks = [];
  /** @type {'undecided' | 'html' | 'other'} */
  let mode = 'undecided';
  const restore = () => Object.assign(res, original);
  const decide = () => {
    if (mode === 'undecided') mode = /text\/html/i.test(String(res.getHeader('content-type') ?? '')) ? 'html' : 'other';
    if (mode === 'other') restore();
    return mode;
  };
  /** @param {unknown} chunk @param {unknown} enc */
  const keep = (chunk, enc) => {
    if (chunk == null || typeof chunk === 'function') return;
    chunks.push(Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' ? Buffer.from(chunk, /** @type {BufferEncoding} */ (typeof enc === 'string' ? enc : 'utf8')) : Buffer.from(/** @type {Uint8Array} */ (chunk)));
  };
  /** @type {any} */ (res).writeHead = function (/** @type {number} */ status, /** @type {any[]} */ ...rest) {
    res.statusCode = status;
    const headers = rest.find((r) => r && typeof r === 'object');
    if (Array.isArray(headers)) {
      const flat = Array.isArray(headers[0]) ? headers.flat() : headers;
      for (let i = 0; i + 1 < flat.length; i += 2) res.setHeader(String(flat[i]), flat[i + 1]);
    } else if (headers) {
      for (const [k, v] of Object.entries(headers)) if (v !== undefined) res.setHeader(k, /** @type {any} */ (v));
    }
    if (decide() === 'other') return original.writeHead.call(res, status);
    return res;
  };
  /** @type {any} */ (res).write = function (/** @type {unknown} */ chunk, /** @type {unknown} */ enc, /** @type {unknown} */ cb) {
    if (decide() === 'other') return /** @type {any} */ (original.write).call(res, chunk, enc, cb);
    keep(chunk, enc);
    const done = typeof enc === 'function' ? enc : cb;
    if (typeof done === 'function') queueMicrotask(() => done());
    return true;
  };
  /** @type {any} */ (res).end = function (/** @type {unknown} */ chunk, /** @type {unknown} */ enc, /** @type {unknown} */ cb) {
    if (decide() === 'other') return /** @type {any} */ (original.end).call(res, chunk, enc, cb);
    keep(chunk, enc);
    restore();
    const body = Buffer.concat(chunks);
    res.setHeader('Content-Security-Policy', cspPolicy('header', inlineScriptHashes(body.toString('utf8'))));
    if (!res.getHeader('content-encoding')) res.setHeader('Content-Length', body.length);
    const done = [chunk, enc, cb].find((f) => typeof f === 'function');
    return /** @type {any} */ (original.end).call(res, body, done);
  };
  next();
}

/**
 * @param {{ base?: string }} [options] `base`: the folder (in the output directory, and its URL)
 *   for the moved-out scripts, default `_astro`
 * @returns {import('astro').AstroIntegration}
 */
export default function csp(options = {}) {
  const folder = (options.base ?? '_astro').replace(/^\/|\/$/g, '');
  return {
    name: 'esp8266-lab:csp',
    hooks: {
      'astro:config:setup': ({ config }) => {
        const names = config.integrations.map((i) => i.name);
        const pwa = names.indexOf('esp8266-lab:pwa');
        if (pwa !== -1 && pwa < names.indexOf('esp8266-lab:csp')) {
          throw new Error('csp() must come before pwa() in integrations, or the moved-out scripts are not precached');
        }
      },
      'astro:server:setup': ({ server }) => {
        server.middlewares.use(devHeaders);
      },
      'astro:build:done': async ({ dir, logger }) => {
        const outDir = fileURLToPath(dir);
        /** @type {Map<string, string>} */
        const all = new Map();
        let pages = 0;
        for await (const file of htmlFiles(outDir)) {
          const { html, files } = externalizeInlineScripts(await readFile(file, 'utf8'), `/${folder}/`);
          for (const [name, text] of files) all.set(name, text);
          await writeFile(file, insertCspMeta(html, CSP_META));
          pages++;
        }
        await mkdir(join(outDir, folder), { recursive: true });
        for (const [name, text] of all) await writeFile(join(outDir, folder, name), text);
        logger.info(`${pages} pages: CSP meta added, ${all.size} inline scripts moved to /${folder}/inline.*.js`);
      },
    },
  };
}
