/**
 * Bad input loses nothing: memory bombs, random bytes on the serial line, input() at the REPL.
 * The board must answer at the prompt afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
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
