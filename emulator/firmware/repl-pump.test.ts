/**
 * The REPL pump (repl-pump.ts) serving paste mode, the raw REPL and raw-paste, byte for byte
 * (shared/runtime/pyexec.c, docs/reference/repl.rst).
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

/** A board in the raw REPL with `keep = 7` defined, output taken since then. */
async function rawReplWithVariable(): Promise<TestBoard> {
  const b = await TestBoard.boot();
  b.type('\x01');
  await b.waitFor('CTRL-B to exit\r\n>');
  b.type('keep = 7\x04');
  await b.waitFor('\x04>');
  b.since();
  return b;
}

/** The raw REPL still answers and `keep` is still 7 (no soft reset happened). */
async function expectVariableKept(b: TestBoard): Promise<void> {
  b.since();
  b.type('print(keep)\x04');
  await b.waitFor('\x04>');
  expect(b.recent).toBe('OK7\r\n\x04\x04>');
}

describe('paste mode and raw REPL (shared/runtime/pyexec.c)', () => {
  it('paste mode echoes === lines and runs the block', async () => {
    board = await TestBoard.boot();
    board.type('\x05');
    await board.waitFor('=== ');
    expect(board.recent).toBe('\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ');
    board.type('for i in range(2):\r    print(i)\r\x04');
    await board.waitFor('>>> ');
    expect(board.recent).toBe('for i in range(2):\r\n===     print(i)\r\n=== \r\n0\r\n1\r\n>>> ');
  });

  it('host.run() sends a program in paste mode; its variables stay defined', async () => {
    board = await TestBoard.boot();
    board.since();
    await board.host.run('a = 6\nb = 7\nprint(a * b)\n');
    await board.waitFor('42\r\n>>> ');
    expect(await board.line('a + b')).toContain('\r\n13\r\n');
  });

  it('raw REPL answers OK, output, \\x04, errors, \\x04 and >', async () => {
    board = await TestBoard.boot();
    board.type('\x01');
    await board.waitFor('raw REPL; CTRL-B to exit\r\n>');
    board.type('print(6*7)\x04');
    await board.waitFor('\x04>');
    expect(board.recent).toBe('OK42\r\n\x04\x04>');
    board.type('1/0\x04');
    await board.waitFor('\x04>');
    expect(board.recent).toBe('OK\x04Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nZeroDivisionError: divide by zero\r\n\x04>');
    board.type('\x02');
    await board.waitFor('>>> ');
    expect(board.recent).toContain(BANNER);
  });

  it('raw-paste: the documented exchange, byte for byte (docs/reference/repl.rst)', async () => {
    board = await TestBoard.boot();
    board.since();
    board.type('\x01\x05A\x01print(123)\x04');
    await board.waitFor('\x04\x04>');
    expect(board.recentBytes).toBe('\r\nraw REPL; CTRL-B to exit\r\n>R\x01\x80\x00\x01\x04123\r\n\x04\x04>');
  });

  it('raw-paste: a long program with flow control, an error, and the raw REPL afterwards', async () => {
    board = await TestBoard.boot();
    board.type('\x01');
    await board.waitFor('CTRL-B to exit\r\n>');
    board.since();
    const lines = Array.from({ length: 40 }, (_, i) => `v${i} = ${i}`);
    const src = `${lines.join('\n')}\nprint(v39 + v1)\n1/0\n`;
    board.type(`\x05A\x01${src}\x04`);
    await board.waitFor('\x04>');
    const windows = Math.floor(src.length / 128);
    expect(board.recentBytes).toBe(`R\x01\x80\x00\x01${'\x01'.repeat(windows)}\x0440\r\n\x04Traceback (most recent call last):\r\n  File "<stdin>", line 42, in <module>\r\nZeroDivisionError: divide by zero\r\n\x04>`);
    board.since();
    board.type('print(v2)\x04');
    await board.waitFor('\x04>');
    expect(board.recent).toBe('OK2\r\n\x04\x04>');
  });

  it('raw-paste of empty code runs the empty program: no soft reset (mpremote exec "")', async () => {
    board = await rawReplWithVariable();
    // pyexec.c: parse_compile_execute of the empty source prints the two EOF markers and a prompt
    board.type('\x05A\x01\x04');
    await board.waitFor('\x04\x04>');
    expect(board.recentBytes).toBe('R\x01\x80\x00\x01\x04\x04\x04>');
    await expectVariableKept(board);
    expect(board.all).not.toContain('soft reboot');
  });

  it('raw REPL keys inside raw-paste source are source bytes: a nested \\x01\\x05A\\x01 is a SyntaxError, variables kept', async () => {
    board = await rawReplWithVariable();
    board.type('\x05A\x01x = 1\n\x01\x05A\x01\nprint(x)\n\x04');
    await board.waitFor('\x04>');
    // py/lexer.c: an unknown character is MP_TOKEN_INVALID, which the parser reports on its line
    expect(board.recentBytes).toBe('R\x01\x80\x00\x01\x04\x04Traceback (most recent call last):\r\n  File "<stdin>", line 2\r\nSyntaxError: invalid syntax\r\n\x04>');
    await expectVariableKept(board);
  });

  it('a soft reset in the raw REPL comes back in the raw REPL', async () => {
    board = await TestBoard.boot();
    board.type('\x01');
    await board.waitFor('CTRL-B to exit\r\n>');
    board.type('\x04');
    await board.waitFor('raw REPL; CTRL-B to exit\r\n>');
    expect(board.recent).toContain('MPY: soft reboot\r\n');
    board.type('print(1)\x04');
    await board.waitFor('\x04>');
    expect(board.recent).toBe('OK1\r\n\x04\x04>');
  });
});

describe('Enter on an empty line (shared/runtime/pyexec.c pyexec_friendly_repl)', () => {
  // The esp8266 port skips an empty line (`vstr_len(&line) == 0` → continue): a new prompt. The
  // wasm build's v1.28.0 event-driven REPL compiled it and printed SyntaxError: invalid syntax.
  /** Types keys and returns what the board printed in the next 400 ms. */
  async function keys(b: TestBoard, text: string): Promise<string> {
    b.type(text);
    await new Promise((r) => setTimeout(r, 400));
    return b.recent;
  }

  for (const release of ['1.28.0', '1.27.0'] as const) {
    it(`gives a new prompt and nothing else on v${release}`, async () => {
      board = await TestBoard.boot({ release }, 30000);
      expect(await keys(board, '\r')).toBe('\r\n>>> ');
      expect(await keys(board, '\r\r')).toBe('\r\n>>> \r\n>>> ');
      if (release === '1.28.0') {
        // readline.c process_nl: \r\n and \n\r count once, \n alone is Enter
        expect(await keys(board, '\r\n')).toBe('\r\n>>> ');
        expect(await keys(board, '\n\r')).toBe('\r\n>>> ');
      }
      // a line the REPL runs: one prompt after it (its \r\n is one Enter on v1.28.0)
      expect(await keys(board, release === '1.28.0' ? '1+1\r\n' : '1+1\r')).toBe('1+1\r\n2\r\n>>> ');
      // an empty line inside an open bracket is a continuation line, as on the board
      expect(await board.line('(1,', '... ')).toBe('(1,\r\n... ');
      expect(await board.line('', '... ')).toBe('\r\n... ');
      expect(await board.line('2)')).toBe('2)\r\n(1, 2)\r\n>>> ');
    }, 60000);
  }
});
