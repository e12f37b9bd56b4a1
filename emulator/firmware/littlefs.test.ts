/**
 * Spec tests for the littlefs v2.1 implementation (littlefs.ts) over an in-memory NOR flash.
 * Expected values come from SPEC.md (littlefs-project/littlefs), from an independent model of
 * the CTZ skip-list capacity, or from an in-memory Map the random test keeps alongside.
 */
import { describe, expect, it } from 'vitest';
import { LfsError, LittleFs, type LfsBlockDevice } from './littlefs.ts';

const BS = 4096;

/** NOR flash: erase → 0xFF, prog ANDs; out-of-range throws; strict: prog only onto erased bytes. */
class NorFlash implements LfsBlockDevice {
  readonly blockSize = BS;
  readonly blockCount: number;
  readonly data: Uint8Array;
  progs = 0;
  erases = 0;
  /** Throw after this many more prog/erase calls (simulated power cut); Infinity = never. */
  cutAfter = Infinity;
  constructor(blocks: number, data?: Uint8Array) {
    this.blockCount = blocks;
    this.data = data ?? new Uint8Array(blocks * BS).fill(0xff);
  }
  private check(block: number, offset: number, length: number): void {
    if (!(Number.isInteger(block) && block >= 0 && block < this.blockCount && offset >= 0 && length >= 0 && offset + length <= BS)) {
      throw new RangeError(`out of range: block ${block} offset ${offset} length ${length}`);
    }
  }
  private tick(): void {
    if (this.cutAfter-- <= 0) throw new Error('power cut');
  }
  read(block: number, offset: number, length: number): Uint8Array {
    this.check(block, offset, length);
    return this.data.slice(block * BS + offset, block * BS + offset + length);
  }
  prog(block: number, offset: number, d: Uint8Array): void {
    this.check(block, offset, d.length);
    this.tick();
    this.progs++;
    const base = block * BS + offset;
    for (let i = 0; i < d.length; i++) {
      if (this.data[base + i] !== 0xff) throw new Error(`prog onto unerased byte at block ${block} offset ${offset + i}`);
      this.data[base + i] &= d[i];
    }
  }
  erase(block: number): void {
    this.check(block, 0, 0);
    this.tick();
    this.erases++;
    this.data.fill(0xff, block * BS, (block + 1) * BS);
  }
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bytes = (n: number, seed: number): Uint8Array => {
  const r = rng(seed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0;
  return b;
};
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function fresh(blocks = 763): { dev: NorFlash; fs: LittleFs } {
  const dev = new NorFlash(blocks);
  LittleFs.format(dev);
  return { dev, fs: LittleFs.mount(dev) };
}

function writeFile(fs: LittleFs, path: string, data: Uint8Array, chunk = 1000): void {
  const fd = fs.open(path, { write: true, create: true, truncate: true });
  try {
    for (let i = 0; i < data.length; i += chunk) fs.write(fd, data.subarray(i, i + chunk));
  } finally {
    fs.close(fd);
  }
}

function readFile(fs: LittleFs, path: string): Uint8Array {
  const fd = fs.open(path, { read: true });
  try {
    const parts: Uint8Array[] = [];
    for (;;) {
      const p = fs.read(fd, 777);
      if (p.length === 0) break;
      parts.push(p);
    }
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  } finally {
    fs.close(fd);
  }
}

function errnoOf(f: () => unknown): number | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof LfsError) return e.errno;
    throw e;
  }
  return undefined;
}

/** Blocks a CTZ skip-list needs for `size` bytes: block k>0 gives up 4*(ctz(k)+1) bytes to pointers (DESIGN.md). */
function ctzBlocks(size: number): number {
  let n = 0;
  for (let cap = 0; cap < size; n++) cap += BS - (n === 0 ? 0 : 4 * (Math.log2(n & -n) + 1));
  return n;
}

