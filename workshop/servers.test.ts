/**
 * The two workshop servers, serve.mjs (Node) and serve.py (Python), run as the teacher would run
 * them: copied into a folder whose path has spaces and non-ASCII letters, serving the `site/`
 * beside them. Each test runs against both. Raw requests go over node:net so no client tidies the
 * path before the server sees it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CSP_HEADER } from '../src/integrations/csp.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env.PYTHON ?? 'python3';

let base = '';
let site = '';
const servers: Record<string, { port: number; child: ChildProcess }> = {};
const clampWaits: Record<string, Promise<{ ms: number; res: Res }>> = {};

const BIG_JS = `// a compressible script\n${'export const value = "the ESP8266 has 38 KB of heap for Python";\n'.repeat(200)}`;
const NOT_FOUND_PAGE = '<!doctype html><title>Not found</title><p>The lab has no such page.</p>';

type Res = { status: number; headers: http.IncomingHttpHeaders; body: Buffer };

/** Starts one server script with arguments; resolves with its port once it printed its URL. */
function start(kind: 'node' | 'python', args: string[], cwd = base): Promise<{ port: number; child: ChildProcess; out: string }> {
  const [cmd, script] = kind === 'node' ? [process.execPath, 'serve.mjs'] : [PYTHON, 'serve.py'];
  const child = spawn(cmd, [path.join(base, script), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not print its URL: ${out} ${err}`)), 15_000);
    child.stdout!.on('data', (d) => {
      out += d;
      // the URL line, then (last) the Ctrl+C hint once everything is printed
      const m = /Open https?:\/\/localhost:(\d+)\//.exec(out);
      if (m && out.includes('Press Ctrl+C')) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), child, out });
      }
    });
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited ${code}: ${err}`));
    });
  });
}

/** Runs a server script to its end (for the ones that must refuse to start). */
function runToExit(kind: 'node' | 'python', args: string[], timeout = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, script] = kind === 'node' ? [process.execPath, 'serve.mjs'] : [PYTHON, 'serve.py'];
  const child = spawn(cmd, [path.join(base, script), ...args], { cwd: base, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${script} ${args.join(' ')} kept running: ${stdout}`));
    }, timeout);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** One HTTP request on its own connection; the body is returned as received (no decoding). */
function request(port: number, method: string, target: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends `GET <target>` exactly as written and returns the status code and the whole answer. */
function rawGet(port: number, target: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(Buffer.from(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, 'latin1'));
    });
    const parts: Buffer[] = [];
    socket.on('data', (c) => parts.push(c));
    socket.on('end', () => {
      const text = Buffer.concat(parts).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer to ${target}`)));
  });
}

const relayIn = (port: number, id: string, at: number | string, body: Buffer | string) =>
  request(port, 'POST', `/__lab/relay/${id}/in?at=${at}`, { 'Content-Type': 'application/octet-stream' }, body);
