import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Reader, encodeName, encodeU32, importedFunctions, sectionList } from './wasm-binary.ts';

const require = createRequire(import.meta.url);
const wasm = new Uint8Array(readFileSync(require.resolve('@micropython/micropython-webassembly-pyscript/micropython.wasm')));

describe('wasm binary helpers (WebAssembly Core Spec 2.0 §5)', () => {
  it('round-trips LEB128 and names, and reads padded encodings', () => {
    for (const v of [0, 1, 63, 64, 127, 128, 624485, 2 ** 31, 2 ** 32 - 1]) expect(new Reader(Uint8Array.from(encodeU32(v))).u32()).toBe(v);
    expect(encodeU32(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(new Reader(Uint8Array.of(0xe5, 0x8e, 0xa6, 0x80, 0x00)).u32()).toBe(624485); // padded to 5 bytes
    expect(new Reader(Uint8Array.of(0x7f)).s32()).toBe(-1);
    expect(new Reader(Uint8Array.of(0xc0, 0xbb, 0x78)).s32()).toBe(-123456);
    expect(new Reader(Uint8Array.from(encodeName('héllo'))).name()).toBe('héllo');
    expect(() => new Reader(Uint8Array.of(0x80)).u32()).toThrow(/unexpected end/);
  });

  it('lists the sections and function imports of the MicroPython build', () => {
    const ids = sectionList(wasm).map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining([1, 2, 3, 5, 6, 7, 10, 11]));
    const imports = importedFunctions(wasm);
    expect(imports.count).toBeGreaterThan(30);
    expect(imports.byName.has('env.mp_js_ticks_ms')).toBe(true);
    expect(() => sectionList(Uint8Array.of(1, 2, 3, 4))).toThrow(/bad magic/);
  });
});
