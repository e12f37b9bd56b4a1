/**
 * The board's filesystem as the firmware's `vfs.VfsLfs2` sees it: littlefs v2 (`littlefs.ts`)
 * kept in a region of the SPI flash, with the open-file table the interpreter's file objects
 * refer to. The firmware calls these through `_esp_hal` (emulator/firmware/python/_fw_vfs.py); every
 * function returns a value or a negative errno, never throws, so a Python `OSError` carries the
 * errno MicroPython raises (`mp_raise_OSError(-ret)` in `extmod/vfs_lfsx.c`).
 *
 * Region: `ports/esp8266/modules/flashbdev.py` — 4 KB blocks from `start_sec`; reference §3.4
 * gives 763 blocks at sector 256 on a 4 MB board with the default build.
 */
import { SECTOR_BYTES, type SpiFlash } from '../chip/flash.ts';
import { LfsError, LittleFs, type LfsBlockDevice } from './littlefs.ts';

/** errno values (py/mperrno.h). */
const EBADF = 9;
const EINVAL = 22;
const EIO = 5;
const ENODEV = 19;

/** The flash sectors [start, start + count) as a littlefs block device (NOR: program ANDs). */
export class FlashRegion implements LfsBlockDevice {
  readonly blockSize = SECTOR_BYTES;
  readonly blockCount: number;
  private readonly flash: SpiFlash;
  private readonly start: number;

  /**
   * @param start first sector (4 KB) of the region
   * @param count number of sectors
   * @throws RangeError if the region does not lie inside the flash
   */
  constructor(flash: SpiFlash, start: number, count: number) {
    if (!(start >= 0 && count > 0 && (start + count) * SECTOR_BYTES <= flash.size)) {
      throw new RangeError(`filesystem region ${start}+${count} sectors is outside the ${flash.size}-byte flash`);
    }
    this.flash = flash;
    this.start = start;
    this.blockCount = count;
  }

  read(block: number, offset: number, length: number): Uint8Array {
    return this.flash.read((this.start + block) * SECTOR_BYTES + offset, length);
  }

  prog(block: number, offset: number, data: Uint8Array): void {
    this.flash.program((this.start + block) * SECTOR_BYTES + offset, data);
  }

  erase(block: number): void {
    this.flash.eraseSector(this.start + block);
  }
}

/**
 * The firmware's side of a block device object a program made (`readblocks`, `writeblocks`,
 * `ioctl`: extmod/vfs_blockdev.c, the extended interface with a byte offset), one call for all:
 * `op` 0 reads `arg` bytes at `off` of `block` into the piece buffer of that length (its `id()`,
 * or -errno), 4 returns the `id()` of the piece buffer of `arg` bytes, 1 programs the `arg` bytes
 * of that buffer at `off` of `block`, 2 erases `block` (ioctl 6), 3 syncs (ioctl 3); 1–3 return 0
 * or -errno. The piece buffers are bytearrays the Python side (python/_fw_vfs.py `_Dev.piece`)
 * makes once per length, as the firmware's littlefs hands the device its own cache; their bytes
 * are read and written in the interpreter's memory ({@link bytearrayBytes}), so no call makes a
 * buffer on the program's 38 KB heap. The Python side keeps an exception the device raised, and
 * returns -5 (EIO) for it.
 */
export type UserBlockCall = (op: number, block: number, off: number, arg: number) => number;

/**
 * The bytes of a MicroPython bytearray in the interpreter's memory, as a view (no copy).
 * `id(obj)` is the object's address (py/obj.c mp_obj_id); a bytearray is an `mp_obj_array_t`
 * (py/objarray.h: base, typecode and free, len, items), 32-bit words in the wasm build.
 * @param memory the interpreter's memory
 * @param id the bytearray's `id()`
 * @param length the length it must have
 * @throws LfsError(EIO) when the object there is not of that length or its bytes are outside the memory
 */
