/**
 * `node scripts/bundle.mjs` (run by `npm run bundle` after `astro build`): writes the workshop's
 * offline bundle, `bundle/esp8266-lab-workshop.zip`, with one top-level folder:
 *
 *   esp8266-lab-workshop/
 *     site/            dist/ as built, plus .br and .gz copies of its big compressible files
 *     serve.mjs        the Node server (standard library only)
 *     serve.py         the Python server (standard library only)
 *     lib/             selfsigned.mjs and qrcode-terminal.mjs (esbuild bundles, loaded by serve.mjs
 *                      only for --https / --lan) with the licences of everything they contain
 *     start.sh, start.command, start.bat   double-click launchers
 *     README.txt       for the teacher
 *
 * The zip is deterministic for the same inputs: sorted entries, a fixed modification time,
 * Unix modes (755 on the launchers).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TOP = 'esp8266-lab-workshop';
/** Where the zip is written. */
export const ZIP_PATH = path.join(ROOT, 'bundle', `${TOP}.zip`);
/** The size the zip should stay under, in bytes (8 MB). */
export const ZIP_TARGET_BYTES = 8 * 1024 * 1024;

/** Extensions that get precompressed copies. */
const COMPRESSIBLE = new Set(['.wasm', '.js', '.mjs', '.css', '.html', '.json', '.svg', '.webmanifest', '.bin']);
/** Files smaller than this (bytes) get no compressed copy. */
const MIN_COMPRESS_BYTES = 1024;
/** A copy is kept only when it is at most this fraction of the original. */
const MAX_RATIO = 0.9;
/** Entries the zip stores without deflating them again (already compressed). */
const STORED = new Set(['.br', '.gz', '.png', '.jpg', '.jpeg', '.webp', '.avif', '.woff', '.woff2', '.zip',
  // Pagefind's index files are gzip data already
  '.pagefind', '.pf_meta', '.pf_index', '.pf_fragment']);
/** Fixed local time for every entry (the zip format stores local time), so builds compare. */
const MTIME = new Date(2025, 11, 9, 12, 0, 0);

const LAUNCHERS = { 'start.sh': 0o755, 'start.command': 0o755, 'start.bat': 0o644 };

/** Every file under `dir`, as paths relative to it with `/` separators, sorted. */
function walk(dir, prefix = '') {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(full, rel));
    else if (e.isFile() || (e.isSymbolicLink() && statSync(full).isFile())) out.push(rel);
  }
  return out.sort();
}

/**
 * Precompressed copies of one file: gzip (level 9) and brotli (quality 11), each kept only when
 * the file is at least 1 KB and the copy at most 90 % of it.
 * @param {string} name file name (its extension decides)
 * @param {Uint8Array} data the file's bytes
 * @returns {{gz?: Uint8Array, br?: Uint8Array}}
 */
