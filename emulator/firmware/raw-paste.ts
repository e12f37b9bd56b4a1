/**
 * Raw-paste mode of the raw REPL, handled in the serial layer.
 *
 * The WebAssembly build's event-driven REPL answers `\x05A\x01` but then cannot block for the
 * source bytes, so it ends the paste at once and the host hangs. The ESP8266 firmware's REPL is
 * the blocking one (`ports/esp8266/mpconfigport.h`: `MICROPY_REPL_EVENT_DRIVEN (0)`), whose
 * raw-paste reader is `do_reader_stdin` in `shared/runtime/pyexec.c`. This class speaks that
 * protocol to the host and hands the collected source to the interpreter's ordinary raw REPL
 * (which then prints `OK`, which the device drops: raw-paste sends no `OK`).
 *
 * Protocol (MicroPython `docs/reference/repl.rst`, "raw-paste mode"; our reference
 * `serial-protocols.md` §4):
 * - in the raw REPL, a line that is exactly `\x05A` followed by `\x01` starts raw-paste; the
 *   device answers `R\x01`, the flow-control window as u16 LE (128 bytes on the ESP8266:
 *   `MICROPY_REPL_STDIN_BUFFER_MAX` 256 / 2) and `\x01`; `\x05` + any other byte + `\x01` is
 *   answered `R\x00` and a new `>` prompt;
 * - each time the device has taken in another window of bytes it sends `\x01`;
 * - the host ends the source with `\x04`; the device answers `\x04`, then runs the code and prints
 *   `stdout \x04 stderr \x04 >` as the raw REPL does;
 * - a `\x03` from the host during the source ends it: `\x04`, then a KeyboardInterrupt in the
 *   error section (`mp_reader_stdin_readbyte` raises it with no traceback).
 */
export class RawPaste {
  /** Flow-control window in bytes (ESP8266: `MICROPY_REPL_STDIN_BUFFER_MAX` 256 / 2). */
  static readonly WINDOW = 128;

  private lineLen = 0;
  private lineStart: number[] = [];
  private source: number[] | null = null;
  private windowRemain = RawPaste.WINDOW;

  /** Whether a raw-paste transfer is collecting source bytes. */
  get collecting(): boolean {
    return this.source !== null;
  }

  /**
   * Takes one byte from the host.
   * @param c the byte (0–255)
   * @param rawMode whether the interpreter is in the raw REPL
   * @returns `feed`: bytes to give the interpreter's REPL, in order; `reply`: bytes the device sends
   *   to the host first; `dropOk`: the interpreter's next `OK` must not reach the host
   */
  input(c: number, rawMode: boolean): { feed: number[]; reply: string; dropOk: boolean } {
    if (this.source) {
      if (c === 0x04) {
        const feed = [...RawPaste.asRawLine(this.source), 0x04];
        this.source = null;
        this.lineLen = 0;
        return { feed, reply: '\x04', dropOk: true };
      }
      if (c === 0x03) {
        this.source = null;
        this.lineLen = 0;
        // reader EOF, then parse_compile_execute's EOF-framed error section, then the prompt
        return { feed: [], reply: '\x04\x04KeyboardInterrupt: \r\n\x04>', dropOk: false };
      }
      this.source.push(c);
      if (--this.windowRemain === 0) {
        this.windowRemain = RawPaste.WINDOW;
        return { feed: [], reply: '\x01', dropOk: false };
      }
      return { feed: [], reply: '', dropOk: false };
    }
    if (!rawMode) {
      this.lineLen = 0;
      return { feed: [c], reply: '', dropOk: false };
    }
    if (c === 0x01 && this.lineLen === 2 && this.lineStart[0] === 0x05) {
      this.lineLen = 0;
      // the interpreter holds "\x05X" as its raw line: Ctrl-C clears it without output
      if (this.lineStart[1] !== 0x41) return { feed: [0x03], reply: 'R\x00>', dropOk: false };
      this.source = [];
      this.windowRemain = RawPaste.WINDOW;
      const w = RawPaste.WINDOW;
      return { feed: [0x03], reply: `R\x01${String.fromCharCode(w & 0xff, w >> 8)}\x01`, dropOk: false };
    }
    if (c >= 0x01 && c <= 0x04) this.lineLen = 0;
    else {
      if (this.lineLen < 2) this.lineStart[this.lineLen] = c;
      this.lineLen++;
    }
    return { feed: [c], reply: '', dropOk: false };
  }

  /**
   * The collected source as a line for the interpreter's raw REPL, which would take some bytes
   * as keys rather than source. Empty source becomes a blank line: Ctrl-D on an empty raw line
   * soft-resets, while the board compiles and runs the empty program (`\x04\x04>`). The raw
   * REPL's keys 0x01, 0x02 and 0x05 (0x03 and 0x04 end the transfer before) become `$`, which
   * the lexer rejects the same way, so the board's `SyntaxError: invalid syntax` on that line
   * follows (py/lexer.c: an unknown character is MP_TOKEN_INVALID). Inside a string literal the
   * board would keep the byte; here it is a `$` (a documented difference).
   */
  static asRawLine(source: readonly number[]): number[] {
    if (source.length === 0) return [0x0a];
    return source.map((b) => (b === 0x01 || b === 0x02 || b === 0x05 ? 0x24 : b));
  }

  /** Forgets any transfer (the board was reset). */
  reset(): void {
    this.source = null;
    this.lineLen = 0;
  }
}
