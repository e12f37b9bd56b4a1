/**
 * The patches done once (at build time, or into Node's cache file) instead of in every emulator
 * thread: deterministic, the same result for every release's official wasm, and what the thread
 * then compiles behaves as the thread's own patching did.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { compilePatched, prepareWasm } from './interpreter.ts';
import { findInterruptLayout } from './wasm-inspect.ts';
import { HEAP_GLOBALS } from './wasm-heap-patch.ts';
import { MAX_MEMORY_PAGES, isPatchedWasmInfo, patchForEsp, withMemory } from './wasm-prepare.ts';
import { readMemoryLimits } from './wasm-patch.ts';
import { patchedWasmFile, patchedWasmKey } from '../node/prepared-wasm.ts';
import { RELEASE_IDS, RELEASES } from './builds.ts';

const require = createRequire(import.meta.url);
/** Every release's official wasm build (builds.ts `RELEASES`, one npm package each). */
const BUILDS = RELEASE_IDS.map((release) => {
  const pkg = RELEASES[release].wasmPackage;
  return { release, pkg, bytes: new Uint8Array(readFileSync(require.resolve(`${pkg}/micropython.wasm`))) };
});

describe('patchForEsp', () => {
  for (const { pkg, bytes } of BUILDS) {
    it(`patches ${pkg}: every patch applies, the memory is shared with our maximum, the result is the same each time`, () => {
      const a = patchForEsp(bytes);
      const b = patchForEsp(bytes);
      expect(a.info).toEqual({ surface: true, utf8Prompt: true, heapBudget: true, layout: expect.any(Object) });
      expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
      expect(readMemoryLimits(a.bytes)).toEqual({ shared: true, initial: readMemoryLimits(bytes).initial, maximum: MAX_MEMORY_PAGES });
      expect(readMemoryLimits(withMemory(a.bytes, false)).shared).toBe(false);
      expect(withMemory(a.bytes, true)).toBe(a.bytes);
      // the interrupt words are the original build's (the patches move no data)
      expect(a.info.layout).toEqual(findInterruptLayout(bytes));
      expect(isPatchedWasmInfo(JSON.parse(JSON.stringify(a.info)))).toBe(true);
    });
  }

  it('leaves an unknown module alone where it cannot patch, and says so', () => {
    // a minimal module with its own memory (limits 1..2) and nothing else
    const tiny = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 4, 1, 1, 1, 2]);
    const p = patchForEsp(tiny);
    expect(p.info).toEqual({ surface: false, utf8Prompt: false, heapBudget: false, layout: null });
    expect(readMemoryLimits(p.bytes)).toEqual({ shared: true, initial: 1, maximum: MAX_MEMORY_PAGES });
  });

  it('what the thread compiles from the patched bytes is what its own patching made', async () => {
    const { bytes, release } = BUILDS[0]!;
    const p = patchForEsp(bytes);
    for (const shared of [true, false]) {
      const own = await prepareWasm(bytes, 'x.wasm', shared, release);
      const pre = await compilePatched(p.bytes, p.info, 'x.wasm', shared, release);
      const { module: m1, ...rest1 } = own;
      const { module: m2, ...rest2 } = pre;
      expect(rest2).toEqual(rest1);
      expect(WebAssembly.Module.exports(m2)).toEqual(WebAssembly.Module.exports(m1));
      expect(WebAssembly.Module.exports(m2).map((e) => e.name)).toContain(HEAP_GLOBALS.budget);
      expect(pre.layout === null).toBe(!shared);
    }
  });

  it('a fetched patched build compiles as it downloads, or from its bytes when the server gives no wasm type', async () => {
    const { bytes, release } = BUILDS[0]!;
    const p = patchForEsp(bytes);
    const served = (type: string) => Promise.resolve(new Response(p.bytes, { headers: { 'content-type': type } }));
    const streamed = await compilePatched(served('application/wasm'), p.info, 'x.wasm', true, release);
    const plain = await compilePatched(served('application/octet-stream'), p.info, 'x.wasm', true, release);
    const unshared = await compilePatched(served('application/wasm'), p.info, 'x.wasm', false, release);
    for (const m of [streamed, plain, unshared]) expect(WebAssembly.Module.exports(m.module).length).toBeGreaterThan(10);
    await expect(compilePatched(Promise.resolve(new Response('no', { status: 404 })), p.info, 'x.wasm', true, release)).rejects.toThrow(/HTTP 404/);
  });
});

describe('the cache file of the patched build (node/prepared-wasm.ts)', () => {
  it('is keyed by the bytes, written once, and read back the same', () => {
    const { bytes } = BUILDS[0]!;
    const other = bytes.slice();
    other[other.length - 1] ^= 1;
    expect(patchedWasmKey(bytes)).not.toBe(patchedWasmKey(other));
    expect(patchedWasmKey(bytes)).toBe(patchedWasmKey(bytes.slice()));
    const first = patchedWasmFile(bytes);
    expect(first.path).toMatch(new RegExp(`micropython-${patchedWasmKey(bytes)}\\.wasm$`));
    const again = patchedWasmFile(bytes);
    expect(Buffer.from(again.bytes).equals(Buffer.from(patchForEsp(bytes).bytes))).toBe(true);
    expect(again.info).toEqual(first.info);
  });
});
