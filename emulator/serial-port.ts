/**
 * A Web Serial `SerialPort`-shaped view of the virtual board's UART0, so that Espressif's
 * esptool-js (which only uses `open`, `close`, `readable`, `writable`, `setSignals`,
 * `setBaudRate` and `getInfo`: reference serial-protocols.md §1.2) can talk to it in the browser
 * and in Node alike.
 *
 * Like a USB-serial adapter, the port receives at one baud: chunks the board sent at another rate
 * arrive as the garbage a real adapter would decode (serial-line.ts). Bytes written to the port
 * reach the board unchanged (the emulated UART does not model the host's transmit rate).
 * DTR/RTS go nowhere: the default board has no auto-reset circuit, as in the blog's build: hold
 * Flash and press Reset to enter download mode.
 */
import type { BoardHost } from './host.ts';
import { resample } from './serial-line.ts';

/** The subset of `SerialPortOpenOptions` this port honours. */
export interface PortOpenOptions {
  /** Line rate in baud (bits per second). */
  baudRate: number;
}

export class BoardSerialPort {
  /** Bytes from the board while open, else null (Web Serial semantics). */
  readable: ReadableStream<Uint8Array> | null = null;
  /** Bytes to the board while open, else null. */
  writable: WritableStream<Uint8Array> | null = null;

  private baud = 115200;
  private off: (() => void) | null = null;
  private readonly host: BoardHost;

  constructor(host: BoardHost) {
    this.host = host;
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
    this.off = this.host.on('serial', (data, baud) => {
      const bytes = baud === this.baud ? data.slice() : resample(data, baud, this.baud);
      if (bytes.length) controller.enqueue(bytes);
    });
    const host = this.host;
    this.writable = new WritableStream<Uint8Array>({
      write(chunk) {
        host.write(chunk.slice());
      },
    });
  }

  /** Closes the port; its streams end. */
  async close(): Promise<void> {
    this.off?.();
    this.off = null;
    const readable = this.readable;
    this.readable = null;
    this.writable = null;
    try {
      await readable?.cancel();
    } catch {
      // already cancelled by its reader
    }
  }

  /** DTR/RTS/break: not wired on the default board (no auto-reset circuit). */
  async setSignals(_signals: { dataTerminalReady?: boolean; requestToSend?: boolean; break?: boolean }): Promise<void> {}

  /** Changes the rate the port decodes at (esptool-js's in-place baud change). */
  async setBaudRate(baud: number): Promise<void> {
    this.baud = baud;
  }
}