const relayWait = (port: number, id: string, after: number | string, ms: number | string) =>
  request(port, 'POST', `/__lab/relay/${id}/wait?after=${after}&ms=${ms}`, {}, '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let idCounter = 0;
/** A fresh channel id (each test uses its own channels). */
const newId = (tag: string) => `t${tag}-${process.pid}-${++idCounter}`.padEnd(12, 'x');

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  base = mkdtempSync(path.join(tmpdir(), 'lab servers é ü '));
  site = path.join(base, 'site');
  for (const d of ['sub', 'empty', 'en/lessons/first-steps']) mkdirSync(path.join(site, d), { recursive: true });
  writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>Lab</title><p>home page</p>');
  writeFileSync(path.join(site, '404.html'), NOT_FOUND_PAGE);
  writeFileSync(path.join(site, 'sub', 'index.html'), 'sub index');
  writeFileSync(path.join(site, 'en/lessons/first-steps/index.html'), 'first steps');
  writeFileSync(path.join(site, 'empty', 'listed-file.txt'), 'a file a listing would show');
  writeFileSync(path.join(site, 'micropython.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(path.join(site, 'module.mjs'), 'export default 1;\n');
  writeFileSync(path.join(site, 'manifest.webmanifest'), '{"name":"ESP8266 Lab"}');
  writeFileSync(path.join(site, 'firmware.bin'), Buffer.alloc(64, 0xff));
  mkdirSync(path.join(site, 'pagefind', 'index'), { recursive: true });
  for (const f of ['pagefind/wasm.en.pagefind', 'pagefind/pagefind.en_1.pf_meta', 'pagefind/index/en_1.pf_index', 'pagefind/en_1.pf_fragment']) {
    writeFileSync(path.join(site, f), gzipSync(Buffer.alloc(2048, 7)));
  }
  writeFileSync(path.join(site, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(path.join(site, 'big.js'), BIG_JS);
  writeFileSync(path.join(site, 'big.js.gz'), gzipSync(BIG_JS));
  writeFileSync(path.join(site, 'big.js.br'), brotliCompressSync(BIG_JS));
  writeFileSync(path.join(site, 'ünïcode file.txt'), 'non-ASCII name');
  writeFileSync(path.join(base, 'secret.txt'), 'TOP SECRET outside the root');
  mkdirSync(path.join(base, 'outside-dir'));
  writeFileSync(path.join(base, 'outside-dir', 'secret.txt'), 'TOP SECRET in a folder outside the root');
  symlinkSync(path.join(base, 'secret.txt'), path.join(site, 'escape.txt'));
  symlinkSync(path.join(base, 'outside-dir'), path.join(site, 'linkdir'));
  copyFileSync(path.join(HERE, 'serve.mjs'), path.join(base, 'serve.mjs'));
  copyFileSync(path.join(HERE, 'serve.py'), path.join(base, 'serve.py'));
  // `--port 0`: the system picks a free port and the server prints it
  const [node, python] = await Promise.all([start('node', ['--port', '0']), start('python', ['--port', '0'])]);
  servers['serve.mjs'] = node;
  servers['serve.py'] = python;
  // RELAY.md: a wait longer than 30 s is clamped to 30 s. Started here so it runs beside the rest.
  for (const [name, s] of Object.entries(servers)) {
    const t0 = Date.now();
    const wait = relayWait(s.port, newId('clamp'), 0, 999_999).then((res) => ({ ms: Date.now() - t0, res }));
    wait.catch(() => {}); // reported by its test; a filtered run that skips it must not fail here
    clampWaits[name] = wait;
  }
}, 30_000);

afterAll(() => {
  for (const s of Object.values(servers)) s.child.kill();
  if (base) rmSync(base, { recursive: true, force: true });
});

describe.each(['serve.mjs', 'serve.py'])('%s', (name) => {
  const kind = name === 'serve.mjs' ? 'node' : 'python';
  const port = () => servers[name]!.port;

  test('serves site/ beside the script with the cross-origin isolation headers and the CSP on every answer', async () => {
    for (const target of ['/', '/big.js', '/no-such-page', '/__lab/relay', '/../secret.txt']) {
      const res = target.includes('..') ? await rawGet(port(), target) : null;
      const headers = res
        ? Object.fromEntries(res.text.split('\r\n\r\n')[0]!.split('\r\n').slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
        : (await request(port(), 'GET', target)).headers;
      expect(headers['cross-origin-opener-policy'], target).toBe('same-origin');
      expect(headers['cross-origin-embedder-policy'], target).toBe('require-corp');
      expect(headers['cross-origin-resource-policy'], target).toBe('same-origin');
      // the same policy as astro preview's (src/integrations/csp.mjs), not merely some policy
      expect(headers['content-security-policy'], target).toBe(CSP_HEADER);
    }
    expect(CSP_HEADER).toMatch(/(^|; )script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    expect(CSP_HEADER).toMatch(/(^|; )connect-src 'self'(;|$)/);
    expect(CSP_HEADER).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
    const home = await request(port(), 'GET', '/');
    expect(home.status).toBe(200);
    expect(home.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(home.body.toString()).toContain('home page');
    const uni = await request(port(), 'GET', '/' + encodeURIComponent('ünïcode file.txt'));
    expect(uni.status).toBe(200);
    expect(uni.body.toString()).toBe('non-ASCII name');
  });

  test('MIME types of wasm, mjs, webmanifest, bin, Pagefind index files, svg, js', async () => {
    const want: Record<string, string> = {
      '/micropython.wasm': 'application/wasm',
      '/module.mjs': 'text/javascript; charset=utf-8',
      '/manifest.webmanifest': 'application/manifest+json',
      '/firmware.bin': 'application/octet-stream',
      '/pagefind/wasm.en.pagefind': 'application/octet-stream',
      '/pagefind/pagefind.en_1.pf_meta': 'application/octet-stream',
      '/pagefind/index/en_1.pf_index': 'application/octet-stream',
      '/pagefind/en_1.pf_fragment': 'application/octet-stream',
      '/icon.svg': 'image/svg+xml',
      '/big.js': 'text/javascript; charset=utf-8',
    };
    for (const [target, type] of Object.entries(want)) {
      const res = await request(port(), 'GET', target);
      expect(res.status, target).toBe(200);
      expect(res.headers['content-type'], target).toBe(type);
      expect(Number(res.headers['content-length']), target).toBe(res.body.length);
    }
    // Pagefind's files are gzip data that pagefind.js unpacks itself: sent as they are
    const pf = await request(port(), 'GET', '/pagefind/index/en_1.pf_index', { 'Accept-Encoding': 'gzip, br' });
    expect(pf.headers['content-encoding']).toBeUndefined();
    expect(pf.body.equals(readFileSync(path.join(site, 'pagefind/index/en_1.pf_index')))).toBe(true);
  });

  test('precompressed copies: br preferred, gzip next, identity otherwise, with Vary and the right length', async () => {
    const br = await request(port(), 'GET', '/big.js', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['vary']).toMatch(/Accept-Encoding/i);
    expect(br.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(br.body.equals(readFileSync(path.join(site, 'big.js.br')))).toBe(true);
    expect(Number(br.headers['content-length'])).toBe(br.body.length);

    const gz = await request(port(), 'GET', '/big.js', { 'Accept-Encoding': 'br;q=0, gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.body.equals(readFileSync(path.join(site, 'big.js.gz')))).toBe(true);
    expect(Number(gz.headers['content-length'])).toBe(gz.body.length);

    const plain = await request(port(), 'GET', '/big.js', { 'Accept-Encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['vary']).toMatch(/Accept-Encoding/i);
    expect(plain.body.toString()).toBe(BIG_JS);

    const head = await request(port(), 'HEAD', '/big.js', { 'Accept-Encoding': 'br' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBe(br.body.length);
  });

  test('ETag and Last-Modified give 304 on a repeat request', async () => {
    const first = await request(port(), 'GET', '/module.mjs');
    const etag = first.headers['etag']!;
    expect(etag).toMatch(/^"/);
    const again = await request(port(), 'GET', '/module.mjs', { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const since = await request(port(), 'GET', '/module.mjs', { 'If-Modified-Since': first.headers['last-modified']! });
    expect(since.status).toBe(304);
    const changed = await request(port(), 'GET', '/module.mjs', { 'If-None-Match': '"something-else"' });
    expect(changed.status).toBe(200);
  });

  test('folders: /dir/ serves its index.html, /dir redirects, no listings, 404 page for unknown paths', async () => {
    const sub = await request(port(), 'GET', '/sub/');
    expect(sub.status).toBe(200);
    expect(sub.body.toString()).toBe('sub index');
    const redirect = await request(port(), 'GET', '/en/lessons/first-steps?x=1');
    expect(redirect.status).toBe(301);
    expect(redirect.headers['location']).toBe('/en/lessons/first-steps/?x=1');
    // a doubled slash must not become a redirect to another host (//sub/ would be one)
    const doubled = await rawGet(port(), '//sub');
    expect(doubled.status).toBe(301);
    expect(doubled.text).toMatch(/\r\nLocation: \/sub\/\r\n/i);
    for (const target of ['/empty/', '/empty', '/no-such-page', '/sub/nothing.js', '/big.js/']) {
      const res = await request(port(), 'GET', target);
      expect(res.status, target).toBe(404);
      expect(res.body.toString(), target).not.toContain('listed-file');
    }
    const unknown = await request(port(), 'GET', '/no-such-page');
    expect(unknown.body.toString()).toBe(NOT_FOUND_PAGE);
    const post = await request(port(), 'POST', '/index.html', {}, 'x');
    expect(post.status).toBe(405);
  });

  test('path traversal is refused with 403 in every spelling, symlinks out of the root too', async () => {
    const attempts = [
      '/../secret.txt',
      '/sub/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/%252e%252e/secret.txt',
      '/%25252e%25252e/secret.txt',
      '/..%2fsecret.txt',
      '/sub/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/..\\secret.txt',
      '/sub\\..\\..\\secret.txt',
      '/index.html%00.js',
      '/%00',
      '/escape.txt',
      '/linkdir/secret.txt',
      '/C:/secret.txt',
    ];
    for (const target of attempts) {
      const res = await rawGet(port(), target);
      expect(res.status, target).toBe(403);
      expect(res.text, target).not.toContain('TOP SECRET');
    }
    // the same spellings that stay inside are served
    expect((await rawGet(port(), '/sub/%2e/index.html')).status).toBe(200);
  });

  test('relay: probe, 404 elsewhere under /__lab/, 405 for other methods, 400 for bad ids and numbers', async () => {
    const probe = await request(port(), 'GET', '/__lab/relay');
    expect(probe.status).toBe(200);
    expect(probe.headers['content-type']).toBe('application/json');
    expect(probe.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(probe.body.toString())).toEqual({ relay: 1 });
    expect((await request(port(), 'GET', '/__lab/other')).status).toBe(404);
    expect((await request(port(), 'GET', '/__lab/relay/abcdefgh/other')).status).toBe(404);
    expect((await request(port(), 'POST', '/__lab/relay', {}, 'x')).status).toBe(405);
    expect((await request(port(), 'GET', '/__lab/relay/abcdefgh/in?at=0')).status).toBe(405);
    expect((await request(port(), 'PUT', '/__lab/relay/abcdefgh/wait?after=0&ms=0', {}, 'x')).status).toBe(405);
    for (const id of ['short', 'x'.repeat(65), 'bad.chars!', 'spaces%20here']) {
      const res = await relayIn(port(), id, 0, 'a');
      expect(res.status, id).toBe(400);
      expect(res.headers['cache-control'], id).toBe('no-store');
    }
    const id = newId('bad');
    for (const at of ['', '-1', '1.5', 'abc', '0x10']) expect((await relayIn(port(), id, at, 'a')).status, `at=${at}`).toBe(400);
    expect((await request(port(), 'POST', `/__lab/relay/${id}/in`, {}, 'a')).status).toBe(400);
    expect((await request(port(), 'POST', `/__lab/relay/${id}/wait?after=0`, {}, '')).status).toBe(400);
    expect((await request(port(), 'POST', `/__lab/relay/${id}/wait?ms=10`, {}, '')).status).toBe(400);
    expect((await relayWait(port(), id, 0, 'soon')).status).toBe(400);
    expect((await relayWait(port(), id, '-3', 0)).status).toBe(400);
    expect((await relayIn(port(), id, 0, '')).status).toBe(400);
    expect((await relayIn(port(), id, 0, Buffer.alloc(65_537, 1))).status).toBe(413);
    const full = await relayIn(port(), id, 0, Buffer.alloc(65_536, 1));
    expect(full.status).toBe(204);
    expect(full.headers['cache-control']).toBe('no-store');
  });

  test('relay: append, overlap, gap, and waits that answer at once', async () => {
    const id = newId('log');
    expect((await relayIn(port(), id, 0, 'abc')).status).toBe(204);
    let w = await relayWait(port(), id, 0, 0);
    expect(w.status).toBe(200);
    expect(w.headers['content-type']).toBe('application/octet-stream');
    expect(w.headers['cache-control']).toBe('no-store');
    expect(w.headers['x-relay-at']).toBe('0');
    expect(w.body.toString()).toBe('abc');
    // overlap: bytes 1..2 are already there, d and e are new
    await relayIn(port(), id, 1, 'bcde');
    w = await relayWait(port(), id, 0, 0);
    expect([w.headers['x-relay-at'], w.body.toString()]).toEqual(['0', 'abcde']);
    // a body entirely inside the log changes nothing
    await relayIn(port(), id, 2, 'cd');
    // the thread used 3 bytes: they are dropped, and a later wait from 0 starts at 3
    w = await relayWait(port(), id, 3, 0);
    expect([w.headers['x-relay-at'], w.body.toString()]).toEqual(['3', 'de']);
    w = await relayWait(port(), id, 0, 0);
    expect([w.headers['x-relay-at'], w.body.toString()]).toEqual(['3', 'de']);
    // gap (a server restart lost bytes 5..9): the log restarts at 10
    await relayIn(port(), id, 10, 'xyz');
    w = await relayWait(port(), id, 5, 0);
    expect([w.headers['x-relay-at'], w.body.toString()]).toEqual(['10', 'xyz']);
    // nothing at or after 13: empty, X-Relay-At is the greater of n and the log's end
    w = await relayWait(port(), id, 13, 0);
    expect([w.status, w.headers['x-relay-at'], w.body.length]).toEqual([200, '13', 0]);
    w = await relayWait(port(), id, 20, 0);
    expect([w.headers['x-relay-at'], w.body.length]).toEqual(['20', 0]);
    // the log's end stays where its bytes ended (13): nothing was ever appended past it
    w = await relayWait(port(), id, 11, 0);
    expect([w.headers['x-relay-at'], w.body.length]).toEqual(['13', 0]);
    await relayIn(port(), id, 13, 'pq');
    w = await relayWait(port(), id, 13, 0);
    expect([w.headers['x-relay-at'], w.body.toString()]).toEqual(['13', 'pq']);
    // a wait answers with at most 65 536 bytes
    const big = newId('big');
    await relayIn(port(), big, 0, Buffer.alloc(65_536, 7));
    await relayIn(port(), big, 65_536, Buffer.alloc(100, 8));
    w = await relayWait(port(), big, 0, 0);
    expect(w.body.length).toBe(65_536);
    w = await relayWait(port(), big, 65_536, 0);
    expect([w.headers['x-relay-at'], w.body.length, w.body[0]]).toEqual(['65536', 100, 8]);
  });

  test('relay: a held wait is woken by in, ends empty at ms, and the newest waiter wins', async () => {
    const id = newId('hold');
    let t0 = Date.now();
    const held = relayWait(port(), id, 0, 10_000);
    await sleep(300);
    await relayIn(port(), id, 0, 'hi');
    let w = await held;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect([w.headers['x-relay-at'], w.body.toString()]).toEqual(['0', 'hi']);

    t0 = Date.now();
    w = await relayWait(port(), id, 2, 400);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(350);
    expect(took).toBeLessThan(3000);
    expect([w.status, w.headers['x-relay-at'], w.body.length]).toEqual([200, '2', 0]);

    t0 = Date.now();
    const older = relayWait(port(), id, 2, 10_000);
    await sleep(300);
    const newer = relayWait(port(), id, 2, 10_000);
    w = await older;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(w.body.length).toBe(0);
    await sleep(100);
    await relayIn(port(), id, 2, 'new');
    w = await newer;
    expect([w.headers['x-relay-at'], w.body.toString()]).toEqual(['2', 'new']);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  test('relay: a held wait whose client goes away leaves the channel working', async () => {
    const id = newId('gone');
    const socket = net.connect(port(), '127.0.0.1');
    await new Promise<void>((r) => socket.on('connect', () => r()));
    socket.write(`POST /__lab/relay/${id}/wait?after=0&ms=10000 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`);
    await sleep(300);
    socket.destroy();
    await sleep(500);
    await relayIn(port(), id, 0, 'still here');
    const w = await relayWait(port(), id, 0, 2000);
    expect(w.body.toString()).toBe('still here');
  });

  test('relay: a log keeps at most 1 MiB, dropping the oldest bytes', async () => {
    const id = newId('mib');
    for (let i = 0; i < 17; i++) expect((await relayIn(port(), id, i * 65_536, Buffer.alloc(65_536, i))).status).toBe(204);
    const w = await relayWait(port(), id, 0, 0);
    // 17 × 64 KiB written, 16 × 64 KiB kept: the first chunk is gone
    expect(w.headers['x-relay-at']).toBe(String(65_536));
    expect(w.body[0]).toBe(1);
  });

  test('relay: the 257th channel drops the least recently used one, answering its waiter', async () => {
    // a server of its own: the shared one holds other tests' channels (and the 30 s wait)
    const s = await start(kind, ['--port', '0']);
    try {
      const first = newId('lru');
      const second = newId('lru');
      await relayIn(s.port, second, 0, 'kept');
      const t0 = Date.now();
      const held = relayWait(s.port, first, 0, 20_000);
      await sleep(200);
      // `second` is used again, so `first` is now the least recently used
      await relayIn(s.port, second, 4, '!');
      for (let i = 0; i < 254; i++) await relayIn(s.port, `lru-${i}-${'x'.repeat(8)}`, 0, 'z');
      // 256 channels: nothing dropped yet
      expect(await Promise.race([held.then(() => 'answered'), sleep(300).then(() => 'held')])).toBe('held');
      await relayIn(s.port, 'one-more-channel', 0, 'z');
      const w = await held;
      expect(w.body.length).toBe(0);
      expect(Date.now() - t0).toBeLessThan(15_000);
      const kept = await relayWait(s.port, second, 0, 0);
      expect(kept.body.toString()).toBe('kept!');
    } finally {
      s.child.kill();
    }
  }, 40_000);

  test('command line: bad option exits 2 with the usage, a busy port exits 1 naming it, a missing root is explained', async () => {
    const bad = await runToExit(kind, ['--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/usage/i);
    expect(bad.stderr).toContain('--port');
    const badPort = await runToExit(kind, ['--port', 'eighty']);
    expect(badPort.code).toBe(2);

    const busy = net.createServer();
    const busyPort = await freePort();
    await new Promise<void>((r) => busy.listen(busyPort, '127.0.0.1', r));
    try {
      const res = await runToExit(kind, ['--port', String(busyPort)]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`port ${busyPort} is already in use`);
      expect(res.stderr).toContain('--port 8267');
    } finally {
      busy.close();
    }
    const missing = await runToExit(kind, ['--root', path.join(base, 'nowhere ü'), '--port', '0']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nowhere ü');
    expect(missing.stderr).toContain('does not exist');

    const help = await runToExit(kind, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--lan');
  });

  test('--root serves another folder; --verbose logs one line per request', async () => {
    const other = path.join(base, 'other root ✓');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'index.html'), 'the other root');
    const s = await start(kind, ['--root', other, '--port', '0', '--verbose']);
    let log = '';
    s.child.stdout!.on('data', (d) => (log += d));
    try {
      const res = await request(s.port, 'GET', '/');
      expect(res.body.toString()).toBe('the other root');
      await request(s.port, 'GET', '/missing-for-the-log');
      await sleep(300);
      expect(log).toContain('/missing-for-the-log');
      expect(log.split('\n').filter((l) => l.includes('/missing-for-the-log'))).toHaveLength(1);
    } finally {
      s.child.kill();
    }
  });

  test('RELAY.md: a wait asking for more than 30 s ends empty after 30 s', async () => {
    const { ms, res } = await clampWaits[name]!;
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(29_500);
    expect(ms).toBeLessThan(34_000);
  }, 40_000);
});

describe('--https', () => {
  test('serve.mjs makes a certificate with lib/selfsigned.mjs naming localhost and 127.0.0.1, keeps it in certs/, serves TLS', async () => {
    const { buildLibs } = await import('../scripts/bundle.mjs');
    const libs: Record<string, Uint8Array> = await buildLibs();
    mkdirSync(path.join(base, 'lib'), { recursive: true });
    for (const [file, data] of Object.entries(libs)) writeFileSync(path.join(base, 'lib', file), data);
    expect(Object.keys(libs).sort()).toEqual(['qrcode-terminal.LICENSE.txt', 'qrcode-terminal.mjs', 'selfsigned.LICENSE.txt', 'selfsigned.mjs']);
    rmSync(path.join(base, 'certs'), { recursive: true, force: true });
    const s = await start('node', ['--https', '--port', '0']);
    try {
      expect(s.out).toContain('Proceed to');
      expect(s.out).toContain('Accept the Risk and Continue');
      expect(s.out).toContain('visit this website');
      const { X509Certificate } = await import('node:crypto');
      const cert = new X509Certificate(readFileSync(path.join(base, 'certs', 'cert.pem')));
      expect(cert.subjectAltName).toContain('DNS:localhost');
      expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
      const https = await import('node:https');
      const status = await new Promise<number>((resolve, reject) => {
        https.get({ host: '127.0.0.1', port: s.port, path: '/', ca: cert.toString(), servername: 'localhost', checkServerIdentity: () => undefined }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
      expect(status).toBe(200);
    } finally {
      s.child.kill();
    }
    // a second start reuses it
    const again = await start('node', ['--https', '--port', '0']);
    again.child.kill();
    expect(again.out).toContain('reused');
  }, 60_000);

  test.runIf(spawnSync('openssl', ['version']).status === 0)('serve.py makes one with openssl, or reuses the one in certs/', async () => {
    rmSync(path.join(base, 'certs'), { recursive: true, force: true });
    const s = await start('python', ['--https', '--port', '0']);
    try {
      expect(s.out).toContain('new');
      const pem = readFileSync(path.join(base, 'certs', 'cert.pem'), 'utf8');
      const { X509Certificate } = await import('node:crypto');
      expect(new X509Certificate(pem).subjectAltName).toContain('IP Address:127.0.0.1');
      const https = await import('node:https');
      const body = await new Promise<string>((resolve, reject) => {
        https.get({ host: '127.0.0.1', port: s.port, path: '/sub/', ca: pem, checkServerIdentity: () => undefined }, (res) => {
          let b = '';
          res.on('data', (d) => (b += d));
          res.on('end', () => resolve(b));
        }).on('error', reject);
      });
      expect(body).toBe('sub index');
    } finally {
      s.child.kill();
    }
    const again = await start('python', ['--https', '--port', '0']);
    again.child.kill();
    expect(again.out).toContain('reused');
  }, 60_000);
});

describe.skipIf(process.platform === 'win32')('start.sh and start.command', () => {
  /** A folder of commands for PATH: `dirname` always, plus the ones given. */
  function pathWith(commands: Record<string, string>): string {
    const bin = mkdtempSync(path.join(base, 'bin '));
    for (const [name, target] of Object.entries({ dirname: spawnSync('sh', ['-c', 'command -v dirname']).stdout.toString().trim(), ...commands })) {
      symlinkSync(target, path.join(bin, name));
    }
    return bin;
  }

  /** Runs a launcher from another folder (as a double-click would) until it prints its URL or ends. */
  function launch(script: string, PATH: string, args: string[]): Promise<{ out: string; code: number | null }> {
    copyFileSync(path.join(HERE, script), path.join(base, script));
    const child = spawn('/bin/sh', [path.join(base, script), ...args], { cwd: tmpdir(), env: { PATH, HOME: base }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    return new Promise((resolve) => {
      const done = (code: number | null) => {
        try {
          process.kill(-child.pid!, 'SIGTERM'); // the launcher and the server it started
        } catch {
          /* already gone */
        }
        resolve({ out, code });
      };
      const timer = setTimeout(() => done(null), 10_000);
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('Press Ctrl+C')) {
          clearTimeout(timer);
          done(null);
        }
      });
      child.stderr.on('data', (d) => (out += d));
      // 'close', not 'exit': the output may still be in the pipes when the process has exited
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ out, code });
      });
    });
  }

  // the interpreter itself, not a shim (pyenv's need more of PATH than the launcher gets here)
  const python3 = () => spawnSync(PYTHON, ['-c', 'import sys; print(sys.executable)']).stdout.toString().trim();

  test.each(['start.sh', 'start.command'])('%s prefers Node, falls back to Python, and says what to install when neither is there', async (script) => {
    const node = await launch(script, pathWith({ node: process.execPath, python3: python3() }), ['--no-open', '--port', '0']);
    expect(node.out).toContain('ESP8266 Lab workshop server\n');
    expect(node.out).toContain(`Serving ${site}`);
    const python = await launch(script, pathWith({ python3: python3() }), ['--no-open', '--port', '0']);
    expect(python.out).toContain('ESP8266 Lab workshop server (Python)');
    const none = await launch(script, pathWith({}), []);
    expect(none.code).toBe(1);
    expect(none.out).toContain('https://nodejs.org');
    expect(none.out).toContain('https://www.python.org');
    expect(none.out).toContain('Press Enter to close this window');
  }, 40_000);
});
