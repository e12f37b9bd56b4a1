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
 * does to the interpreter's RAM on the real board.
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
  private readonly exports: {
    mp_sched_keyboard_interrupt(): void;
    mp_hal_get_interrupt_char(): number;
    emscripten_stack_get_current(): number;
    emscripten_stack_get_end(): number;
  };

  private constructor(mp: MicroPython, instance: WebAssembly.Instance, layout: InterruptLayout | null) {
    this.mp = mp;
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
   */
  static async create(wasm: PreparedWasm, hooks: InterpreterHooks, heapBytes = INITIAL_HEAP_BYTES): Promise<Interpreter> {
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
        env.mp_js_ticks_ms = () => hooks.ticksMs();
        env.mp_js_time_ms = () => hooks.unixMs();
        // The heap-budget check calls this import with a non-zero request (wasm-heap-patch.ts).
        const random = env.mp_js_random_u32 as () => number;
        env.mp_js_random_u32 = () => {
          const request = instance?.exports[HEAP_GLOBALS.request] as WebAssembly.Global | undefined;
          const n = request ? (request.value as number) >>> 0 : 0;
          if (n === 0) return random();
          (request as WebAssembly.Global).value = 0;
          return hooks.heapCheck(n) ? 1 : 0;
        };
        instance = await original.instantiate.call(WebAssembly, wasm.module, imports);
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
        return new Interpreter(mp, instance, wasm.layout);
      } finally {
        WebAssembly.instantiate = original.instantiate;
        WebAssembly.instantiateStreaming = original.streaming;
      }
    };
    const p = loading.then(run, run);
    loading = p.catch(() => undefined);
    return p;
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
