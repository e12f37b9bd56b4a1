/**
 * One instance of the official MicroPython WebAssembly interpreter of a release
 * (`@micropython/micropython-webassembly-pyscript` 1.27.0 for v1.27.0, its 1.28.0-6 build for
 * v1.28.0: builds.ts `RELEASES`), prepared to run as the ESP8266's firmware core:
 * - its wasm imports for time (`mp_js_ticks_ms`, `mp_js_time_ms`) read the board's virtual clock;
 * - its memory can be shared, so the host thread can raise KeyboardInterrupt while it spins;
 * - the line editor keeps UTF-8 typed at the prompt (see `widenReadlinePrintable`);
 * - firmware modules (Python) are installed before the banner.
 *
 * A soft or hard reset throws the instance away and creates a new one: that is what a reset
 * does to the interpreter's RAM on the real board. A reset whose firmware modules would be the
 * same as at an earlier boot restores a {@link MemorySnapshot} of that boot's state right after
 * they were installed, instead of installing them again (modules.ts decides when).
 */
import type { loadMicroPython } from '@micropython/micropython-webassembly-pyscript';
import type { ReleaseId } from './builds.ts';
import type { InterruptLayout } from './wasm-inspect.ts';
import { HEAP_GLOBALS } from './wasm-heap-patch.ts';
import { patchForEsp, withMemory, type PatchedWasmInfo } from './wasm-prepare.ts';
import { phaseClock, recordPhase } from './startup-phases.ts';

/** The compiled interpreter, ready to instantiate many times. */
export interface PreparedWasm {
  /** The release whose official wasm build this is (its loader, micropython.mjs, must match). */
  release: ReleaseId;
  module: WebAssembly.Module;
  /** URL or path the loader is pointed at (it is given the compiled module instead). */
  url: string;
  /** Interrupt words for host-side Ctrl-C, or null when unavailable (memory not shared). */
  layout: InterruptLayout | null;
  /** Whether UTF-8 at the friendly prompt is kept. */
  utf8Prompt: boolean;
  /** Whether `gc_alloc` checks the ESP8266 heap budget (see `wasm-heap-patch.ts`). */
  heapBudget: boolean;
  /** Whether the names the ESP8266 build leaves out are gone (see `wasm-surface-patch.ts`). */
  surface?: boolean;
}

/** Size of the interpreter's first GC heap area, in bytes (it grows by more areas). */
export const INITIAL_HEAP_BYTES = 256 * 1024;

export { MAX_MEMORY_PAGES } from './wasm-prepare.ts';

/**
 * The JavaScript loader of each release's wasm build (emscripten glue: it must be the one built
 * with that wasm). Imported on first use, so a page loads only the release it runs.
 */
const LOADERS: Record<ReleaseId, () => Promise<{ loadMicroPython: typeof loadMicroPython }>> = {
  '1.28.0': () => import('@micropython/micropython-webassembly-pyscript-1.28'),
  '1.27.0': () => import('@micropython/micropython-webassembly-pyscript'),
};

/**
 * Patches and compiles the interpreter's wasm (wasm-prepare.ts `patchForEsp`, then
 * {@link compilePatched}). The site patches at build time and Node from a cache file instead:
 * they call `compilePatched`.
 * @param bytes the original `micropython.wasm` of `release`
 * @param shared make the memory shared (needs SharedArrayBuffer support and, in browsers, cross-origin isolation)
 * @param release the release the bytes are the official build of
 * @throws Error if the bytes are not the MicroPython module (no memory section)
 */
export async function prepareWasm(original: Uint8Array, url: string, shared: boolean, release: ReleaseId): Promise<PreparedWasm> {
  const started = phaseClock();
  const patched = patchForEsp(original);
  recordPhase('patch', started);
  return compilePatched(patched.bytes, patched.info, url, shared, release);
}

/**
 * Compiles a build that `patchForEsp` patched (at build time, or from Node's cache file).
 * @param source its bytes, or a fetch of them: with shared memory the response is compiled while
 *   it downloads (`WebAssembly.compileStreaming`, which also lets the browser keep the compiled
 *   code for the next page); without, its bytes get an unshared memory first
 * @param info what the patches did (`PatchedWasmInfo`)
 * @param shared make the memory shared (the patched bytes have it so)
 * @param release the release the bytes are the patched official build of
 * @throws Error if the bytes do not compile, or the response is not 200
 */