export function precompress(name, data) {
  const ext = path.extname(name).toLowerCase();
  if (!COMPRESSIBLE.has(ext) || data.length < MIN_COMPRESS_BYTES) return {};
  const text = ext !== '.wasm' && ext !== '.bin';
  const out = {};
  const gz = gzipSync(data, { level: 9 });
  if (gz.length <= data.length * MAX_RATIO) out.gz = new Uint8Array(gz);
  const br = brotliCompressSync(data, {
    params: {
      [zlibConstants.BROTLI_PARAM_QUALITY]: 11,
      [zlibConstants.BROTLI_PARAM_MODE]: text ? zlibConstants.BROTLI_MODE_TEXT : zlibConstants.BROTLI_MODE_GENERIC,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  if (br.length <= data.length * MAX_RATIO) out.br = new Uint8Array(br);
  return out;
}

/** The package folder (under node_modules) and name of a bundled input path, or null. */
function packageOf(input) {
  const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input.replace(/\\/g, '/'));
  if (!m) return null;
  const at = input.replace(/\\/g, '/').lastIndexOf(`node_modules/${m[1]}/`);
  return { name: m[1], dir: path.join(ROOT, input.slice(0, at + `node_modules/${m[1]}`.length)) };
}

/** The licence text of one package folder (LICENSE, LICENCE, COPYING in any case/extension). */
function licenceText(dir) {
  const file = readdirSync(dir).sort().find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
  return file ? readFileSync(path.join(dir, file), 'utf8').trim() : null;
}

/**
 * Bundles `selfsigned` and `qrcode-terminal` with esbuild (platform node, ESM, minified, legal
 * comments kept) and writes beside each a licence file naming every package inside it with its
 * licence text.
 * @returns {Promise<Record<string, Uint8Array>>} file name in lib/ → bytes
 */
export async function buildLibs() {
  const esbuild = await import('esbuild');
  const out = {};
  for (const [pkg, file] of [['selfsigned', 'selfsigned.mjs'], ['qrcode-terminal', 'qrcode-terminal.mjs']]) {
    const result = await esbuild.build({
      entryPoints: [pkg],
      absWorkingDir: ROOT,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node18',
      minify: true,
      legalComments: 'eof',
      write: false,
      metafile: true,
      logLevel: 'silent',
      // CommonJS inside an ES module: give the bundled code a require for Node's own modules
      banner: { js: `// ${pkg}, bundled for the ESP8266 Lab workshop server; licences in ${file.replace(/\.mjs$/, '')}.LICENSE.txt\nimport { createRequire as __labCreateRequire } from 'node:module'; const require = __labCreateRequire(import.meta.url);` },
    });
    out[file] = result.outputFiles[0].contents;
    const packages = new Map();
    for (const input of Object.keys(result.metafile.inputs).sort()) {
      const p = packageOf(input);
      if (p && !packages.has(p.name)) packages.set(p.name, p.dir);
    }
    const names = [pkg, ...[...packages.keys()].filter((n) => n !== pkg).sort()];
    let text = `lib/${file} is ${pkg} and what it uses, bundled into one file with esbuild.\nIt contains these npm packages, each under its own licence:\n\n`;
    for (const name of names) {
      const dir = packages.get(name) ?? path.join(ROOT, 'node_modules', name);
      const meta = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      const licence = licenceText(dir);
      text += `${'='.repeat(78)}\n${name}@${meta.version} (${meta.license ?? 'see below'})\n${'='.repeat(78)}\n\n`;
      text += (licence ?? `No licence file in the package; its package.json says: ${meta.license ?? 'nothing'}.`) + '\n\n';
      if (name === 'qrcode-terminal') {
        // the vendored QRCode generator carries its own notice in a comment esbuild drops
        const vendor = path.join(dir, 'vendor', 'QRCode', 'index.js');
        if (existsSync(vendor)) {
          const header = readFileSync(vendor, 'utf8').split('\n').filter((l) => l.startsWith('//')).slice(0, 20).join('\n');
          text += `The vendored QRCode code (vendor/QRCode) says:\n\n${header}\n\n`;
        }
      }
    }
    out[file.replace(/\.mjs$/, '.LICENSE.txt')] = new TextEncoder().encode(text);
  }
  return out;
}

/**
 * Makes the zip's entries from dist/ and workshop/.
 * @param {{dist?: string, workshop?: string}} [dirs] folders to read (defaults: the repo's)
 * @returns {Promise<{entries: Map<string, {data: Uint8Array, mode: number}>, precompressed: number}>}
 *   entries by path inside the zip
 */
export async function collect(dirs = {}) {
  const dist = dirs.dist ?? path.join(ROOT, 'dist');
  const workshop = dirs.workshop ?? path.join(ROOT, 'workshop');
  if (!existsSync(path.join(dist, 'index.html'))) {
    throw new Error(`no built site in ${dist}: run "npm run bundle" (astro build, then this script)`);
  }
  const readme = path.join(workshop, 'README.txt');
  if (!existsSync(readme)) throw new Error(`${readme} is missing: the bundle needs the teacher's README`);
  const entries = new Map();
  const add = (rel, data, mode = 0o644) => entries.set(`${TOP}/${rel}`, { data, mode });

  const files = walk(dist);
  const present = new Set(files);
  let precompressed = 0;
  for (const rel of files) {
    const data = new Uint8Array(readFileSync(path.join(dist, rel)));
    add(`site/${rel}`, data);
    if (/\.(br|gz)$/.test(rel)) continue;
    const copies = precompress(rel, data);
    for (const [key, suffix] of [['gz', '.gz'], ['br', '.br']]) {
      if (copies[key] && !present.has(rel + suffix)) {
        add(`site/${rel}${suffix}`, copies[key]);
        precompressed++;
      }
    }
  }
  for (const name of ['serve.mjs', 'serve.py']) {
    add(name, new Uint8Array(readFileSync(path.join(workshop, name))), 0o755);
  }
  for (const [name, mode] of Object.entries(LAUNCHERS)) {
    // whatever the checkout did to line ends: CRLF for cmd.exe (it misreads LF-only batch
    // files), LF for sh
    const text = readFileSync(path.join(workshop, name), 'utf8').replace(/\r\n/g, '\n');
    add(name, new TextEncoder().encode(name.endsWith('.bat') ? text.replace(/\n/g, '\r\n') : text), mode);
  }
  add('README.txt', new Uint8Array(readFileSync(readme)));
  for (const [name, data] of Object.entries(await buildLibs())) add(`lib/${name}`, data);
  return { entries, precompressed };
}

/**
 * Writes the entries as a zip: sorted, directory entries included, fixed time, Unix modes.
 * @param {Map<string, {data: Uint8Array, mode: number}>} entries by path inside the zip
 * @returns {Uint8Array} the zip's bytes
 */
export function zipEntries(entries) {
  const dirs = new Set();
  for (const name of entries.keys()) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/') + '/');
  }
  const files = {};
  // Unix: file type and permission bits in the high 16 bits of the external attributes
  const attrs = (type, mode, dos) => (type | mode) * 0x10000 + dos;
  for (const name of [...dirs, ...entries.keys()].sort()) {
    if (name.endsWith('/')) {
      files[name] = [new Uint8Array(0), { os: 3, attrs: attrs(0o040000, 0o755, 0x10), mtime: MTIME, level: 0 }];
    } else {
      const { data, mode } = /** @type {{data: Uint8Array, mode: number}} */ (entries.get(name));
      const stored = STORED.has(path.extname(name).toLowerCase());
      files[name] = [data, { os: 3, attrs: attrs(0o100000, mode, 0), mtime: MTIME, level: stored ? 0 : 9 }];
    }
  }
  return zipSync(files);
}

async function main() {
  const t0 = performance.now();
  const { entries, precompressed } = await collect();
  const zip = zipEntries(entries);
  mkdirSync(path.dirname(ZIP_PATH), { recursive: true });
  writeFileSync(ZIP_PATH, zip);
  const mb = zip.length / 1024 / 1024;
  console.log(
    `bundle: ${path.relative(ROOT, ZIP_PATH)}: ${zip.length} bytes (${mb.toFixed(2)} MB, target ≤ 8 MB), ` +
      `${entries.size} files, ${precompressed} precompressed copies, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  if (zip.length > ZIP_TARGET_BYTES) console.warn('bundle: the zip is larger than the 8 MB target');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
