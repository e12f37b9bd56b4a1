/**
 * The surface patch (wasm-surface-patch.ts) on the official WebAssembly build: it finds the qstr
 * pools and the constant dicts, takes out what the ESP8266 build leaves out
 * (MP@v1.27.0:ports/esp8266/mpconfigport.h) and the module still validates. The transcripts of
 * the patched interpreter are in fidelity.test.ts ("features the esp8266 build leaves out").
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DataImage, findRomDicts, findSetattrHooks, findSliceIndices, patchSurface, planSurfacePatch, readQstrs } from './wasm-surface-patch.ts';

const require = createRequire(import.meta.url);
const wasm = new Uint8Array(readFileSync(require.resolve('@micropython/micropython-webassembly-pyscript/micropython.wasm')));

function keysOf(bytes: Uint8Array, has: string[]): string[][] {
  const img = new DataImage(bytes);
  const q = readQstrs(img);
  const names: string[] = [];
  for (const [n, i] of q.byName) names[i] = n;
  return findRomDicts(img, q)
    .filter((d) => has.every((h) => d.keys.includes(q.byName.get(h) as number)))
    .map((d) => d.keys.map((k) => names[k] as string));
}

describe('surface patch', () => {
  it('reads the qstr pools: the static pool starts with MP_QSTRnull, "" and __dir__ (py/makeqstrdata.py static_qstr_list)', () => {
    const q = readQstrs(new DataImage(wasm));
    expect(q.byName.get('__dir__')).toBe(2);
    expect(q.byName.get('center')).toBeGreaterThan(q.byName.get('__dir__') as number);
    expect(q.count).toBeGreaterThan(500);
  });

  it('finds the tables in the real wasm with the names to remove', () => {
    expect(keysOf(wasm, ['getrandbits'])).toEqual([['__name__', '__init__', 'getrandbits', 'seed', 'randrange', 'randint', 'choice', 'random', 'uniform']]);
    expect(keysOf(wasm, ['center']).length).toBe(3); // str, bytes, bytearray share one table (py/objstr.c)
    const plan = planSurfacePatch(new DataImage(wasm));
    expect(plan.done.map((d) => d.what)).toEqual(['str/bytes/bytearray methods', 'random', 'math', 'builtins', 'binascii', 'object.__setattr__/__delattr__']);
  });

  it('after the patch the names are gone, the rest stays in order, and the module validates', () => {
    const patched = patchSurface(wasm);
    expect(patched.length).toBe(wasm.length);
    expect(WebAssembly.validate(patched)).toBe(true);
    expect(keysOf(patched, ['getrandbits'])).toEqual([['__name__', '__init__', 'getrandbits', 'seed']]);
    const strs = keysOf(patched, ['find', 'lower']);
    // str (…encode), bytes (hex, fromhex, decode…), bytearray (append, extend…), memoryview is [hex] only
    expect(strs.map((k) => [k[0], k.at(-1), k.length])).toEqual([
      ['find', 'encode', 23], ['hex', 'islower', 25], ['append', 'islower', 27],
    ]);
    for (const k of strs) expect(k.filter((n) => ['center', 'partition', 'rpartition', 'splitlines'].includes(n))).toEqual([]);
    const math = keysOf(patched, ['sqrt', 'degrees'])[0] as string[];
    expect(math).toEqual(['__name__', 'e', 'pi', 'sqrt', 'pow', 'exp', 'log', 'cos', 'sin', 'tan', 'acos', 'asin', 'atan', 'atan2',
      'ceil', 'copysign', 'fabs', 'floor', 'fmod', 'frexp', 'ldexp', 'modf', 'isfinite', 'isinf', 'isnan', 'trunc', 'radians', 'degrees']);
    const builtins = keysOf(patched, ['abs', '__build_class__'])[0] as string[];
    expect(builtins).toContain('<module>'); // compile, kept for the firmware under a name no program can write
    for (const n of ['complex', 'compile', 'execfile', 'NotImplemented']) expect(builtins).not.toContain(n);
    expect(builtins).toContain('NotImplementedError');
  });

  it('finds the one function that looks up __setattr__ and __delattr__ (py/objtype.c mp_obj_instance_store_attr), and points it at __delete__', () => {
    const q = readQstrs(new DataImage(wasm));
    const at = findSetattrHooks(wasm, q);
    expect(at.length).toBe(2);
    const patched = patchSurface(wasm);
    const d = q.byName.get('__delete__') as number;
    for (const a of at) expect([patched[a], patched[a + 1]]).toEqual([(d & 0x7f) | 0x80, d >> 7]);
    expect(() => findSetattrHooks(patched, q)).toThrow(/not identified/);
  });

  it('finds slice_attr\'s one load of the qstr indices (py/objslice.c) and points it at <module>', () => {
    const q = readQstrs(new DataImage(wasm));
    const at = findSliceIndices(wasm, q);
    const patched = patchSurface(wasm);
    expect([patched[at], patched[at + 1]]).toEqual([0x80 | (q.byName.get('<module>') as number), 0]);
    expect(() => findSliceIndices(patched, q)).toThrow(/not identified/);
  });

  it('refuses a module without the tables', () => {
    expect(() => patchSurface(Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toThrow(/no data section/);
    // a build whose random module already lacks the extra functions: the plan says so
    const patched = patchSurface(wasm);
    expect(() => patchSurface(patched)).toThrow(/not (found|in)/);
  });
});