export async function compilePatched(source: Uint8Array | Promise<Response>, info: PatchedWasmInfo, url: string, shared: boolean, release: ReleaseId): Promise<PreparedWasm> {
  let t = phaseClock();
  let module: WebAssembly.Module | null = null;
  let bytes: Uint8Array | null = source instanceof Uint8Array ? source : null;
  if (!bytes) {
    const response = await (source as Promise<Response>);
    if (!response.ok) throw new Error(`could not load ${response.url || url} (HTTP ${response.status})`);
    t = recordPhase('wasm-fetch', t);
    if (shared && typeof WebAssembly.compileStreaming === 'function') {
      // a server that does not say application/wasm makes compileStreaming fail: compile the bytes then
      const copy = response.clone();
      module = await WebAssembly.compileStreaming(response).catch(() => null);
      if (!module) bytes = new Uint8Array(await copy.arrayBuffer());
    } else {
      bytes = new Uint8Array(await response.arrayBuffer());
    }
  }
  module ??= await WebAssembly.compile(withMemory(bytes as Uint8Array, shared) as Uint8Array<ArrayBuffer>);
  recordPhase('compile', t);
  return { release, module, url, layout: shared ? info.layout : null, utf8Prompt: info.utf8Prompt, heapBudget: info.heapBudget, surface: info.surface };
}

/** Functions the interpreter's imports and the firmware call into. */
export interface InterpreterHooks {
  /** Raw interpreter stdout/stderr bytes. */
  stdout(bytes: Uint8Array): void;
  /** Value for the `mp_js_ticks_ms` import: ms since power-on. */
  ticksMs(): number;
  /** Value for the `mp_js_time_ms` import: ms since the Unix epoch. */
  unixMs(): number;
  /**
   * `gc_alloc` asks whether `n` more bytes fit in the board's heap budget (called inside the
   * allocation: must not call into the interpreter). Returns true to allow.
   */
  heapCheck(n: number): boolean;
  /**
   * Called for every runtime call the VM makes through emscripten's setjmp trampolines
   * (`invoke_*` imports): a deterministic measure of work, used by the realistic-speed clock.
   */
  onRuntimeCall?(): void;
}

/** The heap-budget globals of a patched interpreter. */
export interface HeapGlobals {
  /** Budget in bytes; 0 disables the check. */
  budget: WebAssembly.Global;
  /** Bytes counted against the budget. */
  counted: WebAssembly.Global;
}

/**
 * One entry of the JS bridge's reference table (`globalThis.proxy_js_ref`, micropython.mjs) in a
 * snapshot: an object kept as it is, one named by its path in the firmware-calls module (so a
 * restore can give the current board's own), or a free slot.
 */
export type SnapshotRef = { value: unknown } | { path: string } | undefined;

/**
 * The interpreter's state at rest (no wasm frame running), right after our firmware modules were
 * installed: the whole linear memory, the one internal mutable global that is not in it
 * (`__stack_pointer`, read and set through the emscripten stack exports), our heap-budget globals,
 * and the JS bridge's reference table, which the C side indexes (`proxy_js_ref`,
 * `proxy_js_ref_next`, `proxy_js_ref_map`). `proxy_js_map` and `proxy_js_existing` are not kept:
 * at rest they hold only the loader's own proxies (`__main__` and its dict), which a new
 * instance makes again with the same ids (checked: {@link MemorySnapshot.pyProxyIds}).
 */
