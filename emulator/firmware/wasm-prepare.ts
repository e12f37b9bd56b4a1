/**
 * Our patches of an official MicroPython wasm build, as one deterministic step: the same input
 * bytes always give the same output bytes. They cost 100–250 ms of JavaScript at every page load
 * when done in the emulator thread, so the site does them once, at build time
 * (`src/integrations/prepared-wasm.mjs` emits the patched wasm as an asset, with
 * {@link PatchedWasmInfo} beside it), and Node keeps the result in a cache file
 * (`emulator/node/prepared-wasm.ts`). Only the memory's `shared` flag is still chosen at run
 * time (`patchMemory`, a few bytes of the memory section), since it depends on whether the page
 * is cross-origin isolated.
 *
 * The patches (each skipped on a build it does not recognise, a documented difference):
 * - `wasm-surface-patch.ts` — the names the ESP8266 build leaves out are gone;
 * - `wasm-stack-patch.ts` — `re`'s recursion uses the C stack, so it hits the recursion limit;
 * - `wasm-complex-patch.ts` — an imaginary literal is a SyntaxError, as without complex numbers;
 * - `wasm-tstring-patch.ts` — `t'…'` is a name and a string, as without t-strings (v1.28.0);
 * - `wasm-inspect.ts` `widenReadlinePrintable` — UTF-8 typed at the friendly prompt is kept;
 * - `wasm-heap-patch.ts` — `gc_alloc` checks the ESP8266's heap budget;
 * - `wasm-patch.ts` — the memory is shared (the output here) with at most {@link MAX_MEMORY_PAGES}.
 */
import { findInterruptLayout, widenReadlinePrintable, type InterruptLayout } from './wasm-inspect.ts';
import { patchMemory } from './wasm-patch.ts';
import { patchHeapBudget } from './wasm-heap-patch.ts';
import { patchSurface } from './wasm-surface-patch.ts';
import { patchRegexStack } from './wasm-stack-patch.ts';
import { patchImaginary } from './wasm-complex-patch.ts';
import { patchTstrings } from './wasm-tstring-patch.ts';

/** Largest wasm memory the interpreter may grow to: 4096 pages of 64 KiB = 256 MiB. */
export const MAX_MEMORY_PAGES = 4096;

/** What the patches did to a build (plain data: it travels as JSON from build time). */
export interface PatchedWasmInfo {
  /** The names the ESP8266 build leaves out are gone (`wasm-surface-patch.ts`). */
  surface: boolean;
  /** UTF-8 at the friendly prompt is kept. */
  utf8Prompt: boolean;
  /** `gc_alloc` checks the ESP8266 heap budget (`wasm-heap-patch.ts`). */
  heapBudget: boolean;
  /** The interrupt words for host-side Ctrl-C (`wasm-inspect.ts`), or null when not found. */
  layout: InterruptLayout | null;
}

/** A patched build: its bytes (memory shared, see the module comment) and what was patched. */
export interface PatchedWasm {
  bytes: Uint8Array<ArrayBuffer>;
  info: PatchedWasmInfo;
}

/**
 * Applies our patches to an official `micropython.wasm`.
 * @param original the package's bytes
 * @throws Error if the bytes are not the MicroPython module (no memory section of its own)
 */
export function patchForEsp(original: Uint8Array): PatchedWasm {
  let bytes: Uint8Array = original;
  let surface = false;
  try {
    bytes = patchSurface(original);
    surface = true;
  } catch {
    bytes = original; // unknown build: the extra names stay (documented difference)
  }
  try {
    bytes = patchRegexStack(bytes); // re's recursion hits the C stack limit (RuntimeError)
  } catch {
    // unknown build: a too deep regular expression overflows the host's stack
  }
  try {
    bytes = patchImaginary(bytes); // 1j: SyntaxError: complex values not supported
  } catch {
    // unknown build: imaginary literals make complex numbers (the first-use note says so)
  }
  try {
    bytes = patchTstrings(bytes); // t'a{1}': SyntaxError: invalid syntax
  } catch {
    // a build without t-strings (v1.27.0), or an unknown one: the lexer stays as it is
  }
  let layout: InterruptLayout | null = null;
  try {
    layout = findInterruptLayout(bytes);
  } catch {
    layout = null;
  }
  const widened = widenReadlinePrintable(bytes);
  let budgeted: Uint8Array | null = null;
  try {
    budgeted = patchHeapBudget(widened ?? bytes);
  } catch {
    budgeted = null; // unknown build: no heap budget (documented difference)
  }
  const out = patchMemory(budgeted ?? widened ?? bytes, { shared: true, maxPages: MAX_MEMORY_PAGES });
  return { bytes: out, info: { surface, utf8Prompt: widened !== null, heapBudget: budgeted !== null, layout } };
}

/**
 * The patched bytes with the memory shared or not, as this thread needs them (a copy when it
 * changes; the bytes themselves when they are already so).
 */
export function withMemory(patched: Uint8Array, shared: boolean): Uint8Array {
  return shared ? patched : patchMemory(patched, { shared: false });
}

/** Whether a value is a {@link PatchedWasmInfo} (it comes from a file or a message). */
export function isPatchedWasmInfo(v: unknown): v is PatchedWasmInfo {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  if (typeof o.surface !== 'boolean' || typeof o.utf8Prompt !== 'boolean' || typeof o.heapBudget !== 'boolean') return false;
  if (o.layout === null) return true;
  const l = o.layout as Record<string, unknown> | undefined;
  return !!l && typeof l === 'object' && Number.isInteger(l.interruptCharAddr) && Array.isArray(l.kbdInterruptStores);
}
