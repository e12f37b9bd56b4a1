#!/usr/bin/env node
/**
 * ESP8266 Lab — workshop server (Node ≥ 18, standard library only).
 *
 * Serves the built site in `site/` beside this file (or `--root DIR`) with the headers the lab
 * needs (cross-origin isolation: COOP, COEP, CORP), the precompressed `.br`/`.gz` copies the
 * bundle ships, and the serial relay of RELAY.md (`/__lab/relay`) for pages that are not
 * cross-origin isolated (students opening the teacher's LAN address over plain http).
 *
 * Run `node serve.mjs --help` for the options. `lib/selfsigned.mjs` and `lib/qrcode-terminal.mjs`
 * are loaded only for `--https` and `--lan`; at startup nothing outside Node is imported.
 */
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_PORT = 8266;

const USAGE = `ESP8266 Lab workshop server

Usage: node serve.mjs [options]

  --port N      listen on port N (default ${DEFAULT_PORT})
  --lan         let other computers on the room's network connect: listen on every
                interface and print the addresses (and a QR code) to give students
  --https       serve over HTTPS with a self-signed certificate (kept in certs/);
                students' browsers then ask once to accept it
  --host H      listen on address H (default 127.0.0.1; 0.0.0.0 with --lan)
  --root DIR    serve DIR instead of the site/ folder beside this file
  --open        open the lab in the default browser
  --no-open     do not open the browser (cancels an earlier --open)
  --verbose     log one line per request
  --help        show this help
`;

/**
 * The site's Content-Security-Policy, as `astro preview` sends it (CSP_HEADER in
 * src/integrations/csp.mjs; workshop/servers.test.ts checks they are the same string). Built pages
 * carry it as a meta too; frame-ancestors works only as a header.
 */
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/**
 * Headers on every answer: the lab's cross-origin isolation (SharedArrayBuffer needs it) and the
 * Content-Security-Policy.
 */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
};

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.bin': 'application/octet-stream',
  // Pagefind's search index (already gzip-compressed; pagefind.js unpacks it itself)
  '.pagefind': 'application/octet-stream',
  '.pf_meta': 'application/octet-stream',
  '.pf_index': 'application/octet-stream',
  '.pf_fragment': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
};

// ---------------------------------------------------------------------------------------------
// options

/**
 * Parses the command line.
 * @param {string[]} argv arguments after the script name
 * @returns {{port: number, host: string | null, root: string | null, lan: boolean, https: boolean,
 *   open: boolean, verbose: boolean, help: boolean}} the options
 * @throws {Error} with a message for an unknown option or a bad value
 */
