/**
 * The two releases a board can run (builds.ts `RELEASES`): v1.28.0, the default, and v1.27.0.
 * The firmware in flash decides at every boot which release runs, each on the official wasm
 * build of that release; what v1.28.0 changed for a learner is in fidelity/v1.28-changes.md,
 * whose transcripts are here. Sources: "MP@v1.28.0:path" is the firmware source at tag v1.28.0.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';
import { flashFirmware } from '../node/esptool.ts';
import { bannerLine, firmwareIdentity, RELEASES, RELEASE_IDS, type ReleaseId } from './builds.ts';
import { patchHeapBudget } from './wasm-heap-patch.ts';
import { findInterruptLayout, widenReadlinePrintable } from './wasm-inspect.ts';
import { patchMemory, readMemoryLimits } from './wasm-patch.ts';
import { patchSurface } from './wasm-surface-patch.ts';

const require = createRequire(import.meta.url);
const TYPE_HELP = '\r\nType "help()" for more information.\r\n>>> ';
/** The firmware's traceback for an exception raised by a line typed at the REPL. */
const E = (type: string, msg: string) => `Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\n${type}: ${msg}\r\n`;
/** The traceback of a line that does not compile. */
const SYNTAX = 'Traceback (most recent call last):\r\n  File "<stdin>", line 1\r\nSyntaxError: invalid syntax\r\n';

/** A first boot's limit: a cold worker thread under load takes longer than TestBoard's 5 s. */
const BOOT_MS = 20_000;
let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

describe('the official wasm build of each release', () => {
  it.each(RELEASE_IDS)('%s: all five wasm patches apply', (release) => {
    const wasm = new Uint8Array(readFileSync(require.resolve(`${RELEASES[release].wasmPackage}/micropython.wasm`)));
    expect(readMemoryLimits(wasm).shared).toBe(false);
    const surface = patchSurface(wasm);
    const widened = widenReadlinePrintable(surface);
    expect(widened).not.toBeNull();
    const budgeted = patchHeapBudget(widened!);
    expect(patchMemory(budgeted, { shared: true, maxPages: 4096 }).length).toBeGreaterThan(wasm.length / 2);
    expect(findInterruptLayout(surface).kbdInterruptStores.length).toBeGreaterThan(0);
  });
});

describe('which release a board runs', () => {
  it('a new board runs v1.28.0: banner, sys.version, sys.implementation, os.uname()', async () => {
    board = await TestBoard.boot({}, BOOT_MS);
    expect(board.all).toBe(`Performing initial setup\r\n\r\n${bannerLine(firmwareIdentity('4M', '1.28.0'))}${TYPE_HELP}`);
    expect(board.host.release).toBe('1.28.0');
    expect((await board.exec('import sys, os; print(sys.version); print(sys.implementation.version); print(os.uname().version)')).out)
      .toBe("3.4.0; MicroPython v1.28.0 on 2026-04-06\r\n(1, 28, 0, '')\r\nv1.28.0 on 2026-04-06\r\n");
  });

  it('a board made with v1.27.0 runs v1.27.0', async () => {
    board = await TestBoard.boot({ release: '1.27.0' }, BOOT_MS);
    expect(board.all).toBe(`Performing initial setup\r\n\r\n${bannerLine(firmwareIdentity('4M', '1.27.0'))}${TYPE_HELP}`);
    expect(board.host.release).toBe('1.27.0');
    expect((await board.exec('import sys; print(sys.version); print(sys.implementation)')).out)
      .toBe("3.4.0; MicroPython v1.27.0 on 2025-12-09\r\n(name='micropython', version=(1, 27, 0, ''), _machine='ESP module with ESP8266', _mpy=9990, _build='ESP8266_GENERIC')\r\n");
  });

  /** Writes another build with esptool (Flash held at reset) and resets into it. */
  const flash = (b: TestBoard, release: ReleaseId, flashSize: '4M' | '1M' = '4M') => flashFirmware(b, firmwareIdentity(flashSize, release));

  it('flashing the v1.27.0 image makes the board boot v1.27.0, and the v1.28.0 image back, files kept', async () => {
    board = await TestBoard.boot({}, BOOT_MS);
    expect((await board.exec("f = open('keep.txt', 'w'); f.write('kept'); f.close()")).err).toBe('');
    await flash(board, '1.27.0');
    expect(board.recent).toContain(`${bannerLine(firmwareIdentity('4M', '1.27.0'))}${TYPE_HELP}`);
    expect(board.recent).not.toContain('v1.28.0');
    expect(board.host.release).toBe('1.27.0');
    // the v1.27.0 interpreter really runs: its line editor takes \n as nothing (below)
    expect((await board.exec("print(open('keep.txt').read(), b''.hex())")).out).toBe("kept b''\r\n");
    // a Reset boots what is in flash, again
    board.since();
    board.host.reset();
    await board.waitFor(/>>> $/, 15_000);
    expect(board.recent).toContain('MicroPython v1.27.0 on 2025-12-09; ESP module with ESP8266');
    await flash(board, '1.28.0');
    expect(board.recent).toContain(`${bannerLine(firmwareIdentity('4M', '1.28.0'))}${TYPE_HELP}`);
    expect(board.host.release).toBe('1.28.0');
    expect((await board.exec("print(b''.hex() == '')")).out).toBe('True\r\n');
  }, 90_000);
});

