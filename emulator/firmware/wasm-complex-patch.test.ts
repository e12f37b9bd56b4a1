/**
 * No complex numbers, as in the ESP8266 build (`MICROPY_PY_BUILTINS_COMPLEX 0`,
 * ports/esp8266/mpconfigport.h): an imaginary literal is a SyntaxError at compile time
 * (py/parsenum.c: `raise_exc(... "complex values not supported", lex)`, made a SyntaxError with
 * the token's line), and a negative float to a fractional power is `ValueError: complex values
 * not supported` (py/objfloat.c `mp_obj_float_binary_op`). wasm-complex-patch.ts.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';
import { COMPLEX_MESSAGE, findImaginary, patchImaginary } from './wasm-complex-patch.ts';

const WASMS = ['micropython-webassembly-pyscript', 'micropython-webassembly-pyscript-1.28'].map(
  (p) => new Uint8Array(readFileSync(new URL(`../../node_modules/@micropython/${p}/micropython.wasm`, import.meta.url))),
);

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

describe('the patch (both releases)', () => {
  it('finds both places and gives a valid module carrying the message', () => {
    for (const bytes of WASMS) {
      const site = findImaginary(bytes);
      expect(site.powerFunction).not.toBe(site.functionIndex);
      const out = patchImaginary(bytes);
      expect(WebAssembly.validate(out)).toBe(true);
      expect(new TextDecoder('latin1').decode(out)).toContain(`${COMPLEX_MESSAGE}\0`);
      expect(out.length - bytes.length).toBe(site.raise.length + site.powerRaise.length);
    }
  });
});

describe('on the board (py/parsenum.c, py/objfloat.c)', () => {
  it('1j is a SyntaxError at compile time; (-1) ** 0.5 a ValueError; floats and names with j are untouched', async () => {
    board = await TestBoard.boot();
    const syntax = 'Traceback (most recent call last):\n  File "<stdin>", line 1\nSyntaxError: complex values not supported\n';
    const out = await board.session(['1j', 'z = 2.5J + 1', 'print(1e3j)', '(-1) ** 0.5', 'pow(-8.0, 1/3)', '2 ** 0.5, (-2.0) ** 2', 'j = 3; j * 2, 0x1f, 1e3', "float('1j')"]);
    // wrong case: the WebAssembly build evaluated these to 1j, (2.5+... and 1000j
    expect(out[0]).toBe(syntax);
    expect(out[1]).toBe(syntax);
    expect(out[2]).toBe(syntax);
    const value = 'Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\nValueError: complex values not supported\n';
    expect(out[3]).toBe(value);
    expect(out[4]).toBe(value);
    expect(out[5]).toBe('(1.4142135623730951, 4.0)\n');
    expect(out[6]).toBe('(6, 31, 1000.0)\n');
    expect(out[7]).toBe('Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\nValueError: invalid syntax for number\n');
    // a script: the whole file fails to compile, nothing of it runs
    const r = await board.exec("print('before')\nz = 1j\n");
    expect(r.out).toBe('');
    expect(r.err).toBe('Traceback (most recent call last):\r\n  File "<stdin>", line 2\r\nSyntaxError: complex values not supported\r\n');
  });
});
