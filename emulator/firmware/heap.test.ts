/**
 * The live-heap meter (heap.ts) on a hand-made memory: one GC area laid out as py/gc.c's
 * gc_setup_area does (allocation table, finaliser table, pool), a C stack with a chain of NLR
 * buffers (py/nlr.h `nlr_buf_t`, `prev` first) and the thread state's `nlr_top` word.
 */
import { describe, expect, it } from 'vitest';
import { HeapMeter, ROOTS_FROM_PYSTACK, gcRoots, outerCStack, outside, type DeadRange } from './heap.ts';

const AREA = 0x1000; // mp_state_mem_area_t: next, atb start, atb length, ftb start, pool start, pool end
const ATB = 0x2000;
const ATB_LEN = 16; // 64 blocks of 16 bytes
const POOL = 0x2030;
const NLR_TOP = 0x0100;
const STACK = { end: 0x8000, current: 0x8100, base: 0x9000 };
const INNER_NLR = 0x8400;
const OUTER_NLR = 0x8800;
const BIG = POOL + 2 * 16; // a 4-block object (blocks 2-5)
const SMALL = POOL + 8 * 16; // a 1-block object (block 8)

function memory(): ArrayBuffer {
  const buf = new ArrayBuffer(0x10000);
  const w = new Int32Array(buf);
  const u8 = new Uint8Array(buf);
  w.set([0, ATB, ATB_LEN, ATB + ATB_LEN, POOL, POOL + ATB_LEN * 64], AREA >> 2);
  // 2 bits a block, lowest first: 1 = head, 2 = tail
  u8[ATB] = (1 << 4) | (2 << 6); // blocks 2 (head), 3
  u8[ATB + 1] = 2 | (2 << 2); // blocks 4, 5
  u8[ATB + 2] = 1; // block 8 (head)
  w[NLR_TOP >> 2] = INNER_NLR;
  w[INNER_NLR >> 2] = OUTER_NLR;
  w[OUTER_NLR >> 2] = 0;
  w[0x8200 >> 2] = SMALL; // the C call in progress (below the innermost NLR buffer) holds SMALL
  w[0x8600 >> 2] = BIG; // an unused slot of an outer frame still holds BIG's address
  return buf;
}

function live(buf: ArrayBuffer, dead: DeadRange[]): number {
  const meter = new HeapMeter(() => buf, AREA, 1);
  meter.deadRanges = () => dead;
  return meter.measure().liveBytes;
}

describe('the C stack as roots', () => {
  it('a stale address in the frames above the innermost NLR buffer keeps nothing alive', () => {
    const buf = memory();
    const sp: DeadRange = { start: STACK.end, end: STACK.current };
    // the whole live C stack as roots: the stale slot keeps the 64-byte object
    expect(live(buf, [sp])).toBe(64 + 16);
    const outer = outerCStack(buf, NLR_TOP, STACK);
    expect(outer).toEqual({ start: INNER_NLR, end: STACK.base });
    expect(live(buf, [sp, outer as DeadRange])).toBe(16);
  });

  it('the whole live stack stays roots when no NLR buffer is pushed or the chain is not in it', () => {
    const buf = memory();
    const w = new Int32Array(buf);
    w[NLR_TOP >> 2] = 0;
    expect(outerCStack(buf, NLR_TOP, STACK)).toBeNull();
    w[NLR_TOP >> 2] = STACK.current - 16; // below the stack pointer: not a pushed buffer
    expect(outerCStack(buf, NLR_TOP, STACK)).toBeNull();
    w[NLR_TOP >> 2] = STACK.base; // past the stack
    expect(outerCStack(buf, NLR_TOP, STACK)).toBeNull();
    w[NLR_TOP >> 2] = INNER_NLR + 2; // not a word
    expect(outerCStack(buf, NLR_TOP, STACK)).toBeNull();
    expect(outerCStack(buf, -4, STACK)).toBeNull();
  });
});

describe('only the GC\'s own roots', () => {
  // a thread state below the area struct: pystack_start, _end, _cur, gc_lock_depth, then the root pointers
  const PYSTACK_FIELD = AREA - 0x40;
  const PYSTACK = { start: 0x3000, end: 0x3800 };

  function withState(): ArrayBuffer {
    const buf = memory();
    const w = new Int32Array(buf);
    w.set([PYSTACK.start, PYSTACK.end, PYSTACK.start + 0x20], PYSTACK_FIELD >> 2);
    return buf;
  }

  it('a stale address in other static data or above the Python stack keeps nothing alive; a root pointer and the Python stack do', () => {
    const buf = withState();
    const w = new Int32Array(buf);
    const cLive = { start: STACK.current, end: INNER_NLR };
    const roots = gcRoots(buf, PYSTACK_FIELD, AREA, cLive);
    expect(roots).toEqual([{ start: PYSTACK_FIELD + ROOTS_FROM_PYSTACK, end: AREA }, { start: PYSTACK.start, end: PYSTACK.start + 0x20 }, cLive]);
    const skip = outside(roots as DeadRange[], buf.byteLength);
    expect(live(buf, skip)).toBe(16); // SMALL, from the C call in progress
    w[0x0800 >> 2] = BIG; // another static variable: not a root
    w[(PYSTACK.start + 0x40) >> 2] = BIG; // the Python stack's unused part
    w[0x4000 >> 2] = BIG; // a freed malloc block
    expect(live(buf, skip)).toBe(16);
    expect(live(buf, [])).toBe(64 + 16); // (every word a root: kept)
    w[(PYSTACK_FIELD + ROOTS_FROM_PYSTACK + 8) >> 2] = BIG; // a root pointer (thread.nlr_top's neighbours, vm.*)
    expect(live(buf, skip)).toBe(64 + 16);
    w[(PYSTACK_FIELD + ROOTS_FROM_PYSTACK + 8) >> 2] = 0;
    w[(PYSTACK.start + 0x10) >> 2] = BIG; // the Python stack's used part
    expect(live(buf, skip)).toBe(64 + 16);
  });

  it('a layout that does not fit gives no root set (the caller keeps the wider one)', () => {
    const buf = withState();
    expect(gcRoots(buf, PYSTACK_FIELD, PYSTACK_FIELD + 8, null)).toBeNull(); // the area before the root pointers
    expect(gcRoots(buf, PYSTACK_FIELD, PYSTACK_FIELD + 0x10000, null)).toBeNull(); // too far off
    new Int32Array(buf)[(PYSTACK_FIELD >> 2) + 2] = PYSTACK.start - 4; // pystack_cur below its start
    expect(gcRoots(buf, PYSTACK_FIELD, AREA, null)).toBeNull();
  });

  it('outside() is the complement of what is kept', () => {
    expect(outside([{ start: 10, end: 20 }, { start: 0, end: 4 }, { start: 15, end: 30 }], 40)).toEqual([{ start: 4, end: 10 }, { start: 30, end: 40 }]);
    expect(outside([], 8)).toEqual([{ start: 0, end: 8 }]);
  });
});
