/**
 * ESP8266 UART0: the serial line wired to the learner's terminal (TX = GPIO1, RX = GPIO3).
 *
 * Bytes travel with the baud rate they were sent at, so a terminal set to another rate can
 * show what a real one shows (the boot ROM's 74880 baud lines; later issue). MicroPython's
 * REPL runs on UART0 at 115200 baud, 8N1 (`ports/esp8266/main.c`: `uart_init(UART_BIT_RATE_115200, …)`).
 */
export interface SerialChunk {
  /** The bytes sent. */
  data: Uint8Array;
  /** Baud rate (bits per second) they were sent at. */
  baud: number;
  /**
   * True when the bytes are the REPL line editor echoing what was typed or pasted (not on the
   * wire: a real UART cannot tell; the firmware model knows, and exercise checks use it to look
   * only at what programs print). Absent or false for everything else.
   */
  echo?: boolean;
}

export class Uart {
  /** Current baud rate in Hz (bits per second). */
  baud: number;
  private readonly rx: number[] = [];
  private readonly txListeners = new Set<(chunk: SerialChunk) => void>();

  /** @param baud initial baud rate in bits per second */
  constructor(baud = 115200) {
    this.baud = baud;
  }

  /** Whether the TX pad carries UART0 (false once GPIO1 is taken as a GPIO). */
  txConnected = true;
  /** Whether the RX pad carries UART0 (false once GPIO3 is taken as a GPIO). */
  rxConnected = true;

  /**
   * Chip side: sends bytes out on TX at the current baud (nothing leaves while TX is a GPIO).
   * @param echo the bytes are the REPL's echo of input ({@link SerialChunk.echo})
   */
  transmit(data: Uint8Array, echo = false): void {
    if (data.length === 0 || !this.txConnected) return;
    const chunk: SerialChunk = echo ? { data, baud: this.baud, echo } : { data, baud: this.baud };
    for (const fn of this.txListeners) fn(chunk);
  }

  /** Line side: bytes arriving on RX. They queue until the firmware reads them (lost while RX is a GPIO). */
  receive(data: Iterable<number>): void {
    if (!this.rxConnected) return;
    for (const b of data) this.rx.push(b & 0xff);
  }

  /** Chip side: takes the next received byte, or -1 when none is waiting. */
  read(): number {
    return this.rx.length ? (this.rx.shift() as number) : -1;
  }

  /** Number of received bytes waiting to be read. */
  available(): number {
    return this.rx.length;
  }

  /** Chip reset: receive queue emptied, both pads back to UART0. */
  clear(): void {
    this.rx.length = 0;
    this.txConnected = true;
    this.rxConnected = true;
  }

  /** Subscribes to transmitted chunks. Returns an unsubscribe function. */
  onTransmit(fn: (chunk: SerialChunk) => void): () => void {
    this.txListeners.add(fn);
    return () => this.txListeners.delete(fn);
  }
}
