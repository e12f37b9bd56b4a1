/**
 * The first-use notes for what the lab's interpreter cannot be made to lack (unremovable.ts):
 * each detector finds its feature and not a look-alike, FeatureWatch reports a feature once, from
 * a typed line, a paste (the Run button) or a raw-REPL program, and the whole board sends the
 * note to the host (the REPL pump feeds the watch).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { codeOnly, featureById, featuresInCode, FeatureWatch, printsDoubleDigits, UNREMOVABLE, type UnremovableFeature } from './unremovable.ts';
import { TestBoard } from '../node/test-board.ts';

const ids = (fs: UnremovableFeature[]) => fs.map((f) => f.id);
const enc = (s: string) => new TextEncoder().encode(s);

describe('detectors', () => {
  it('complex literals in code, not in strings, comments, names or hex', () => {
    expect(ids(featuresInCode('z = 1j'))).toEqual(['complex']);
    expect(ids(featuresInCode('z = 2.5J + x'))).toEqual(['complex']);
    expect(ids(featuresInCode('print(abs(3+4j))'))).toEqual(['complex']);
    expect(ids(featuresInCode('z = 1e3j'))).toEqual(['complex']);
    // wrong cases
    expect(featuresInCode("print('1j')")).toEqual([]);
    expect(featuresInCode('x = 1 # not 1j')).toEqual([]);
    expect(featuresInCode('a1j = 2; b = 0x1; c = obj.j1')).toEqual([]);
    expect(featuresInCode('s = """\n2j\n"""\nprint(s)')).toEqual([]);
  });

  it('code without strings and comments keeps its shape', () => {
    const src = "a = 'x#y'  # c\nb = \"q\\\"\" + r'1j'\n";
    const code = codeOnly(src);
    expect(code.length).toBe(src.length);
    expect(code.split('\n').length).toBe(src.split('\n').length);
    expect(code).toBe("a = '   '     \nb = \"   \" + r'  '\n");
  });

  it('double-precision digits in printed floats (more than the board\'s 7)', () => {
    expect(printsDoubleDigits('0.3333333333333333')).toBe(true);
    expect(printsDoubleDigits('x = 1234.5678 V')).toBe(true); // the board prints 1234.568
    expect(printsDoubleDigits('(0.30000000000000004, 2)')).toBe(true);
    // wrong cases: what the board prints too
    expect(printsDoubleDigits('0.3333333')).toBe(false);
    expect(printsDoubleDigits('1.65 5.0 10000000000.0 1e+16 0.0001')).toBe(false);
    expect(printsDoubleDigits('MicroPython v1.27.0 on 2025-12-09; ip 192.168.4.1')).toBe(false);
    expect(printsDoubleDigits('123456789')).toBe(false);
  });

  it('every feature has a message pointing at the differences page, and an id found by featureById', () => {
    for (const f of UNREMOVABLE) {
      expect(f.message).toMatch(/^Note: /);
      expect(f.anchor).toMatch(/^[a-z-]+$/);
      expect(featureById(f.id)).toBe(f);
    }
    expect(featureById('nope')).toBeUndefined();
  });
});

describe('FeatureWatch', () => {
  /** Feeds bytes as the REPL pump does: each byte fed, then (for editing keys) its echo. */
  function repl(watch: FeatureWatch, typed: string, raw = false): void {
    for (const ch of enc(typed)) {
      watch.fed(ch, raw);
      if (!raw && (ch >= 0x20 || ch === 0x08)) watch.output(Uint8Array.of(ch), true);
    }
  }

  it('a typed line that uses a feature warns once; the next use and a line without it do not', () => {
    const got: string[] = [];
    const w = new FeatureWatch((f) => got.push(f.id));
    repl(w, 'x = 2\r');
    expect(got).toEqual([]);
    repl(w, 'z = 1j\r');
    expect(got).toEqual(['complex']);
    repl(w, 'z = 2j\r');
    expect(got).toEqual(['complex']);
  });

  it('reads the line as the editor shows it: a Backspace that removes the j, history recalled by its echo', () => {
    const got: string[] = [];
    const w = new FeatureWatch((f) => got.push(f.id));
    repl(w, 'z = 1j');
    w.fed(0x08, false);
    w.output(enc('\b\x1b[K'), true); // the editor moves back and erases to the end
    w.fed(0x0d, false);
    expect(got).toEqual([]);
    // Up arrow: the editor erases the line and prints the recalled one (all echo)
    w.fed(0x1b, false);
    w.fed(0x5b, false);
    w.fed(0x41, false);
    w.output(enc('\x1b[K(1+2j)*3'), true);
    w.fed(0x0d, false);
    expect(got).toEqual(['complex']);
  });

  it('a paste (the Run button: Ctrl-C, Ctrl-E, code, Ctrl-D) is checked when it runs, not when cancelled', () => {
    const got: string[] = [];
    const w = new FeatureWatch((f) => got.push(f.id));
    repl(w, '\x03\x05z = 1j\rprint(z)\r\x03'); // cancelled
    expect(got).toEqual([]);
    repl(w, '\x03\x05for i in range(3):\r    print(i * 1j)\r\x04');
    expect(got).toEqual(['complex']);
  });

  it('non-ASCII typed at the prompt warns; the same in a paste does not (the board keeps it there)', () => {
    const got: string[] = [];
    const w = new FeatureWatch((f) => got.push(f.id));
    repl(w, '\x05print("你好")\r\x04');
    expect(got).toEqual([]);
    repl(w, 'print("你好")\r');
    expect(got).toEqual(['prompt-non-ascii']);
  });

  it('a raw-REPL program (mpremote) is checked at Ctrl-D; printed double digits warn from the output', () => {
    const got: string[] = [];
    const w = new FeatureWatch((f) => got.push(f.id));
    repl(w, 'print(1/3)\x04', true);
    expect(got).toEqual([]);
    w.output(enc('OK0.333333'), false);
    w.output(enc('3333333333\r\n'), false); // split across chunks
    expect(got).toEqual(['double-floats']);
    repl(w, 'z = 3j\x04', true);
    expect(got).toEqual(['double-floats', 'complex']);
  });
});

describe('the board sends each note once', () => {
  let board: TestBoard | null = null;
  afterEach(() => {
    board?.dispose();
    board = null;
  });

  it('complex literal and double digits at the REPL: one note each, none for plain code', async () => {
    board = await TestBoard.boot();
    const notes: string[] = [];
    board.host.on('note', (f) => notes.push(f.id));
    await board.line('x = 7 // 2; print(x, 2.5)');
    await board.line('z = 1j; print(z)');
    await board.line('w = 2j');
    await board.line('print(1/3)');
    await board.line('print(2/3)');
    await board.waitUntil(() => notes.length >= 2, 2000, () => `notes ${JSON.stringify(notes)}`);
    await new Promise((r) => setTimeout(r, 200));
    expect(notes).toEqual(['complex', 'double-floats']);
    // the Run button's paste keeps non-ASCII on the board too: no note; typed at the prompt: a note
    board.since();
    await board.host.run('print("é" * 2)');
    await board.waitFor('éé\r\n>>> ');
    await new Promise((r) => setTimeout(r, 200));
    expect(notes).toEqual(['complex', 'double-floats']);
    await board.line('print("é")');
    await board.waitUntil(() => notes.length >= 3, 2000, () => `notes ${JSON.stringify(notes)}`);
    expect(notes).toEqual(['complex', 'double-floats', 'prompt-non-ascii']);
  }, 30_000);
});
