/**
 * Measures what a running program really holds in the interpreter's GC heap, without collecting:
 * a read-only, conservative mark over the heap, done by the host thread while the interpreter
 * waits (inside `gc_alloc`'s budget check or a firmware call).
 *
 * MicroPython's GC (py/gc.c) keeps, per heap area, an allocation table (2 bits per 16-byte
 * block: free, head, tail, mark) followed by an optional finaliser table and the block pool.
 * Roots here are every aligned word of the wasm memory outside the pools (static data, the C
 * and Python stacks, malloc'd tables) less what the owner declares dead ({@link DeadRange}: the
 * unused parts of both stacks and the C frames above the innermost NLR buffer, see
 * {@link outerCStack}; or everything but the GC's own roots, see {@link gcRoots}): close to
 * the GC's own roots, so the estimate may keep a little garbage,
 * and it misses pointers held only in wasm locals (rare, short-lived).
 *
 * The areas are found by their invariants (`mp_state_mem_area_t`: next, alloc table start and
 * length, finaliser table, pool start and end), starting from the static one and following `next`.
 */
export const BYTES_PER_BLOCK = 16;
const BLOCKS_PER_ATB = 4;
const AT_FREE = 0;
const AT_TAIL = 2;

export interface HeapArea {
  atbStart: number;
  atbLen: number;
  poolStart: number;
  poolEnd: number;
}

export interface HeapStats {
  /** Bytes in live objects (whole blocks). */
  liveBytes: number;
  /** Live objects of 1 and 2 blocks, and the largest live object in blocks (for mem_info). */
  oneBlocks: number;
  twoBlocks: number;
  maxBlocks: number;
}

/**
 * Side tables an area has between its allocation table and its pool: 2 = finaliser and weakref
 * tables (MICROPY_ENABLE_FINALISER and MICROPY_PY_WEAKREF, the v1.28 pyscript build), 1 = the
 * finaliser table (v1.27), 0 = neither.
 */
export type AreaTables = 0 | 1 | 2;

/** Layouts to try, most specific first (a wrong one fails the pool-size check). */
const LAYOUTS: AreaTables[] = [2, 1, 0];

/** Reads mp_state_mem_area_t (py/mpstate.h: next, atb start, atb length, [ftb], [wtb], pool start, pool end). */
function readArea(w: Int32Array, i: number, tables: AreaTables): (HeapArea & { next: number }) | null {
  const next = w[i] as number;
  const atbStart = w[i + 1] as number;
  const atbLen = w[i + 2] as number;
  const ftbStart = tables > 0 ? (w[i + 3] as number) : 0;
  const wtbStart = tables > 1 ? (w[i + 4] as number) : 0;
  const poolStart = w[i + 3 + tables] as number;
  const poolEnd = w[i + 4 + tables] as number;
  if (atbStart <= 0 || atbLen <= 0 || atbLen > 1 << 26) return null;
  // py/gc.c gc_setup_area: the finaliser table follows the allocation table after a gap byte
  if (tables > 0 && ftbStart - (atbStart + atbLen) !== 0 && ftbStart - (atbStart + atbLen) !== 1) return null;
  // v1.28 gc_setup_area: the weakref table follows the finaliser table
  if (tables > 1 && (wtbStart <= ftbStart || wtbStart - ftbStart > atbLen + 1 || poolStart < wtbStart)) return null;
  if (poolEnd - poolStart !== atbLen * BLOCKS_PER_ATB * BYTES_PER_BLOCK) return null;
  if (poolStart < atbStart + atbLen || poolStart - (atbStart + atbLen) > atbLen + 64) return null;
  if (poolStart % BYTES_PER_BLOCK !== 0 || poolEnd > w.length * 4) return null;
  if (next !== 0 && (next < 0 || next % 4 !== 0 || next >= w.length * 4)) return null;
  return { next, atbStart, atbLen, poolStart, poolEnd };
}

/**
 * Finds the GC heap areas in memory: the static first area lies below `searchEnd`.
 * @throws Error if no consistent area chain is found
 */
