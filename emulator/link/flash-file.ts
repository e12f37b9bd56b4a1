/**
 * The board's flash kept in a file on the emulator thread, written as the chip is: every sector
 * the firmware changed is on storage (written and flushed) by the time the firmware call that
 * changed it returns. In the browser the file is in the Origin Private File System, opened with
 * `createSyncAccessHandle()` (dedicated workers only: src/lib/board.worker.ts); the logic here
 * sees only the handle's synchronous shape ({@link SyncFile}), so Node tests give it a fake.
 *
 * The chip (chip/flash.ts) tells which bytes each erase or program changed (`onWrite`) and when
 * the code that wrote returned (`onSettle`, after each firmware call: firmware/hal.ts); the ROM
 * loader's writes (esptool through the Flash panel) have no call boundary and are written on the
 * next turn of the event loop. The changes reach the file in the order the chip made them, so
 * that a tab closed in the middle of a commit leaves the file as the chip was after one of its
 * operations — what littlefs is built to survive (a power cut) — and not, say, a directory
 * commit without the data block it points to. Consecutive changes to overlapping or adjacent
 * bytes are merged into one write (up to {@link MERGE_MAX} bytes); then one `flush()`.
 */
import { SECTOR_BYTES } from '../chip/flash.ts';

/**
 * What this module uses of a `FileSystemSyncAccessHandle` (File System standard §"The
 * FileSystemSyncAccessHandle interface"): positional reads and writes of whole buffers, size,
 * truncate, flush, close. All synchronous; every method may throw (quota, a closed handle).
 */
export interface SyncFile {
  /** Reads into `buffer` from byte `at`; returns the number of bytes read. */
  read(buffer: Uint8Array, options: { at: number }): number;
  /** Writes `buffer` at byte `at`; returns the number of bytes written. */
  write(buffer: Uint8Array, options: { at: number }): number;
  /** The file's size in bytes. */
  getSize(): number;
  /** Sets the file's size in bytes. */
  truncate(size: number): void;
  /** Persists the writes made so far. */
  flush(): void;
  close(): void;
}

/** Consecutive changes are merged into one write up to this many bytes (a 16 KB block of the ROM loader's writes fits). */
export const MERGE_MAX = 64 * 1024;

/**
 * A change to write: bytes [at, end) of the flash. `bytes` is their copy as of the last change
 * the entry holds, taken when a later change started a new entry; the last entry has none (the
 * flash itself holds its bytes).
 */
interface Change {
  at: number;
  end: number;
  bytes: Uint8Array | null;
}

/** What opening found in the file. */
export type FlashFileContents =
  /** The file held a flash image of the right size. */
  | { kind: 'saved'; contents: Uint8Array }
  /** The file is new (empty). */
  | { kind: 'none' }
  /** The file held something else; `why` says what. It will be overwritten at the next sync. */
  | { kind: 'damaged'; why: string };

/** Figures for `npm run bench` and tests. */
export interface FlashFileStats {
  /** Write calls made to the file. */
  writes: number;
  /** Bytes written. */
  bytes: number;
  /** flush() calls. */
  flushes: number;
  /** Host time spent in write + flush, in ms. */
  ms: number;
}