export interface MemorySnapshot {
  /** The compiled module the memory belongs to (a snapshot restores only into its instances). */
  module: WebAssembly.Module;
  /** The GC heap size the interpreter was started with, bytes. */
  heapBytes: number;
  /** Size of the linear memory, bytes. */
  memoryBytes: number;
  /**
   * Its contents in {@link SNAPSHOT_CHUNK}-byte pieces, by offset: the pieces that are not all
   * zero (most of the memory is: a copy of it all would be ~16 MB).
   */
  chunks: Map<number, Uint8Array>;
  /**
   * Offsets of the pieces a new instance has written by the end of its start (it starts the same
   * way each time) that are all zero in the snapshot: a restore zeroes them. The rest of a new
   * instance's memory is untouched (zero, and not even mapped yet): a restore leaves it so.
   */
  zeroed: number[];
  /** `__stack_pointer` at rest. */
  stackPointer: number;
  /** Values of the heap-budget globals (budget, counted, request), or null without them. */
  heapGlobals: [number, number, number] | null;
  /** Entries in the indirect function table (JS functions added at run time would be lost). */
  tableLength: number;
  /** `proxy_js_ref`, entry by entry. */
  refs: SnapshotRef[];
  /** `proxy_js_ref_next`. */
  refNext: number;
  /** `proxy_js_ref_map`: object → reference id. */
  refIds: [SnapshotRef, number][];
  /** The C references the JS side holds proxies of (`proxy_js_map`'s keys). */
  pyProxyIds: number[];
}

/** Bytes per piece of a snapshot's memory. */
export const SNAPSHOT_CHUNK = 64 * 1024;

/** Offsets of the pieces of a memory that are not all zero (see {@link MemorySnapshot.chunks}). */
function nonZeroChunks(buffer: ArrayBufferLike): number[] {
  const out: number[] = [];
  const words = new Int32Array(buffer);
  const step = SNAPSHOT_CHUNK / 4;
  for (let w = 0; w < words.length; w += step) {
    const end = Math.min(w + step, words.length);
    let i = w;
    while (i < end && words[i] === 0) i++;
    if (i < end) out.push(w * 4);
  }
  return out;
}

/** A restore: the snapshot, and how its paths name the current board's objects. */
export interface RestorePlan {
  snapshot: MemorySnapshot;
  /** The object at a path a snapshot's entry names (modules.ts: the firmware calls of this board). */
  resolve(path: string): unknown;
}

/** Thrown by a restore that does not fit the new instance (the caller boots without the snapshot). */
export class SnapshotMismatch extends Error {}

/** The JS bridge's tables on `globalThis` (micropython.mjs `proxy_js_init`). */
interface BridgeTables {
  proxy_js_ref: unknown[];
  proxy_js_ref_next: number;
  proxy_js_ref_map: Map<unknown, number>;
  proxy_js_map: Map<number, unknown>;
  proxy_js_existing: unknown[];
}

function bridgeTables(): BridgeTables {
  return globalThis as unknown as BridgeTables;
}

/**
 * Sets `proxy_js_ref`, `proxy_js_ref_next` and `proxy_js_ref_map` from snapshot entries.
 * @throws SnapshotMismatch when a path names nothing
 */
export function setBridgeRefs(refs: SnapshotRef[], refNext: number, refIds: [SnapshotRef, number][], resolve: (path: string) => unknown): void {
  const value = (r: SnapshotRef): unknown => {
    if (!r) return undefined;
    if ('value' in r) return r.value;
    const v = resolve(r.path);
    if (v === undefined) throw new SnapshotMismatch(`no ${r.path} to restore`);
    return v;
  };
  const table = new Array<unknown>(refs.length);
  for (let i = 0; i < refs.length; i++) if (refs[i]) table[i] = value(refs[i]);
  const map = new Map<unknown, number>();
  for (const [r, id] of refIds) map.set(value(r), id);
  const g = bridgeTables();
  g.proxy_js_ref = table;
  g.proxy_js_ref_next = refNext;
  g.proxy_js_ref_map = map;
}

/**
 * The bridge's reference table as snapshot entries.
 * @param pathOf the path of an object that is to be the current board's at a restore, else undefined
 */
export function bridgeRefs(pathOf: (v: unknown) => string | undefined): { refs: SnapshotRef[]; refNext: number; refIds: [SnapshotRef, number][] } {
  const g = bridgeTables();
  const entry = (v: unknown): SnapshotRef => {
    const path = pathOf(v);
    return path !== undefined ? { path } : { value: v };
  };
  const refs: SnapshotRef[] = [];
  g.proxy_js_ref.forEach((v, i) => {
    refs[i] = v === undefined ? undefined : entry(v);
  });
  refs.length = g.proxy_js_ref.length;
  return { refs, refNext: g.proxy_js_ref_next, refIds: [...g.proxy_js_ref_map].map(([v, id]) => [entry(v), id]) };
}

