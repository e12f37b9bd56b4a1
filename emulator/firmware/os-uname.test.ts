/**
 * `os.uname()` as the ESP8266 build returns it: an attrtuple (extmod/modos.c `mp_os_uname`,
 * py/objattrtuple.c) — printed as `(sysname=..., ...)` without a type name, indexable, usable
 * with `%` (py/objstr.c takes any tuple-compatible right operand), fields as attributes.
 * Values: emulator/firmware/fidelity/v1.27-surface.md §5 (the release and machine of the build).
 *
 * What cannot be had without the interpreter's own attrtuple (it has no constructor, and the
 * WebAssembly build keeps none with five fields): on the board `type(os.uname())` prints
 * `<class 'tuple'>` and `isinstance(os.uname(), tuple)` is False; here the namedtuple with an
 * empty name prints `<class ''>` and is a tuple (listed on the differences page). A tuple
 * subclass named `tuple` would print the type right but breaks `%` (its iterator is not the
 * tuple's), which programs use.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';
import { bannerLine, GENERIC_4M } from './builds.ts';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

describe('os.uname() (extmod/modos.c, py/objattrtuple.c)', () => {
  it('prints, indexes, formats with % and has the five fields as attributes', async () => {
    board = await TestBoard.boot();
    const version = bannerLine(GENERIC_4M).replace(/^MicroPython /, '').replace(/; ESP module with ESP8266$/, '');
    const out = await board.session([
      'import os; u = os.uname()',
      'u',
      "'%s %s %s' % u[:3]",
      "'%s|%s|%s|%s|%s' % u",
      'u.sysname, u.nodename, u.release, len(u), u[-1]',
      'u == tuple(u), u.machine is u[4]',
      'u.x',
    ]);
    expect(out[1]).toBe(`(sysname='esp8266', nodename='esp8266', release='2.2.0-dev(9422289)', version='${version}', machine='ESP module with ESP8266')\n`);
    expect(out[2]).toBe("'esp8266 esp8266 2.2.0-dev(9422289)'\n");
    // wrong case: an object that is not tuple-compatible fails here with "format string needs more arguments"
    expect(out[3]).toBe(`'esp8266|esp8266|2.2.0-dev(9422289)|${version}|ESP module with ESP8266'\n`);
    expect(out[4]).toBe("('esp8266', 'esp8266', '2.2.0-dev(9422289)', 5, 'ESP module with ESP8266')\n");
    expect(out[5]).toBe('(True, True)\n');
    expect(out[6]).toMatch(/AttributeError: '.*' object has no attribute 'x'\n$/);
  });
});
