/**
 * littlefs user attributes (littlefs.ts): `lfs_file_opencfg`'s attrs as MicroPython's VfsLfs2
 * uses them for mtime (type 't', 8 bytes), and the smaller geometries a program's own block
 * device may have. Rules from littlefs-project/littlefs SPEC.md ("0x3xx LFS_TYPE_USERATTR")
 * and lfs.c's file open/sync: a writable file commits its attributes with its data at every
 * sync; a readable one reads them from its entry.
 */
import { describe, expect, it } from 'vitest';
import { LittleFs, type LfsBlockDevice } from './littlefs.ts';

/** RAM device: erase sets 0xFF, prog overwrites (a RAM disk, not NOR). */
class RamDevice implements LfsBlockDevice {
  readonly data: Uint8Array;
  readonly blockSize: number;
  readonly blockCount: number;
  constructor(blockSize: number, blockCount: number) {
    this.blockSize = blockSize;
    this.blockCount = blockCount;
    this.data = new Uint8Array(blockSize * blockCount).fill(0xff);
  }
  read(block: number, offset: number, length: number): Uint8Array {
    return this.data.slice(block * this.blockSize + offset, block * this.blockSize + offset + length);
  }
  prog(block: number, offset: number, d: Uint8Array): void {
    this.data.set(d, block * this.blockSize + offset);
  }
  erase(block: number): void {
    this.data.fill(0xff, block * this.blockSize, (block + 1) * this.blockSize);
  }
}

const T = 0x74; // 't'
const stamp = (n: number) => Uint8Array.from({ length: 8 }, (_, i) => (n >>> (8 * (i % 4))) & 0xff);

describe('user attributes (lfs_file_opencfg attrs)', () => {
  it('a written file commits its attribute at close; it survives a remount and a rename', () => {
    const dev = new RamDevice(512, 50);
    LittleFs.format(dev);
    const fs = LittleFs.mount(dev);
    const fd = fs.open('/a.txt', { write: true, create: true, truncate: true }, new Map([[T, stamp(1000)]]));
    fs.write(fd, new TextEncoder().encode('hello'));
    fs.setFileAttr(fd, T, stamp(2000));
    expect(fs.getattr('/a.txt', T)).toBeNull(); // nothing committed before the sync
    fs.close(fd);
    expect(fs.getattr('/a.txt', T)).toEqual(stamp(2000));
    const again = LittleFs.mount(dev);
    expect(again.getattr('/a.txt', T)).toEqual(stamp(2000));
    again.rename('/a.txt', '/b.txt');
    expect(again.getattr('/b.txt', T)).toEqual(stamp(2000));
    expect(again.stat('/b.txt')).toEqual({ type: 'file', size: 5 });
  });

  it('a file opened read-only with the attribute reads it and changes nothing; without attrs a write keeps the old one', () => {
    const dev = new RamDevice(1024, 30);
    LittleFs.format(dev);
    const fs = LittleFs.mount(dev);
    fs.close(fs.open('/x', { write: true, create: true }, new Map([[T, stamp(7)]])));
    fs.close(fs.open('/x', { read: true }, new Map([[T, stamp(99)]])));
    expect(fs.getattr('/x', T)).toEqual(stamp(7));
    const fd = fs.open('/x', { write: true, truncate: true });
    fs.write(fd, new Uint8Array(3));
    fs.close(fd);
    expect(fs.getattr('/x', T)).toEqual(stamp(7));
    expect(fs.getattr('/', T)).toBeNull();
    expect(() => fs.setFileAttr(fs.open('/x', { read: true }), T, stamp(1))).toThrow(/attribute/);
  });

  it('mounts 64-byte blocks (MicroPython builds littlefs without its asserts)', () => {
    const dev = new RamDevice(64, 8);
    LittleFs.format(dev);
    expect(LittleFs.mount(dev).readdir('/')).toEqual([]);
    expect(() => LittleFs.mount(new RamDevice(32, 8))).toThrow(/geometry/);
  });
});
