/**
 * No t-strings, as in the ESP8266 build (`MICROPY_PY_TSTRINGS` needs the FULL_FEATURES level,
 * MP@v1.28.0:py/mpconfig.h; ports/esp8266 is EXTRA_FEATURES): wasm-tstring-patch.ts gives
 * py/lexer.c `is_string_or_bytes` its `#elif MICROPY_PY_FSTRINGS` body. The board transcripts are
 * in release.test.ts; here the patch itself, and the new body run against that C expression.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeU32 as u32 } from './wasm-binary.ts';
import { findTstringPrefix, fstringOnlyBody, patchTstrings } from './wasm-tstring-patch.ts';
import { patchSurface } from './wasm-surface-patch.ts';

const wasm = (p: string) => new Uint8Array(readFileSync(new URL(`../../node_modules/@micropython/${p}/micropython.wasm`, import.meta.url)));
const V128 = wasm('micropython-webassembly-pyscript-1.28');
const V127 = wasm('micropython-webassembly-pyscript');

/** MP@v1.28.0:py/lexer.c is_string_or_bytes with MICROPY_PY_FSTRINGS and without MICROPY_PY_TSTRINGS. */
function boardIsString(c0: string, c1: string, c2: string): boolean {
  const q = (c: string) => c === "'" || c === '"';
  return q(c0)
    || ('rubf'.includes(c0) && q(c1))
    || (['rf', 'fr'].includes(c0 + c1) && q(c2))
    || (['rb', 'br'].includes(c0 + c1) && q(c2));
}

/** A module holding only the new body, over a memory laid out as `mp_lexer_t`'s chr0/chr1/chr2. */
function isolated(offsets: { chr0: number; chr1: number; chr2: number }) {
  const body = fstringOnlyBody(offsets);
  const section = (id: number, payload: number[]) => [id, ...u32(payload.length), ...payload];
  const name = (s: string) => [s.length, ...new TextEncoder().encode(s)];
  const bytes = Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7f]), // (i32) -> i32
    ...section(3, [1, 0]),
    ...section(5, [1, 0, 1]), // one page
    ...section(7, [2, ...name('f'), 0, 0, ...name('m'), 2, 0]),
    ...section(10, [1, ...u32(body.length), ...body]),
  ]);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const mem = new DataView((inst.exports.m as WebAssembly.Memory).buffer);
  const f = inst.exports.f as (lex: number) => number;
  return (c0: string, c1: string, c2: string) => {
    const lex = 64;
    mem.setUint32(lex + offsets.chr0, c0.codePointAt(0)!, true);
    mem.setUint8(lex + offsets.chr1, c1.codePointAt(0)!);
    mem.setUint8(lex + offsets.chr2, c2.codePointAt(0)!);
    return f(lex) === 1;
  };
}

describe('the patch', () => {
  it("finds is_string_or_bytes in v1.28.0 (after the surface patch too) and gives a valid module", () => {
    for (const bytes of [V128, patchSurface(V128)]) {
      const site = findTstringPrefix(bytes);
      expect(site.offsets).toEqual({ chr0: 16, chr1: 20, chr2: 21 }); // py/lexer.h: after source_name and the 12-byte reader
      const out = patchTstrings(bytes);
      expect(WebAssembly.validate(out)).toBe(true);
      expect(out).not.toEqual(bytes);
    }
  });

  it('does not apply to v1.27.0, which has no t-strings', () => {
    expect(() => findTstringPrefix(V127)).toThrow(/no t-strings/);
    expect(() => patchTstrings(V127)).toThrow();
  });

  it('the new body answers as the board\'s C expression for every prefix and quote (the wasm build\'s took t, rt, tr)', () => {
    const run = isolated(findTstringPrefix(V128).offsets);
    const chars = [..."'\"rubftRTxs0 "];
    let checked = 0;
    for (const c0 of chars) for (const c1 of chars) for (const c2 of chars) {
      expect(run(c0, c1, c2), JSON.stringify(c0 + c1 + c2)).toBe(boardIsString(c0, c1, c2));
      checked++;
    }
    expect(checked).toBe(chars.length ** 3);
    // the cases t-strings add are now false
    expect(run('t', "'", ' ')).toBe(false);
    expect(run('r', 't', '"')).toBe(false);
    expect(run('t', 'r', "'")).toBe(false);
    expect(run('f', "'", ' ')).toBe(true);
  });
});
