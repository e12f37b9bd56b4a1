/**
 * What the lab's interpreter does that the ESP8266 build does not, and that the emulator cannot
 * take out (unlike the names `wasm-surface-patch.ts` removes): a program relying on it works in
 * the lab and fails, or prints otherwise, on a real board. The REPL and the Run button then warn,
 * once per feature: {@link FeatureWatch} follows what reaches the REPL and what the board prints
 * (the REPL pump feeds it in the emulator thread, so the page and the Node CLI see the same notes)
 * and reports a feature the first time a program uses it; the host passes the report on as a
 * `note` event with the feature's text and its place on the differences page
 * (src/pages/en/differences.astro, whose `id`s are the {@link UnremovableFeature.anchor}s).
 *
 * Found by running the candidates on the lab's board against the v1.27.0 sources
 * (ports/esp8266/mpconfigport.h, ports/webassembly/variants/pyscript: FULL_FEATURES):
 * - complex literals (`1j`): the build has `MICROPY_PY_BUILTINS_COMPLEX 0`; the parser of the
 *   WebAssembly build still makes complex numbers of them (py/parsenum.c raises
 *   `SyntaxError: complex values not supported` on the board);
 * - floats: the board's are single precision, boxed in 30 bits (`MICROPY_FLOAT_IMPL_FLOAT`,
 *   `MICROPY_OBJ_REPR_C`), printed with at most 7 significant digits; the lab's are doubles;
 * - non-ASCII characters typed at the `>>>` prompt: the board's line editor drops them
 *   (shared/readline/readline.c inserts only 32–126); the lab's keeps them (interpreter.ts
 *   widens it) — paste mode, the raw REPL and files keep them on both.
 * Checked and the same on both (so not listed): f-strings including `{x=}` and format specs, set
 * and frozenset operators, `deque` indexing, `memoryview.itemsize` (absent on both).
 *
 * Framework-free; the detectors are pure functions of text.
 */

/** Where a feature shows itself. */
export interface UnremovableFeature {
  /** Stable id (the `note` message carries it). */
  id: string;
  /** Short name, e.g. "complex numbers". */
  name: string;
  /** The note, one or two plain sentences, starting "Note:". */
  message: string;
  /** The `id` of its entry on the differences page (`/en/differences/#anchor`). */
  anchor: string;
  /** A program's code, with string literals and comments blanked ({@link codeOnly}), uses it. */
  inCode?(code: string): boolean;
  /** A line typed at the friendly `>>>` prompt (not paste mode), as the line editor shows it, uses it. */
  inPromptLine?(line: string): boolean;
  /** A line the board printed (not echo) shows it. */
  inOutput?(line: string): boolean;
}

/** The site's differences page. */
export const DIFFERENCES_PAGE = '/en/differences/';

/** A number literal followed by j/J (`1j`, `2.5J`, `1e3j`, `.5j`), not part of a name or a hex literal. */
const COMPLEX_LITERAL = /(?<![\w.])(?:\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d+)?|\.\d[\d_]*(?:[eE][+-]?\d+)?)[jJ](?!\w)/;

/**
 * A decimal float as print() shows it: digits, a point, digits, maybe an exponent; not inside a
 * dotted run (`192.168.4.1`, `v1.27.0`). A letter may come before it (the raw REPL's `OK`).
 */
const PRINTED_FLOAT = /(?<![\d.])-?(\d+)\.(\d+)(?:e[+-]?\d+)?(?![\w.])/g;

/**
 * Significant digits of a printed float's mantissa (leading and trailing zeros left out):
 * `0.3333333333333333` → 16, `1234.568` → 7, `100000000.0` → 1.
 */
export function significantDigits(whole: string, fraction: string): number {
  return (whole + fraction).replace(/^0+/, '').replace(/0+$/, '').length;
}

/**
 * Whether a printed line holds a float with more significant digits than the board's BASIC
 * formatter prints for a single-precision float (7, py/formatfloat.c): a double's digits.
 */
export function printsDoubleDigits(line: string): boolean {
  for (const m of line.matchAll(PRINTED_FLOAT)) if (significantDigits(m[1]!, m[2]!) > 7) return true;
  return false;
}

