/**
 * `upysh` (frozen by ESP8266_GENERIC's manifest_2MiB.py in v1.27.0), typed at the REPL on the
 * board's littlefs. Expected text: micropython-lib micropython/upysh (the `man` text, `ls`'s
 * columns: "    <dir> name" for directories first, then "%9d name" sizes, a blank line and
 * "{:,d}k free" = f_frsize × f_bavail / 1024 from os.statvfs; rm's "rm of '…' failed"; newfile's
 * prompt). The free-space figure is the virtual littlefs's own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';

const MAN = `
upysh is intended to be imported using:
from upysh import *

To see this help text again, type "man".

upysh commands:
clear, ls, ls(...), head(...), cat(...), newfile(...)
cp('src', 'dest'), mv('old', 'new'), rm(...)
pwd, cd(...), mkdir(...), rmdir(...)
`;

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

describe('upysh', () => {
  it('from upysh import * prints man; ls, mkdir, cd, pwd, head, cat, cp, mv, rm, rmdir, clear work on littlefs', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    const free = /\n\n[\d,]+k free\n/;
    const o = await board.session([
      'from upysh import *',
      "mkdir('data')",
      "f = open('data/log.txt', 'w'); f.write(''.join('line %d\\n' % i for i in range(12))); f.close()",
      'ls',
      "ls('data')",
      "head('data/log.txt', 3)",
      "cat('data/log.txt')",
      "cp('data/log.txt', 'copy.txt')",
      "cp('copy.txt', 'data')",
      "mv('copy.txt', 'moved.txt')",
      "cd('data')",
      'pwd',
      "cd('..')",
      "rm('data')",
      "rm('nothing.txt')",
      "rm('data', True)",
      "mkdir('empty')",
      "rmdir('empty')",
      'ls',
      'clear',
      'man',
      'import upysh',
      "[n for n in ('LS', 'PWD', 'CLEAR', 'Man', 'os', 'sys', 'head', 'cat', 'cp', 'mv', 'rm', 'rmdir', 'newfile') if n not in dir()]",
    ]);
    expect(o[0]).toBe(`${MAN}\n`);
    expect(o[3]).toMatch(new RegExp(`^    <dir> data\n      \\d+ boot.py${free.source}\n$`));
    expect(o[4]).toMatch(new RegExp(`^       86 log.txt${free.source}$`));
    expect(o[5]).toBe('line 0\nline 1\nline 2\n');
    expect(o[6]).toBe(Array.from({ length: 12 }, (_, i) => `line ${i}\n`).join(''));
    expect(o[7]).toBe('');
    expect(o[11]).toBe('/data\n');
    expect(o[13]).toBe("rm of 'data' failed\n");
    expect(o[14]).toBe("rm of 'nothing.txt' failed\n");
    expect(o[15]).toBe('');
    // cp into a directory kept the name (data/copy.txt), mv renamed; rm(…, True) removed the tree
    expect(o[18]).toMatch(new RegExp(`^      \\d+ boot.py\n       86 moved.txt${free.source}\n$`));
    expect(o[19]).toBe('\x1b[2J\x1b[H\n');
    expect(o[20]).toBe(`${MAN}\n`);
    expect(o[21]).toBe(''); // imported once: man is not printed again
    expect(o[22]).toBe('[]\n');
  });

  it("cp into a directory keeps the file's name; rm of a tree with a subdirectory fails as the module does", async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    const o = await board.session([
      'from upysh import *',
      "mkdir('a'); mkdir('a/sub'); f = open('x.txt', 'w'); f.write('hi\\n'); f.close()",
      "f = open('a/sub/y.txt', 'w'); f.close()",
      "cp('x.txt', 'a/')",
      "cat('a/x.txt')",
      // rm's recursion removes entries without recursive=True: a non-empty subdirectory fails, then the tree
      "rm('a', True)",
      "import os; sorted(os.listdir('a'))",
    ]);
    expect(o[4]).toBe('hi\n');
    expect(o[5]).toBe("rm of 'a/sub' failed\nrm of 'a' failed\n");
    expect(o[6]).toBe("['sub']\n");
  });

  it('newfile writes the lines typed until Ctrl-D', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    await board.session(['from upysh import *']);
    board.type("newfile('notes.txt')\r");
    await board.waitFor('Type file contents line by line, finish with EOF (Ctrl+D).\r\n');
    board.type('first\rsecond\r\x04');
    await board.waitFor(/\r\n>>> $/, 8000);
    const o = await board.session(["open('notes.txt').read()"]);
    expect(o[0]).toBe("'first\\nsecond\\n'\n");
  });

  it('is not in the FLASH_1M build (the port manifest alone)', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant', flashSize: '1M' });
    const o = await board.session(['import upysh', 'import umqtt.robust']);
    expect(o[0]).toContain("ImportError: no module named 'upysh'");
    expect(o[1]).toContain("ImportError: no module named 'umqtt'");
  });
});