export function findHeapAreas(memory: ArrayBufferLike, searchEnd: number, expectedFirstPoolBytes?: number): HeapArea[] {
  const w = new Int32Array(memory);
  const end = Math.min(searchEnd >> 2, w.length - 8);
  for (const finaliser of LAYOUTS) {
    for (let i = 1; i < end; i++) {
      const first = readArea(w, i, finaliser);
      if (!first) continue;
      if (expectedFirstPoolBytes !== undefined && Math.abs(first.poolEnd - first.atbStart - expectedFirstPoolBytes) > 64) continue;
      const areas: HeapArea[] = [first];
      let next = first.next;
      let ok = true;
      while (next !== 0 && areas.length < 4096) {
        const a = readArea(w, next >> 2, finaliser);
        if (!a) {
          ok = false;
          break;
        }
        areas.push(a);
        next = a.next;
      }
      if (ok) return areas.map(({ atbStart, atbLen, poolStart, poolEnd }) => ({ atbStart, atbLen, poolStart, poolEnd }));
    }
  }
  throw new Error('GC heap areas not found');
}

/**
 * Finds the Python stack's bounds in the thread state: three consecutive words start, end,
 * current with end - start = `bytes` and start ≤ current ≤ end (mp_state_thread_t pystack_*).
 * @returns the byte address of the `start` word, or -1
 */
export function findPystack(memory: ArrayBufferLike, searchEnd: number, bytes: number): number {
  const w = new Int32Array(memory);
  const end = Math.min(searchEnd >> 2, w.length - 3);
  for (let i = 0; i < end; i++) {
    const start = w[i] as number;
    if (start <= 0 || (w[i + 1] as number) - start !== bytes) continue;
    const cur = w[i + 2] as number;
    if (cur >= start && cur <= start + bytes && start % 4 === 0) return i * 4;
  }
  return -1;
}

/** A byte range of memory that holds no live pointers right now (the unused part of a stack). */
export interface DeadRange {
  start: number;
  end: number;
}

/** Bytes from the thread state's `pystack_start` word to its `dict_locals` word, where the GC's root pointers start. */
export const ROOTS_FROM_PYSTACK = 16;

/**
 * The GC's own roots in this build, as byte ranges (py/gc.c gc_collect_start): the root-pointer
 * section of `mp_state_ctx` (from `thread.dict_locals` through `vm`, up to the static first heap
 * area in `mem`) and the used part of the Python stack; plus, for the C call in progress, the
 * C stack below the innermost NLR buffer (see {@link outerCStack}). Nothing else holds an object
 * alive: a pointer the GC must see is registered as a root pointer (MP_REGISTER_ROOT_POINTER), and
 * this build's collector scans no C stack at all (ports/webassembly/main.c: it collects at the top
 * level). The rest of memory (other static data, malloc'd blocks the JS bridge freed, the C frames
 * above the buffer) keeps stale words that a conservative mark would take for roots.
 * @param pystackField byte address of the thread state's `pystack_start` word
 * @param areaAddr byte address of the static first heap area (`MP_STATE_MEM(area)`)
 * @param cLive the part of the C stack to keep as roots, or null
 * @returns the ranges, or null when the layout does not fit (the first area must follow the thread state)
 */
export function gcRoots(memory: ArrayBufferLike, pystackField: number, areaAddr: number, cLive: DeadRange | null): DeadRange[] | null {
  const w = new Int32Array(memory);
  if (pystackField < 0 || pystackField % 4 !== 0 || areaAddr <= pystackField + ROOTS_FROM_PYSTACK || areaAddr - pystackField > 4096) return null;
  const start = w[pystackField >> 2] as number;
  const cur = w[(pystackField >> 2) + 2] as number;
  if (start <= 0 || cur < start) return null;
  const roots = [{ start: pystackField + ROOTS_FROM_PYSTACK, end: areaAddr }, { start, end: cur }];
  if (cLive && cLive.end > cLive.start) roots.push(cLive);
  return roots;
}

/** The complement of `keep` in [0, size): the ranges to skip when only `keep` holds roots. */
export function outside(keep: DeadRange[], size: number): DeadRange[] {
  const out: DeadRange[] = [];
  let at = 0;
  for (const r of [...keep].sort((x, y) => x.start - y.start)) {
    if (r.start > at) out.push({ start: at, end: r.start });
    at = Math.max(at, r.end);
  }
  if (at < size) out.push({ start: at, end: size });
  return out;
}

