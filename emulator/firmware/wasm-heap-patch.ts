/**
 * Gives the MicroPython WebAssembly build an ESP8266-sized heap budget.
 *
 * The build grows its GC heap on demand and collects garbage only between top-level calls, so
 * it never raises MemoryError where an ESP8266 (37 952-byte heap) would. This patch adds a
 * check at the start of `gc_alloc(n_bytes, flags)`:
 *
 *     if (budget != 0 && counted + n_bytes > budget) {       // fast path fails
 *         request = n_bytes;
 *         if (!host_check()) return NULL;                    // m_malloc raises MemoryError
 *     }
 *     counted += n_bytes;
 *
 * `budget`, `counted` and `request` are new exported globals; `host_check` reuses the
 * `mp_js_random_u32` import (the host tells the two apart by `request` being non-zero). On a
 * NULL return `m_malloc` raises the firmware's own `MemoryError: memory allocation failed,
 * allocating N bytes` (py/malloc.c `m_malloc_fail`). The host's check recomputes `counted` from
 * what the program really holds (see `heap.ts`).
 *
 * `gc_alloc` is not exported; it is found as the function that `m_malloc` calls first, where
 * `m_malloc` is a caller of `m_malloc_fail`, the only function loading the address of the
 * "memory allocation failed, allocating %u bytes" message. Binary format: WebAssembly Core
 * Specification 2.0, §5.
 */

import { Reader, codePayload as rewriteBodies, concat, encodeName as str, encodeU32 as u32, functionBodies, importedFunctions, replaceSections, sectionList, type Body, type Section } from './wasm-binary.ts';

export const HEAP_GLOBALS = { budget: 'esp_heap_budget', counted: 'esp_heap_counted', request: 'esp_heap_request' } as const;

const MESSAGE = 'memory allocation failed, allocating %u bytes';

function findBytes(hay: Uint8Array, needle: number[], from: number, to: number): number[] {
  const hits: number[] = [];
  outer: for (let i = from; i + needle.length <= to; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    hits.push(i);
  }
  return hits;
}

/**
 * Positions in [from, to) where `opcode` is followed by a LEB128 immediate decoding to `value`
 * (the linker pads relocatable immediates to 5 bytes, so bytes cannot be matched directly).
 */
function findImmediate(hay: Uint8Array, opcode: number, value: number, signed: boolean, from: number, to: number): number[] {
  const hits: number[] = [];
  for (let i = from; i < to; i++) {
    if (hay[i] !== opcode) continue;
    let result = 0;
    let shift = 0;
    let j = i + 1;
    let b = 0;
    do {
      b = hay[j++] ?? 0;
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80 && shift < 35 && j < to);
    if (signed && shift < 32 && b & 0x40) result |= -1 << shift;
    if ((signed ? result : result >>> 0) === value) hits.push(i);
  }
  return hits;
}

