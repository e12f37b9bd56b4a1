/**
 * The ESP8266's 38 KB heap on the virtual board (heap-budget.ts over heap.ts's live-heap meter),
 * checked against the real interpreter (Node worker thread) and against the firmware's own
 * messages (py/malloc.c m_malloc_fail: "memory allocation failed, allocating %u bytes"); memory
 * bombs leave a working REPL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

const MEMORY_ERROR = (n: number) =>
  `Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nMemoryError: memory allocation failed, allocating ${n} bytes\r\n>>> `;

describe('the 37 952-byte heap', () => {
  it('reports an ESP8266-sized heap after boot', async () => {
    board = await TestBoard.boot();
    const [free, alloc] = JSON.parse((await board.line('import gc; [gc.mem_free(), gc.mem_alloc()]')).split('\r\n')[1] as string) as number[];
    expect(free! + alloc!).toBe(37952);
    expect(free).toBeGreaterThan(34000); // boards show 32-36 KB free at the REPL (reference §1.5)
    expect(free).toBeLessThan(36500);
    expect(await board.line('gc.threshold()')).toContain('\r\n9488\r\n'); // _boot.py: a quarter of the heap
  });

  it('single allocations larger than the heap raise the firmware MemoryError', async () => {
    board = await TestBoard.boot();
    expect(await board.line('b = bytearray(40000)')).toBe(`b = bytearray(40000)\r\n${MEMORY_ERROR(40000)}`);
    expect(await board.line('l = [0] * 20000')).toBe(`l = [0] * 20000\r\n${MEMORY_ERROR(80000)}`);
    expect(await board.line("s = 'x' * 50000")).toBe(`s = 'x' * 50000\r\n${MEMORY_ERROR(50001)}`);
    expect(await board.line('1 + 1')).toContain('\r\n2\r\n');
  });

  it('what the program holds counts; freeing it gives the memory back', async () => {
    board = await TestBoard.boot();
    await board.line('import gc');
    const free0 = Number((await board.line('gc.mem_free()')).split('\r\n')[1]);
    const free1 = Number((await board.line('b = bytearray(30000); gc.mem_free()')).split('\r\n')[1]);
    expect(free0 - free1).toBeGreaterThanOrEqual(30000);
    expect(free0 - free1).toBeLessThan(30400); // the 30000 bytes in 16-byte blocks, the object, the line's own ints
    expect(await board.line('c = bytearray(10000)')).toContain('MemoryError: memory allocation failed, allocating 10000 bytes');
    const free2 = Number((await board.line('b = None; gc.collect(); gc.mem_free()')).split('\r\n')[1]);
    expect(Math.abs(free2 - free0)).toBeLessThan(600);
    expect(await board.line('c = bytearray(10000); len(c)')).toContain('\r\n10000\r\n');
  });

  it('a list grown in a loop runs out of memory like on the board, and the REPL survives', async () => {
    board = await TestBoard.boot();
    await board.line('import gc; l = []');
    board.type('while True: l.append(bytearray(100))\r\r');
    await board.waitFor(/MemoryError: memory allocation failed, allocating \d+ bytes\r\n>>> $/, 20_000);
    const n = Number(/\((\d+),/.exec(await board.line('(len(l), gc.mem_free())'))?.[1]);
    // each item costs 112 bytes (a 16-byte object + 96... rounded blocks): a few hundred fit in 38 KB
    expect(n).toBeGreaterThan(150);
    expect(n).toBeLessThan(340);
    expect(await board.line('l = None; gc.collect(); gc.mem_free() > 33000')).toContain('True');
  });

  // The lesson's program (living-in-38k.mdx, mem-until-error) pasted after a hard reset. A stale
  // slot in the REPL's own C frames (above the VM's NLR buffer) held the address where the list
  // then lay; the meter took it for a root and kept the list and its 256 bytearrays for the whole
  // run: gc.collect() gave nothing back ('free now: 1088', v1.28.0). heap.ts outerCStack.
  for (const release of ['1.27.0', '1.28.0'] as const) {
    it(`after a hard reset, a list filled to MemoryError and dropped is given back by gc.collect() (v${release})`, async () => {
      board = await TestBoard.boot({ release }, 20_000);
      board.since();
      board.host.reset();
      await board.waitFor(/Type "help\(\)" for more information\.\r\n>>> $/, 20_000);
      board.since();
      await board.host.run(
        "import gc\n\nitems = []\ntry:\n    while True:\n        items.append(bytearray(100))\nexcept MemoryError as e:\n    print('MemoryError:', e)\n" +
          "print(len(items), 'items, free:', gc.mem_free())\n\nitems = None\ngc.collect()\nprint('free now:', gc.mem_free())\n",
      );
      const out = await board.waitFor(/free now: \d+\r\n>>> $/, 30_000);
      expect(out).toContain('MemoryError: memory allocation failed, allocating');
      const full = Number(/items, free: (\d+)/.exec(out)?.[1]);
      const free = Number(/free now: (\d+)/.exec(out)?.[1]);
      expect(full).toBeLessThan(2500);
      expect(free, out.slice(-300)).toBeGreaterThan(30000);
    }, 60_000);
  }

  it('programs that fit never raise MemoryError, however much garbage they make', async () => {
    board = await TestBoard.boot();
    const out = await board.line('for i in range(30000): s = str(i) * 5\r', '>>> ', 30_000);
    expect(out).not.toContain('MemoryError');
    await board.line('d = {}');
    expect(await board.line('for i in range(200): d[i] = "v%d" % i\r')).not.toContain('MemoryError');
    expect(await board.line('len(d)')).toContain('\r\n200\r\n');
  }, 40_000);

  it('micropython.mem_info() prints the v1.27.0 format', async () => {
    board = await TestBoard.boot();
    const out = await board.line('import micropython; micropython.mem_info()');
    expect(out).toMatch(/^import micropython; micropython.mem_info\(\)\r\nstack: \d+ out of 8128\r\nGC: total: 37952, used: \d+, free: \d+\r\n No\. of 1-blocks: \d+, 2-blocks: \d+, max blk sz: \d+, max free sz: \d+\r\n>>> $/);
  });
});

describe('memory bombs', () => {
  it('a single huge allocation raises MemoryError and the REPL goes on', async () => {
    board = await TestBoard.boot();
    expect(await board.line('b = bytearray(10**9)')).toContain('MemoryError: memory allocation failed');
    expect(await board.line("s = 'x' * (10**9)")).toContain('MemoryError');
    expect(await board.line('1+1')).toContain('\r\n2\r\n');
  });

  it('a list grown without end hits the memory cap with MemoryError, not a crash', async () => {
    board = await TestBoard.boot();
    await board.line('l = []');
    board.type('while True: l.append(bytearray(1000000))\r\r');
    await board.waitFor('MemoryError', 30_000);
    await board.waitFor(/MemoryError[^\n]*\r\n>>> $/, 5000);
    expect(await board.line('l = None; len("ok")')).toContain('\r\n2\r\n');
    expect(board.notices).toEqual([]);
  }, 40_000);
});
