/**
 * Realistic link timing for the command-line board (`--realistic-link`): bytes cross the serial
 * line no faster than its baud rate allows, and the flash erases esptool asks for take the time a
 * real SPI flash chip takes, so that flashing lasts as long as on a bench.
 *
 * - A UART frame is 10 bits per byte at 8N1 (start bit, 8 data bits, stop bit; ESP8266 Technical
 *   Reference §11 UART): a byte takes `10 / baud` s, 4096 bytes at 115200 baud 0.356 s.
 *   {@link PacedLine} delivers queued bytes at that rate, in slices of a few milliseconds (a
 *   USB-serial adapter also hands bytes to the computer in small bursts).
 * - Erase times are the typical figures of the Winbond W25Q32JV (the 4 MB flash of ESP-07/ESP-12
 *   modules; datasheet rev. F, §9.6 "AC Electrical Characteristics": tSE, tBE2, tCE) — see the
 *   constants. A region is erased as the ESP8266 ROM's `SPIEraseArea` and the flasher stub do it:
 *   4 KB sectors up to a 64 KB boundary, whole 64 KB blocks, then sectors ({@link eraseSeconds}).
 * - {@link EraseTimer} watches the SLIP frames the computer sends (esptool's serial protocol,
 *   reference serial-protocols.md §2) and tells how long the board's answer must wait, as the chip
 *   answers only when its flash is no longer busy:
 *   - the ROM loader erases the whole region at FLASH_BEGIN / FLASH_DEFL_BEGIN before answering;
 *   - esptool's flasher stub (running once a MEM_END with an entry point has started it; a SYNC
 *     means a new connection to the ROM) answers FLASH_(DEFL_)BEGIN at once and erases as the
 *     data blocks arrive, while receiving the next block (esptool `flasher_stub`
 *     stub_write_flash.c): each data block brings its share of the region's erase time, and a
 *     block's answer waits only while the chip is still busy with the blocks before it — so at
 *     a slow baud rate the erase hides behind the line, as on a bench (esptool gives the stub's
 *     begin only its 3 s default timeout, which a whole-region erase of a large image would pass);
 *   - ERASE_REGION and ERASE_FLASH (stub commands) wait for their whole erase.
 *   Erases MicroPython does itself (`esp.flash_erase`, littlefs) are not slowed: the firmware's
 *   own timing is the firmware's. Page programming (W25Q32JV tPP, 0.4 ms a 256-byte page) is not
 *   counted.
 *
 * Framework-free (no Node or DOM APIs beyond `performance` and timers), so the command-line board
 * (node/serial-bridge.ts) and the page's Flash panel (link/serial-port.ts with `realistic`) share
 * it; the clock is injectable for tests.
 */
import { SlipDecoder } from '../rom/slip.ts';

/** Bits on the line per byte at 8N1. */
export const BITS_PER_BYTE = 10;
/** W25Q32JV tSE, Sector Erase Time (4 KB), typical (max 400 ms). */
export const SECTOR_ERASE_S = 0.045;
/** W25Q32JV tBE2, Block Erase Time (64 KB), typical (max 2000 ms). */
export const BLOCK64_ERASE_S = 0.15;
/** W25Q32JV tCE, Chip Erase Time (4 MB), typical (max 50 s). */
export const CHIP_ERASE_4M_S = 10;
const SECTOR = 4096;
const BLOCK = 65536;

/** esptool command codes that take part in erase timing (rom-loader.ts `OP`). */
const FLASH_BEGIN = 0x02;
const FLASH_DATA = 0x03;
const FLASH_END = 0x04;
const MEM_END = 0x06;
const SYNC = 0x08;
const FLASH_DEFL_BEGIN = 0x10;
const FLASH_DEFL_DATA = 0x11;
const FLASH_DEFL_END = 0x12;
const ERASE_FLASH = 0xd0;
const ERASE_REGION = 0xd1;

