/**
 * The REPL's echo of input is tagged apart from what the board prints (SerialChunk.echo), in
 * both ways output reaches the page: the shared ring and messages. Exercise checks rely on it:
 * code that mentions a text must not count as code that printed it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { editsLine } from './repl-pump.ts';
import { TestBoard } from '../node/test-board.ts';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

describe('editsLine', () => {
  it('takes printable bytes, Tab, Backspace, history and escape bytes as line editing, not Enter or Ctrl-D', () => {
    for (const c of [0x41, 0x20, 0x7f, 0xe4, 0x09, 0x08, 0x0e, 0x10, 0x1b]) expect(editsLine(c)).toBe(true);
    for (const c of [0x0d, 0x0a, 0x04, 0x03, 0x05, 0x01, 0x02]) expect(editsLine(c)).toBe(false);
  });
});

for (const shared of [true, false]) {
  describe(shared ? 'shared memory' : 'message mode', () => {
    it('a typed line is echo; its result is printed', async () => {
      board = await TestBoard.boot({ shared });
      const before = board.printed.length;
      expect(await board.line("print('sock' + 'et closed')")).toBe("print('sock' + 'et closed')\r\nsocket closed\r\n>>> ");
      const printed = board.printed.slice(before);
      expect(printed).toBe('\r\nsocket closed\r\n>>> ');
      expect(printed).not.toContain("'sock'");
    });

    it('a line that only mentions a text does not print it', async () => {
      board = await TestBoard.boot({ shared });
      const before = board.printed.length;
      await board.line("x = 'socket closed'");
      expect(board.all).toContain("x = 'socket closed'");
      expect(board.printed.slice(before)).not.toContain('socket closed');
    });

    it('paste mode: the pasted lines (=== …) are echo, the output of Ctrl-D is printed', async () => {
      board = await TestBoard.boot({ shared });
      const before = board.printed.length;
      board.type('\x05');
      await board.waitFor('=== ');
      board.type("msg = 'wake number 3'\rprint('done', 1 + 1)\r\x04");
      await board.waitFor('>>> ');
      expect(board.all).toContain("=== msg = 'wake number 3'");
      const printed = board.printed.slice(before);
      expect(printed).toContain('paste mode; Ctrl-C to cancel, Ctrl-D to finish');
      expect(printed).toContain('done 2\r\n>>> ');
      expect(printed).not.toContain('wake number 3');
      expect(printed).not.toContain("print('done'");
    });

    it('history recall (up arrow) and Tab completion are echo', async () => {
      board = await TestBoard.boot({ shared });
      await board.line("'lost ' + 'wrap'");
      const before = board.printed.length;
      board.type('\x1b[A');
      await board.waitFor("'lost ' + 'wrap'");
      board.type('\x03'); // clear the recalled line
      await board.waitFor('>>> ');
      board.type('impo\t');
      await board.waitFor('import ');
      board.type('\x03');
      await board.waitFor('>>> ');
      const printed = board.printed.slice(before);
      expect(printed).not.toContain('lost');
      expect(printed).not.toContain('import');
    });
  });
}