export function bytearrayBytes(memory: ArrayBufferLike, id: number, length: number): Uint8Array {
  const w = new Int32Array(memory);
  const at = id >> 2;
  if (id <= 0 || id % 4 !== 0 || at + 3 >= w.length || w[at + 2] !== length) throw new LfsError(EIO);
  const items = w[at + 3] as number;
  if (items <= 0 || items + length > memory.byteLength) throw new LfsError(EIO);
  return new Uint8Array(memory, items, length);
}

/** A program's block device (`vfs.VfsLfs2(bdev)` with a bdev of its own) as a littlefs device. */
export class UserBlockDevice implements LfsBlockDevice {
  readonly blockSize: number;
  readonly blockCount: number;
  private readonly call: UserBlockCall;
  private readonly memory: () => ArrayBufferLike;

  /**
   * @param blockSize bytes per block (ioctl 5, `MP_BLOCKDEV_IOCTL_BLOCK_SIZE`)
   * @param blockCount blocks (ioctl 4, `MP_BLOCKDEV_IOCTL_BLOCK_COUNT`)
   * @param memory the interpreter's memory now (it is replaced as it grows), where the piece buffers are
   */
  constructor(blockSize: number, blockCount: number, call: UserBlockCall, memory: () => ArrayBufferLike) {
    this.blockSize = blockSize;
    this.blockCount = blockCount;
    this.call = call;
    this.memory = memory;
  }

  private check(r: number): number {
    if (typeof r !== 'number') throw new LfsError(EIO);
    if (r < 0) throw new LfsError(-r);
    return r;
  }

  /**
   * The firmware's littlefs reads and programs through its cache (`cache_size` =
   * min(block, 4 × 32) = 128 bytes, extmod/vfs_lfsx.c): the device is called with pieces of at
   * most that size, which also keeps the Python side's buffers small on the 38 KB heap.
   */
  private get piece(): number {
    return Math.min(this.blockSize, 128);
  }

  read(block: number, offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let at = 0; at < length; at += this.piece) {
      const n = Math.min(this.piece, length - at);
      const id = this.check(this.call(0, block, offset + at, n));
      out.set(bytearrayBytes(this.memory(), id, n), at);
    }
    return out;
  }

  prog(block: number, offset: number, data: Uint8Array): void {
    for (let at = 0; at < data.length; at += this.piece) {
      const piece = data.subarray(at, at + this.piece);
      const id = this.check(this.call(4, block, 0, piece.length));
      bytearrayBytes(this.memory(), id, piece.length).set(piece);
      this.check(this.call(1, block, offset + at, piece.length));
    }
  }

  erase(block: number): void {
    this.check(this.call(2, block, 0, 0));
  }

  /** littlefs's `sync` callback (ioctl 3). */
  sync(): void {
    this.check(this.call(3, 0, 0, 0));
  }
}

/** littlefs user attribute MicroPython keeps a file's mtime in (`LFS_ATTR_MTIME`, 't'): 8 bytes, ns since 1970, little-endian. */
export const LFS_ATTR_MTIME = 0x74;

/** -errno of a littlefs error; anything else (a flash access out of range) is an I/O error. */
function errnoOf(e: unknown): number {
  return e instanceof LfsError ? -e.errno : -EIO;
}

/** Parses an `open()` mode as `vfs_lfsx_file.c` does: r/w/x/a (one of them), `+`, `b`/`t`. */
export function openFlags(mode: string): { read: boolean; write: boolean; create: boolean; truncate: boolean; append: boolean; exclusive: boolean } | null {
  let kind = '';
  let plus = false;
  for (const ch of mode) {
    if ('rwxa'.includes(ch)) {
      if (kind) return null; // ValueError in the firmware
      kind = ch;
    } else if (ch === '+') plus = true;
  }
  kind ||= 'r';
  return {
    read: kind === 'r' || plus,
    write: kind !== 'r' || plus,
    create: kind !== 'r',
    truncate: kind === 'w',
    append: kind === 'a',
    exclusive: kind === 'x',
  };
}