let loading: Promise<unknown> = Promise.resolve();

/**
 * Whether a buffer is shared memory. Safe where `SharedArrayBuffer` is not defined at all (a
 * page that is not cross-origin isolated), where `instanceof SharedArrayBuffer` would throw.
 */
export function isShared(buffer: ArrayBufferLike): buffer is SharedArrayBuffer {
  return typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer;
}

/** Copies shared views before decoding: browsers' TextDecoder refuses SharedArrayBuffer views. */
function allowSharedTextDecoding(): void {
  const proto = TextDecoder.prototype as TextDecoder & { __sharedOk?: boolean };
  if (proto.__sharedOk) return;
  const decode = proto.decode;
  proto.decode = function (this: TextDecoder, input?: AllowSharedBufferSource, options?: TextDecodeOptions) {
    if (input && ArrayBuffer.isView(input) && isShared(input.buffer)) {
      input = new Uint8Array(input.buffer, input.byteOffset, input.byteLength).slice();
    }
    return decode.call(this, input as BufferSource, options);
  };
  proto.__sharedOk = true;
}

type MicroPython = Awaited<ReturnType<typeof loadMicroPython>>;


export class Interpreter {
  readonly mp: MicroPython;
  readonly memory: WebAssembly.Memory;
  readonly layout: InterruptLayout | null;
  /** The heap-budget globals, or null when the build could not be patched. */
  readonly heap: HeapGlobals | null;
  /**
   * Calls the interpreter made to the host's clock and random source (`mp_js_ticks_ms`,
   * `mp_js_time_ms`, `mp_js_random_u32`): a snapshot is only kept of a state that read none.
   */
  get hostReads(): number {
    return this.reads.n;
  }
  private readonly reads: { n: number };
  private readonly exports: {
    mp_sched_keyboard_interrupt(): void;
    mp_hal_get_interrupt_char(): number;
    emscripten_stack_get_current(): number;
    emscripten_stack_get_end(): number;
    _emscripten_stack_restore?(sp: number): void;
    __indirect_function_table?: WebAssembly.Table;
  };
  /** Pieces of memory the instance had written by the end of its start (a fresh one's, else null). */
  private startChunks: number[] | null = null;
  /** The compiled module and the heap size this instance was made from. */
  private readonly origin: { module: WebAssembly.Module; heapBytes: number };

  private constructor(mp: MicroPython, instance: WebAssembly.Instance, layout: InterruptLayout | null, origin: { module: WebAssembly.Module; heapBytes: number }, reads: { n: number }) {
    this.mp = mp;
    this.origin = origin;
    this.reads = reads;
    this.memory = instance.exports.memory as WebAssembly.Memory;
    this.layout = layout;
    this.exports = instance.exports as unknown as Interpreter['exports'];
    const budget = instance.exports[HEAP_GLOBALS.budget];
    const counted = instance.exports[HEAP_GLOBALS.counted];
    this.heap = budget instanceof WebAssembly.Global && counted instanceof WebAssembly.Global ? { budget, counted } : null;
  }