/**
 * How long erasing [offset, offset + size) takes, in seconds: sectors to the next 64 KB boundary,
 * whole blocks while 64 KB remain, then sectors (as `SPIEraseArea` does).
 */
export function eraseSeconds(offset: number, size: number): number {
  let at = Math.floor(offset / SECTOR) * SECTOR;
  const end = offset + size;
  let s = 0;
  while (at < end) {
    if (at % BLOCK === 0 && end - at >= BLOCK) {
      s += BLOCK64_ERASE_S;
      at += BLOCK;
    } else {
      s += SECTOR_ERASE_S;
      at += SECTOR;
    }
  }
  return s;
}

/** A whole-chip erase of a flash of `bytes` bytes, in seconds (tCE scaled by size from the 4 MB part). */
export function chipEraseSeconds(bytes: number): number {
  return (CHIP_ERASE_4M_S * bytes) / (4 * 1024 * 1024);
}

/** A clock in milliseconds and a timer, so tests can run the pacing on their own time. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
};

/** How often a paced line hands bytes on, in ms. */
const SLICE_MS = 4;

/**
 * A one-way serial line that carries bytes at a baud rate: {@link push} queues them, `deliver`
 * receives them no sooner than the line could have carried them. `holdUntil` stops delivery until
 * a time (an erase in progress). An idle line does not save up time: a burst after a pause starts
 * at the line rate again.
 */
export class PacedLine {
  /** Queued chunks, each with the clock time its first byte starts on the line. */
  private readonly queue: { bytes: Uint8Array; start: number; msPerByte: number; end: number }[] = [];
  private readonly clock: Clock;
  private readonly deliver: (bytes: Uint8Array) => void;
  /** The time the line is free again (the last queued byte's end), in clock ms. */
  private lineFree = 0;
  private held = 0;
  private timer: unknown = null;
  /** Bytes of the head chunk already delivered. */
  private headSent = 0;

  constructor(deliver: (bytes: Uint8Array) => void, clock: Clock = realClock) {
    this.deliver = deliver;
    this.clock = clock;
  }

  /**
   * Queues bytes sent at `baud`; `wireBytes` is how many bytes the sender put on the line for them
   * when that differs (output decoded at another rate: the time is the sender's).
   */
  push(bytes: Uint8Array, baud: number, wireBytes = bytes.length): void {
    if (wireBytes === 0 && bytes.length === 0) return;
    const ms = (wireBytes * BITS_PER_BYTE * 1000) / baud;
    const start = Math.max(this.clock.now(), this.lineFree, this.held);
    this.lineFree = start + ms;
    this.queue.push({ bytes, start, msPerByte: bytes.length ? ms / bytes.length : ms, end: start + ms });
    this.schedule();
  }

  /** Holds the bytes queued from now on until clock time `t` (ms): an erase in progress. */
  holdUntil(t: number): void {
    this.held = Math.max(this.held, t);
  }

