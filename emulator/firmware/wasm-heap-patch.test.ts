/**
 * The gc_alloc budget patch (wasm-heap-patch.ts) on the official WebAssembly build.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { dataAddress, findGcAlloc, patchHeapBudget } from './wasm-heap-patch.ts';

const require = createRequire(import.meta.url);
const wasm = new Uint8Array(readFileSync(require.resolve('@micropython/micropython-webassembly-pyscript/micropython.wasm')));

describe('gc_alloc budget patch', () => {
  it('finds the MemoryError message and gc_alloc, and the patched module validates', () => {
    expect(dataAddress(wasm, 'memory allocation failed, allocating %u bytes')).toBeGreaterThan(0);
    expect(findGcAlloc(wasm).functionIndex).toBeGreaterThan(0);
    const patched = patchHeapBudget(wasm);
    expect(WebAssembly.validate(patched)).toBe(true);
    const names = WebAssembly.Module.exports(new WebAssembly.Module(patched)).map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['esp_heap_budget', 'esp_heap_counted', 'esp_heap_request']));
  });

  it('refuses a module without the message', () => {
    expect(() => findGcAlloc(Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toThrow();
  });
});