  /**
   * Instantiates the interpreter. Instances are created one at a time per thread (the loader
   * keeps its state on `globalThis`).
   * @param heapBytes initial GC heap size in bytes
   * @param restore a snapshot to restore once the interpreter has started (its own init runs
   *   first, as always: the loader's JS state is new), instead of the state of a fresh start
   * @throws SnapshotMismatch when the snapshot does not fit this instance (nothing else is changed
   *   that a new `create` does not set again)
   */
  static async create(wasm: PreparedWasm, hooks: InterpreterHooks, heapBytes = INITIAL_HEAP_BYTES, restore?: RestorePlan): Promise<Interpreter> {
    const snap = restore?.snapshot;
    if (snap && (snap.module !== wasm.module || snap.heapBytes !== heapBytes)) throw new SnapshotMismatch('the snapshot is of another interpreter');
    const reads = { n: 0 };
    const run = async () => {
      if (wasm.layout) allowSharedTextDecoding();
      const { loadMicroPython } = await LOADERS[wasm.release]();
      let instance: WebAssembly.Instance | undefined;
      const original = { instantiate: WebAssembly.instantiate, streaming: WebAssembly.instantiateStreaming };
      const hook = async (_source: unknown, imports?: WebAssembly.Imports) => {
        const env = (imports?.env ?? {}) as Record<string, unknown>;
        const count = hooks.onRuntimeCall;
        if (count) {
          for (const name of Object.keys(env)) {
            const f = env[name];
            if (!name.startsWith('invoke_') || typeof f !== 'function') continue;
            env[name] = function (this: unknown, ...a: unknown[]) {
              count();
              return (f as (...x: unknown[]) => unknown).apply(this, a);
            };
          }
        }
        env.mp_js_ticks_ms = () => {
          reads.n++;
          return hooks.ticksMs();
        };
        env.mp_js_time_ms = () => {
          reads.n++;
          return hooks.unixMs();
        };
        // The heap-budget check calls this import with a non-zero request (wasm-heap-patch.ts).
        const random = env.mp_js_random_u32 as () => number;
        env.mp_js_random_u32 = () => {
          const request = instance?.exports[HEAP_GLOBALS.request] as WebAssembly.Global | undefined;
          const n = request ? (request.value as number) >>> 0 : 0;
          if (n === 0) {
            reads.n++;
            return random();
          }
          (request as WebAssembly.Global).value = 0;
          return hooks.heapCheck(n) ? 1 : 0;
        };
        instance = await original.instantiate.call(WebAssembly, wasm.module, imports);
        if (snap) {
          // the memory gets the snapshot's size before the loader makes its views of it
          const memory = instance.exports.memory as WebAssembly.Memory;
          const missing = Math.ceil((snap.memoryBytes - memory.buffer.byteLength) / 65536);
          if (missing > 0) memory.grow(missing);
        }
        return { module: wasm.module, instance };
      };
      WebAssembly.instantiate = hook as typeof WebAssembly.instantiate;
      WebAssembly.instantiateStreaming = hook as typeof WebAssembly.instantiateStreaming;
      try {
        const mp = await loadMicroPython({
          url: wasm.url,
          heapsize: heapBytes,
          linebuffer: false,
          stdout: (b: Uint8Array) => hooks.stdout(b),
          stderr: (b: Uint8Array) => hooks.stdout(b),
        });
        if (!instance) throw new Error('MicroPython did not instantiate through the hook');
        const interp = new Interpreter(mp, instance, wasm.layout, { module: wasm.module, heapBytes }, reads);
        if (restore) interp.restoreFrom(restore);
        else interp.startChunks = nonZeroChunks(interp.memory.buffer);
        return interp;
      } finally {
        WebAssembly.instantiate = original.instantiate;
        WebAssembly.instantiateStreaming = original.streaming;
      }
    };
    const p = loading.then(run, run);
    loading = p.catch(() => undefined);
    return p;
  }

  /**
   * A snapshot of this interpreter's state; call it at rest (no wasm frame running, e.g. right
   * after `runPython` returned).
   * @param pathOf the path of a JS object the interpreter references that is to be the current
   *   board's at a restore (the firmware calls), else undefined (kept as it is)
   * @returns null when this instance cannot be snapshotted (no stack exports), else the snapshot
   */
  snapshot(pathOf: (v: unknown) => string | undefined): MemorySnapshot | null {
    const restoreStack = this.exports._emscripten_stack_restore;
    const table = this.exports.__indirect_function_table;
    if (!restoreStack || !table) return null;
    const { refs, refNext, refIds } = bridgeRefs(pathOf);
    const g = bridgeTables();
    if (g.proxy_js_existing.some((v) => v !== undefined) || !this.startChunks) return null;
    const chunks = new Map(nonZeroChunks(this.memory.buffer).map((at) => [at, new Uint8Array(this.memory.buffer).slice(at, at + SNAPSHOT_CHUNK)]));
    return {
      module: this.origin.module,
      heapBytes: this.origin.heapBytes,
      memoryBytes: this.memory.buffer.byteLength,
      // slice: copies in ArrayBuffers of their own, also of shared memory
      chunks,
      zeroed: this.startChunks.filter((at) => !chunks.has(at)),
      stackPointer: this.exports.emscripten_stack_get_current(),
      heapGlobals: this.heap ? [this.heap.budget.value as number, this.heap.counted.value as number, this.heapRequest()] : null,
      tableLength: table.length,
      refs,
      refNext,
      refIds,
      pyProxyIds: [...g.proxy_js_map.keys()].sort((a, b) => a - b),
    };
  }