/** littlefs's directory order (SPEC.md keeps names sorted; on a shared prefix the longer name first). */
function lfsOrder(a: string, b: string): number {
  const x = text(a);
  const y = text(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return y.length - x.length;
}

describe('littlefs format and mount', () => {
  it('formats a blank 763-block device into a mountable, empty filesystem using 2 blocks', () => {
    const { fs } = fresh();
    expect(fs.readdir('/')).toEqual([]);
    expect(fs.stat('/')).toEqual({ type: 'dir', size: 0 });
    expect(fs.usedBlocks()).toBe(2);
  });

  it('writes the superblock entry to both blocks 0 and 1: "littlefs" at offset 8, then version 2.1 and geometry', () => {
    const { dev } = fresh(98);
    const dv = new DataView(dev.data.buffer);
    for (const b of [0, 1]) {
      const base = b * BS;
      // SPEC.md "0x0ff LFS_TYPE_SUPERBLOCK": magic at offset 8, inline-struct data follows its 4-byte tag
      expect(new TextDecoder().decode(dev.data.subarray(base + 8, base + 16))).toBe('littlefs');
      expect(dv.getUint32(base + 20, true)).toBe(0x00020001);
      expect(dv.getUint32(base + 24, true)).toBe(BS);
      expect(dv.getUint32(base + 28, true)).toBe(98);
      expect(dv.getUint32(base + 32, true)).toBe(255); // name_max
    }
    // revision counts differ (the second compaction is the newer one)
    expect(dv.getUint32(BS, true)).toBe(dv.getUint32(0, true) + 1);
  });

  it('refuses an all-0xFF device with errno 84 (LFS_ERR_CORRUPT) and a geometry mismatch with EINVAL', () => {
    expect(errnoOf(() => LittleFs.mount(new NorFlash(763)))).toBe(84);
    const { dev } = fresh(98);
    expect(errnoOf(() => LittleFs.mount(new NorFlash(99, new Uint8Array(99 * BS).fill(0xff).map((v, i) => (i < dev.data.length ? dev.data[i] : v)))))).toBe(22);
  });

  it('detects a corrupted superblock pair', () => {
    const { dev } = fresh(98);
    dev.data[20] ^= 1; // a byte inside block 0's only commit
    dev.data[BS + 20] ^= 1;
    expect(errnoOf(() => LittleFs.mount(dev))).toBe(84);
  });
});

describe('littlefs files', () => {
  it('keeps small files inline in the metadata pair and spills files over 128 bytes into blocks', () => {
    const { dev, fs } = fresh();
    writeFile(fs, '/boot.py', text('# boot.py\n'));
    writeFile(fs, '/128.bin', bytes(128, 1));
    expect(fs.usedBlocks()).toBe(2);
    writeFile(fs, '/129.bin', bytes(129, 2));
    expect(fs.usedBlocks()).toBe(3);
    const again = LittleFs.mount(dev);
    expect(new TextDecoder().decode(readFile(again, '/boot.py'))).toBe('# boot.py\n');
    expect(readFile(again, '/128.bin')).toEqual(bytes(128, 1));
    expect(readFile(again, '/129.bin')).toEqual(bytes(129, 2));
    expect(again.stat('/129.bin')).toEqual({ type: 'file', size: 129 });
  });

  it('round-trips a 50 000-byte file through the CTZ skip-list after remount', () => {
    const { dev, fs } = fresh();
    const data = bytes(50_000, 3);
    writeFile(fs, '/big.bin', data, 4096);
    const again = LittleFs.mount(dev);
    expect(readFile(again, '/big.bin')).toEqual(data);
    expect(again.usedBlocks()).toBe(2 + ctzBlocks(50_000));
    // random-access reads hit the right blocks
    const fd = again.open('/big.bin', { read: true });
    for (const pos of [0, 4095, 4096, 4097, 8183, 8184, 12_000, 49_990]) {
      expect(again.seek(fd, pos, 0)).toBe(pos);
      expect(again.read(fd, 20)).toEqual(data.subarray(pos, pos + 20));
    }
    again.close(fd);
  });

  it('makes writes durable only on sync/close, while the writing handle reads its own data', () => {
    const { dev, fs } = fresh();
    const fd = fs.open('/log.txt', { read: true, write: true, create: true });
    fs.write(fd, text('hello '));
    fs.write(fd, bytes(5000, 4));
    expect(fs.size(fd)).toBe(5006);
    expect(fs.seek(fd, 0, 0)).toBe(0);
    expect(new TextDecoder().decode(fs.read(fd, 6))).toBe('hello ');
    expect(LittleFs.mount(dev).stat('/log.txt').size).toBe(0); // created at open, data not committed
    fs.sync(fd);
    expect(LittleFs.mount(dev).stat('/log.txt').size).toBe(5006);
    fs.close(fd);
    const r = readFile(LittleFs.mount(dev), '/log.txt');
    expect(r.subarray(6)).toEqual(bytes(5000, 4));
  });

  it('seeks, overwrites in the middle, appends and truncates like littlefs', () => {
    const { dev, fs } = fresh();
    const model = bytes(20_000, 5);
    writeFile(fs, '/f', model);
    let fd = fs.open('/f', { read: true, write: true });
    expect(fs.seek(fd, 9000, 0)).toBe(9000);
    fs.write(fd, bytes(300, 6));
    model.set(bytes(300, 6), 9000);
    expect(fs.tell(fd)).toBe(9300);
    expect(fs.seek(fd, -100, 1)).toBe(9200);
    expect(fs.read(fd, 200)).toEqual(model.subarray(9200, 9400));
    expect(fs.seek(fd, -10, 2)).toBe(19_990);
    expect(errnoOf(() => fs.seek(fd, -1, 0))).toBe(22);
    fs.close(fd);
    expect(readFile(LittleFs.mount(dev), '/f')).toEqual(model);

    fd = fs.open('/f', { write: true, append: true });
    fs.seek(fd, 0, 0);
    fs.write(fd, text('tail'));
    fs.close(fd);
    const appended = new Uint8Array([...model, ...text('tail')]);
    expect(readFile(fs, '/f')).toEqual(appended);

    fd = fs.open('/f', { read: true, write: true });
    fs.truncate(fd, 10_000);
    expect(fs.size(fd)).toBe(10_000);
    fs.truncate(fd, 12_000); // extends with zeros
    fs.close(fd);
    const expected = new Uint8Array(12_000);
    expected.set(appended.subarray(0, 10_000));
    expect(readFile(LittleFs.mount(dev), '/f')).toEqual(expected);

    fd = fs.open('/f', { read: true, write: true });
    fs.truncate(fd, 50); // back to an inline file
    fs.close(fd);
    expect(readFile(fs, '/f')).toEqual(expected.subarray(0, 50));
    expect(fs.usedBlocks()).toBe(2);

    fd = fs.open('/gap', { write: true, create: true });
    fs.seek(fd, 6000, 0);
    fs.write(fd, text('x'));
    fs.close(fd);
    const gap = readFile(LittleFs.mount(dev), '/gap');
    expect(gap.length).toBe(6001);
    expect(gap.subarray(0, 6000).every((v) => v === 0)).toBe(true);
    expect(gap[6000]).toBe('x'.charCodeAt(0));
  });

  it('honours open flags: exclusive, truncate, read-only, directories, bad descriptors', () => {
    const { fs } = fresh();
    writeFile(fs, '/a', text('abc'));
    expect(errnoOf(() => fs.open('/a', { write: true, create: true, exclusive: true }))).toBe(17);
    expect(errnoOf(() => fs.open('/missing', { read: true }))).toBe(2);
    expect(errnoOf(() => fs.open('/nodir/x', { write: true, create: true }))).toBe(2);
    expect(errnoOf(() => fs.open('/a/x', { write: true, create: true }))).toBe(20);
    fs.mkdir('/d');
    expect(errnoOf(() => fs.open('/d', { read: true }))).toBe(21);
    expect(errnoOf(() => fs.open('/', { read: true }))).toBe(21);
    const ro = fs.open('/a', { read: true });
    expect(errnoOf(() => fs.write(ro, text('z')))).toBe(9);
    fs.close(ro);
    expect(errnoOf(() => fs.read(ro, 1))).toBe(9);
    const wo = fs.open('/a', { write: true, truncate: true });
    expect(errnoOf(() => fs.read(wo, 1))).toBe(9);
    fs.close(wo);
    expect(fs.stat('/a')).toEqual({ type: 'file', size: 0 });
    expect(errnoOf(() => fs.open('/' + 'n'.repeat(256), { write: true, create: true }))).toBe(36);
  });
});

describe('littlefs directories, rename, remove', () => {
  it('creates nested directories and lists them in littlefs order', () => {
    const { dev, fs } = fresh();
    fs.mkdir('/lib');
    fs.mkdir('/lib/sub');
    for (const n of ['b', 'a', 'abc', 'ab', 'B', 'z.py']) writeFile(fs, `/lib/${n}`, text(n));
    writeFile(fs, '/lib/sub/deep.txt', bytes(7000, 7));
    const again = LittleFs.mount(dev);
    const names = again.readdir('/lib').map((e) => e.name);
    expect(names).toEqual(['b', 'a', 'abc', 'ab', 'B', 'z.py', 'sub'].sort(lfsOrder));
    expect(again.readdir('/lib').find((e) => e.name === 'sub')).toEqual({ name: 'sub', type: 'dir', size: 0 });
    expect(again.readdir('/lib/sub')).toEqual([{ name: 'deep.txt', type: 'file', size: 7000 }]);
    expect(errnoOf(() => again.mkdir('/lib'))).toBe(17);
    expect(errnoOf(() => again.mkdir('/'))).toBe(17);
    expect(errnoOf(() => again.mkdir('/x/y'))).toBe(2);
    expect(errnoOf(() => again.readdir('/lib/a'))).toBe(20);
    expect(errnoOf(() => again.readdir('/nope'))).toBe(2);
    expect(errnoOf(() => again.stat('/lib/nope'))).toBe(2);
  });

  it('removes files and empty directories, refusing non-empty ones, and frees their blocks', () => {
    const { dev, fs } = fresh();
    fs.mkdir('/d');
    writeFile(fs, '/d/f', bytes(9000, 8));
    const used = fs.usedBlocks();
    expect(used).toBe(2 + 2 + ctzBlocks(9000));
    expect(errnoOf(() => fs.remove('/d'))).toBe(39);
    fs.remove('/d/f');
    expect(fs.usedBlocks()).toBe(4);
    fs.remove('/d');
    expect(fs.usedBlocks()).toBe(2);
    expect(errnoOf(() => fs.remove('/d'))).toBe(2);
    expect(errnoOf(() => fs.remove('/'))).toBe(22);
    const again = LittleFs.mount(dev);
    expect(again.readdir('/')).toEqual([]);
    expect(again.usedBlocks()).toBe(2);
  });

  it('renames within a directory, across directories, over existing files, and moves directories', () => {
    const { dev, fs } = fresh();
    fs.mkdir('/src');
    fs.mkdir('/dst');
    writeFile(fs, '/src/a.txt', bytes(100, 9));
    writeFile(fs, '/src/b.bin', bytes(20_000, 10));
    writeFile(fs, '/dst/b.bin', text('old'));
    fs.rename('/src/a.txt', '/src/z.txt');
    fs.rename('/src/b.bin', '/dst/b.bin'); // replaces
    fs.mkdir('/src/inner');
    writeFile(fs, '/src/inner/x', text('x'));
    fs.rename('/src', '/dst/moved');
    const again = LittleFs.mount(dev);
    expect(again.readdir('/').map((e) => e.name)).toEqual(['dst']);
    expect(again.readdir('/dst').map((e) => e.name)).toEqual(['b.bin', 'moved']);
    expect(readFile(again, '/dst/b.bin')).toEqual(bytes(20_000, 10));
    expect(readFile(again, '/dst/moved/z.txt')).toEqual(bytes(100, 9));
    expect(readFile(again, '/dst/moved/inner/x')).toEqual(text('x'));
    expect(again.usedBlocks()).toBe(2 + 2 + 2 + 2 + ctzBlocks(20_000)); // root, dst, moved, inner, b.bin
    expect(errnoOf(() => again.rename('/dst/b.bin', '/dst/moved'))).toBe(21);
    expect(errnoOf(() => again.rename('/dst/moved', '/dst/b.bin'))).toBe(20);
    again.mkdir('/full');
    writeFile(again, '/full/f', text('f'));
    again.mkdir('/empty');
    expect(errnoOf(() => again.rename('/empty', '/full'))).toBe(39);
    again.rename('/full', '/empty'); // replaces the empty directory
    expect(again.readdir('/').map((e) => e.name).sort()).toEqual(['dst', 'empty']);
    expect(readFile(again, '/empty/f')).toEqual(text('f'));
    expect(errnoOf(() => again.rename('/dst', '/dst/moved/inner/dst'))).toBe(22);
    expect(errnoOf(() => again.rename('/nope', '/x'))).toBe(2);
    const last = LittleFs.mount(dev);
    expect(last.usedBlocks()).toBe(2 + 2 + 2 + 2 + 2 + ctzBlocks(20_000));
  });

  it('stops a handle of a removed file from writing into a new file of the same name', () => {
    const { fs } = fresh();
    writeFile(fs, '/f', text('one'));
    const fd = fs.open('/f', { write: true, append: true });
    fs.write(fd, text('two'));
    fs.remove('/f');
    writeFile(fs, '/f', text('new'));
    fs.close(fd);
    expect(readFile(fs, '/f')).toEqual(text('new'));
  });
});

describe('littlefs metadata compaction and splitting', () => {
  it('keeps 200 files in one directory (metadata pairs split) across a remount', () => {
    const { dev, fs } = fresh();
    fs.mkdir('/many');
    const names: string[] = [];
    for (let i = 0; i < 200; i++) {
      const n = `file_${(i * 7919) % 200}.py`;
      names.push(n);
      writeFile(fs, `/many/${n}`, bytes(i % 130, i));
    }
    const again = LittleFs.mount(dev);
    const listed = again.readdir('/many');
    expect(listed.map((e) => e.name)).toEqual([...names].sort(lfsOrder));
    for (let i = 0; i < 200; i++) expect(readFile(again, `/many/${names[i]}`)).toEqual(bytes(i % 130, i));
    // 200 entries of ~150 bytes cannot live in one 4 KB block: more than one pair for /many
    const files129 = names.filter((_, i) => i % 130 > 128).length;
    const pairsBlocks = again.usedBlocks() - files129;
    expect(pairsBlocks).toBeGreaterThan(2 + 2);
    // delete all again: the extra pairs are dropped from the list
    for (const n of names) again.remove(`/many/${n}`);
    expect(again.readdir('/many')).toEqual([]);
    again.remove('/many');
    expect(LittleFs.mount(dev).usedBlocks()).toBe(2);
  });

  it('compacts a metadata pair that many rewrites of one file fill up', () => {
    const { dev, fs } = fresh(98);
    const erasesBefore = dev.erases;
    for (let i = 0; i < 600; i++) writeFile(fs, '/counter.txt', text(String(i)));
    expect(dev.erases - erasesBefore).toBeGreaterThan(2); // the log wrapped around several times
    for (let i = 0; i < 100; i++) writeFile(fs, '/state.bin', bytes(300 + i, i));
    const again = LittleFs.mount(dev);
    expect(new TextDecoder().decode(readFile(again, '/counter.txt'))).toBe('599');
    expect(readFile(again, '/state.bin')).toEqual(bytes(399, 99));
    expect(again.usedBlocks()).toBe(2 + ctzBlocks(399));
  });
});

describe('littlefs running out of space', () => {
  it('raises ENOSPC at the real capacity of a 763-block filesystem and stays mountable', () => {
    const { dev, fs } = fresh();
    const fd = fs.open('/fill.bin', { write: true, create: true });
    const chunk = bytes(4096, 11);
    let written = 0;
    let err: number | undefined;
    for (;;) {
      err = errnoOf(() => fs.write(fd, chunk));
      if (err !== undefined) break;
      written += chunk.length;
      fs.sync(fd);
    }
    expect(err).toBe(28);
    fs.close(fd);
    // every block but a handful (the root pair, the file's last partial block copy) holds data
    expect(written).toBeGreaterThan((763 - 4) * (BS - 8) - BS);
    const used = fs.usedBlocks();
    expect(used).toBeGreaterThanOrEqual(763 - 3);
    expect(used).toBeLessThanOrEqual(763);
    const again = LittleFs.mount(dev);
    expect(again.usedBlocks()).toBe(used);
    expect(again.stat('/fill.bin').size).toBe(written);
    const data = readFile(again, '/fill.bin');
    for (let o = 0; o < written; o += 4096) expect(data.subarray(o, o + 4096)).toEqual(chunk);
    // a new file on the full disk: inline data still fits; block data does not
    writeFile(again, '/small', text('ok'));
    expect(errnoOf(() => writeFile(again, '/big', bytes(10_000, 12)))).toBe(28);
    expect(again.stat('/big').size).toBe(0);
    again.remove('/fill.bin');
    expect(again.usedBlocks()).toBe(2);
    writeFile(again, '/big', bytes(10_000, 12));
    expect(readFile(LittleFs.mount(dev), '/big')).toEqual(bytes(10_000, 12));
  });

  it('fills a 98-block filesystem with many files and recovers after deleting', () => {
    const { dev, fs } = fresh(98);
    let n = 0;
    for (;;) {
      const e = errnoOf(() => writeFile(fs, `/f${n}`, bytes(9000, n)));
      if (e !== undefined) {
        expect(e).toBe(28);
        break;
      }
      n++;
    }
    expect(n).toBeGreaterThan(25);
    const again = LittleFs.mount(dev);
    for (let i = 0; i < n; i++) expect(readFile(again, `/f${i}`)).toEqual(bytes(9000, i));
    expect(again.stat(`/f${n}`).size).toBe(0);
    for (let i = 0; i < n; i += 2) again.remove(`/f${i}`);
    writeFile(again, '/after', bytes(30_000, 99));
    expect(readFile(LittleFs.mount(dev), '/after')).toEqual(bytes(30_000, 99));
  });
});

describe('littlefs interrupted operations (global state on mount)', () => {
  it('completes a rename across directories cut off after its first commit', () => {
    const { dev, fs } = fresh();
    fs.mkdir('/a');
    fs.mkdir('/b');
    writeFile(fs, '/a/f', bytes(500, 13));
    dev.cutAfter = 1; // the commit into /b lands, the delete from /a does not
    expect(() => fs.rename('/a/f', '/b/f')).toThrow('power cut');
    dev.cutAfter = Infinity;
    const again = LittleFs.mount(dev);
    expect(again.readdir('/a')).toEqual([]);
    expect(readFile(again, '/b/f')).toEqual(bytes(500, 13));
    expect(again.usedBlocks()).toBe(2 + 2 + 2 + ctzBlocks(500));
    writeFile(again, '/a/g', text('g'));
    expect(LittleFs.mount(dev).readdir('/a').map((e) => e.name)).toEqual(['g']);
  });

  it('unlinks the pair of a directory whose removal was cut off after the entry was deleted', () => {
    const { dev, fs } = fresh();
    fs.mkdir('/keep');
    fs.mkdir('/gone');
    writeFile(fs, '/keep/k', text('k'));
    dev.cutAfter = 1;
    expect(() => fs.remove('/gone')).toThrow('power cut');
    dev.cutAfter = Infinity;
    const again = LittleFs.mount(dev);
    expect(again.readdir('/').map((e) => e.name)).toEqual(['keep']);
    expect(again.usedBlocks()).toBe(2 + 2);
    again.mkdir('/gone');
    expect(LittleFs.mount(dev).readdir('/').map((e) => e.name).sort()).toEqual(['gone', 'keep']);
  });
});

describe('littlefs randomized model test', () => {
  for (const [seed, blocks] of [[1, 763], [2, 98], [3, 40]] as const) {
    it(`matches an in-memory model over random operations and remounts (seed ${seed}, ${blocks} blocks)`, () => {
      const r = rng(seed);
      const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
      const { dev } = fresh(blocks);
      let fs = LittleFs.mount(dev);
      const files = new Map<string, Uint8Array>();
      const dirs = new Set<string>(['/']);
      const names = ['a', 'b', 'ab', 'abc', 'main.py', 'boot.py', 'x', 'data.bin', 'Z'];
      const randPath = (): string => {
        const d = pick([...dirs]);
        return (d === '/' ? '' : d) + '/' + pick(names);
      };
      const children = (d: string): string[] =>
        [...files.keys(), ...dirs].filter((p) => p !== d && p.startsWith(d === '/' ? '/' : d + '/') && !p.slice(d.length + 1).includes('/'));
      let nospc = 0;
      for (let step = 0; step < 600; step++) {
        const op = r();
        const p = randPath();
        if (op < 0.35) {
          const size = r() < 0.5 ? Math.floor(r() * 200) : Math.floor(r() * 30_000);
          const data = bytes(size, step);
          const e = errnoOf(() => writeFile(fs, p, data, 1 + Math.floor(r() * 5000)));
          if (dirs.has(p)) expect(e).toBe(21);
          else if (e === 28) {
            nospc++;
            if (!files.has(p) && fs.readdir(p.slice(0, p.lastIndexOf('/')) || '/').some((x) => '/' + x.name === p.slice(p.lastIndexOf('/')))) files.set(p, new Uint8Array(0));
          } else {
            expect(e).toBeUndefined();
            files.set(p, data);
          }
        } else if (op < 0.45) {
          if (!files.has(p)) continue;
          const add = bytes(Math.floor(r() * 3000), step);
          const e = errnoOf(() => {
            const fd = fs.open(p, { write: true, append: true });
            try {
              fs.write(fd, add);
            } finally {
              fs.close(fd);
            }
          });
          if (e === 28) nospc++;
          else {
            expect(e).toBeUndefined();
            files.set(p, new Uint8Array([...files.get(p)!, ...add]));
          }
        } else if (op < 0.55) {
          if (!files.has(p)) continue;
          const old = files.get(p)!;
          const at = Math.floor(r() * (old.length + 10));
          const patch = bytes(Math.floor(r() * 2000), step);
          const e = errnoOf(() => {
            const fd = fs.open(p, { read: true, write: true });
            try {
              fs.seek(fd, at, 0);
              fs.write(fd, patch);
            } finally {
              fs.close(fd);
            }
          });
          if (e === 28) nospc++;
          else {
            expect(e).toBeUndefined();
            const n = new Uint8Array(Math.max(old.length, at + patch.length));
            n.set(old);
            n.set(patch, at);
            files.set(p, n);
          }
        } else if (op < 0.65) {
          const e = errnoOf(() => fs.mkdir(p));
          if (files.has(p) || dirs.has(p)) expect(e).toBe(17);
          else if (e !== 28) {
            expect(e).toBeUndefined();
            dirs.add(p);
          }
        } else if (op < 0.78) {
          const e = errnoOf(() => fs.remove(p));
          if (files.has(p)) {
            expect(e).toBeUndefined();
            files.delete(p);
          } else if (dirs.has(p)) {
            if (children(p).length > 0) expect(e).toBe(39);
            else {
              expect(e).toBeUndefined();
              dirs.delete(p);
            }
          } else expect(e).toBe(2);
        } else if (op < 0.88) {
          const q = randPath();
          const e = errnoOf(() => fs.rename(p, q));
          if (e === 28) {
            nospc++;
            continue;
          }
          if (files.has(p)) {
            if (dirs.has(q)) expect(e).toBe(21);
            else {
              expect(e).toBeUndefined();
              const d = files.get(p)!;
              files.delete(p);
              files.set(q, d);
            }
          } else if (dirs.has(p)) {
            if (q.startsWith(p + '/')) expect(e).toBe(22);
            else if (files.has(q)) expect(e).toBe(20);
            else if (dirs.has(q) && q !== p && children(q).length > 0) expect(e).toBe(39);
            else {
              expect(e).toBeUndefined();
              if (q !== p) {
                dirs.delete(q);
                for (const k of [...files.keys()]) if (k.startsWith(p + '/')) {
                  files.set(q + k.slice(p.length), files.get(k)!);
                  files.delete(k);
                }
                for (const k of [...dirs]) if (k === p || k.startsWith(p + '/')) {
                  dirs.delete(k);
                  dirs.add(q + k.slice(p.length));
                }
              }
            }
          } else expect(e).toBe(2);
        } else if (op < 0.95) {
          if (files.has(p)) expect(readFile(fs, p)).toEqual(files.get(p));
          else expect(errnoOf(() => fs.stat(p)) === undefined).toBe(dirs.has(p));
        } else {
          fs = LittleFs.mount(dev);
        }
      }
      fs = LittleFs.mount(dev);
      for (const d of dirs) {
        const listed = fs.readdir(d).map((e) => (d === '/' ? '' : d) + '/' + e.name).sort();
        expect(listed).toEqual(children(d).sort());
      }
      for (const [p, data] of files) {
        expect(fs.stat(p)).toEqual({ type: 'file', size: data.length });
        expect(readFile(fs, p)).toEqual(data);
      }
      if (blocks === 40) expect(nospc).toBeGreaterThan(0);
    });
  }
});

describe('littlefs speed', () => {
  it('formats and mounts the 4 MB board filesystem in a few ms and writes 10 KB well under 50 ms', () => {
    // best of 3 runs, so a busy machine does not make the figure meaningless
    let formatMount = Infinity;
    let write10k = Infinity;
    for (let run = 0; run < 3; run++) {
      const dev = new NorFlash(763);
      let t = performance.now();
      LittleFs.format(dev);
      const fs = LittleFs.mount(dev);
      formatMount = Math.min(formatMount, performance.now() - t);
      const data = bytes(10_240, run);
      t = performance.now();
      writeFile(fs, '/10k.bin', data, 512);
      write10k = Math.min(write10k, performance.now() - t);
      expect(readFile(fs, '/10k.bin')).toEqual(data);
    }
    expect(formatMount).toBeLessThan(10);
    expect(write10k).toBeLessThan(50);
  });
});