  /** Drops everything queued (PURGE-DATA, a reset of the port). */
  clear(): void {
    this.queue.length = 0;
    this.headSent = 0;
    this.lineFree = Math.min(this.lineFree, this.clock.now());
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Bytes waiting to be delivered. */
  get pending(): number {
    return this.queue.reduce((n, c) => n + c.bytes.length, 0) - this.headSent;
  }

  private schedule(): void {
    if (this.timer !== null || this.queue.length === 0) return;
    const head = this.queue[0]!;
    const wait = Math.max(0, head.start + head.msPerByte * (this.headSent + 1) - this.clock.now());
    this.timer = this.clock.setTimeout(() => this.tick(), Math.max(SLICE_MS, Math.min(wait, 1000)));
  }

  private tick(): void {
    this.timer = null;
    const now = this.clock.now();
    while (this.queue.length) {
      const head = this.queue[0]!;
      const n = head.bytes.length;
      // bytes whose last bit is on the line by now (a chunk that decodes to nothing just takes its time)
      const done = n === 0 ? 0 : Math.min(n, Math.floor((now - head.start) / head.msPerByte + 1e-9));
      if (done > this.headSent) {
        this.deliver(head.bytes.subarray(this.headSent, done));
        this.headSent = done;
      }
      if (this.headSent < n || now < head.end - 1e-9) break;
      this.queue.shift();
      this.headSent = 0;
    }
    this.schedule();
  }
}

/**
 * Watches the computer's SLIP frames for erases (see the module comment) and tells how long the
 * board's answer must wait.
 */
export class EraseTimer {
  private readonly slip = new SlipDecoder();
  private readonly flashBytes: number;
  private readonly clock: Clock;
  /** Whether esptool's flasher stub runs (it answers begin at once and erases as data comes). */
  private stub = false;
  /** The stub's write: erase seconds each data block brings, and how many blocks are left. */
  private share = 0;
  private blocksLeft = 0;
  /** Clock time (ms) until which the stub's chip is busy erasing for the blocks received. */
  private busyUntil = 0;

  /**
   * @param flashBytes the flash size (for a chip erase)
   * @param clock the time the stub's erases are counted on
   */
  constructor(flashBytes: number, clock: Clock = realClock) {
    this.flashBytes = flashBytes;
    this.clock = clock;
  }

  /** Whether the flasher stub is taken to run (a MEM_END with an entry point was seen since the last SYNC). */
  get stubRunning(): boolean {
    return this.stub;
  }

  /**
   * Reads bytes on their way to the board (when they have reached it: the line is paced first).
   * @returns the seconds from now the board's answers must wait (0 if none)
   */
  push(bytes: Uint8Array): number {
    let s = 0;
    for (const frame of this.slip.push(bytes)) s += this.frameSeconds(frame);
    return s;
  }

  private frameSeconds(f: Uint8Array): number {
    if (f.length < 8 || f[0] !== 0x00) return 0; // not a request
    const op = f[1];
    const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
    const word = (i: number) => (f.length >= 8 + 4 * (i + 1) ? dv.getUint32(8 + 4 * i, true) : 0);
    switch (op) {
      case SYNC:
        this.stub = false; // esptool syncs with the ROM loader, before it uploads a stub
        this.blocksLeft = 0;
        return 0;
      case MEM_END:
        // esptool's mem_finish(entry): word 0 is 0 to run the code at word 1
        if (word(0) === 0 && word(1) !== 0) this.stub = true;
        return 0;
      case FLASH_BEGIN:
      case FLASH_DEFL_BEGIN: {
        const size = word(0);
        const offset = word(3);
        if (offset + size > this.flashBytes) return 0; // refused
        const erase = eraseSeconds(offset, size);
        if (!this.stub || size === 0) return erase;
        this.blocksLeft = Math.max(1, word(1));
        this.share = erase / this.blocksLeft;
        return 0;
      }
      case FLASH_DATA:
      case FLASH_DEFL_DATA: {
        if (!this.stub || this.blocksLeft === 0) return 0;
        this.blocksLeft--;
        const now = this.clock.now();
        // answered once the chip is done with the blocks before this one; then it erases for this one
        const wait = Math.max(0, this.busyUntil - now);
        this.busyUntil = Math.max(this.busyUntil, now) + this.share * 1000;
        return wait / 1000;
      }
      case FLASH_END:
      case FLASH_DEFL_END:
        return this.stub ? Math.max(0, this.busyUntil - this.clock.now()) / 1000 : 0;
      case ERASE_REGION: {
        const [addr, size] = [word(0), word(1)];
        if (addr % SECTOR || size % SECTOR || addr + size > this.flashBytes) return 0;
        return eraseSeconds(addr, size);
      }
      case ERASE_FLASH:
        return chipEraseSeconds(this.flashBytes);
      default:
        return 0;
    }
  }
}