  private heapRequest(): number {
    const g = this.instanceExports[HEAP_GLOBALS.request];
    return g instanceof WebAssembly.Global ? (g.value as number) : 0;
  }

  private get instanceExports(): Record<string, unknown> {
    return this.exports as unknown as Record<string, unknown>;
  }

  /**
   * Puts a snapshot's state in place of this new instance's: memory, stack pointer, heap-budget
   * globals, the bridge's reference table.
   * @throws SnapshotMismatch when it does not fit (function table, memory size, the loader's proxies)
   */
  private restoreFrom(plan: RestorePlan): void {
    const snap = plan.snapshot;
    const restoreStack = this.exports._emscripten_stack_restore;
    const table = this.exports.__indirect_function_table;
    if (!restoreStack || !table || table.length !== snap.tableLength) throw new SnapshotMismatch('function table differs');
    const pyProxyIds = [...bridgeTables().proxy_js_map.keys()].sort((a, b) => a - b);
    if (pyProxyIds.join() !== snap.pyProxyIds.join()) throw new SnapshotMismatch('the loader made other proxies');
    const memory = new Uint8Array(this.memory.buffer);
    if (memory.length < snap.memoryBytes) throw new SnapshotMismatch('memory too small');
    setBridgeRefs(snap.refs, snap.refNext, snap.refIds, plan.resolve);
    for (const [at, chunk] of snap.chunks) memory.set(chunk, at);
    for (const at of snap.zeroed) memory.fill(0, at, Math.min(at + SNAPSHOT_CHUNK, memory.length));
    restoreStack(snap.stackPointer);
    if (this.heap && snap.heapGlobals) {
      this.heap.budget.value = snap.heapGlobals[0];
      this.heap.counted.value = snap.heapGlobals[1];
      const request = this.instanceExports[HEAP_GLOBALS.request];
      if (request instanceof WebAssembly.Global) request.value = snap.heapGlobals[2];
    }
  }

  /** The unused part of the C stack (it grows down): [end, current), bytes. Reads only. */
  deadCStack(): { start: number; end: number } {
    return { start: this.exports.emscripten_stack_get_end(), end: this.exports.emscripten_stack_get_current() };
  }

  /** Feeds one byte to the REPL. Returns non-zero when the REPL asks for a soft reset. */
  processChar(c: number): number {
    return this.mp.replProcessChar(c);
  }

  /** 3 while user code runs (Ctrl-C interrupts it), -1 otherwise. */
  interruptChar(): number {
    return this.exports.mp_hal_get_interrupt_char();
  }

  /** Makes the VM raise KeyboardInterrupt at its next check, as the UART interrupt handler does. */
  scheduleKeyboardInterrupt(): void {
    this.exports.mp_sched_keyboard_interrupt();
  }

  /**
   * Takes a KeyboardInterrupt that is scheduled but not yet raised (so a blocking firmware call
   * can raise it at once instead of sleeping on). Returns whether there was one.
   */
  takePendingInterrupt(): boolean {
    const pending = this.layout?.kbdInterruptStores.find((s) => !s.guard && s.value !== 0);
    if (!pending) return false;
    const words = new Int32Array(this.memory.buffer);
    return Atomics.compareExchange(words, pending.addr >> 2, pending.value, 0) === pending.value;
  }

  /** Withdraws a KeyboardInterrupt that was scheduled but not yet raised. */
  clearPendingInterrupt(): void {
    const pending = this.layout?.kbdInterruptStores.find((s) => !s.guard && s.value !== 0);
    if (!pending) return;
    const words = new Int32Array(this.memory.buffer);
    Atomics.compareExchange(words, pending.addr >> 2, pending.value, 0);
  }
}
