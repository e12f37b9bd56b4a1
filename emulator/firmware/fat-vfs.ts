/**
 * The firmware's side of `vfs.VfsFat` (extmod/vfs_fat.c, vfs_fat_file.c, vfs_fat_diskio.c over
 * FatFs, here fatfs.ts) for a program's own block device: the mounted volumes and open files
 * of one boot, as small integer handles the Python side (python/_fw_vfs.py `VfsFat`) keeps.
 * Every function returns a value or a negative errno, never throws, so an `OSError` carries the
 * number the firmware raises (`fresult_to_errno_table`).
 */
import { FA, FatError, FatVolume, FRESULT_ERRNO, fatTimeToSeconds, type FatDisk, type FatFile } from './fatfs.ts';

/**
 * The call into the program's block device (python/_fw_vfs.py `_FatDev.call`), which keeps one
 * sector buffer: `op` 0 reads sector `sector` into it (readblocks; 0 or -errno), 5 gives `arg`
 * bytes of it from offset `sector` as hex, 6 puts the hex bytes `arg` into it at offset
 * `sector` (0), 1 writes it to sector `sector` (writeblocks; 0 or -errno), 3 syncs (ioctl 3, or
 * the old protocol's sync()), 4 answers get_fattime() from the RTC.
 * An exception the device raised is kept on the Python side, which answers -5 (EIO).
 */
export type FatBlockCall = (op: number, sector: number, arg: string | number) => string | number;

/** Device state from ioctl INIT (extmod/vfs_fat_diskio.c disk_ioctl IOCTL_INIT). */
export const FAT_NOT_READY = 1;
/** No writeblocks, or mounted readonly (STA_PROTECT). */
export const FAT_PROTECTED = 2;

/** Bytes of a sector per call across to Python (as for littlefs: flash-fs.ts UserBlockDevice). */
const PIECE = 128;
const EIO = 5;
const EINVAL = 22;

function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(2 * i, 2), 16);
  return out;
}

class CallDisk implements FatDisk {
  readonly sectorSize: number;
  readonly sectorCount: number;
  writable: boolean;
  private readonly call: FatBlockCall;

  constructor(sectorSize: number, sectorCount: number, flags: number, call: FatBlockCall) {
    this.sectorSize = sectorSize;
    this.sectorCount = sectorCount;
    this.writable = !(flags & FAT_PROTECTED);
    this.call = call;
  }

  /**
   * The sector goes through the Python side's one sector buffer in pieces of {@link PIECE}
   * bytes (op 5 reads a piece of it, op 6 fills one), so no call allocates more than a few
   * hundred bytes of the 38 KB heap.
   */
  read(sector: number): Uint8Array {
    if (this.call(0, sector, 0) !== 0) throw new FatError(1);
    const out = new Uint8Array(this.sectorSize);
    for (let off = 0; off < this.sectorSize; off += PIECE) {
      const r = this.call(5, off, Math.min(PIECE, this.sectorSize - off));
      if (typeof r !== 'string') throw new FatError(1);
      const b = fromHex(r);
      if (b.length !== Math.min(PIECE, this.sectorSize - off)) throw new FatError(1);
      out.set(b, off);
    }
    return out;
  }

  write(sector: number, data: Uint8Array): void {
    for (let off = 0; off < this.sectorSize; off += PIECE) {
      if (this.call(6, off, toHex(data.subarray(off, off + PIECE))) !== 0) throw new FatError(1);
    }
    if (this.call(1, sector, 0) !== 0) throw new FatError(1);
  }

  sync(): void {
    this.call(3, 0, 0);
  }

  fattime(): number {
    const t = this.call(4, 0, 0);
    return typeof t === 'number' && t > 0 ? t >>> 0 : 0x00210000; // FF_NORTC: 1 Jan 1980
  }
}

/**
 * What a call answers when the heap ran out while the device was being called (the bridge could
 * not even make the arguments): the Python side raises MemoryError, as the firmware's call into
 * readblocks/writeblocks would.
 */
export const FAT_MEMORY_ERROR = -1000;

/** -errno of a failure: a FatFs result, MemoryError from the interpreter, or EIO for anything else. */
function errnoOf(e: unknown): number {
  if (e instanceof FatError) return -(FRESULT_ERRNO[e.code] ?? EIO);
  return /MemoryError/.test(String(e)) ? FAT_MEMORY_ERROR : -EIO;
}

