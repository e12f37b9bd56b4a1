/**
 * scripts/bundle.mjs on a small stand-in site: what goes into the zip, the Unix modes unzip will
 * restore, which files get precompressed copies, and that two builds give the same bytes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collect, precompress, zipEntries } from '../scripts/bundle.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
let dir = '';
let zip: Uint8Array;

/** Name → { os, mode } from the zip's central directory (what unzip uses to set permissions). */
function centralModes(bytes: Uint8Array): Map<string, { os: number; mode: number }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, { os: number; mode: number }>();
  for (let i = 0; i + 46 <= bytes.length; i++) {
    if (view.getUint32(i, true) !== 0x02014b50) continue;
    const os = bytes[i + 5]!;
    const nameLen = view.getUint16(i + 28, true);
    const extraLen = view.getUint16(i + 30, true);
    const commentLen = view.getUint16(i + 32, true);
    const attrs = view.getUint32(i + 38, true);
    const name = new TextDecoder().decode(bytes.subarray(i + 46, i + 46 + nameLen));
    out.set(name, { os, mode: attrs >>> 16 });
    i += 45 + nameLen + extraLen + commentLen;
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lab bundle ü '));
  const dist = path.join(dir, 'dist');
  const workshop = path.join(dir, 'workshop');
  mkdirSync(path.join(dist, '_astro'), { recursive: true });
  mkdirSync(path.join(dist, 'en', 'lessons', 'first-steps'), { recursive: true });
  mkdirSync(workshop);
  writeFileSync(path.join(dist, 'index.html'), `<!doctype html><p>${'home '.repeat(400)}</p>`);
  writeFileSync(path.join(dist, 'en', 'lessons', 'first-steps', 'index.html'), `<p>${'lesson '.repeat(400)}</p>`);
  writeFileSync(path.join(dist, '_astro', 'app.js'), 'export const x = 1;\n'.repeat(200));
  writeFileSync(path.join(dist, '_astro', 'tiny.js'), 'export const y = 2;\n'.repeat(20)); // 400 B
  writeFileSync(path.join(dist, 'noise.bin'), randomBytes(8192)); // does not compress
  writeFileSync(path.join(dist, 'icon.png'), Buffer.alloc(4096)); // compresses, but not a type we compress
  for (const f of ['serve.mjs', 'serve.py', 'start.sh', 'start.command', 'start.bat']) {
    writeFileSync(path.join(workshop, f), readFileSync(path.join(HERE, f)));
  }
  writeFileSync(path.join(workshop, 'README.txt'), 'Read me first.\n');
  const { entries } = await collect({ dist, workshop });
  zip = zipEntries(entries);
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the workshop zip', () => {
  test('has one top-level folder with the site, both servers, the libraries and their licences, the launchers and the README', () => {
    const names = Object.keys(unzipSync(zip));
    expect(new Set(names.map((n) => n.split('/')[0]))).toEqual(new Set(['esp8266-lab-workshop']));
    for (const f of [
      'site/index.html', 'site/en/lessons/first-steps/index.html', 'site/_astro/app.js', 'serve.mjs', 'serve.py',
      'lib/selfsigned.mjs', 'lib/selfsigned.LICENSE.txt', 'lib/qrcode-terminal.mjs', 'lib/qrcode-terminal.LICENSE.txt',
      'start.sh', 'start.command', 'start.bat', 'README.txt',
    ]) {
      expect(names, f).toContain(`esp8266-lab-workshop/${f}`);
    }
    expect([...names].sort()).toEqual(names);
    const files = unzipSync(zip);
    const licence = new TextDecoder().decode(files['esp8266-lab-workshop/lib/selfsigned.LICENSE.txt']);
    expect(licence).toMatch(/^={78}\nselfsigned@5\.\d+\.\d+ \(MIT\)/m);
    expect(licence).toContain('Permission is hereby granted');
    expect(new TextDecoder().decode(files['esp8266-lab-workshop/lib/qrcode-terminal.LICENSE.txt'])).toContain('Kazuhiko Arase');
  });

  test('Unix modes: 755 on start.sh, start.command and the servers, 644 elsewhere, 755 folders', () => {
    const modes = centralModes(zip);
    const m = (n: string) => modes.get(`esp8266-lab-workshop/${n}`)!;
    for (const n of ['start.sh', 'start.command', 'serve.mjs', 'serve.py']) expect(m(n), n).toEqual({ os: 3, mode: 0o100755 });
    for (const n of ['start.bat', 'README.txt', 'site/index.html', 'lib/selfsigned.mjs']) expect(m(n), n).toEqual({ os: 3, mode: 0o100644 });
    expect(m('site/')).toEqual({ os: 3, mode: 0o040755 });
    expect(modes.get('esp8266-lab-workshop/')).toEqual({ os: 3, mode: 0o040755 });
  });

  test('line ends: CRLF in start.bat (cmd.exe misreads LF-only batch files), LF in the shell launchers', () => {
    const files = unzipSync(zip);
    const bat = new TextDecoder().decode(files['esp8266-lab-workshop/start.bat']);
    expect(bat).toContain('\r\n');
    expect(bat.replace(/\r\n/g, '')).not.toContain('\n');
    for (const n of ['start.sh', 'start.command']) expect(new TextDecoder().decode(files[`esp8266-lab-workshop/${n}`]), n).not.toContain('\r');
  });

  test('precompressed copies only of big compressible files, each decoding to the original', () => {
    const files = unzipSync(zip);
    const site = (n: string) => files[`esp8266-lab-workshop/site/${n}`];
    const app = site('_astro/app.js')!;
    expect(gunzipSync(site('_astro/app.js.gz')!).equals(Buffer.from(app))).toBe(true);
    expect(brotliDecompressSync(site('_astro/app.js.br')!).equals(Buffer.from(app))).toBe(true);
    expect(site('index.html.br')).toBeDefined();
    for (const n of ['_astro/tiny.js', 'noise.bin', 'icon.png']) {
      expect(site(`${n}.gz`), n).toBeUndefined();
      expect(site(`${n}.br`), n).toBeUndefined();
    }
    // the 10 % rule: a copy that saves less is left out
    const barely = new Uint8Array([...randomBytes(2000), ...new Uint8Array(150)]);
    expect(precompress('x.js', barely)).toEqual({});
    expect(Object.keys(precompress('x.wasm', new Uint8Array(4096))).sort()).toEqual(['br', 'gz']);
  });

  test('is deterministic: the same inputs give the same bytes', async () => {
    const { entries } = await collect({ dist: path.join(dir, 'dist'), workshop: path.join(dir, 'workshop') });
    expect(Buffer.from(zipEntries(entries)).equals(Buffer.from(zip))).toBe(true);
  }, 60_000);
});
