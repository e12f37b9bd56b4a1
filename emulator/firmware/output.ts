/**
 * The way out of the emulator thread: the interpreter's stdout through the firmware's output
 * rules onto UART0, and UART0's bytes, the board's view and flash writes to the host — through
 * the shared channel, or in messages (batched) when there is no shared memory.
 */
import type { SerialChunk } from '../chip/uart.ts';
import type { DeviceCore } from './core.ts';
import { FW_DIR } from './modules.ts';
import { OutputFilter } from './output-filter.ts';

/** The banner the WebAssembly build prints, which the firmware's replaces. */
const WASM_BANNER = /^MicroPython v[^;]+; JS with Emscripten$/;

/** Message mode: output is sent at most this often, in ms, unless more than 8 KB waits. */
const FLUSH_MS = 16;
/** The host hears of flash writes at most this often, in ms (it saves the flash each time). */
const FLASH_REPORT_MS = 200;

export class DeviceOutput {
  /** The firmware's rewrite of the interpreter's stdout (banner, tracebacks, error words). */
  readonly filter: OutputFilter;
  /** Output of the REPL is dropped (a soft reset coming back to the raw REPL prints its own). */
  muted = false;
  /** The board's view changed since the host last saw it. */
  viewDirty = true;
  private readonly core: DeviceCore;
  private readonly onLine: () => void;
  private outbox: { data: number[]; baud: number; echo: boolean } = { data: [], baud: 115200, echo: false };
  private lastFlush = 0;
  /** What the interpreter is about to print that the firmware does not (see {@link dropNext}). */
  private dropping = '';
  /** The interpreter's last 4 bytes of stdout, as text (see {@link atPrimaryPrompt}). */
  private tail = '';
  private flashReported = 0;
  private flashReportAt = 0;
  private flashReportTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * @param onLine called when the program printed a newline (input is looked at then, so a
   *   printing loop still sees Ctrl-C without shared memory)
   */
  constructor(core: DeviceCore, onLine: () => void) {
    this.core = core;
    this.onLine = onLine;
    core.board.uart0.onTransmit((c) => this.sendSerial(c));
    this.filter = new OutputFilter(
      [
        {
          prefix: 'MicroPython v',
          rewrite: (line) => {
            if (!WASM_BANNER.test(line)) return line;
            core.rawMode = false;
            return `MicroPython ${core.build.version}; ${core.build.machine}`;
          },
        },
        { prefix: `  File "${FW_DIR}/`, rewrite: () => null },
        // The WebAssembly build reports errors in MICROPY_ERROR_REPORTING_DETAILED words; the
        // esp8266 build uses NORMAL ones (py/objfun.c, py/runtime.c, py/objint.c).
        { prefix: "AttributeError: module '", rewrite: (l) => l.replace(/^AttributeError: module '[^']*' has no attribute /, "AttributeError: 'module' object has no attribute ") },
        { prefix: 'TypeError: ', rewrite: (l) => l.replace(/^TypeError: [^\s(]+\(\) (takes \d+ positional arguments but \d+ were given|missing \d+ required positional arguments)$/, 'TypeError: function $1') },
        { prefix: 'ValueError: invalid syntax for integer with base ', rewrite: (l) => l.replace(/^(ValueError: invalid syntax for integer with base \d+): .*$/, '$1') },
        { prefix: 'raw REPL; CTRL-B to exit', rewrite: (line) => { core.rawMode = true; return line; } },
      ],
      (bytes) => {
        const kept = this.drop(bytes);
        if (kept.length) core.board.uart0.transmit(kept, core.echoing);
      },
    );
  }

  /** What is left of the filter's output after {@link dropNext}'s text is taken off its start. */
  private drop(bytes: Uint8Array): Uint8Array {
    if (!this.dropping) return bytes;
    let i = 0;
    while (this.dropping && i < bytes.length && bytes[i] === this.dropping.charCodeAt(0)) {
      i++;
      this.dropping = this.dropping.slice(1);
    }
    if (i < bytes.length) this.dropping = '';
    return bytes.subarray(i);
  }

  /**
   * The interpreter's next output starts with `text`, which the ESP8266 firmware does not print:
   * drop it (the whole of it, or as much as matches; other output cancels the drop). Used for the
   * raw REPL's "OK" after a raw-paste (raw-paste sends none) and the event-driven REPL's leading
   * `\r\n` before the banner (the esp8266 port's REPL is not event-driven: shared/runtime/pyexec.c
   * `pyexec_friendly_repl` prints the banner without it). '' cancels.
   */
  dropNext(text: string): void {
    this.dropping = text;
  }

  /**
   * Whether the interpreter's output ends with the friendly REPL's primary prompt `>>> `: nothing
   * was typed (echoed) since it was printed.
   */
  atPrimaryPrompt(): boolean {
    return this.tail === '>>> ';
  }

  /** The interpreter's stdout. */
  onStdout(bytes: Uint8Array): void {
    if (this.muted) return;
    const n = Math.min(bytes.length, 4);
    this.tail = (this.tail + String.fromCharCode(...bytes.subarray(bytes.length - n))).slice(-4);
    this.filter.write(bytes);
    if (bytes.includes(0x0a)) this.onLine();
  }

  private sendSerial(chunk: SerialChunk): void {
    const echo = chunk.echo === true;
    const channel = this.core.channel;
    if (channel) {
      channel.writeOutput(chunk.data, chunk.baud, undefined, echo);
      return;
    }
    if (chunk.baud !== this.outbox.baud || echo !== this.outbox.echo) this.flushMessages(true);
    this.outbox.baud = chunk.baud;
    this.outbox.echo = echo;
    for (const b of chunk.data) this.outbox.data.push(b);
    this.flushMessages(false);
  }

  /** Tells the host the board's view (pins, LED, PWM, sleep) if it changed, and any flash writes. */
  publishView(): void {
    this.reportFlashWrites();
    if (!this.viewDirty) return;
    this.viewDirty = false;
    const view = this.core.board.view();
    if (this.core.channel) this.core.channel.publishView(view);
    else this.core.opts.post({ t: 'view', view });
  }

  /**
   * Tells the host the flash changed (so the page can save it), at most every 200 ms; in message
   * mode with a copy, since the host's buffer is not this one.
   */
  private reportFlashWrites(): void {
    const flash = this.core.board.flash;
    if (flash.writes === this.flashReported || this.flashReportTimer) return;
    const wait = this.flashReportAt + FLASH_REPORT_MS - performance.now();
    if (wait > 0) {
      this.flashReportTimer = setTimeout(() => {
        this.flashReportTimer = null;
        this.reportFlashWrites();
      }, wait);
      return;
    }
    this.flashReported = flash.writes;
    this.flashReportAt = performance.now();
    const copy = this.core.channel ? null : flash.bytes.slice().buffer;
    this.core.opts.post({ t: 'flash-written', copy }, copy ? [copy] : []);
  }

  /** Message mode: sends buffered output at most every 16 ms, or at once when `now`. */
  flushMessages(now: boolean): void {
    if (this.core.channel || this.outbox.data.length === 0) return;
    const t = performance.now();
    if (!now && t - this.lastFlush < FLUSH_MS && this.outbox.data.length < 8192) return;
    this.lastFlush = t;
    this.core.opts.post({ t: 'out', data: Uint8Array.from(this.outbox.data), baud: this.outbox.baud, echo: this.outbox.echo });
    this.outbox.data = [];
  }

  /** Everything printed so far goes out now: what the filter holds, then the message batch. */
  flushAll(): void {
    this.filter.flush();
    this.flushMessages(true);
  }
}
