/**
 * Input while code runs (input.ts): Ctrl-C in sleeps, tight loops, recursion and prints;
 * random bytes on the serial line; input(). The board must answer at the prompt afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';
import { bannerLine, GENERIC_4M } from './builds.ts';

/** The default build's banner (builds.ts: the current release, v1.28.0). */
const BANNER = `${bannerLine(GENERIC_4M)}\r\nType "help()" for more information.\r\n>>> `;

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

const KBI_AT_STDIN = (line: number) => `Traceback (most recent call last):\r\n  File "<stdin>", line ${line}, in <module>\r\nKeyboardInterrupt: \r\n>>> `;

describe('Ctrl-C', () => {
  it('interrupts a sleeping loop and keeps the REPL state', async () => {
    board = await TestBoard.boot();
    await board.line('x = 42');
    board.type('import time\r');
    await board.waitFor('>>> ');
    board.type('while True:\r');
    await board.waitFor('... ');
    // readline auto-indent: Backspace removes the 4-space indent at once, Enter on the empty
    // line ends the block (shared/readline/readline.c)
    board.type('time.sleep(0.5)\r\x08\r');
    await new Promise((r) => setTimeout(r, 300));
    board.type('\x03');
    await board.waitFor('>>> ');
    // py/obj.c mp_obj_print_exception; "KeyboardInterrupt: " (trailing space), reference §1.6
    expect(board.recent).toBe(KBI_AT_STDIN(2));
    expect(await board.line('x')).toContain('\r\n42\r\n');
  });

  it('interrupts a tight loop that never sleeps, keeping state (shared memory)', async () => {
    board = await TestBoard.boot();
    expect(board.host.shared).toBe(true);
    await board.line('y = 7');
    board.type('while True: pass\r\r');
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    board.type('\x03');
    await board.waitFor('>>> ');
    const latency = performance.now() - t0;
    expect(board.recent).toBe(KBI_AT_STDIN(1));
    expect(latency).toBeLessThan(500);
    expect(board.notices).toEqual([]);
    expect(await board.line('y')).toContain('\r\n7\r\n');
  });

  it('interrupts deep recursion too', async () => {
    board = await TestBoard.boot();
    await board.line('def f(n):\r    return f(n + 1) if n < 10**9 else 0\r', '>>> ');
    board.type('while True: f(0)\r\r');
    await board.waitFor(/RecursionError|\.\.\. /);
    board.type('\x03');
    await board.waitFor('>>> ');
    expect(board.notices).toEqual([]);
  });

  it('shows output printed just before a tight loop, then interrupts it', async () => {
    board = await TestBoard.boot();
    board.type('print("started"); z = 0\rwhile True: z += 1\r\r');
    await board.waitFor('started\r\n');
    await board.waitFor('... \r\n'); // the loop's block is complete and running
    await new Promise((r) => setTimeout(r, 100));
    board.type('\x03');
    await board.waitFor('KeyboardInterrupt: \r\n>>> ');
    expect(await board.line('z > 0')).toContain('True');
  });

  it('interrupts a print loop', async () => {
    board = await TestBoard.boot();
    board.type('for i in range(10**9): print(i)\r\r');
    await board.waitFor('\r\n300\r\n');
    board.type('\x03');
    await board.waitFor('KeyboardInterrupt: \r\n>>> ', 5000);
    expect(board.notices).toEqual([]);
  });

  it('without shared memory, falls back to an announced hard reset within the timeout', async () => {
    board = await TestBoard.boot({ shared: false, interruptTimeoutMs: 400 });
    expect(await board.line('2*21')).toContain('\r\n42\r\n');
    board.type('while True: pass\r\r');
    await new Promise((r) => setTimeout(r, 100));
    board.type('\x03');
    await board.waitFor(BANNER, 3000);
    expect(board.notices.join()).toMatch(/hard reset/);
    expect(await board.line('y = 1; y')).toContain('\r\n1\r\n');
  });

  it('at an idle prompt gives a fresh prompt', async () => {
    board = await TestBoard.boot();
    board.type('abc\x03');
    await board.waitFor('>>> ');
    expect(board.recent).toBe('abc\r\n>>> ');
  });
});