describe('what v1.28.0 changed, as a learner meets it (fidelity/v1.28-changes.md)', () => {
  it.each([
    // [release, input, output after the echo]
    ['1.28.0', "b''.hex()", "''\r\n"], // MP@v1.28.0:py/objstr.c mp_obj_bytes_hex (06bfefeaee)
    ['1.27.0', "b''.hex()", "b''\r\n"],
    ['1.28.0', "f'{{'", "'{'\r\n"], // MP@v1.28.0:py/lexer.c parse_string_literal (58436b2882)
    ['1.27.0', "f'{{'", SYNTAX],
    ['1.28.0', "f'{f\"{1+1}\"}!'", "'2!'\r\n"], // nested f-strings, MP@v1.28.0:py/lexer.c (7ea88f7da2)
    ['1.28.0', 'import os; os.urandom(-1)', E('ValueError', '')], // a bare ValueError prints its name and ': ' // MP@v1.28.0:extmod/modos.c mp_os_urandom
    ['1.28.0', 'import weakref', E('ImportError', "no module named 'weakref'")], // MICROPY_PY_WEAKREF: EVERYTHING level only
    ['1.27.0', 'import weakref', E('ImportError', "no module named 'weakref'")],
    ['1.28.0', 'import string.templatelib', E('ImportError', "no module named 'string.templatelib'")],
  ] as [ReleaseId, string, string][])('%s: %s', async (release, input, output) => {
    board = await TestBoard.boot({ release }, BOOT_MS);
    expect(await board.line(input)).toBe(`${input}\r\n${output}>>> `);
  });

  // MP@v1.28.0:shared/readline/readline.c process_nl (a8b71559cf)
  it.each([
    ['1.28.0', '1+1\r\n2\r\n>>> 2+2\r\n4\r\n>>> 3+3\r\n6\r\n>>> '],
    ['1.27.0', '1+12+2\r\n15\r\n>>> 3+3\r\n6\r\n>>> '],
  ] as [ReleaseId, string][])('%s: the line editor\'s newline: \\n alone is Enter from v1.28.0 on (\\r\\n is one), v1.27.0 ignores it', async (release, shown) => {
    board = await TestBoard.boot({ release }, BOOT_MS);
    board.since();
    board.type('1+1\n2+2\r\n3+3\r');
    await board.waitFor(/6\r\n>>> $/, 8000);
    expect(board.recent).toBe(shown);
  });

  // MICROPY_PY_TSTRINGS is on only from the FULL_FEATURES level (MP@v1.28.0:py/mpconfig.h): the
  // esp8266 build (EXTRA_FEATURES) reads t'…' as a name and a string (py/lexer.c
  // is_string_or_bytes without the 't' prefix); the wasm build compiles it, so its lexer is
  // patched (wasm-tstring-patch.ts). Wrong case: the unpatched wasm printed a Template object
  it.each(['1.28.0', '1.27.0'] as ReleaseId[])("%s: no t-strings, as on the board: t'…' is a SyntaxError, the other prefixes work, t is a name", async (release) => {
    board = await TestBoard.boot({ release }, BOOT_MS);
    for (const code of ["t'a{1}'", 'x = t"a"', 'tr"a"', "rt'a'", "'a' t'b'", "t'''a'''"]) {
      expect(await board.line(code)).toBe(`${code}\r\n${SYNTAX}>>> `);
    }
    const prefixes = String.raw`rf'{1}\n', fr'{2}', br'a', rb'b', u'x', f'{3}', r'\t', b'b'`;
    expect(await board.line(prefixes)).toBe(`${prefixes}\r\n${String.raw`('1\\n', '2', b'a', b'b', 'x', '3', '\\t', b'b')`}\r\n>>> `);
    expect(await board.line('t = 5; t')).toBe('t = 5; t\r\n5\r\n>>> ');
    expect(await board.line('__template__')).toBe(`__template__\r\n${E('NameError', "name '__template__' isn't defined")}>>> `);
    // a script with one does not compile at all: nothing of it runs
    const r = await board.exec("print('before')\ns = t'x{1}'\n");
    expect(r.out).toBe('');
    expect(r.err).toBe('Traceback (most recent call last):\r\n  File "<stdin>", line 2\r\nSyntaxError: invalid syntax\r\n');
  });
});