/**
 * Bytes from the thread state's `pystack_start` word to its `nlr_top` word: `pystack_start`,
 * `pystack_end`, `pystack_cur`, `gc_lock_depth` (a uint16_t padded to a word), `dict_locals`,
 * `dict_globals`, then `nlr_top` (py/mpstate.h `mp_state_thread_t`, the same at v1.27.0 and v1.28.0).
 */
export const NLR_TOP_FROM_PYSTACK = 24;

/**
 * The C stack above the innermost NLR buffer: the frames of the VM that runs the current Python
 * code and of everything outside it (the REPL, `parse_compile_execute`, the loader's entry).
 *
 * Every `mp_execute_bytecode` pushes an `nlr_buf_t` in its own C frame (py/vm.c), and so does
 * every C function that catches exceptions (py/nlr.h `nlr_push`); `MP_STATE_THREAD(nlr_top)` is
 * the innermost, each buffer's first word (`prev`) the next one out, at higher addresses (the
 * stack grows down). With `MICROPY_ENABLE_PYSTACK` the VM keeps its frames, locals and value stack
 * on the Python stack, so these C frames hold nothing a program can reach that is not also on
 * the Python stack or in the interpreter state. What they do hold are unused slots with the
 * addresses of blocks that were freed before the frames were pushed (left there by deeper calls
 * of earlier key presses and of the parse and compile of the program): a conservative mark takes such a slot for a live object as soon as
 * the program allocates at that address, and keeps it, with all it points to, for as long as the
 * program runs. The frames below the innermost buffer (the C call in progress: a list growing, a
 * string being formatted) are still roots.
 *
 * @param memory the interpreter's memory
 * @param nlrTopAddr byte address of the `nlr_top` word of the thread state
 * @param stack the C stack: `end` its lowest byte, `base` one past its highest, `current` the stack pointer now
 * @returns the range [innermost buffer, base), or null when no NLR buffer is pushed or the chain
 *   does not lie in the live stack
 */
export function outerCStack(memory: ArrayBufferLike, nlrTopAddr: number, stack: { end: number; current: number; base: number }): DeadRange | null {
  const w = new Int32Array(memory);
  if (nlrTopAddr < 0 || nlrTopAddr % 4 !== 0 || nlrTopAddr >= w.length * 4) return null;
  const top = w[nlrTopAddr >> 2] as number;
  if (top === 0 || top % 4 !== 0 || top < stack.current || top >= stack.base || stack.current < stack.end) return null;
  return { start: top, end: stack.base };
}

export class HeapMeter {
  private readonly memory: () => ArrayBufferLike;
  private structAddr = -1;
  private finaliser: AreaTables = 1;
  /** Returns the memory ranges to skip as roots (dead stack parts); set by the owner. */
  deadRanges: () => DeadRange[] = () => [];

  /**
   * @param memory returns the interpreter's current memory buffer (it changes as memory grows)
   * @param structAddr byte address of the static first `mp_state_mem_area_t`
   * @param finaliser the side tables the areas have (see {@link AreaTables})
   */
  constructor(memory: () => ArrayBufferLike, structAddr: number, finaliser: AreaTables) {
    this.memory = memory;
    this.structAddr = structAddr;
    this.finaliser = finaliser;
  }

  /**
   * Locates the static heap area and returns a meter for it.
   * @param searchEnd bytes of memory to search (the static data lies low)
   * @param heapBytes the size the first heap was created with, to tell it from look-alikes
   * @throws Error when the area cannot be found
   */
  static locate(memory: () => ArrayBufferLike, searchEnd: number, heapBytes?: number, hint?: number): HeapMeter {
    const w = new Int32Array(memory());
    const end = Math.min(searchEnd >> 2, w.length - 8);
    const windows: [number, number][] = hint !== undefined ? [[Math.max(1, (hint >> 2) - 4096), Math.min(end, (hint >> 2) + 16384)], [1, end]] : [[1, end]];
    for (const [from, to] of windows) {
      for (const finaliser of LAYOUTS) {
        for (let i = from; i < to; i++) {
          if ((w[i + 2] as number) <= 0 || (w[i + 1] as number) <= 0) continue; // cheap filter: atb start and length
          const a = readArea(w, i, finaliser);
          if (!a) continue;
          if (heapBytes !== undefined && Math.abs(a.poolEnd - a.atbStart - heapBytes) > 64) continue;
          return new HeapMeter(memory, i * 4, finaliser);
        }
      }
    }
    throw new Error('GC heap area not found');
  }