/** Address of a NUL-terminated string in the module's active data segments, or -1. */
export function dataAddress(bytes: Uint8Array, text: string): number {
  const data = sectionList(bytes).find((s) => s.id === 11);
  if (!data) return -1;
  const needle = [...new TextEncoder().encode(text), 0];
  const r = new Reader(bytes, data.payload);
  for (let n = r.u32(); n > 0; n--) {
    const flags = r.u32();
    let offset = -1;
    if (flags === 0 || flags === 2) {
      if (flags === 2) r.u32();
      if (r.byte() !== 0x41) throw new Error('wasm: data offset is not i32.const');
      const sr = r.pos;
      // signed LEB128
      let result = 0;
      let shift = 0;
      let b: number;
      do { b = r.byte(); result |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
      if (shift < 32 && b & 0x40) result |= -1 << shift;
      void sr;
      offset = result;
      if (r.byte() !== 0x0b) throw new Error('wasm: data offset expression too long');
    }
    const size = r.u32();
    if (offset >= 0) {
      const hits = findBytes(bytes, needle, r.pos, r.pos + size);
      if (hits.length) return offset + ((hits[0] as number) - r.pos);
    }
    r.pos += size;
  }
  return -1;
}

/** Where `gc_alloc` is: its index among defined functions and its body. @throws Error when not found unambiguously */
export function findGcAlloc(bytes: Uint8Array): { definedIndex: number; functionIndex: number } {
  const secs = sectionList(bytes);
  const code = secs.find((s) => s.id === 10);
  if (!code) throw new Error('wasm: no code section');
  const imports = importedFunctions(bytes);
  const bodies = functionBodies(bytes, code);
  const addr = dataAddress(bytes, MESSAGE);
  if (addr < 0) throw new Error('wasm: MemoryError message not found');
  const failers = bodies.filter((b) => findImmediate(bytes, 0x41, addr, true, b.codeStart, b.end).length > 0);
  if (failers.length !== 1) throw new Error(`wasm: ${failers.length} functions load the MemoryError message`);
  const failIndex = imports.count + (failers[0] as Body).index;
  const candidates = new Map<number, number>();
  for (const b of bodies) {
    if (findImmediate(bytes, 0x10, failIndex, false, b.codeStart, b.end).length === 0) continue;
    // m_malloc: local.get 0; i32.const 0; call gc_alloc
    const head = [0x20, 0x00, 0x41, 0x00, 0x10];
    if (!head.every((v, i) => bytes[b.codeStart + i] === v)) continue;
    const r = new Reader(bytes, b.codeStart + head.length);
    const callee = r.u32();
    candidates.set(callee, (candidates.get(callee) ?? 0) + 1);
  }
  if (candidates.size !== 1) throw new Error(`wasm: m_malloc not identified (${candidates.size} candidates)`);
  const functionIndex = [...candidates.keys()][0] as number;
  return { definedIndex: functionIndex - imports.count, functionIndex };
}

/**
 * Returns a copy of the module with the heap-budget check in `gc_alloc` and three exported
 * mutable i32 globals (see {@link HEAP_GLOBALS}).
 * @throws Error if the module does not have the expected shape
 */
export function patchHeapBudget(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const secs = sectionList(bytes);
  const imports = importedFunctions(bytes);
  const hostCheck = imports.byName.get('env.mp_js_random_u32');
  if (hostCheck === undefined) throw new Error('wasm: no mp_js_random_u32 import');
  const { definedIndex } = findGcAlloc(bytes);

  // globals: count the existing ones (none are imported in this build)
  const globalSec = secs.find((s) => s.id === 6);
  if (!globalSec) throw new Error('wasm: no global section');
  const gr = new Reader(bytes, globalSec.payload);
  const globalCount = gr.u32();
  const gBudget = globalCount;
  const gCounted = globalCount + 1;
  const gRequest = globalCount + 2;
  const newGlobal = [0x7f, 0x01, 0x41, 0x00, 0x0b]; // mut i32 = i32.const 0
  const globalPayload = [...u32(globalCount + 3), ...Array.from(bytes.subarray(gr.pos, globalSec.end)), ...newGlobal, ...newGlobal, ...newGlobal];

  const exportSec = secs.find((s) => s.id === 7);
  if (!exportSec) throw new Error('wasm: no export section');
  const er = new Reader(bytes, exportSec.payload);
  const exportCount = er.u32();
  const exportPayload = [
    ...u32(exportCount + 3),
    ...Array.from(bytes.subarray(er.pos, exportSec.end)),
    ...str(HEAP_GLOBALS.budget), 0x03, ...u32(gBudget),
    ...str(HEAP_GLOBALS.counted), 0x03, ...u32(gCounted),
    ...str(HEAP_GLOBALS.request), 0x03, ...u32(gRequest),
  ];

  const gget = (g: number) => [0x23, ...u32(g)];
  const gset = (g: number) => [0x24, ...u32(g)];
  const prologue = [
    ...gget(gBudget), 0x04, 0x40, // if budget
    0x20, 0x00, ...gget(gCounted), 0x6a, ...gget(gBudget), 0x4b, 0x04, 0x40, // if counted + n > budget (unsigned)
    0x20, 0x00, ...gset(gRequest),
    0x10, ...u32(hostCheck), 0x45, 0x04, 0x40, // if !host_check()
    0x41, 0x00, 0x0f, // return NULL
    0x0b,
    0x0b,
    ...gget(gCounted), 0x20, 0x00, 0x6a, ...gset(gCounted),
    0x0b,
  ];

  const code = secs.find((s) => s.id === 10) as Section;
  const bodies = functionBodies(bytes, code);
  const target = bodies[definedIndex];
  if (!target) throw new Error('wasm: gc_alloc body missing');
  const newBody = concat([bytes.subarray(target.start, target.codeStart), Uint8Array.from(prologue), bytes.subarray(target.codeStart, target.end)]);
  const codePayload = rewriteBodies(bytes, bodies, (b) => (b === target ? newBody : undefined));

  const replace = new Map<number, Uint8Array>([[6, Uint8Array.from(globalPayload)], [7, Uint8Array.from(exportPayload)], [10, codePayload]]);
  return replaceSections(bytes, secs, replace);
}
