import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { patchMemory, readMemoryLimits } from './wasm-patch.ts';

const require = createRequire(import.meta.url);
const wasmPath = require.resolve('@micropython/micropython-webassembly-pyscript/micropython.wasm');
const original = new Uint8Array(readFileSync(wasmPath)) as Uint8Array<ArrayBuffer>;

describe('wasm memory patch', () => {
  it('reads the official build\'s memory limits', () => {
    const l = readMemoryLimits(original);
    expect(l.shared).toBe(false);
    expect(l.initial).toBeGreaterThan(0);
    expect(l.maximum).toBeGreaterThanOrEqual(l.initial);
  });

  it('makes the memory shared with a lower maximum and the module still validates', () => {
    const patched = patchMemory(original, { shared: true, maxPages: 4096 });
    const l = readMemoryLimits(patched);
    expect(l).toEqual({ shared: true, initial: readMemoryLimits(original).initial, maximum: 4096 });
    expect(WebAssembly.validate(patched)).toBe(true);
    const mod = new WebAssembly.Module(patched);
    const mem = WebAssembly.Module.exports(mod).find((e) => e.name === 'memory');
    expect(mem?.kind).toBe('memory');
  });

  it('rejects a maximum below the initial size and non-wasm input', () => {
    expect(() => patchMemory(original, { maxPages: 1 })).toThrow(/below the initial/);
    expect(() => readMemoryLimits(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/bad magic/);
  });
});
