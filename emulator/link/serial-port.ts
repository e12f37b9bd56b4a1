/**
 * A Web Serial `SerialPort`-shaped view of the virtual board's UART0, so that Espressif's
 * esptool-js (which only uses `open`, `close`, `readable`, `writable`, `setSignals`,
 * `setBaudRate` and `getInfo`: reference serial-protocols.md §1.2) can talk to it in the browser
 * and in Node alike.
 *
 * Like a USB-serial adapter, the port receives at one baud: chunks the board sent at another rate
 * arrive as the garbage a real adapter would decode (serial-line.ts). Bytes written to the port
 * reach the board unchanged (the emulated UART does not model the host's transmit rate).
 * DTR/RTS drive the board only when the circuit panel fits a USB-serial adapter with the
 * two-transistor auto-reset circuit (`Circuit.autoReset`; see {@link autoResetPulls}). The default
 * board has none, as in the blog's build: hold Flash and press Reset to enter download mode.
 *
 * With `realistic` (the Flash panel's "Real flashing speed"), the line takes the time a real one
 * does (link-timing.ts, as the CLI's `--realistic-link`): bytes written reach the board at the
 * port's baud rate, the board's bytes arrive at the rate it sent them, and the answers to
 * esptool's erases wait for the flash chip's erase times.
 */
import { FLASH_SIZES } from '../chip/flash.ts';
import type { BoardHost } from './host.ts';
import { EraseTimer, PacedLine, realClock, type Clock } from './link-timing.ts';
import { resample } from './serial-line.ts';

/** Options of a {@link BoardSerialPort}. */
export interface BoardSerialPortOptions {
  /** Pace the line at its baud rate both ways and hold answers for the flash's erase times. */
  realistic?: boolean;
  /** The clock the pacing runs on (tests). */
  clock?: Clock;
}

/** The subset of `SerialPortOpenOptions` this port honours. */
export interface PortOpenOptions {
  /** Line rate in baud (bits per second). */
  baudRate: number;
}

/**
 * What the two-transistor auto-reset circuit (NodeMCU and most USB-serial breakouts for the
 * ESP8266) does with the adapter's modem lines, `true` meaning asserted. Each transistor pulls
 * its pin low only while its own line is asserted and the other is not, so both asserted or both
 * released pull neither (reference serial-protocols.md §1.4; esptool
 * `docs/en/advanced-topics/boot-mode-selection.rst`):
 *
 *     EN    = !(RTS && !DTR)     GPIO0 = !(DTR && !RTS)
 *
 * esptool's classic reset, {DTR off, RTS on} → 100 ms → {DTR on, RTS off} → {both off}, thus
 * holds EN low and lets it rise while GPIO0 is low: UART download mode.
 */
export function autoResetPulls(dtr: boolean, rts: boolean): { enLow: boolean; gpio0Low: boolean } {
  return { enLow: rts && !dtr, gpio0Low: dtr && !rts };
}

export class BoardSerialPort {
  /** Bytes from the board while open, else null (Web Serial semantics). */
  readable: ReadableStream<Uint8Array> | null = null;
  /** Bytes to the board while open, else null. */
  writable: WritableStream<Uint8Array> | null = null;

  private baud = 115200;
  /** Data Terminal Ready, as last set (released until set). */
  private dtr = false;
  /** Request To Send, as last set (released until set). */
  private rts = false;
  private off: (() => void) | null = null;
  private readonly host: BoardHost;
  private readonly realistic: boolean;
  private readonly clock: Clock;
  /** The paced lines while open with `realistic`: board → computer, computer → board. */
  private lines: { rx: PacedLine; tx: PacedLine } | null = null;

  /**
   * @param host the board
   * @param opts `realistic`: real line and erase timing (see the module comment)
   */
  constructor(host: BoardHost, opts: BoardSerialPortOptions = {}) {
    this.host = host;
    this.realistic = opts.realistic === true;
    this.clock = opts.clock ?? realClock;
  }

  /** No USB ids: esptool-js then uses its classic (UART) reset sequences. */
  getInfo(): { usbVendorId?: number; usbProductId?: number } {
    return {};
  }

  /**
   * Opens the port at a baud rate.
   * @throws Error if it is already open (as Web Serial's `InvalidStateError`)
   */
  async open(options: PortOpenOptions): Promise<void> {
    if (this.readable) throw new Error('The port is already open.');
    this.baud = options.baudRate;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    this.readable = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
    });
    const host = this.host;
    let toBoard = (bytes: Uint8Array) => host.write(bytes);
    let fromBoard = (bytes: Uint8Array, _baud: number, _wire: number) => controller.enqueue(bytes);
    if (this.realistic) {
      const clock = this.clock;
      const erase = new EraseTimer(FLASH_SIZES[host.flashSize], clock);
      const rx = new PacedLine((b) => controller.enqueue(b), clock);
      const tx = new PacedLine((b) => {
        const s = erase.push(b);
        // the chip answers once its flash is no longer busy: what the board sends from now on waits
        if (s > 0) rx.holdUntil(clock.now() + s * 1000);
        host.write(b);
      }, clock);
      this.lines = { rx, tx };
      toBoard = (bytes) => tx.push(bytes, this.baud);
      fromBoard = (bytes, baud, wire) => rx.push(bytes, baud, wire);
    }
    this.off = this.host.on('serial', (data, baud) => {
      const bytes = baud === this.baud ? data.slice() : resample(data, baud, this.baud);
      if (bytes.length || this.lines) fromBoard(bytes, baud, data.length);
    });
    this.writable = new WritableStream<Uint8Array>({
      write(chunk) {
        toBoard(chunk.slice());
      },
    });
  }

  /** Closes the port; its streams end. */
  async close(): Promise<void> {
    // a closed port lets go of its modem lines
    if (this.dtr || this.rts) {
      this.dtr = false;
      this.rts = false;
      this.host.setAdapterLines(autoResetPulls(false, false));
    }
    this.off?.();
    this.off = null;
    this.lines?.rx.clear();
    this.lines?.tx.clear();
    this.lines = null;
    const readable = this.readable;
    this.readable = null;
    this.writable = null;
    try {
      await readable?.cancel();
    } catch {
      // already cancelled by its reader
    }
  }

  /**
   * Sets the modem lines; a member left out keeps its state (Web Serial semantics), and one call
   * changes both lines at once. They reach the chip through the auto-reset circuit when it is
   * fitted ({@link autoResetPulls}, `BoardHost.setAdapterLines`); break is not modelled.
   */
  async setSignals(signals: { dataTerminalReady?: boolean; requestToSend?: boolean; break?: boolean }): Promise<void> {
    if (signals.dataTerminalReady !== undefined) this.dtr = signals.dataTerminalReady;
    if (signals.requestToSend !== undefined) this.rts = signals.requestToSend;
    this.host.setAdapterLines(autoResetPulls(this.dtr, this.rts));
  }

  /** Changes the rate the port decodes at (esptool-js's in-place baud change). */
  async setBaudRate(baud: number): Promise<void> {
    this.baud = baud;
  }
}
