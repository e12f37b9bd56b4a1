/**
 * The ESP8266's 38 KB heap, held to the program: `gc_alloc` asks {@link HeapBudget.check} before
 * each allocation (wasm-heap-patch.ts), which measures what the program really holds with a
 * read-only mark of the GC heap (heap.ts), less what the firmware's own objects take here (on the
 * chip they are in flash). `gc.mem_alloc()`, `gc.mem_free()` and `micropython.mem_info()` report
 * the same figure.
 */
import type { FirmwareBuild } from './builds.ts';
import { HeapMeter, NLR_TOP_FROM_PYSTACK, findPystack, gcRoots, outerCStack, outside } from './heap.ts';
import { INITIAL_HEAP_BYTES, type Interpreter } from './interpreter.ts';

/**
 * The ESP8266 build's GC heap: `static char heap[38 * 1024]` less its allocation table gives
 * 37 952 usable bytes (ports/esp8266/main.c; `micropython.mem_info()` on boards: `GC: total: 37952`).
 */
export const ESP_HEAP_BYTES = 37952;
/**
 * Heap in use at the REPL right after boot on a 4 MB board (35 936 free reported for v1.28.0,
 * reference §1.5): what `_boot.py`, `sys.path`, the filesystem objects … hold on the chip.
 */
export const ESP_BOOT_USED = ESP_HEAP_BYTES - 35936;
/** Bytes the firmware may still allocate to raise a MemoryError for a failed request. */
const EXCEPTION_GRACE_BYTES = 256;
/** Bytes the prompt may use to read and compile the next line after a MemoryError. */
const REPL_GRACE_BYTES = 2048;

/** The program's heap use as the firmware reports it, in bytes and in GC blocks of 16 bytes. */
export interface HeapUse {
  used: number;
  oneBlocks: number;
  twoBlocks: number;
  maxBlocks: number;
}

export class HeapBudget {
  /** Live-heap measurement of the current interpreter, or null when unavailable. */
  private meter: HeapMeter | null = null;
  private interp: Interpreter | null = null;
  /** Live bytes of the firmware's own objects after boot (they live in flash on the chip). */
  private base = 0;
  private readonly baseByBuild = new Map<FirmwareBuild, number>();
  /** Nesting of firmware modules being compiled on first use, and live bytes before the outermost. */
  private fwLoading = 0;
  private fwLoadBefore = 0;
  /** Small allocations still allowed after a refusal (the MemoryError's own, or the next prompt line). */
  private grace = 0;
  /** A MemoryError happened in the last execution. */
  private refused = false;

  /** A new interpreter is starting: nothing is measured until {@link start}. */
  reset(): void {
    this.meter = null;
    this.interp = null;
    this.fwLoading = 0;
  }

