/**
 * Rewrites the memory declaration of a WebAssembly module.
 *
 * The official MicroPython WebAssembly build (`@micropython/micropython-webassembly-pyscript`)
 * defines its own linear memory (one entry in the memory section, limits flag 0x01 with an
 * initial and a maximum page count). Marking it shared (flag 0x03) lets the host thread write
 * the VM's pending-exception words while the interpreter spins in a tight loop — what a UART
 * interrupt does on the real chip — and lowering the maximum bounds what a memory bomb can take
 * from the browser. Nothing else in the module changes.
 *
 * Binary format: WebAssembly Core Specification 2.0, §5.5.8 (memory section) and §5.3.8 (limits).
 */
export interface MemoryPatch {
  /** Make the memory shared (needs a maximum, and cross-origin isolation in browsers). */
  shared?: boolean;
  /** New maximum, in 64 KiB pages. */
  maxPages?: number;
}

export interface MemoryLimits {
  shared: boolean;
  initial: number;
  maximum: number | undefined;
}

import { Reader, encodeU32, sectionList } from './wasm-binary.ts';

const MEMORY_SECTION = 5;

function findMemorySection(bytes: Uint8Array): { start: number; payload: number; end: number } {
  const sec = sectionList(bytes).find((x) => x.id === MEMORY_SECTION);
  if (!sec) throw new Error('wasm: no memory section (memory is imported?)');
  return sec;
}

/** Reads the limits of the module's single defined memory. @throws Error if the module has none */
export function readMemoryLimits(bytes: Uint8Array): MemoryLimits {
  const sec = findMemorySection(bytes);
  const r = new Reader(bytes, sec.payload);
  const count = r.u32();
  if (count !== 1) throw new Error(`wasm: ${count} memories`);
  const flag = r.byte();
  const initial = r.u32();
  const maximum = flag & 1 ? r.u32() : undefined;
  return { shared: (flag & 2) !== 0, initial, maximum };
}

/**
 * Returns a copy of `bytes` with its memory limits changed as asked.
 * @throws Error if the module has no memory section of its own, or `maxPages` < initial
 */
export function patchMemory(bytes: Uint8Array, patch: MemoryPatch): Uint8Array<ArrayBuffer> {
  const sec = findMemorySection(bytes);
  const limits = readMemoryLimits(bytes);
  const maximum = patch.maxPages ?? limits.maximum;
  const shared = patch.shared ?? limits.shared;
  if (maximum !== undefined && maximum < limits.initial) {
    throw new Error(`wasm: maximum ${maximum} pages is below the initial ${limits.initial}`);
  }
  if (shared && maximum === undefined) throw new Error('wasm: a shared memory needs a maximum');
  const flag = (maximum !== undefined ? 1 : 0) | (shared ? 2 : 0);
  const payload = [...encodeU32(1), flag, ...encodeU32(limits.initial), ...(maximum !== undefined ? encodeU32(maximum) : [])];
  const section = [MEMORY_SECTION, ...encodeU32(payload.length), ...payload];
  const out = new Uint8Array(bytes.length - (sec.end - sec.start) + section.length);
  out.set(bytes.subarray(0, sec.start), 0);
  out.set(section, sec.start);
  out.set(bytes.subarray(sec.end), sec.start + section.length);
  return out;
}