describe('serial line', () => {
  it('survives random bytes and comes back to the friendly prompt', async () => {
    board = await TestBoard.boot();
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff;
    const noise = Uint8Array.from({ length: 3000 }, rand);
    board.host.write(noise);
    await new Promise((r) => setTimeout(r, 500));
    // Ctrl-C ends paste mode or running code, Ctrl-B leaves the raw REPL (and reprints the banner)
    board.type('\x03\x03\x02');
    await board.waitFor('Type "help()" for more information.\r\n>>> ', 10_000);
    expect(await board.line('6*7')).toContain('\r\n42\r\n');
  });
});

describe('input()', () => {
  it('reads a line from the terminal, with echo and backspace', async () => {
    board = await TestBoard.boot();
    board.type('name = input("Name? ")\r');
    await board.waitFor('Name? ');
    board.type('Bobx\x7f\r');
    await board.waitFor('>>> ');
    expect(await board.line('name')).toContain("'Bob'");
  });

  it('Ctrl-C interrupts input() with KeyboardInterrupt', async () => {
    board = await TestBoard.boot();
    board.type('input()\r');
    await new Promise((r) => setTimeout(r, 200));
    board.type('\x03');
    await board.waitFor('>>> ');
    expect(board.recent).toBe('Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nKeyboardInterrupt: \r\n>>> ');
  });
});

// shared/runtime/sys_stdio_mphal.c (MP@v1.27.0): stdio_read loops on mp_hal_stdin_rx_chr, turning
// \r into \n on the text stream; stdio_buffer_read gives the bytes; stdio_ioctl polls the ring.
describe('sys.stdin blocks until bytes arrive', () => {
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('read(n) waits for n characters, without echo, Enter read as \\n', async () => {
    board = await TestBoard.boot();
    board.type('import sys; s = sys.stdin.read(3)\r');
    await pause(300);
    expect(board.recent).not.toContain('>>> ');
    board.since();
    board.type('ab\r');
    await board.waitFor('>>> ');
    expect(board.recent).toBe('>>> ');
    expect(await board.line('s')).toContain("'ab\\n'");
    expect(await board.line('sys.stdin, sys.stdin.buffer')).toContain('(<io.TextIOWrapper 0>, <io.FileIO 0>)');
  });

  it('buffer.read(n) and buffer.readinto(buf, n) give the raw bytes', async () => {
    board = await TestBoard.boot();
    board.type('import sys; b = sys.stdin.buffer.read(2)\r');
    await pause(200);
    board.type('\rA');
    await board.waitFor('>>> ');
    expect(await board.line('b')).toContain("b'\\rA'");
    board.type('buf = bytearray(4); n = sys.stdin.buffer.readinto(buf, 2)\r');
    await pause(200);
    board.type('xy');
    await board.waitFor('>>> ');
    expect(await board.line('n, buf')).toContain("(2, bytearray(b'xy\\x00\\x00'))");
  });

  it('Ctrl-C interrupts a read with KeyboardInterrupt, as in input()', async () => {
    board = await TestBoard.boot();
    board.type('import sys; sys.stdin.read(1)\r');
    await pause(200);
    board.since();
    board.type('\x03');
    await board.waitFor('>>> ');
    expect(board.recent).toBe('Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nKeyboardInterrupt: \r\n>>> ');
  });

  it('select.poll reports stdin readable only while a byte waits', async () => {
    board = await TestBoard.boot();
    await board.line('import sys, select, time; p = select.poll(); p.register(sys.stdin, select.POLLIN)');
    expect(await board.line('p.poll(0)')).toContain('\r\n[]\r\n');
    board.type('time.sleep_ms(400); r = p.poll(0); c = sys.stdin.read(1); r2 = p.poll(0)\r');
    await pause(150);
    board.type('k');
    await board.waitFor('>>> ');
    expect(await board.line('r, c, r2')).toContain("([(<io.TextIOWrapper 0>, 1)], 'k', [])");
  });
});