/** open() mode letters as vfs_fat_file.c fat_vfs_open reads them (no check of combinations). */
export function fatOpenMode(mode: string): number {
  let m = 0;
  for (const ch of mode) {
    if (ch === 'r') m |= FA.READ;
    else if (ch === 'w') m |= FA.WRITE | FA.CREATE_ALWAYS;
    else if (ch === 'x') m |= FA.WRITE | FA.CREATE_NEW;
    else if (ch === 'a') m |= FA.WRITE | FA.OPEN_ALWAYS;
    else if (ch === '+') m |= FA.READ | FA.WRITE;
  }
  return m;
}

interface Mounted {
  disk: CallDisk;
  vol: FatVolume | null;
}

/**
 * The parts of the interpreter's Emscripten file system the finaliser of a FAT file uses
 * ({@link FatVolumes.finaliserNode}).
 */
export interface FinaliserFs {
  makedev(major: number, minor: number): number;
  registerDevice(dev: number, ops: { open?(stream: object): void; close?(stream: { path?: string }): void; read?(...a: unknown[]): number; write?(...a: unknown[]): number }): void;
  mkdev(path: string, mode: number, dev: number): void;
  mkdir(path: string): void;
  unlink(path: string): void;
}

/** Where the finaliser nodes live in the interpreter's Emscripten file system (not the board's). */
const FIN_DIR = '/_fatfd';
/** The character device of the finaliser nodes (a major number Emscripten does not use). */
const FIN_MAJOR = 64;
const finaliserDevices = new WeakMap<object, number>();
/** node path -> the file it finalises */
const finaliserNodes = new Map<string, { vols: FatVolumes; h: number }>();
let finaliserSerial = 0;

/** The VfsFat objects and their open files of one boot. */
export class FatVolumes {
  private readonly mounts = new Map<number, Mounted>();
  private readonly files = new Map<number, FatFile>();
  private readonly dropped = new Set<number>();
  private next = 1;

  /**
   * A node in the interpreter's own file system whose native file object (VfsPosix, which has
   * the firmware's `mp_obj_malloc_with_finaliser`) the Python file keeps: when the garbage
   * collector frees the file, it closes that object, and the node's close marks the FAT file
   * dropped; the next VfsFat call closes it (f_close, the firmware's `__del__` of the file).
   * The close waits for that call because the device's Python methods cannot run inside the
   * collector here. The WebAssembly build collects only between top-level calls (a REPL line,
   * a program run), not at a `gc.collect()` inside a program as the board does. @returns the node's path, or '' without such a file system
   */
  finaliserNode(h: number, fs: FinaliserFs | null | undefined): string {
    if (!fs || !this.files.has(h)) return '';
    try {
      let dev = finaliserDevices.get(fs);
      if (dev === undefined) {
        dev = fs.makedev(FIN_MAJOR, 0);
        fs.registerDevice(dev, {
          open: () => {},
          read: () => 0,
          write: (...a: unknown[]) => Number(a[3]) || 0,
          close: (stream) => {
            const path = stream.path ?? '';
            const f = finaliserNodes.get(path);
            if (!f) return;
            finaliserNodes.delete(path);
            try {
              fs.unlink(path);
            } catch {
              /* gone */
            }
            f.vols.dropped.add(f.h);
          },
        });
        try {
          fs.mkdir(FIN_DIR);
        } catch {
          /* exists */
        }
        finaliserDevices.set(fs, dev);
      }
      const path = `${FIN_DIR}/${++finaliserSerial}`;
      fs.mkdev(path, 0o444, dev);
      finaliserNodes.set(path, { vols: this, h });
      return path;
    } catch {
      return '';
    }
  }

  /** Closes the files the garbage collector dropped since the last call (see {@link finaliserNode}). */
  closeDropped(): void {
    if (!this.dropped.size) return;
    const hs = [...this.dropped];
    this.dropped.clear();
    for (const h of hs) this.close(h);
  }

  private run<T>(fn: () => T): T | number {
    try {
      return fn();
    } catch (e) {
      return errnoOf(e);
    }
  }

  /** `VfsFat.mkfs(bdev)`: FAT12/16 from sector 0, else FAT32 behind an MBR (vfs_fat.c fat_vfs_mkfs). @returns 0 or -errno */
  mkfs(sectorSize: number, sectorCount: number, flags: number, call: FatBlockCall): number {
    if (flags & FAT_NOT_READY) return -16; // FR_NOT_READY: EBUSY
    const disk = new CallDisk(sectorSize, sectorCount, flags, call);
    return this.run(() => {
      try {
        FatVolume.mkfs(disk, false);
      } catch (e) {
        if (!(e instanceof FatError && e.code === 14)) throw e; // FR_MKFS_ABORTED: probably too big for FAT16
        FatVolume.mkfs(disk, true);
      }
      return 0;
    });
  }

