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

export class OutputFilter {
  private readonly prefixes: Uint8Array[];
  private held: number[] = [];
  private atLineStart = true;
  private lastByte = -1;
  private readonly rules: LineRule[];
  private readonly emit: (bytes: Uint8Array) => void;

  /**
   * @param rules line rules, tried in order
   * @param emit receives the filtered bytes
   */
  constructor(rules: LineRule[], emit: (bytes: Uint8Array) => void) {
    this.rules = rules;
    this.emit = emit;
    this.prefixes = rules.map((r) => new TextEncoder().encode(r.prefix));
  }

  /** Feeds interpreter output. */
  write(bytes: Uint8Array): void {
    const out: number[] = [];
    for (const b of bytes) this.byte(b, out);
    if (out.length) this.emit(Uint8Array.from(out));
  }

  private byte(b: number, out: number[]): void {
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
    const rule = this.rules.find((r) => line.startsWith(r.prefix));
    if (!rule) {
      for (const x of bytes) this.put(x, out);
      return;
    }
    const replaced = rule.rewrite(line);
    if (replaced === null) return; // dropped, with its line end
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
    if (this.held.length === 0) return;
    const out: number[] = [];
    this.release(out);
    this.emit(Uint8Array.from(out));
  }
}