  /**
   * Measures the firmware's own objects, then holds the program to the ESP8266's heap. Called at
   * rest (no wasm frame running), when the C stack pointer is the stack's base.
   */
  start(interp: Interpreter, build: FirmwareBuild): void {
    this.interp = interp;
    if (!interp.heap) return;
    try {
      // the heap's area lies in the interpreter state, near the interrupt words when they are known
      const hint = interp.layout?.interruptCharAddr;
      const meter = HeapMeter.locate(() => interp.memory.buffer, 1 << 21, INITIAL_HEAP_BYTES, hint);
      // the loader's default Python stack: 2048 words (micropython.mjs loadMicroPython pystack)
      const pystack = findPystack(interp.memory.buffer, 1 << 21, 2048 * 4);
      // at rest (no wasm frame runs: boot.ts calls this between two runs) the stack pointer is
      // the C stack's base
      const cBase = interp.deadCStack().end;
      meter.deadRanges = () => {
        const dead = interp.deadCStack();
        const ranges = [dead];
        if (pystack >= 0) {
          const w = new Int32Array(interp.memory.buffer);
          ranges.push({ start: w[(pystack >> 2) + 2] as number, end: w[(pystack >> 2) + 1] as number });
          // the VM's and the REPL's own C frames: stale addresses, not the program's (heap.ts outerCStack)
          const outer = outerCStack(interp.memory.buffer, pystack + NLR_TOP_FROM_PYSTACK, { end: dead.start, current: dead.end, base: cBase });
          // only the GC's own roots, and the C call in progress (heap.ts gcRoots)
          const roots = gcRoots(interp.memory.buffer, pystack, meter.areaAddr, { start: dead.end, end: outer ? outer.start : cBase });
          if (roots) return outside(roots, interp.memory.buffer.byteLength);
          if (outer) ranges.push(outer);
        }
        return ranges;
      };
      // The firmware's own objects are the same at every boot of this build: measured (a full
      // mark, ~10 ms) at the first boot of the thread and of each build, then reused.
      const cached = this.baseByBuild.get(build);
      this.base = cached ?? meter.measure().liveBytes;
      if (cached === undefined) this.baseByBuild.set(build, this.base);
      this.meter = meter;
      interp.heap.counted.value = ESP_BOOT_USED;
      interp.heap.budget.value = ESP_HEAP_BYTES;
    } catch {
      this.meter = null; // the heap could not be located: no budget (documented difference)
    }
  }

  /**
   * Bytes the program holds, as the ESP8266's `gc.mem_alloc()` would count them (reported within
   * the heap; the budget counts the measured figure, which in-place growth can push a little over).
   */
  used(): HeapUse {
    const m = this.measured();
    return { ...m, used: Math.min(m.used, ESP_HEAP_BYTES) };
  }

  private measured(): HeapUse {
    if (!this.meter) return { used: ESP_BOOT_USED, oneBlocks: 0, twoBlocks: 0, maxBlocks: 0 };
    const s = this.meter.measure();
    const used = Math.max(ESP_BOOT_USED, s.liveBytes - this.base + ESP_BOOT_USED);
    if (this.interp?.heap) this.interp.heap.counted.value = used;
    return { used, oneBlocks: s.oneBlocks, twoBlocks: s.twoBlocks, maxBlocks: s.maxBlocks };
  }

  /**
   * Inside `gc_alloc`: whether `n` more bytes fit, given what the program really holds.
   * When a large request fails, the few small allocations that build its MemoryError still fit,
   * as on the chip, where a failed large block usually leaves some small free blocks.
   */
  check(n: number): boolean {
    if (n <= this.grace) {
      this.grace -= n;
      return true;
    }
    const used = this.measured().used;
    const fits = used + n <= ESP_HEAP_BYTES;
    this.grace = fits ? 0 : EXCEPTION_GRACE_BYTES;
    if (!fits) this.refused = true;
    else if (used + n <= ESP_HEAP_BYTES - REPL_GRACE_BYTES) this.refused = false; // room again
    return fits;
  }

  /**
   * Back at the prompt after a MemoryError: room for the next line to be read and compiled, so
   * `l = None` can free memory (in-place list growth through gc_realloc is not budgeted and can
   * overshoot the heap slightly; see wasm-heap-patch.ts).
   */
  afterError(): void {
    if (this.refused) this.grace = REPL_GRACE_BYTES;
  }

  /** A firmware module starts compiling on first use: that is not the program's memory (it is in flash on the chip). */
  beginFirmwareLoad(): void {
    if (this.fwLoading++ !== 0) return;
    this.fwLoadBefore = this.meter ? this.meter.measure().liveBytes : 0;
    if (this.interp?.heap) this.interp.heap.budget.value = 0;
  }

  /** The module is loaded: its objects join the firmware's own. */
  endFirmwareLoad(): void {
    if (--this.fwLoading !== 0) return;
    if (this.meter) this.base += Math.max(0, this.meter.measure().liveBytes - this.fwLoadBefore);
    if (this.interp?.heap && this.meter) this.interp.heap.budget.value = ESP_HEAP_BYTES;
  }
}