/**
 * The mounted filesystems of one interpreter run (a reset forgets them: the firmware mounts
 * again at boot). Handles are small integers the Python side keeps.
 */
export class FlashFilesystems {
  private readonly flash: SpiFlash;
  private readonly mounts = new Map<number, LittleFs>();
  private readonly devices = new Map<LittleFs, LfsBlockDevice>();
  private readonly files = new Map<number, { fs: LittleFs; fd: number }>();
  private nextMount = 1;
  private nextFile = 1;

  constructor(flash: SpiFlash) {
    this.flash = flash;
  }

  /** Formats sectors [start, start+count) as littlefs (`vfs.VfsLfs2.mkfs`). @returns 0 or -errno */
  mkfs(start: number, count: number): number {
    try {
      LittleFs.format(new FlashRegion(this.flash, start, count));
      return 0;
    } catch (e) {
      return errnoOf(e);
    }
  }

  /** Mounts the littlefs in sectors [start, start+count). @returns a mount handle (> 0) or -errno */
  mount(start: number, count: number): number {
    try {
      return this.mountOn(new FlashRegion(this.flash, start, count));
    } catch (e) {
      return errnoOf(e);
    }
  }

  /** Formats a program's own block device as littlefs (`vfs.VfsLfs2.mkfs(bdev)`). @returns 0 or -errno */
  mkfsDevice(dev: UserBlockDevice): number {
    try {
      LittleFs.format(dev);
      dev.sync();
      return 0;
    } catch (e) {
      return errnoOf(e);
    }
  }

  /** Mounts the littlefs on a program's own block device (`vfs.VfsLfs2(bdev)`). @returns a mount handle (> 0) or -errno */
  mountDevice(dev: UserBlockDevice): number {
    try {
      return this.mountOn(dev);
    } catch (e) {
      return errnoOf(e);
    }
  }

  private mountOn(dev: LfsBlockDevice): number {
    const fs = LittleFs.mount(dev);
    const id = this.nextMount++;
    this.mounts.set(id, fs);
    this.devices.set(fs, dev);
    return id;
  }

  /** littlefs's sync callback after an operation that wrote: a program's device hears ioctl 3. */
  private synced<T>(fs: LittleFs, value: T): T {
    const dev = this.devices.get(fs);
    if (dev instanceof UserBlockDevice) dev.sync();
    return value;
  }

  /** Unmounts, closing (and so committing) its open files. */
  umount(id: number): number {
    const fs = this.mounts.get(id);
    if (!fs) return -EINVAL;
    for (const [h, f] of this.files) if (f.fs === fs) this.close(h);
    this.mounts.delete(id);
    this.devices.delete(fs);
    return 0;
  }

  /**
   * Closes every open file, committing what was written: the finalisers of a soft reset
   * (`gc_sweep_all()` in ports/esp8266/main.c closes file objects).
   */
  closeAll(): void {
    for (const h of [...this.files.keys()]) this.close(h);
  }

  private fs(id: number): LittleFs {
    const fs = this.mounts.get(id);
    if (!fs) throw new LfsError(ENODEV);
    return fs;
  }

  private run<T>(fn: () => T): T | number {
    try {
      return fn();
    } catch (e) {
      return errnoOf(e);
    }
  }

  /**
   * Opens a file.
   * @param mtime the file's mtime attribute (8 bytes, {@link LFS_ATTR_MTIME}) when the VFS keeps
   *   mtimes (`VfsLfs2(..., mtime=True)`), else none
   * @returns a file handle (> 0) or -errno (-EINVAL for a bad mode)
   */
  open(id: number, path: string, mode: string, mtime?: Uint8Array): number {
    const flags = openFlags(mode);
    if (!flags) return -EINVAL;
    return this.run(() => {
      const fs = this.fs(id);
      const fd = fs.open(path, flags, mtime ? new Map([[LFS_ATTR_MTIME, mtime]]) : undefined);
      if (flags.create) this.synced(fs, 0);
      const h = this.nextFile++;
      this.files.set(h, { fs, fd });
      return h;
    });
  }

