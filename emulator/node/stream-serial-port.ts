/**
 * The part of a Web Serial `SerialPort` that esptool-js uses (`readable`, `writable`, `getInfo`,
 * `close`), over any byte source and sink, for the Node tests that drive the board through the
 * CLI's stdio or its RFC 2217 port. Subclasses open it with {@link attach} and add their own
 * `open` and `setSignals`.
 */
export abstract class StreamSerialPort {
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  private off: (() => void) | null = null;

  getInfo(): Record<string, never> {
    return {};
  }

  /**
   * Opens the streams.
   * @param subscribe starts delivering incoming bytes to `push`; returns what stops it
   * @param write sends bytes (a copy of each chunk written to `writable`)
   */
  protected attach(subscribe: (push: (bytes: Uint8Array) => void) => () => void, write: (bytes: Uint8Array) => void): void {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    this.readable = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    this.off = subscribe((bytes) => controller.enqueue(bytes));
    this.writable = new WritableStream<Uint8Array>({ write: (chunk) => write(chunk.slice()) });
  }

  /** Closes the streams (what carries the bytes stays open: esptool-js reopens to change the baud). */
  async close(): Promise<void> {
    this.off?.();
    this.off = null;
    const r = this.readable;
    this.readable = null;
    this.writable = null;
    await r?.cancel().catch(() => {});
  }
}