  /**
   * `VfsFat(bdev)`: f_mount. A device without a FAT volume still gives a handle (mkfs or
   * `mount(..., mkfs=True)` may make one; until then operations fail with ENODEV).
   * @returns a handle (> 0) or -errno
   */
  mount(sectorSize: number, sectorCount: number, flags: number, call: FatBlockCall): number {
    if (flags & FAT_NOT_READY) return -16;
    const disk = new CallDisk(sectorSize, sectorCount, flags, call);
    let vol: FatVolume | null = null;
    try {
      vol = FatVolume.mount(disk);
    } catch (e) {
      if (!(e instanceof FatError && e.code === 13)) return errnoOf(e);
    }
    const id = this.next++;
    this.mounts.set(id, { disk, vol });
    return id;
  }

  /**
   * `vfs.mount(fs, path, readonly=, mkfs=)` calls VfsFat.mount: readonly drops writes (EROFS);
   * mkfs formats a device that has no volume yet. @returns 0 or -errno
   */
  mountFlags(id: number, readonly: boolean, mkfs: boolean): number {
    const m = this.mounts.get(id);
    if (!m) return -EINVAL;
    if (readonly) m.disk.writable = false;
    if (m.vol) return 0;
    if (!mkfs) return -19;
    return this.run(() => {
      FatVolume.mkfs(m.disk, false);
      m.vol = FatVolume.mount(m.disk);
      return 0;
    });
  }

  private vol(id: number): FatVolume {
    const m = this.mounts.get(id);
    if (!m) throw new FatError(9);
    if (!m.vol) m.vol = FatVolume.mount(m.disk); // find_volume tries again at every call
    return m.vol;
  }

  private file(h: number): FatFile {
    const f = this.files.get(h);
    if (!f) throw new FatError(9); // FR_INVALID_OBJECT: EINVAL
    return f;
  }

  /** f_open (and for 'a' the seek to the end). @returns a file handle (> 0) or -errno */
  open(id: number, path: string, mode: string): number {
    return this.run(() => {
      const v = this.vol(id);
      const m = fatOpenMode(mode);
      const fp = v.open(path, m);
      if (m & FA.OPEN_ALWAYS) v.seek(fp, fp.size);
      const h = this.next++;
      this.files.set(h, fp);
      return h;
    });
  }

  /** f_read. @returns the bytes, or -errno (EINVAL once closed, EACCES without read access) */
  read(h: number, n: number): Uint8Array | number {
    return this.run(() => {
      const f = this.file(h);
      return f.vol.read(f, n);
    });
  }

  /** f_write. @returns the count written (less than given: the disk is full) or -errno */
  write(h: number, data: Uint8Array): number {
    return this.run(() => {
      const f = this.file(h);
      return f.vol.write(f, data);
    });
  }

  /** MP_STREAM_SEEK as vfs_fat_file.c does it (f_lseek of a 32-bit offset). @returns the new position or -errno */
  seek(h: number, offset: number, whence: number): number {
    return this.run(() => {
      const f = this.file(h);
      const base = whence === 1 ? f.fptr : whence === 2 ? f.size : 0;
      return f.vol.seek(f, base + offset);
    });
  }

  /** f_sync. @returns 0 or -errno */
  sync(h: number): number {
    return this.run(() => {
      const f = this.file(h);
      f.vol.sync(f);
      return 0;
    });
  }

  /** f_close; the handle goes. @returns 0 or -errno */
  close(h: number): number {
    const f = this.files.get(h);
    if (!f) return 0;
    this.files.delete(h);
    return this.run(() => {
      f.vol.close(f);
      return 0;
    });
  }

  /** Closes every open file (a soft reset's finalisers). */
  closeAll(): void {
    for (const h of [...this.files.keys()]) this.close(h);
  }

  /** f_opendir/f_readdir: `[name, isDir, size]` of each entry, or -errno. */
  listdir(id: number, path: string): [string, boolean, number][] | number {
    return this.run(() => this.vol(id).listdir(path).map((e) => [e.name, e.isDir, e.size] as [string, boolean, number]));
  }

  /** vfs_fat.c stat: `[isDir, size, mtime]` (seconds since 2000; the root as 1 Jan 2000), or -errno. */
  stat(id: number, path: string): [boolean, number, number] | number {
    return this.run(() => {
      const v = this.vol(id);
      if (path === '' || path === '/') return [true, 0, fatTimeToSeconds(0x2821, 0)] as [boolean, number, number];
      const e = v.stat(path);
      return [e.isDir, e.size, fatTimeToSeconds(e.date, e.time)] as [boolean, number, number];
    });
  }