/** The features, in the order their notes would be shown. */
export const UNREMOVABLE: readonly UnremovableFeature[] = [
  {
    id: 'complex',
    name: 'complex numbers',
    message: 'Note: this board’s MicroPython has no complex numbers: on a real ESP8266 a literal such as 1j is a SyntaxError (complex values not supported), as it is in the lab (where the interpreter cannot be patched, it would make a complex number instead).',
    anchor: 'complex-numbers',
    inCode: (code) => COMPLEX_LITERAL.test(code),
  },
  {
    id: 'double-floats',
    name: 'double-precision floats',
    message: 'Note: this board’s MicroPython has single-precision floats (about 7 significant digits); the lab computes with double precision, so results print with more digits here (1/3 is 0.3333333333333333 here, 0.3333333 on the board).',
    anchor: 'floating-point',
    inOutput: printsDoubleDigits,
  },
  {
    id: 'prompt-non-ascii',
    name: 'non-ASCII characters at the prompt',
    message: 'Note: on a real board the line editor drops characters outside ASCII typed at the >>> prompt, so this line would reach Python without them; the lab keeps them. Paste mode (Ctrl-E), the Run button and files keep them on the board too.',
    anchor: 'prompt-characters',
    inPromptLine: (line) => /[^\x00-\x7f]/.test(line),
  },
];

/** The feature with this id, or undefined. */
export function featureById(id: string): UnremovableFeature | undefined {
  return UNREMOVABLE.find((f) => f.id === id);
}

/**
 * Python source with the contents of string literals (every prefix, triple quotes, escapes) and
 * comments replaced by spaces, line breaks kept, so that detectors see only code: `'1j'` and
 * `# 1/3` are not uses. An f-string's expressions are blanked with the rest of it.
 */