function parseArgs(argv) {
  const o = { port: DEFAULT_PORT, host: null, root: null, lan: false, https: false, open: false, verbose: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value = null;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const need = () => {
      if (value !== null) return value;
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    const flag = () => {
      if (value !== null) throw new Error(`${arg} takes no value`);
      return true;
    };
    switch (arg) {
      case '--port':
      case '-p': {
        const v = need();
        if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new Error(`--port needs a number from 1 to 65535, not "${v}"`);
        o.port = Number(v);
        break;
      }
      case '--host': o.host = need(); break;
      case '--root': o.root = need(); break;
      case '--lan': o.lan = flag(); break;
      case '--https': o.https = flag(); break;
      case '--open': o.open = flag(); break;
      case '--no-open': flag(); o.open = false; break;
      case '--verbose':
      case '-v': o.verbose = flag(); break;
      case '--help':
      case '-h': o.help = flag(); break;
      default: throw new Error(`unknown option "${argv[i]}"`);
    }
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// request paths

/**
 * Turns a request target into the path segments of a file under the root, refusing anything
 * that could leave it. Every stage of percent-decoding (so `%252e%252e` too) is checked for
 * `..` segments, backslashes, NUL bytes and colons (Windows drive letters and streams).
 * @param {string} target the request target as received (`/a/b.js?x=1`)
 * @returns {{status: 200, pathname: string, query: string, segments: string[], slash: boolean}
 *   | {status: 400 | 403}} segments are decoded once; `slash` is true when the path ends in `/`
 */
function parseTarget(target) {
  let t = target;
  const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(t);
  if (abs) t = t.slice(abs[0].length) || '/';
  if (!t.startsWith('/')) return { status: 400 };
  const cut = t.search(/[?#]/);
  const pathname = cut < 0 ? t : t.slice(0, cut);
  const query = cut < 0 || t[cut] === '#' ? '' : t.slice(cut).replace(/#.*$/, '');
  let stage = pathname;
  let once = null;
  for (let round = 0; round < 6; round++) {
    if (/[\\\0]/.test(stage)) return { status: 403 };
    if (stage.split('/').some((s) => s === '..' || s.includes(':'))) return { status: 403 };
    if (!stage.includes('%')) break;
    let next;
    try {
      next = decodeURIComponent(stage);
    } catch {
      if (round === 0) return { status: 400 };
      break; // a later stage that does not decode hides nothing more
    }
    if (once === null) once = next;
    if (next === stage) break;
    stage = next;
  }
  const decoded = once ?? pathname;
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  return { status: 200, pathname, query, segments, slash: decoded.endsWith('/') };
}

/** True when `child` is `parent` or lies inside it (both absolute, already resolved). */
function inside(parent, child) {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Stats a file and checks that its real path (symlinks followed) is inside the real root.
 * @returns {Promise<{stat: fs.Stats, real: string} | {forbidden: true} | null>} null when absent
 */
async function statInside(realRoot, file) {
  let stat;
  try {
    stat = await fsp.stat(file);
  } catch {
    return null;
  }
  let real;
  try {
    real = await fsp.realpath(file);
  } catch {
    return null;
  }
  if (!inside(realRoot, real)) return { forbidden: true };
  return { stat, real };
}

/**
 * Which precompressed copy the client accepts: `br` before `gzip`, a `q=0` refuses one.
 * @param {string | undefined} header the request's Accept-Encoding
 * @returns {string[]} acceptable encodings among br and gzip, preferred first
 */
function acceptedEncodings(header) {
  if (!header) return [];
  const q = new Map();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) weight = Number(m[1]);
    }
    q.set(name.trim(), weight);
  }
  const ok = (name) => (q.has(name) ? q.get(name) > 0 : q.has('*') && q.get('*') > 0);
  return ['br', 'gzip'].filter(ok);
}

// ---------------------------------------------------------------------------------------------
// the relay (RELAY.md)

const RELAY_MAX_BODY = 65536;
const RELAY_MAX_LOG = 1 << 20;
const RELAY_MAX_CHANNELS = 256;
const RELAY_IDLE_MS = 10 * 60_000;
const RELAY_MAX_WAIT_MS = 30_000;
const RELAY_ID = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * One byte log per channel id, with at most one held waiter. Offsets are positions in the page's
 * byte stream for one emulator thread; `start` is the offset of `log[0]`.
 */
class Relay {
  constructor() {
    /** @type {Map<string, {log: Buffer, start: number, waiter: null | {after: number, answer: (body: Buffer, at: number) => void}, used: number}>} */
    this.channels = new Map();
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  /** The channel for `id`, created (dropping the least recently used past the limit) and marked used. */
  channel(id) {
    let ch = this.channels.get(id);
    if (ch) {
      this.channels.delete(id);
    } else {
      ch = { log: Buffer.alloc(0), start: 0, waiter: null, used: 0 };
      while (this.channels.size >= RELAY_MAX_CHANNELS) {
        const [oldId, old] = this.channels.entries().next().value;
        this.channels.delete(oldId);
        this.release(old);
      }
    }
    ch.used = Date.now();
    this.channels.set(id, ch);
    return ch;
  }

  /** Answers a channel's held waiter, if any, with an empty body. */
  release(ch) {
    const w = ch.waiter;
    if (!w) return;
    ch.waiter = null;
    w.answer(Buffer.alloc(0), Math.max(w.after, ch.start + ch.log.length));
  }

  /** Drops channels unused for 10 minutes. */
  sweep() {
    const now = Date.now();
    for (const [id, ch] of this.channels) {
      if (now - ch.used >= RELAY_IDLE_MS && !ch.waiter) {
        this.channels.delete(id);
      }
    }
  }

  /**
   * Appends bytes whose first byte has stream offset `at` (overlap dropped, a gap restarts the log).
   * @param {string} id channel id
   * @param {number} at stream offset of body[0]
   * @param {Buffer} body 1 to 65 536 bytes
   */
  append(id, at, body) {
    const ch = this.channel(id);
    const end = ch.start + ch.log.length;
    if (at > end) {
      ch.log = Buffer.from(body);
      ch.start = at;
    } else if (end - at < body.length) {
      ch.log = Buffer.concat([ch.log, body.subarray(end - at)]);
    }
    if (ch.log.length > RELAY_MAX_LOG) {
      const drop = ch.log.length - RELAY_MAX_LOG;
      ch.log = Buffer.from(ch.log.subarray(drop));
      ch.start += drop;
    }
    const w = ch.waiter;
    if (w && ch.start + ch.log.length > Math.max(w.after, ch.start)) {
      ch.waiter = null;
      const [bytes, from] = this.bytesAfter(ch, w.after);
      w.answer(bytes, from);
    }
  }

  /** Up to 65 536 bytes of the log at or after offset `after`, and the offset of the first. */
  bytesAfter(ch, after) {
    const from = Math.max(after, ch.start);
    const i = from - ch.start;
    return [ch.log.subarray(i, i + RELAY_MAX_BODY), from];
  }

  /**
   * The thread has used every byte before `after`: drops them, then answers at once with bytes at
   * or after it, or holds the answer up to `ms` milliseconds.
   * @param {string} id channel id
   * @param {number} after stream offset
   * @param {number} ms longest hold in milliseconds (clamped to 30 000)
   * @param {(body: Buffer, at: number) => void} answer called exactly once unless `cancel` is called first
   * @returns {() => void} cancel: forget the waiter (its client went away)
   */
  wait(id, after, ms, answer) {
    const ch = this.channel(id);
    this.release(ch);
    const end = ch.start + ch.log.length;
    if (after > ch.start) {
      const drop = Math.min(after, end) - ch.start;
      ch.log = Buffer.from(ch.log.subarray(drop));
      ch.start += drop;
    }
    if (end > after) {
      const [bytes, from] = this.bytesAfter(ch, after);
      answer(bytes, from);
      return () => {};
    }
    let timer = null;
    const waiter = {
      after,
      answer: (body, at) => {
        clearTimeout(timer);
        answer(body, at);
      },
    };
    ch.waiter = waiter;
    timer = setTimeout(() => {
      if (ch.waiter === waiter) this.release(ch);
    }, Math.min(ms, RELAY_MAX_WAIT_MS));
    return () => {
      clearTimeout(timer);
      if (ch.waiter === waiter) ch.waiter = null;
    };
  }

  /** Answers every held waiter (the server is stopping). */
  close() {
    clearInterval(this.sweeper);
    for (const ch of this.channels.values()) this.release(ch);
  }
}

/** Parses a query string into a Map of its first values (no decoding needed for our numbers). */
function queryMap(query) {
  const m = new Map();
  for (const part of query.replace(/^\?/, '').split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    if (!m.has(k)) m.set(k, eq < 0 ? '' : part.slice(eq + 1));
  }
  return m;
}

/** A decimal integer ≥ 0 that is exactly representable, else null. */
function decimal(s) {
  if (s === undefined || !/^\d{1,15}$/.test(s)) return null;
  return Number(s);
}

// ---------------------------------------------------------------------------------------------
// the server

/**
 * Builds the request handler.
 * @param {string} realRoot the site folder, real path
 * @param {Relay} relay the relay state
 * @param {boolean} verbose log one line per request
 */
function makeHandler(realRoot, relay, verbose) {
  const plain = (res, status, text, extra = {}) => {
    const body = Buffer.from(text + '\n');
    res.writeHead(status, {
      ...ISOLATION,
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': body.length,
      'Cache-Control': 'no-store',
      ...extra,
    });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  };

  const notFound = async (res) => {
    const page = path.join(realRoot, '404.html');
    try {
      const body = await fsp.readFile(page);
      res.writeHead(404, {
        ...ISOLATION,
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': body.length,
        'Cache-Control': 'no-cache',
      });
      res.end(res.req.method === 'HEAD' ? undefined : body);
    } catch {
      plain(res, 404, 'Not found');
    }
  };

  const relayRoute = (req, res, pathname, query) => {
    const answer = (status, headers, body) => {
      res.writeHead(status, { ...ISOLATION, 'Cache-Control': 'no-store', 'Content-Length': body.length, ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const fail = (status, text, extra = {}) => {
      req.resume();
      answer(status, { 'Content-Type': 'text/plain; charset=utf-8', ...extra }, Buffer.from(text + '\n'));
    };
    if (pathname === '/__lab/relay') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'Method not allowed', { Allow: 'GET, HEAD' });
      return answer(200, { 'Content-Type': 'application/json' }, Buffer.from('{"relay":1}'));
    }
    const m = /^\/__lab\/relay\/([^/]*)\/(in|wait)$/.exec(pathname);
    if (!m) return fail(404, 'Not found');
    if (req.method !== 'POST') return fail(405, 'Method not allowed', { Allow: 'POST' });
    const [, id, action] = m;
    if (!RELAY_ID.test(id)) return fail(400, 'Bad channel id');
    const q = queryMap(query);
    if (action === 'in') {
      const at = decimal(q.get('at'));
      if (at === null) return fail(400, 'Bad "at"');
      const declared = req.headers['content-length'];
      if (declared !== undefined && Number(declared) > RELAY_MAX_BODY) {
        return fail(413, 'Body larger than 65536 bytes', { Connection: 'close' });
      }
      const parts = [];
      let size = 0;
      let over = false;
      req.on('data', (chunk) => {
        if (over) return;
        size += chunk.length;
        if (size > RELAY_MAX_BODY) {
          over = true;
          fail(413, 'Body larger than 65536 bytes', { Connection: 'close' });
          return;
        }
        parts.push(chunk);
      });
      req.on('end', () => {
        if (over) return;
        if (size === 0) return fail(400, 'Empty body');
        relay.append(id, at, Buffer.concat(parts, size));
        res.writeHead(204, { ...ISOLATION, 'Cache-Control': 'no-store' });
        res.end();
      });
      return;
    }
    const after = decimal(q.get('after'));
    const ms = decimal(q.get('ms'));
    if (after === null) return fail(400, 'Bad "after"');
    if (ms === null) return fail(400, 'Bad "ms"');
    req.resume();
    let done = false;
    const cancel = relay.wait(id, after, ms, (body, at) => {
      if (done) return;
      done = true;
      answer(200, { 'Content-Type': 'application/octet-stream', 'X-Relay-At': String(at) }, body);
    });
    res.on('close', () => {
      if (!done) {
        done = true;
        cancel();
      }
    });
  };

  const serveFile = async (req, res, file, stat, pathname) => {
    const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    let served = file;
    let servedStat = stat;
    let encoding = null;
    let variants = false;
    for (const enc of ['br', 'gzip']) {
      const copy = await statInside(realRoot, file + (enc === 'br' ? '.br' : '.gz'));
      if (!copy || 'forbidden' in copy || !copy.stat.isFile()) continue;
      variants = true;
      if (!encoding && acceptedEncodings(req.headers['accept-encoding']).includes(enc)) {
        encoding = enc;
        served = copy.real;
        servedStat = copy.stat;
      }
    }
    const etag = `"${servedStat.size.toString(36)}-${Math.floor(servedStat.mtimeMs).toString(36)}${encoding ? '-' + encoding : ''}"`;
    const headers = {
      ...ISOLATION,
      'Content-Type': type,
      ETag: etag,
      'Last-Modified': servedStat.mtime.toUTCString(),
      'Cache-Control': pathname.startsWith('/_astro/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (variants) headers.Vary = 'Accept-Encoding';
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    const fresh = inm !== undefined
      ? inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*')
      : ims !== undefined && !Number.isNaN(Date.parse(ims)) && Math.floor(servedStat.mtimeMs / 1000) <= Date.parse(ims) / 1000;
    if (fresh) {
      res.writeHead(304, headers);
      return res.end();
    }
    if (encoding) headers['Content-Encoding'] = encoding;
    headers['Content-Length'] = servedStat.size;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return res.end();
    const stream = fs.createReadStream(served);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };

  return async (req, res) => {
    if (verbose) {
      const t0 = Date.now();
      res.on('finish', () => {
        console.log(`${new Date().toISOString()} ${req.socket.remoteAddress ?? '-'} ${req.method} ${req.url} ${res.statusCode} ${Date.now() - t0} ms`);
      });
    }
    try {
      const target = parseTarget(req.url ?? '/');
      if (target.status === 400) return plain(res, 400, 'Bad request');
      if (target.status === 403) return plain(res, 403, 'Forbidden');
      const { pathname, query, segments, slash } = target;
      if (pathname === '/__lab' || pathname.startsWith('/__lab/')) {
        if (pathname === '/__lab/relay' || pathname.startsWith('/__lab/relay/')) return relayRoute(req, res, pathname, query);
        req.resume();
        return plain(res, 404, 'Not found');
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        req.resume();
        return plain(res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
      }
      const file = path.join(realRoot, ...segments);
      if (!inside(realRoot, file)) return plain(res, 403, 'Forbidden');
      const found = await statInside(realRoot, file);
      if (found && 'forbidden' in found) return plain(res, 403, 'Forbidden');
      if (!found) return notFound(res);
      if (found.stat.isDirectory()) {
        const index = await statInside(realRoot, path.join(file, 'index.html'));
        if (index && 'forbidden' in index) return plain(res, 403, 'Forbidden');
        if (!index || !index.stat.isFile()) return notFound(res);
        if (!slash && segments.length > 0) {
          // collapse leading slashes so the Location can never name another host (`//evil/`)
          const location = '/' + pathname.replace(/^\/+/, '') + '/' + query;
          return plain(res, 301, `Moved to ${location}`, { Location: location });
        }
        return serveFile(req, res, index.real, index.stat, pathname);
      }
      if (!found.stat.isFile()) return notFound(res);
      if (slash) return notFound(res);
      return serveFile(req, res, found.real, found.stat, pathname);
    } catch (err) {
      if (verbose) console.error(err);
      if (!res.headersSent) plain(res, 500, 'Internal error');
      else res.destroy();
    }
  };
}

// ---------------------------------------------------------------------------------------------
// LAN, certificates, browser

/** Every non-internal IPv4 address of this computer, in interface order. */
function lanAddresses() {
  const out = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      const v4 = a.family === 'IPv4' || a.family === 4;
      if (v4 && !a.internal && !out.includes(a.address)) out.push(a.address);
    }
  }
  return out;
}

/** Loads one of the bundled libraries in lib/, or null when it is not there. */
async function loadLib(name) {
  const file = path.join(HERE, 'lib', name);
  if (!fs.existsSync(file)) return null;
  const mod = await import(pathToFileURL(file).href);
  return mod.default ?? mod;
}

/**
 * A certificate for localhost, 127.0.0.1 and `ips`: the one in certs/ when it still covers them
 * and is valid for another day, else a new self-signed one (saved there for the next start).
 * @param {string[]} ips LAN addresses the certificate must name
 * @returns {Promise<{key: string, cert: string, created: boolean, dir: string}>}
 */
async function certificate(ips) {
  const names = ['localhost', '127.0.0.1', ...ips];
  let dir = path.join(HERE, 'certs');
  const keyFile = () => path.join(dir, 'key.pem');
  const certFile = () => path.join(dir, 'cert.pem');
  try {
    const key = fs.readFileSync(keyFile(), 'utf8');
    const cert = fs.readFileSync(certFile(), 'utf8');
    const { X509Certificate } = await import('node:crypto');
    const x = new X509Certificate(cert);
    const san = x.subjectAltName ?? '';
    const covers = names.every((n) => san.includes(/^\d/.test(n) ? `IP Address:${n}` : `DNS:${n}`));
    if (covers && Date.parse(x.validTo) > Date.now() + 86_400_000) return { key, cert, created: false, dir };
  } catch {
    /* none yet, or unreadable: make one */
  }
  const selfsigned = await loadLib('selfsigned.mjs');
  if (!selfsigned) {
    throw new Error(`--https needs ${path.join(HERE, 'lib', 'selfsigned.mjs')}, which is missing. Unzip the whole workshop folder again.`);
  }
  const notBeforeDate = new Date(Date.now() - 86_400_000);
  const notAfterDate = new Date(Date.now() + 365 * 86_400_000);
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'ESP8266 Lab workshop' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((n) => (/^\d/.test(n) ? { type: 7, ip: n } : { type: 2, value: n })) },
    ],
  });
  for (const candidate of [dir, path.join(os.tmpdir(), 'esp8266-lab-certs')]) {
    try {
      fs.mkdirSync(candidate, { recursive: true });
      dir = candidate;
      fs.writeFileSync(keyFile(), pems.private, { mode: 0o600 });
      fs.writeFileSync(certFile(), pems.cert);
      fs.writeFileSync(path.join(dir, 'names.txt'), names.join('\n') + '\n');
      break;
    } catch {
      /* read-only folder: try the next */
    }
  }
  return { key: pems.private, cert: pems.cert, created: true, dir };
}

/** Opens `url` in the default browser; failures are only reported. */
function openBrowser(url) {
  const [cmd, args] =
    process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]]
      : process.platform === 'darwin' ? ['open', [url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true, windowsVerbatimArguments: process.platform === 'win32' });
    child.on('error', () => console.log(`(Could not open a browser: open ${url} yourself.)`));
    child.unref();
  } catch {
    console.log(`(Could not open a browser: open ${url} yourself.)`);
  }
}