  /** vfs_fat.c remove/rmdir: f_stat, then EISDIR / ENOTDIR if the kind differs, else f_unlink. @returns 0 or -errno */
  remove(id: number, path: string, dir: boolean): number {
    return this.run(() => {
      const v = this.vol(id);
      if (v.stat(path).isDir !== dir) return dir ? -20 : -21;
      v.unlink(path);
      return 0;
    });
  }

  /** vfs_fat.c rename: an existing file at the new name is removed first. @returns 0 or -errno */
  rename(id: number, from: string, to: string): number {
    return this.run(() => {
      const v = this.vol(id);
      try {
        v.rename(from, to);
      } catch (e) {
        if (!(e instanceof FatError && e.code === 8)) throw e;
        const r = this.remove(id, to, false);
        if (r < 0) return r;
        v.rename(from, to);
      }
      return 0;
    });
  }

  /** f_mkdir. @returns 0 or -errno */
  mkdir(id: number, path: string): number {
    return this.run(() => {
      this.vol(id).mkdir(path);
      return 0;
    });
  }

  /** f_chdir. @returns 0 or -errno */
  chdir(id: number, path: string): number {
    return this.run(() => {
      this.vol(id).chdir(path);
      return 0;
    });
  }

  /** f_getcwd. @returns the path or -errno */
  getcwd(id: number): string | number {
    return this.run(() => this.vol(id).getcwd());
  }

  /** `[bsize, blocks, bfree]` (vfs_fat.c statvfs), or -errno. */
  statvfs(id: number): [number, number, number] | number {
    return this.run(() => this.vol(id).statvfs());
  }
}

const byBoot = new WeakMap<object, FatVolumes>();

/**
 * The `_esp_hal` calls of VfsFat. `boot` gives an object that is new at every boot (the core's
 * littlefs set, `core.fs`): the volumes and files of a boot go with it, as the firmware's
 * objects go with its heap.
 */
export function fatCalls(boot: () => object, fs: () => FinaliserFs | null | undefined): Record<string, (...args: never[]) => unknown> {
  const fat = (): FatVolumes => {
    const key = boot();
    let v = byBoot.get(key);
    if (!v) byBoot.set(key, (v = new FatVolumes()));
    v.closeDropped();
    return v;
  };
  return {
    fat_fin: (h: number) => fat().finaliserNode(h, fs()),
    fat_mkfs: (ss: number, n: number, flags: number, call: FatBlockCall) => fat().mkfs(ss, n, flags, call),
    fat_mount: (ss: number, n: number, flags: number, call: FatBlockCall) => fat().mount(ss, n, flags, call),
    fat_flags: (id: number, readonly: boolean, mkfs: boolean) => fat().mountFlags(id, !!readonly, !!mkfs),
    fat_open: (id: number, path: string, mode: string) => fat().open(id, path, mode),
    fat_read: (h: number, n: number) => {
      const r = fat().read(h, n);
      return typeof r === 'number' ? r : toHex(r);
    },
    fat_write: (h: number, hex: string) => fat().write(h, fromHex(hex)),
    fat_seek: (h: number, offset: number, whence: number) => fat().seek(h, offset, whence),
    fat_sync: (h: number) => fat().sync(h),
    fat_close: (h: number) => fat().close(h),
    fat_listdir: (id: number, path: string) => {
      const r = fat().listdir(id, path);
      return typeof r === 'number' ? r : r.map(([n, d, z]) => `${n}\0${d ? 1 : 0}\0${z}`).join('\0');
    },
    fat_stat: (id: number, path: string) => {
      const r = fat().stat(id, path);
      return typeof r === 'number' ? r : `${r[0] ? 1 : 0}\0${r[1]}\0${r[2]}`;
    },
    fat_remove: (id: number, path: string, dir: boolean) => fat().remove(id, path, !!dir),
    fat_rename: (id: number, from: string, to: string) => fat().rename(id, from, to),
    fat_mkdir: (id: number, path: string) => fat().mkdir(id, path),
    fat_chdir: (id: number, path: string) => fat().chdir(id, path),
    fat_getcwd: (id: number) => fat().getcwd(id),
    fat_statvfs: (id: number) => {
      const r = fat().statvfs(id);
      return typeof r === 'number' ? r : r.join('\0');
    },
  };
}