export function codeOnly(source: string): string {
  let out = '';
  let i = 0;
  const n = source.length;
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  while (i < n) {
    const c = source[i]!;
    if (c === '#') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      out += blank(source.slice(i, stop));
      i = stop;
      continue;
    }
    if (c === '"' || c === "'") {
      const quote = source.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      let j = i + quote.length;
      let closed = false;
      while (j < n) {
        if (source[j] === '\\') {
          j += 2;
          continue;
        }
        if (source.startsWith(quote, j)) {
          closed = true;
          break;
        }
        if (quote.length === 1 && source[j] === '\n') break; // unterminated: the line ends it
        j++;
      }
      j = Math.min(j, n);
      out += quote + blank(source.slice(i + quote.length, j)) + (closed ? quote : '');
      i = closed ? j + quote.length : j;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/**
 * The features a whole program uses in its code (for the CLI, tests, or a Run button's code).
 * @param source Python source
 */
export function featuresInCode(source: string): UnremovableFeature[] {
  const code = codeOnly(source);
  return UNREMOVABLE.filter((f) => f.inCode?.(code));
}

const ESC = 0x1b;

/**
 * The line the friendly REPL shows, rebuilt from its echo as a terminal would: characters write
 * at the cursor, Backspace and `ESC [ n D` move left, `ESC [ n C` right, `ESC [ K` erases to the
 * end (what shared/readline/readline.c prints for editing, history and completion), a line
 * break starts a new line (a completion list reprints the prompt and the line).
 */
class EchoLine {
  private bytes: number[] = [];
  private cursor = 0;
  /** An escape sequence being read: its bytes after ESC, or null. */
  private esc: number[] | null = null;

  write(data: Uint8Array): void {
    for (const b of data) this.byte(b);
  }

  private byte(b: number): void {
    if (this.esc) {
      this.esc.push(b);
      if (this.esc.length === 1 && b !== 0x5b /* [ */) this.esc = null; // not a CSI: ignored
      else if (b >= 0x40 && b <= 0x7e && this.esc.length > 1) {
        const n = Number(String.fromCharCode(...this.esc.slice(1, -1))) || 1;
        if (b === 0x44 /* D */) this.cursor = Math.max(0, this.cursor - n);
        else if (b === 0x43 /* C */) this.cursor = Math.min(this.bytes.length, this.cursor + n);
        else if (b === 0x4b /* K */) this.bytes.length = this.cursor;
        this.esc = null;
      } else if (this.esc.length > 8) this.esc = null;
      return;
    }
    if (b === ESC) this.esc = [];
    else if (b === 0x08) this.cursor = Math.max(0, this.cursor - 1);
    else if (b === 0x0d) this.cursor = 0;
    else if (b === 0x0a) this.clear();
    else if (b >= 0x20 && b !== 0x7f) {
      this.bytes[this.cursor++] = b;
    }
  }

  /** The line, its prompt (`>>> `, `... `, `=== `) left out. */
  text(): string {
    const s = new TextDecoder().decode(Uint8Array.from(this.bytes));
    return s.replace(/^(>>> |\.\.\. |=== )/, '');
  }

  clear(): void {
    this.bytes = [];
    this.cursor = 0;
    this.esc = null;
  }
}

/** Longest raw-REPL program or paste kept for the checks, in bytes (the ESP8266 heap is 38 KB). */
const MAX_PROGRAM = 64 * 1024;
/** Longest output line kept; a longer one is checked in pieces. */
const MAX_OUTPUT_LINE = 512;

/**
 * Follows one REPL (friendly, paste mode, raw REPL) and reports each feature of
 * {@link UNREMOVABLE} the first time a program uses it:
 * - a line typed at `>>>`, when Enter runs it (its code and {@link UnremovableFeature.inPromptLine});
 * - a paste (Ctrl-E … Ctrl-D, what the Run button sends) or a raw-REPL program when Ctrl-D runs it;
 * - a line the board prints ({@link UnremovableFeature.inOutput}).
 * A line or paste cancelled with Ctrl-C is not checked.
 */
export class FeatureWatch {
  private readonly report: (f: UnremovableFeature) => void;
  private readonly features: readonly UnremovableFeature[];
  private readonly reported = new Set<string>();
  private readonly line = new EchoLine();
  private paste: string[] | null = null;
  private raw: number[] = [];
  private out = '';

  /**
   * @param report called once per feature, the first time a program uses it
   * @param features the table (tests may give their own)
   */
  constructor(report: (f: UnremovableFeature) => void, features: readonly UnremovableFeature[] = UNREMOVABLE) {
    this.report = report;
    this.features = features;
  }

  /** Whether a feature was reported already. */
  has(id: string): boolean {
    return this.reported.has(id);
  }

  /**
   * A byte about to be given to the REPL.
   * @param raw whether the REPL is the raw REPL (Ctrl-A)
   */
  fed(c: number, raw: boolean): void {
    if (raw) {
      this.line.clear();
      this.paste = null;
      if (c === 0x04) {
        this.checkCode(new TextDecoder().decode(Uint8Array.from(this.raw)));
        this.raw = [];
      } else if (c === 0x01 || c === 0x02 || c === 0x03) this.raw = [];
      else if (this.raw.length < MAX_PROGRAM) this.raw.push(c);
      return;
    }
    this.raw = [];
    if (c >= 0x20 || c === 0x08 || c === 0x09 || c === 0x1b || c === 0x0e || c === 0x10) return; // editing: the echo tells
    if (c === 0x0d || c === 0x0a) {
      const text = this.line.text();
      this.line.clear();
      if (this.paste) {
        if (this.paste.reduce((n, l) => n + l.length, 0) < MAX_PROGRAM) this.paste.push(text);
        return;
      }
      this.checkCode(text);
      for (const f of this.features) if (f.inPromptLine?.(text)) this.hit(f);
      return;
    }
    if (c === 0x05 && !this.paste && this.line.text() === '') {
      this.paste = []; // Ctrl-E on an empty line: paste mode
      return;
    }
    if (c === 0x04 && this.paste) {
      this.paste.push(this.line.text());
      this.checkCode(this.paste.join('\n'));
    }
    this.paste = null;
    this.line.clear();
  }

  /**
   * Bytes the board sent on UART0.
   * @param echo whether they are the REPL's echo of input (`SerialChunk.echo`)
   */
  output(data: Uint8Array, echo: boolean): void {
    if (echo) {
      this.line.write(data);
      return;
    }
    for (const b of data) {
      if (b === 0x0a || this.out.length >= MAX_OUTPUT_LINE) {
        this.checkOutput(this.out);
        this.out = '';
      }
      if (b !== 0x0a && b !== 0x0d) this.out += String.fromCharCode(b);
    }
  }

  /** Checks a whole program's code (e.g. a file the CLI runs). */
  checkCode(source: string): void {
    if (!source.trim()) return;
    const code = codeOnly(source);
    for (const f of this.features) if (f.inCode?.(code)) this.hit(f);
  }

  private checkOutput(line: string): void {
    if (!line) return;
    for (const f of this.features) if (f.inOutput?.(line)) this.hit(f);
  }

  private hit(f: UnremovableFeature): void {
    if (this.reported.has(f.id)) return;
    this.reported.add(f.id);
    this.report(f);
  }
}