  private file(h: number): { fs: LittleFs; fd: number } {
    const f = this.files.get(h);
    if (!f) throw new LfsError(EBADF);
    return f;
  }

  /** Reads up to `n` bytes. @returns the bytes, or -errno */
  read(h: number, n: number): Uint8Array | number {
    return this.run(() => {
      const f = this.file(h);
      return f.fs.read(f.fd, n);
    });
  }

  /**
   * Writes bytes.
   * @param mtime the file's new mtime attribute, for a file opened with one (vfs_lfsx_file.c
   *   takes the time before every write)
   * @returns the count written, or -errno (-28 ENOSPC when the disk is full)
   */
  write(h: number, data: Uint8Array, mtime?: Uint8Array): number {
    return this.run(() => {
      const f = this.file(h);
      if (mtime) f.fs.setFileAttr(f.fd, LFS_ATTR_MTIME, mtime);
      return f.fs.write(f.fd, data);
    });
  }

  /** Moves the position (`whence` 0 start, 1 current, 2 end). @returns the new position or -errno */
  seek(h: number, offset: number, whence: number): number {
    return this.run(() => {
      const f = this.file(h);
      return f.fs.seek(f.fd, offset, (whence === 1 || whence === 2 ? whence : 0) as 0 | 1 | 2);
    });
  }

  /** Commits a file's data to flash. @returns 0 or -errno */
  sync(h: number): number {
    return this.run(() => {
      const f = this.file(h);
      f.fs.sync(f.fd);
      return this.synced(f.fs, 0);
    });
  }

  /** Closes a file (committing it). Closing twice is harmless. @returns 0 or -errno */
  close(h: number): number {
    const f = this.files.get(h);
    if (!f) return 0;
    this.files.delete(h);
    return this.run(() => {
      f.fs.close(f.fd);
      return this.synced(f.fs, 0);
    });
  }

  /** Directory entries as `[name, isDir, size]`, or -errno. */
  listdir(id: number, path: string): [string, boolean, number][] | number {
    return this.run(() => this.fs(id).readdir(path).map((e) => [e.name, e.type === 'dir', e.size] as [string, boolean, number]));
  }

  /** `[isDir, size, mtime]` of a path (mtime: its 8-byte {@link LFS_ATTR_MTIME} attribute, or null), or -errno. */
  stat(id: number, path: string): [boolean, number, Uint8Array | null] | number {
    return this.run(() => {
      const fs = this.fs(id);
      const s = fs.stat(path);
      const t = fs.getattr(path, LFS_ATTR_MTIME);
      return [s.type === 'dir', s.size, t && t.length === 8 ? t : null] as [boolean, number, Uint8Array | null];
    });
  }

  /** Removes a file or an empty directory (littlefs's `lfs_remove`). @returns 0 or -errno */
  remove(id: number, path: string): number {
    return this.run(() => {
      const fs = this.fs(id);
      fs.remove(path);
      return this.synced(fs, 0);
    });
  }

  /** Renames, replacing an existing file. @returns 0 or -errno */
  rename(id: number, from: string, to: string): number {
    return this.run(() => {
      const fs = this.fs(id);
      fs.rename(from, to);
      return this.synced(fs, 0);
    });
  }

  /** @returns 0 or -errno */
  mkdir(id: number, path: string): number {
    return this.run(() => {
      const fs = this.fs(id);
      fs.mkdir(path);
      return this.synced(fs, 0);
    });
  }

  /** `[blockSize, blockCount, blocksFree]` (`statvfs` in vfs_lfsx.c), or -errno. */
  statvfs(id: number): [number, number, number] | number {
    return this.run(() => {
      const fs = this.fs(id);
      const dev = this.devices.get(fs);
      const count = dev?.blockCount ?? 0;
      return [dev?.blockSize ?? SECTOR_BYTES, count, Math.max(0, count - fs.usedBlocks())] as [number, number, number];
    });
  }
}