// ---------------------------------------------------------------------------------------------
// main

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`serve.mjs: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return;
  }
  const root = path.resolve(opts.root ?? path.join(HERE, 'site'));
  let realRoot;
  try {
    realRoot = fs.realpathSync(root);
    if (!fs.statSync(realRoot).isDirectory()) throw new Error('not a folder');
  } catch {
    process.stderr.write(
      opts.root
        ? `serve.mjs: the folder to serve, ${root}, does not exist.\n`
        : `serve.mjs: there is no site folder at ${root}.\nUnzip the whole esp8266-lab-workshop.zip first, then start the server from inside the esp8266-lab-workshop folder.\n`,
    );
    process.exit(1);
  }
  const host = opts.host ?? (opts.lan ? '0.0.0.0' : '127.0.0.1');
  const wildcard = host === '0.0.0.0' || host === '::';
  const ips = wildcard ? lanAddresses() : [];
  const scheme = opts.https ? 'https' : 'http';

  const relay = new Relay();
  const handler = makeHandler(realRoot, relay, opts.verbose);
  let server;
  let cert = null;
  if (opts.https) {
    try {
      cert = await certificate(ips.length ? ips : host !== '127.0.0.1' && host !== 'localhost' && /^\d/.test(host) ? [host] : []);
    } catch (err) {
      process.stderr.write(`serve.mjs: ${err.message}\n`);
      process.exit(1);
    }
    server = https.createServer({ key: cert.key, cert: cert.cert }, handler);
  } else {
    server = http.createServer(handler);
  }
  server.keepAliveTimeout = 5000;
  server.requestTimeout = 60_000;

  server.on('error', (err) => {
    if (err.code === 'EADDRINUSE') {
      process.stderr.write(
        `serve.mjs: port ${opts.port} is already in use (is the server already running in another window?).\n` +
          `Stop the other program, or choose another port: node serve.mjs --port ${opts.port === 8267 ? 8268 : 8267}\n`,
      );
    } else if (err.code === 'EACCES') {
      process.stderr.write(`serve.mjs: not allowed to listen on port ${opts.port}. Choose another: node serve.mjs --port 8267\n`);
    } else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
      process.stderr.write(`serve.mjs: cannot listen on address ${host}: it is not an address of this computer.\n`);
    } else {
      process.stderr.write(`serve.mjs: ${err.message}\n`);
    }
    process.exit(1);
  });

  server.listen(opts.port, host, async () => {
    const port = server.address().port;
    const local = wildcard || host === '127.0.0.1' || host === 'localhost' || host === '::1' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
    const url = `${scheme}://${local}:${port}/`;
    console.log('ESP8266 Lab workshop server');
    console.log(`Serving ${realRoot}`);
    console.log(`Open ${url} in your browser.`);
    if (wildcard) {
      const lanUrls = ips.map((ip) => `${scheme}://${ip}:${port}/`);
      if (lanUrls.length) {
        console.log('\nStudents on the same network open:');
        for (const u of lanUrls) console.log(`  ${u}`);
        const qr = await loadLib('qrcode-terminal.mjs').catch(() => null);
        if (qr) {
          console.log(`\nQR code for ${lanUrls[0]}:`);
          qr.generate(lanUrls[0], { small: true }, (code) => console.log(code));
        }
        if (!opts.https) {
          console.log('\n(Over plain http a LAN address is not a "secure context": the lab still works, with the relay');
          console.log(' instead of shared memory. Use --https for the full lab on students\' computers.)');
        }
      } else {
        console.log('\nNo network address found: connect this computer to the room\'s WiFi or network first.');
      }
    }
    if (cert) {
      console.log(`\nHTTPS with a self-signed certificate (${cert.created ? 'new' : 'reused'}, kept in ${cert.dir}).`);
      console.log('The first time, each browser warns that the connection is not private. Students click once:');
      console.log('  Chrome / Edge:  "Advanced", then "Proceed to ... (unsafe)"');
      console.log('  Firefox:        "Advanced...", then "Accept the Risk and Continue"');
      console.log('  Safari:         "Show Details", then "visit this website" (and confirm)');
    }
    console.log('\nPress Ctrl+C to stop.');
    if (opts.open) openBrowser(url);
  });

  const stop = () => {
    relay.close();
    server.close(() => process.exit(0));
    server.closeAllConnections?.();
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main();