export class FlashFile {
  private readonly file: SyncFile;
  /** The flash size in bytes. */
  readonly size: number;
  private flash: Uint8Array | null = null;
  /** Changes not yet written, oldest first. */
  private journal: Change[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private unsubscribe: (() => void)[] = [];
  /** The last error writing the file (null: none); writing stops after one. */
  failed: string | null = null;
  /** Called once, when writing the file fails ({@link failed}). */
  onFail: ((why: string) => void) | null = null;
  readonly stats: FlashFileStats = { writes: 0, bytes: 0, flushes: 0, ms: 0 };

  /**
   * @param file the open handle (this object closes it in {@link close})
   * @param size the flash size in bytes (a whole number of 4 KB sectors)
   * @throws RangeError if `size` is not a whole number of sectors
   */
  constructor(file: SyncFile, size: number) {
    if (!(size > 0) || size % SECTOR_BYTES !== 0) throw new RangeError(`flash size ${size} is not a whole number of 4 KB sectors`);
    this.file = file;
    this.size = size;
  }

  /** Reads what the file holds. Never throws: a read error is reported as damage. */
  readContents(): FlashFileContents {
    try {
      const n = this.file.getSize();
      if (n === 0) return { kind: 'none' };
      if (n !== this.size) return { kind: 'damaged', why: `${n} bytes instead of ${this.size}` };
      const contents = new Uint8Array(this.size);
      const got = this.file.read(contents, { at: 0 });
      if (got !== this.size) return { kind: 'damaged', why: `only ${got} of ${this.size} bytes could be read` };
      return { kind: 'saved', contents };
    } catch (e) {
      return { kind: 'damaged', why: e instanceof Error ? e.message : String(e) };
    }
  }

  /**
   * Makes the file hold `flash` (its length must be the size): writes the sectors that differ,
   * or everything when the file is not a flash image of this size.
   * @returns how many sectors were written
   * @throws whatever the handle throws (quota), or RangeError for a wrong length
   */
  sync(flash: Uint8Array): number {
    if (flash.length !== this.size) throw new RangeError(`flash is ${flash.length} bytes, the file keeps ${this.size}`);
    const t = performance.now();
    if (this.file.getSize() !== this.size) {
      this.file.truncate(0);
      this.put(flash.subarray(0), 0);
      this.file.flush();
      this.stats.flushes++;
      this.stats.ms += performance.now() - t;
      return this.size / SECTOR_BYTES;
    }
    const mine = new Uint8Array(SECTOR_BYTES);
    let written = 0;
    for (let s = 0; s < this.size / SECTOR_BYTES; s++) {
      const at = s * SECTOR_BYTES;
      this.file.read(mine, { at });
      const theirs = flash.subarray(at, at + SECTOR_BYTES);
      if (!equal(mine, theirs)) {
        this.put(theirs, at);
        written++;
      }
    }
    if (written > 0) {
      this.file.flush();
      this.stats.flushes++;
    }
    this.stats.ms += performance.now() - t;
    return written;
  }

  /**
   * Follows a flash from now on: its changes are written when it settles (the firmware call
   * returned), or on the next turn of the event loop for writes outside a call.
   * @param flash the chip (what chip/flash.ts `SpiFlash` offers)
   */
  follow(flash: FollowedFlash): void {
    this.unfollow();
    this.flash = flash.bytes;
    this.unsubscribe = [
      flash.onWrite((addr, length) => this.mark(addr, length)),
      flash.onSettle(() => this.commit()),
    ];
  }

  /**
   * Notes that bytes [addr, addr + length) of the followed flash changed, to be written at the
   * next {@link commit}, after the changes noted before.
   */
  mark(addr: number, length: number): void {
    const at = Math.max(0, addr);
    const end = Math.min(this.size, addr + length);
    if (end <= at || !this.flash) return;
    const last = this.journal[this.journal.length - 1];
    if (last && at <= last.end && end >= last.at && Math.max(end, last.end) - Math.min(at, last.at) <= MERGE_MAX) {
      last.at = Math.min(at, last.at);
      last.end = Math.max(end, last.end);
    } else {
      // the entry before is final: keep its bytes as they are now, before this change
      if (last) last.bytes = this.flash.slice(last.at, last.end);
      this.journal.push({ at, end, bytes: null });
    }
    if (!this.timer) this.timer = setTimeout(() => this.commit(), 0);
  }

  /** Changes noted and not yet written (each one write). */
  get pending(): number {
    return this.journal.length;
  }

  /**
   * Writes the changes in order (one write each) and flushes. A failure (quota, a closed
   * handle) is kept in {@link failed} and stops further writes.
   * @returns how many writes were made
   */
  commit(): number {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const flash = this.flash;
    if (this.journal.length === 0 || !flash || this.failed) return 0;
    const t = performance.now();
    let written = 0;
    try {
      const journal = this.journal;
      this.journal = [];
      for (const c of journal) {
        this.put(c.bytes ?? flash.subarray(c.at, c.end), c.at);
        written++;
      }
      this.file.flush();
      this.stats.flushes++;
    } catch (e) {
      this.failed = e instanceof Error ? e.message : String(e);
      this.onFail?.(this.failed);
    }
    this.stats.ms += performance.now() - t;
    return written;
  }

  /**
   * Lets go of the file at once, as power is cut: the changes not yet written are dropped (the
   * chip was reset before its write ended), nothing is written from now on, the handle is
   * closed so that another thread can open it. Never throws; {@link onFail} is not called.
   */
  release(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.journal = [];
    this.failed ??= 'released';
    this.unfollow();
    try {
      this.file.close();
    } catch {
      // already closed
    }
  }

  /** Writes what is pending, stops following the flash and closes the file. Never throws. */
  close(): void {
    this.commit();
    this.unfollow();
    try {
      this.file.close();
    } catch {
      // already closed
    }
  }

  private unfollow(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }

  private put(bytes: Uint8Array, at: number): void {
    // a shared buffer cannot be written directly: through a copy
    const data = bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice();
    const n = this.file.write(data, { at });
    this.stats.writes++;
    this.stats.bytes += n;
    if (n !== bytes.length) throw new Error(`wrote ${n} of ${bytes.length} bytes at ${at}`);
  }
}

/** What {@link FlashFile.follow} needs of the chip (chip/flash.ts `SpiFlash`). */
export interface FollowedFlash {
  readonly bytes: Uint8Array;
  onWrite(fn: (addr: number, length: number) => void): () => void;
  onSettle(fn: () => void): () => void;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The file name of the flash of a board of `size` in the origin's private file system. */
export function flashFileName(size: string): string {
  return `esp8266-lab-flash-${size}.bin`;
}
