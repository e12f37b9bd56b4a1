/**
 * Rewrites the interpreter's stdout into what the ESP8266 firmware puts on UART0.
 *
 * - A line whose start matches a rule's prefix is held until its end, then passed, replaced or
 *   dropped by the rule (e.g. the WebAssembly build's banner becomes the ESP8266 build's banner;
 *   traceback frames inside our firmware modules are dropped, because on the board `machine`,
 *   `time`, … are C modules and never appear in a traceback).
 * - A `\n` not preceded by `\r` goes out as `\r\n`, as the port's cooked stdout does
 *   (MicroPython `ports/esp8266/esp_mphal.c`, `mp_hal_stdout_tx_strn_cooked`).
 * Everything else streams through at once, so prompts without a newline appear immediately.
 */
export interface LineRule {
  /** Lines starting with this text are held and given to `rewrite`. */
  prefix: string;
  /** Returns the replacement line (without its end), or null to drop the line and its end. */
  rewrite: (line: string) => string | null;
}

const NL = 0x0a;
const CR = 0x0d;

const TRACEBACK = 'Traceback (most recent call last):';
const FRAME = '  File "';

export class OutputFilter {
  private readonly prefixes: Uint8Array[];
  private held: number[] = [];
  /**
   * A traceback header waiting for its first kept frame: if every frame under it is dropped
   * (an exception raised inside the firmware itself, e.g. in a callback), the header goes too,
   * as the firmware prints such exceptions without one.
   */
  private header: number[] | null = null;
  /** Whether a line was dropped since the waiting header (a firmware frame under it). */
  private droppedUnderHeader = false;
  private atLineStart = true;
  private lastByte = -1;
  private readonly rules: LineRule[];
  private readonly emit: (bytes: Uint8Array) => void;

  /**
   * @param rules line rules, tried in order
   * @param emit receives the filtered bytes
   */
  constructor(rules: LineRule[], emit: (bytes: Uint8Array) => void) {
    this.rules = [{ prefix: TRACEBACK, rewrite: (l) => l }, ...rules];
    this.emit = emit;
    this.prefixes = this.rules.map((r) => new TextEncoder().encode(r.prefix));
  }

  /** Feeds interpreter output. */
  write(bytes: Uint8Array): void {
    const out: number[] = [];
    for (const b of bytes) this.byte(b, out);
    if (out.length) this.emit(Uint8Array.from(out));
  }

  private byte(b: number, out: number[]): void {
    if (this.header) {
      // while a header waits, whole lines are held to see whether they are kept frames
      this.held.push(b);
      if (b === NL) this.finishHeldLine(out);
      return;
    }
    if (this.held.length > 0 || (this.atLineStart && b !== NL && b !== CR)) {
      this.held.push(b);
      if (b === NL) {
        this.finishHeldLine(out);
        return;
      }
      if (!this.couldMatch()) this.release(out);
      return;
    }
    this.put(b, out);
  }

  private couldMatch(): boolean {
    const h = this.held;
    return this.prefixes.some((p) => {
      const n = Math.min(p.length, h.length);
      for (let i = 0; i < n; i++) if (p[i] !== h[i]) return false;
      return true;
    });
  }

  private finishHeldLine(out: number[]): void {
    const bytes = this.held;
    this.held = [];
    let end = bytes.length - 1;
    if (end > 0 && bytes[end - 1] === CR) end--;
    const line = new TextDecoder().decode(Uint8Array.from(bytes.slice(0, end)));
    if (line === TRACEBACK && !this.header) {
      this.header = bytes;
      this.droppedUnderHeader = false;
      return;
    }
    const rule = this.rules.find((r) => r.prefix !== TRACEBACK && line.startsWith(r.prefix));
    const replaced = rule ? rule.rewrite(line) : line;
    if (replaced === null) {
      if (this.header) this.droppedUnderHeader = true;
      return; // dropped, with its line end (the header keeps waiting)
    }
    if (this.header) {
      const header = this.header;
      this.header = null;
      // A kept frame keeps the header; so does any line when nothing under the header was dropped
      // (it is not a traceback of ours: e.g. run-tests' misc/print_exception.py prints the lines
      // of sys.print_exception's text one by one, its frames rewritten to `  File  , line …`).
      if (line.startsWith(FRAME) || !this.droppedUnderHeader) for (const x of header) this.put(x, out);
    }
    if (!rule) {
      for (const x of bytes) this.put(x, out);
      return;
    }
    for (const x of new TextEncoder().encode(replaced)) this.put(x, out);
    this.put(CR, out);
    this.put(NL, out);
  }

  private release(out: number[]): void {
    const bytes = this.held;
    this.held = [];
    for (const x of bytes) this.put(x, out);
  }

  private put(b: number, out: number[]): void {
    if (b === NL && this.lastByte !== CR) out.push(CR);
    out.push(b);
    this.lastByte = b;
    this.atLineStart = b === NL;
  }

  /** Emits anything held (call before the interpreter blocks for a while). */
  flush(): void {
    if (this.held.length === 0 && !this.header) return;
    const out: number[] = [];
    if (this.header) {
      for (const x of this.header) this.put(x, out);
      this.header = null;
    }
    this.release(out);
    this.emit(Uint8Array.from(out));
  }
}