  /** Byte address of the static first `mp_state_mem_area_t` (in `mp_state_ctx.mem`). */
  get areaAddr(): number {
    return this.structAddr;
  }

  /** The heap areas as they are now. */
  areas(): HeapArea[] {
    const w = new Int32Array(this.memory());
    const out: HeapArea[] = [];
    let at = this.structAddr;
    while (at !== 0 && out.length < 4096) {
      const a = readArea(w, at >> 2, this.finaliser);
      if (!a) break;
      out.push(a);
      at = a.next;
    }
    return out;
  }

  /** Marks from every root and measures the live objects. */
  measure(): HeapStats {
    const buf = this.memory();
    const w = new Int32Array(buf);
    const u8 = new Uint8Array(buf);
    const areas = this.areas().sort((a, b) => a.poolStart - b.poolStart);
    const marks = areas.map((a) => new Uint8Array((a.poolEnd - a.poolStart) / BYTES_PER_BLOCK));
    const kind = (a: HeapArea, block: number) => ((u8[a.atbStart + (block >> 2)] as number) >> ((block & 3) * 2)) & 3;
    const stack: number[] = [];
    const stats: HeapStats = { liveBytes: 0, oneBlocks: 0, twoBlocks: 0, maxBlocks: 0 };

    const consider = (p: number) => {
      if (p <= 0 || (p & (BYTES_PER_BLOCK - 1)) !== 0) return;
      for (let k = 0; k < areas.length; k++) {
        const a = areas[k] as HeapArea;
        if (p < a.poolStart || p >= a.poolEnd) continue;
        const block = (p - a.poolStart) / BYTES_PER_BLOCK;
        const t = kind(a, block);
        if (t === AT_FREE || t === AT_TAIL) return;
        const m = marks[k] as Uint8Array;
        if (m[block]) return;
        m[block] = 1;
        stack.push(k, block);
        return;
      }
    };

    // roots: everything outside the pools and the dead parts of the stacks
    const skip: DeadRange[] = [
      ...areas.map((a) => ({ start: a.poolStart, end: a.poolEnd })),
      ...this.deadRanges(),
    ].sort((x, y) => x.start - y.start);
    const minPool = areas.reduce((m, a) => Math.min(m, a.poolStart), Infinity);
    const maxPool = areas.reduce((m, a) => Math.max(m, a.poolEnd), 0);
    let from = 0;
    const scan = (lo: number, hi: number) => {
      for (let i = lo >> 2; i < hi >> 2; i++) {
        const p = w[i] as number;
        if (p >= minPool && p < maxPool && (p & (BYTES_PER_BLOCK - 1)) === 0) consider(p);
      }
    };
    for (const r of skip) {
      if (r.start > from) scan(from, r.start);
      from = Math.max(from, r.end);
    }
    scan(from, w.length * 4);

    while (stack.length) {
      const block = stack.pop() as number;
      const k = stack.pop() as number;
      const a = areas[k] as HeapArea;
      const blocks = a.poolEnd - a.poolStart;
      let n = 1;
      while ((block + n) * BYTES_PER_BLOCK < blocks && kind(a, block + n) === AT_TAIL) n++;
      stats.liveBytes += n * BYTES_PER_BLOCK;
      if (n === 1) stats.oneBlocks++;
      else if (n === 2) stats.twoBlocks++;
      stats.maxBlocks = Math.max(stats.maxBlocks, n);
      const start = (a.poolStart >> 2) + block * (BYTES_PER_BLOCK / 4);
      for (let i = start; i < start + n * (BYTES_PER_BLOCK / 4); i++) {
        const p = w[i] as number;
        if (p >= minPool && p < maxPool && (p & (BYTES_PER_BLOCK - 1)) === 0) consider(p);
      }
    }
    return stats;
  }
}
