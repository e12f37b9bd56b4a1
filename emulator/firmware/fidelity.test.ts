/**
 * Fidelity transcripts: what a real ESP-07 running MicroPython v1.27.0 (ESP8266_GENERIC, default
 * 2 MiB+ build) prints for each line typed at the REPL, checked against the virtual board, which
 * runs the default release (v1.28.0: version strings come from builds.ts; what v1.28.0 changed is
 * in fidelity/v1.28-changes.md and its transcripts in release.test.ts).
 *
 * Every case is [input typed at `>>> `, exact output, source]. The expected text is that of the
 * REAL board, taken from the research files:
 *   - "v1.27-surface §N"  → emulator/firmware/fidelity/v1.27-surface.md (section N)
 *   - "reference §N"      → /work/shared/reference/esp8266-micropython-behaviour.md (section N)
 *   - "MP@v1.27.0:path"   → the firmware source at tag v1.27.0 (github.com/micropython/micropython)
 * Expected output is written with "\n" line ends (the UART sends "\r\n"); '' means "prints nothing".
 * A RegExp matches the whole output (without the echo and the next prompt) where it varies
 * (addresses, stack depth, heap use).
 *
 * Each table runs in order on one freshly booted board; tables whose lines depend on each
 * other (PWM's shared frequency, machine.freq, timers, the heap) have a board of their own.
 *
 * Not covered here (implemented elsewhere right now): machine.UART, I2C, SoftI2C, SPI, SoftSPI,
 * WDT and the `esp` module. Not covered because the differences page (src/pages/en/differences.astro,
 * "Not emulated yet") lists them: machine.mem8/16/32, bitstream, dht_readinto, the filesystem,
 * network. machine.RTC and deep sleep are checked in emulator/firmware/deep-sleep.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';
import { GENERIC_4M } from './builds.ts';

/** The default build's version text and `sys.implementation.version` (the current release: builds.ts). */
const VERSION = GENERIC_4M.version;
const IMPL_VERSION = `(${GENERIC_4M.release.split('.').join(', ')}, '')`;

type Case = [input: string, expected: string | RegExp, source: string];

/** The firmware's traceback for an exception raised by a line typed at the REPL. */
const E = (type: string, msg: string): string =>
  `Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n${type}: ${msg}`;
const NO_MODULE = (name: string) => E('ImportError', `no module named '${name}'`);
const MOD_ATTR = (name: string) => E('AttributeError', `'module' object has no attribute '${name}'`);

/**
 * Runs a table of transcript checks, in order, on one board booted for the table.
 * With `knownDifference`, every case is expected to FAIL (`it.fails`): the virtual board differs
 * there for a documented reason (src/pages/en/differences.astro); fixing one flips its test to a
 * failure, so the table must then be updated.
 */
function transcript(name: string, cases: Case[], knownDifference?: string): void {
  const test = knownDifference ? it.fails : it;
  describe(knownDifference ? `${name} — known difference: ${knownDifference}` : name, () => {
    let board: TestBoard;
    beforeAll(async () => {
      board = await TestBoard.boot();
    });
    afterAll(() => board?.dispose());
    test.each(cases)('%s', async (input, expected) => {
      // wait for the prompt that ends the transcript (output may itself contain '>>> ', e.g. sys.ps1)
      board.type(`${input}\r`);
      const got = await board.waitFor(/\r\n>>> $/, 8000);
      const echo = `${input}\r\n`;
      if (typeof expected === 'string') {
        expect(got, `the board printed ${JSON.stringify(got)}`).toBe(`${echo}${expected === '' ? '' : `${expected.replace(/\n/g, '\r\n')}\r\n`}>>> `);
      } else {
        expect(got.startsWith(echo) && got.endsWith('>>> '), `the board printed ${JSON.stringify(got)}`).toBe(true);
        const out = got.slice(echo.length, -4).replace(/\r\n/g, '\n').replace(/\n$/, '');
        expect(out, `the board printed ${JSON.stringify(got)}`).toMatch(expected);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// help()
// ---------------------------------------------------------------------------------------------

const HELP_TEXT = `Welcome to MicroPython!

For online docs please visit http://docs.micropython.org/

For diagnostic information to include in bug reports execute 'import port_diag'.

Basic WiFi configuration:

import network
sta_if = network.WLAN(network.WLAN.IF_STA); sta_if.active(True)
sta_if.scan()                             # Scan for available access points
sta_if.connect("<AP_name>", "<key>") # Connect to an AP
sta_if.isconnected()                      # Check for successful connection
# Change name/password of ESP8266's AP:
ap_if = network.WLAN(network.WLAN.IF_AP)
ap_if.config(ssid="<AP_NAME>", security=network.AUTH_WPA_WPA2_PSK, key="<key>")

Control commands:
  CTRL-A        -- on a blank line, enter raw REPL mode
  CTRL-B        -- on a blank line, enter normal REPL mode
  CTRL-C        -- interrupt a running program
  CTRL-D        -- on a blank line, do a soft reset of the board
  CTRL-E        -- on a blank line, enter paste mode

For further help on a specific object, type help(obj)`;

const HELP_MODULES = `__main__          collections       machine           ssl
_asyncio          cryptolib         math              struct
_boot             deflate           micropython       sys
_espnow           dht               mip/__init__      time
_onewire          ds18x20           neopixel          tls
_webrepl          errno             network           uasyncio
apa102            esp               ntptime           uctypes
array             espnow            onewire           umqtt/robust
asyncio/__init__  flashbdev         os                umqtt/simple
asyncio/core      framebuf          platform          upysh
asyncio/event     gc                port_diag         urequests
asyncio/funcs     hashlib           random            vfs
asyncio/lock      heapq             re                webrepl
asyncio/stream    inisetup          requests/__init__ webrepl_setup
binascii          io                select            websocket
btree             json              socket
builtins          lwip              ssd1306
Plus any modules on the filesystem`;

transcript('help()', [
  ['help()', HELP_TEXT, 'v1.27-surface §1.1; MP@v1.27.0:ports/esp8266/help.c'],
  ['help(help)', 'object <function> is of type function', 'MP@v1.27.0:py/builtinhelp.c mp_help_print_obj (help is a built-in function)'],
  ["help('modules')", HELP_MODULES, 'v1.27-surface §2.1, §2.2; MP@v1.27.0:py/builtinhelp.c mp_help_print_modules'],
  ['import gc, machine', '', 'v1.27-surface §3.1'],
  [
    'help(gc)',
    "object <module 'gc'> is of type module\n  __name__ -- gc\n  collect -- <function>\n  disable -- <function>\n  enable -- <function>\n  isenabled -- <function>\n  mem_free -- <function>\n  mem_alloc -- <function>\n  threshold -- <function>",
    'v1.27-surface §1.2; MP@v1.27.0:py/modgc.c',
  ],
  [
    'help(machine.Pin)',
    "object <class 'Pin'> is of type type\n  init -- <function>\n  value -- <function>\n  off -- <function>\n  on -- <function>\n  toggle -- <function>\n  irq -- <function>\n  IN -- 0\n  OUT -- 1\n  OPEN_DRAIN -- 2\n  PULL_UP -- 1\n  IRQ_RISING -- 1\n  IRQ_FALLING -- 2",
    'v1.27-surface §1.2; MP@v1.27.0:ports/esp8266/machine_pin.c',
  ],
  ['help(1)', 'object 1 is of type int\n  from_bytes -- <classmethod>\n  to_bytes -- <function>', 'v1.27-surface §1.2; MP@v1.27.0:py/objint.c'],
  ['help(print)', 'object <function> is of type function', 'v1.27-surface §1.2; MP@v1.27.0:py/builtinhelp.c'],
]);

// ---------------------------------------------------------------------------------------------
// sys and os
// ---------------------------------------------------------------------------------------------

const SYS = 'v1.27-surface §4.1; MP@v1.27.0:py/modsys.c';
transcript('sys', [
  ['import sys', '', SYS],
  ['sys.x = 1', E('AttributeError', "'module' object has no attribute 'x'"), 'MP@v1.27.0:py/objmodule.c module_attr (a built-in module\'s dict is fixed); py/runtime.c mp_store_attr'],
  ['del sys.platform', E('AttributeError', "'module' object has no attribute 'platform'"), 'MP@v1.27.0:py/objmodule.c module_attr'],
  ["exec('try:\\n raise ValueError(1)\\nexcept ValueError as e:\\n sys.print_exception(e)')", 'Traceback (most recent call last):\n  File "<string>", line 2, in <module>\nValueError: 1', 'MP@v1.27.0:py/modsys.c mp_sys_print_exception → py/obj.c mp_obj_print_exception (the traceback, then the exception)'],
  ['sys.print_exception(OSError(2))', 'OSError: [Errno 2] ENOENT', 'MP@v1.27.0:py/obj.c mp_obj_print_exception (never raised: no traceback); py/moderrno.c'],
  ['sys.tracebacklimit', MOD_ATTR('tracebacklimit'), 'v1.27-surface §4.3 (MICROPY_PY_SYS_TRACEBACKLIMIT not enabled on the port)'],
  ['sys.version', `'3.4.0; MicroPython ${VERSION}'`, SYS],
  ['sys.version_info', '(3, 4, 0)', SYS],
  [
    'sys.implementation',
    `(name='micropython', version=${IMPL_VERSION}, _machine='ESP module with ESP8266', _mpy=9990, _build='ESP8266_GENERIC')`,
    'v1.27-surface §4.1, §4.2; MP@v1.27.0:py/objattrtuple.c',
  ],
  ['sys.implementation.version', IMPL_VERSION, SYS],
  ['sys.implementation.name', "'micropython'", SYS],
  ['sys.implementation._mpy', '9990', 'v1.27-surface §4.2; MP@v1.27.0:py/persistentcode.h'],
  ['sys.implementation._build', "'ESP8266_GENERIC'", 'v1.27-surface §4.2; MP@v1.27.0:py/mkrules.mk'],
  ['sys.platform', "'esp8266'", SYS],
  ['sys.byteorder', "'little'", SYS],
  ['sys.maxsize', '2147483647', SYS],
  ['sys.path', "['', '.frozen', '/lib', '/']", 'v1.27-surface §4.1; MP@v1.27.0:py/runtime.c, ports/esp8266/main.c'],
  ['sys.argv', '[]', SYS],
  ['sys.stdin', '<io.TextIOWrapper 0>', 'v1.27-surface §4.1; MP@v1.27.0:shared/runtime/sys_stdio_mphal.c'],
  ['sys.stdout', '<io.TextIOWrapper 1>', 'v1.27-surface §4.1; MP@v1.27.0:shared/runtime/sys_stdio_mphal.c'],
  ['sys.ps1', MOD_ATTR('ps1'), 'v1.27-surface §4.3 (MICROPY_PY_SYS_PS1_PS2 0)'],
  ['sys.getsizeof', MOD_ATTR('getsizeof'), 'v1.27-surface §4.3'],
  [
    'dir(sys)',
    "['__class__', '__name__', '__dict__', 'argv', 'byteorder', 'exit', 'implementation', 'maxsize', 'modules', 'path', 'platform', 'print_exception', 'stderr', 'stdin', 'stdout', 'version', 'version_info']",
    'v1.27-surface §4.3, §4.5; MP@v1.27.0:py/modbuiltins.c mp_builtin_dir',
  ],
]);

transcript('a program\'s own module named like one the esp8266 build lacks imports from the filesystem', [
  ["import os; os.mkdir('/lib')", '', 'v1.27-surface §3.4 (sys.path: \'\', .frozen, /lib, /)'],
  ["f = open('/lib/unittest.py', 'w'); f.write('X = 42\\n'); f.close()", '7', 'MP@v1.27.0:extmod/vfs_lfsx_file.c (write returns the count)'],
  ['import unittest; unittest.X', '42', 'v1.27-surface §3.4; MP@v1.27.0:py/builtinimport.c (not built in or frozen on the esp8266: the filesystem\'s file)'],
  ['import functools', E('ImportError', "no module named 'functools'"), 'v1.27-surface §3 (not in the esp8266 build, no file)'],
]);

transcript('vfs objects', [
  ['import vfs; vfs.mount()', "[(<VfsLfs2>, '/')]", 'MP@v1.27.0:extmod/vfs.c vfs_mount (list of (vfs, path)); py/obj.c mp_obj_print_helper (<VfsLfs2>: the type has no print slot)'],
  ['vfs.VfsLfs2', "<class 'VfsLfs2'>", 'MP@v1.27.0:extmod/vfs_lfs.c'],
]);

const OS = 'v1.27-surface §5; MP@v1.27.0:extmod/modos.c, ports/esp8266/modos.c';
transcript('os', [
  ['import os', '', OS],
  [
    'os.uname()',
    `(sysname='esp8266', nodename='esp8266', release='2.2.0-dev(9422289)', version='${VERSION}', machine='ESP module with ESP8266')`,
    'v1.27-surface §5.2 [OBS]; MP@v1.27.0:extmod/modos.c',
  ],
  ['os.uname().release', "'2.2.0-dev(9422289)'", 'v1.27-surface §5.2; reference §1.3'],
  ['os.uname().machine', "'ESP module with ESP8266'", 'v1.27-surface §5.2'],
  ["'%s %s' % os.uname()[:2], '%s' % (os.uname()[2],)", "('esp8266 esp8266', '2.2.0-dev(9422289)')", 'MP@v1.27.0:py/objattrtuple.c (a tuple: slices, %)'],
  ["'%s-%s-%s-%s-%s' % os.uname()", `'esp8266-esp8266-2.2.0-dev(9422289)-${VERSION}-ESP module with ESP8266'`, 'MP@v1.27.0:py/objstr.c str_modulo (tuple-compatible right side); py/objattrtuple.c'],
  ['len(os.uname()), os.uname()[0]', "(5, 'esp8266')", 'MP@v1.27.0:py/objattrtuple.c'],
  ['os.sep', "'/'", OS],
  ['type(os.urandom(4)), len(os.urandom(4))', "(<class 'bytes'>, 4)", 'v1.27-surface §5.3; MP@v1.27.0:ports/esp8266/modos.c'],
  ['os.dupterm(None, 2)', E('ValueError', 'invalid dupterm index'), 'v1.27-surface §5.3; MP@v1.27.0:extmod/os_dupterm.c'],
  ['os.getenv', MOD_ATTR('getenv'), 'v1.27-surface §5.1 (not present)'],
]);

transcript(
  'os filesystem names',
  [
    [
      'import os; dir(os)',
      "['__class__', '__name__', 'remove', 'sep', 'VfsFat', 'VfsLfs2', '__dict__', 'chdir', 'dupterm', 'dupterm_notify', 'getcwd', 'ilistdir', 'listdir', 'mkdir', 'mount', 'rename', 'rmdir', 'stat', 'statvfs', 'sync', 'umount', 'uname', 'unlink', 'urandom']",
      'v1.27-surface §5.1, §4.5',
    ],
  ],
  'VfsFat, VfsLfs2 and sync come with the board filesystem (not emulated yet)',
);

// ---------------------------------------------------------------------------------------------
// import: modules the board does not have, and the u-prefix aliases
// ---------------------------------------------------------------------------------------------

const IMPORT_FAIL = 'v1.27-surface §3, §3.3; MP@v1.27.0:py/builtinimport.c';
const ALIAS = 'v1.27-surface §3.3; MP@v1.27.0:py/objmodule.c mp_module_get_builtin';
transcript('import', [
  // the WebAssembly build's own modules and CPython-only ones: absent on the board (§3.1, §3.2)
  ...['js', 'jsffi', 'pyscript', 'logging', 'datetime', 'unittest'].map((m): Case => [`import ${m}`, NO_MODULE(m), IMPORT_FAIL]),
  // not enabled on the esp8266 build (§2.3 C)
  ...['cmath', 'marshal', '_thread'].map((m): Case => [`import ${m}`, NO_MODULE(m), 'v1.27-surface §2.3 C; ' + IMPORT_FAIL]),
  // u-names whose target is not an extensible module (§3.3)
  ...['umath', 'ugc', 'umicropython', 'ubtree', 'uframebuf', 'uzlib', 'ubuiltins'].map((m): Case => [`import ${m}`, NO_MODULE(m), IMPORT_FAIL]),
  // u-aliases that work: the same module, under its real name
  ...(
    [
      ['utime', 'time'],
      ['umachine', 'machine'],
      ['usys', 'sys'],
      ['uos', 'os'],
      ['ujson', 'json'],
      ['ure', 're'],
      ['ustruct', 'struct'],
      ['ucollections', 'collections'],
      ['urandom', 'random'],
      ['uerrno', 'errno'],
      ['uarray', 'array'],
      ['ubinascii', 'binascii'],
      ['uheapq', 'heapq'],
      ['uio', 'io'],
      ['uhashlib', 'hashlib'],
    ] as const
  ).map(([u, m]): Case => [`import ${u}; ${u}.__name__`, `'${m}'`, ALIAS]),
  ['import utime, time; utime is time', 'True', ALIAS],
  ['import umachine, machine; umachine is machine', 'True', ALIAS],
  ['import uctypes; uctypes.__name__', "'uctypes'", 'v1.27-surface §3.1, §3.3 (a real module, not an alias)'],
  ['from machine import Foo', E('ImportError', "can't import name Foo"), 'v1.27-surface §3; MP@v1.27.0:py/runtime.c mp_import_from'],
]);

// ---------------------------------------------------------------------------------------------
// machine: module functions (one board: freq() changes state)
// ---------------------------------------------------------------------------------------------

const MACH = 'v1.27-surface §6.3; MP@v1.27.0:ports/esp8266/modmachine.c';
const FREQ_ERR = E('ValueError', 'frequency can only be either 80Mhz or 160MHz');
const MEM = 'MP@v1.27.0:extmod/machine_mem.c';
transcript('machine.mem8, mem16, mem32', [
  ['import machine', '', MEM],
  ['machine.mem8, machine.mem16, machine.mem32', '(<8-bit memory>, <16-bit memory>, <32-bit memory>)', MEM + ' machine_mem_print'],
  // eFuse words for the MAC 5c:cf:7f:c1:dd:42 (esptool targets/esp8266 read_mac; SDK system_get_chip_id)
  ['[hex(machine.mem32[a]) for a in (0x3ff00050, 0x3ff00054, 0x3ff00058, 0x3ff0005c)]', "['0x42000000', '0xc1dd', '0x0', '0x5ccf7f']", 'reference: esptool read_mac on this board; hal.ts MEM_REGISTERS'],
  ['(machine.mem32[0x3ff00050] >> 24 | (machine.mem32[0x3ff00054] & 0xffffff) << 8) == int.from_bytes(machine.unique_id(), \'little\')', 'True', 'SDK system_get_chip_id; ports/esp8266/modmachine.c machine_unique_id'],
  ['machine.mem8[0x3ff00053], machine.mem16[0x3ff00054]', '(66, 49629)', MEM + ' (little-endian narrower reads)'],
  ['machine.mem32[0x3ff00052]', E('ValueError', 'address 3ff00052 is not aligned to 4 bytes'), MEM + ' machine_mem_get_addr'],
  ['machine.mem16[0x3ff00051]', E('ValueError', 'address 3ff00051 is not aligned to 2 bytes'), MEM],
  ['machine.mem32[0.5]', E('TypeError', "can't convert float to int"), MEM + ' (mp_obj_get_int_truncated)'],
]);

transcript('machine functions', [
  ['import machine, sys', '', MACH],
  ['machine.freq()', '80000000', MACH],
  ['machine.freq(100000000)', FREQ_ERR, MACH],
  ['machine.freq(240000000)', FREQ_ERR, MACH],
  ['machine.freq(1, 2)', E('TypeError', 'function expected at most 1 arguments, got 2'), MACH],
  ['machine.freq(160000000)', '', MACH],
  ['machine.freq(160000000); machine.freq()', '160000000', MACH],
  ['machine.freq(80999999); machine.freq()', '80000000', 'v1.27-surface §6.3 (integer division by 1000000)'],
  ['print(machine.freq(80000000))', 'None', MACH],
  ['machine.reset_cause()', '0', 'v1.27-surface §6.2, §6.3 (power-on: REASON_DEFAULT_RST); reference §2.5'],
  ['machine.reset_cause() == machine.PWRON_RESET', 'True', 'v1.27-surface §6.2'],
  [
    '(machine.PWRON_RESET, machine.WDT_RESET, machine.SOFT_RESET, machine.DEEPSLEEP_RESET, machine.HARD_RESET, machine.DEEPSLEEP)',
    '(0, 1, 4, 5, 6, 4)',
    'v1.27-surface §6.2 [OBS STUBS]',
  ],
  ['type(machine.unique_id()), len(machine.unique_id())', "(<class 'bytes'>, 4)", 'v1.27-surface §6.3; reference §1.3'],
  ['machine.unique_id() == machine.unique_id()', 'True', 'v1.27-surface §6.3 (system_get_chip_id)'],
  ['s = machine.disable_irq(); machine.enable_irq(s); type(s)', "<class 'int'>", 'v1.27-surface §6.3; MP@v1.27.0:ports/esp8266/esp_mphal.c'],
  ['print(machine.enable_irq(machine.disable_irq()))', 'None', 'v1.27-surface §6.3'],
  ['machine.soft_reset is sys.exit', 'True', 'v1.27-surface §6.1 (table entry is mp_sys_exit_obj)'],
  ['machine.sleep is machine.lightsleep', 'True', 'v1.27-surface §6.1'],
  ['machine.idle()', '', 'v1.27-surface §6.3'],
  ['print(machine.lightsleep(10))', 'None', 'v1.27-surface §6.3'],
  ['machine.IDLE', MOD_ATTR('IDLE'), 'v1.27-surface §6.1 (absent)'],
  ['machine.PIN_WAKE', MOD_ATTR('PIN_WAKE'), 'v1.27-surface §6.1 (absent)'],
  ['machine.DAC', MOD_ATTR('DAC'), 'v1.27-surface §6.1 (absent)'],
  ['machine.time_pulse_us(machine.Pin(4, machine.Pin.IN, machine.Pin.PULL_UP), 0, 1000)', '-2', 'v1.27-surface §6.3; MP@v1.27.0:extmod/machine_pulse.c'],
  ['machine.time_pulse_us(machine.Pin(4), 1, 1000)', '-1', 'v1.27-surface §6.3 (already at level: timing starts at once)'],
]);

// ---------------------------------------------------------------------------------------------
// machine.Pin
// ---------------------------------------------------------------------------------------------

const PIN = 'v1.27-surface §7.4; MP@v1.27.0:ports/esp8266/machine_pin.c';
const PIN_RW = 'v1.27-surface §7.6; MP@v1.27.0:ports/esp8266/machine_pin.c pin_set';
const INVALID_PIN = E('ValueError', 'invalid pin');
transcript('machine.Pin', [
  ['from machine import Pin', '', PIN],
  ['Pin(2)', 'Pin(2)', PIN],
  ['Pin(16)', 'Pin(16)', PIN],
  [
    '[Pin(i) for i in (0, 1, 2, 3, 4, 5, 9, 10, 12, 13, 14, 15, 16)]',
    '[Pin(0), Pin(1), Pin(2), Pin(3), Pin(4), Pin(5), Pin(9), Pin(10), Pin(12), Pin(13), Pin(14), Pin(15), Pin(16)]',
    PIN,
  ],
  ...['6', '7', '8', '11', '17', '-1', "'x'", '1.5', 'True', '2**40', 'None'].map((id): Case => [`Pin(${id})`, INVALID_PIN, PIN + ' mp_obj_get_pin_obj']),
  ['Pin()', E('TypeError', 'function missing 1 required positional arguments'), PIN],
  ['Pin(Pin(2)) is Pin(2)', 'True', 'v1.27-surface §7.4 (one singleton per GPIO)'],
  ['str(Pin(13)), repr(Pin(13))', "('Pin(13)', 'Pin(13)')", 'v1.27-surface §7.4 ("Pin(%u)")'],
  [
    '(Pin.IN, Pin.OUT, Pin.OPEN_DRAIN, Pin.PULL_UP, Pin.IRQ_RISING, Pin.IRQ_FALLING)',
    '(0, 1, 2, 1, 1, 2)',
    'v1.27-surface §7.2 [OBS STUBS]',
  ],
  ['Pin.PULL_DOWN', E('AttributeError', "type object 'Pin' has no attribute 'PULL_DOWN'"), 'v1.27-surface §7.3; reference §1.6'],
  ['Pin.ALT', E('AttributeError', "type object 'Pin' has no attribute 'ALT'"), 'v1.27-surface §7.2'],
  ['Pin.IRQ_LOW_LEVEL', E('AttributeError', "type object 'Pin' has no attribute 'IRQ_LOW_LEVEL'"), 'v1.27-surface §7.2'],
  ['Pin(2).mode()', E('AttributeError', "'Pin' object has no attribute 'mode'"), 'v1.27-surface §7.3'],
  ['Pin(2).pull()', E('AttributeError', "'Pin' object has no attribute 'pull'"), 'v1.27-surface §7.3'],
  ['Pin(2).drive()', E('AttributeError', "'Pin' object has no attribute 'drive'"), 'v1.27-surface §7.3'],
  ['Pin(2, pull=Pin.PULL_UP)', E('TypeError', "'mode' argument required"), PIN + '; MP@v1.27.0:py/argcheck.c'],
  ["Pin(2, 'x')", E('TypeError', "can't convert str to int"), PIN],
  ["Pin(2, Pin.IN, 'x')", E('TypeError', "can't convert str to int"), 'v1.27-surface §7.4 (pull)'],
  ['Pin(14, 7)', 'Pin(14)', 'v1.27-surface §7.4 (out-of-range mode accepted silently)'],
  ['Pin(2).init()', E('TypeError', "'mode' argument required"), 'v1.27-surface §7.5'],
  ['Pin(2).init(Pin.OUT)', '', 'v1.27-surface §7.5'],
  ['print(Pin(2).init(Pin.IN))', 'None', 'v1.27-surface §7.5'],
  ['Pin(16, Pin.IN, Pin.PULL_UP)', E('ValueError', "Pin(16) doesn't support pull"), 'v1.27-surface §7.4; reference §2.1'],
  ['Pin(16).init(Pin.OUT, pull=Pin.PULL_UP)', E('ValueError', "Pin(16) doesn't support pull"), 'v1.27-surface §7.5'],
  ['Pin(16, Pin.IN, None)', 'Pin(16)', 'v1.27-surface §7.4 (pull None is fine on GPIO16)'],
  // an output: value()/on()/off()/toggle()/__call__ (§7.6)
  ['led = Pin(5, Pin.OUT, value=1)', '', PIN],
  ['led.value()', '1', PIN_RW],
  ['led.off()', '', PIN_RW],
  ['led()', '0', PIN_RW],
  ['led.on()', '', PIN_RW],
  ['led.value()', '1', PIN_RW],
  ['print(led.on(), led.off(), led.toggle())', 'None None None', 'v1.27-surface §7.6 (on/off/toggle return None)'],
  ['led.value() + 10', '11', 'v1.27-surface §7.6 (toggle writes 1 - latch)'],
  ['led(0)', '', PIN_RW],
  ['led.value()', '0', PIN_RW],
  ['led.toggle(); led.value()', '1', PIN_RW],
  ['led.value(0); led.value()', '0', PIN_RW],
  ['print(led(1))', 'None', PIN_RW],
  ['led.value(5); led.value()', '1', 'v1.27-surface §7.6 (setter truth-tests)'],
  ['Pin(5, Pin.OUT).value()', '1', 'v1.27-surface §7.4 (value= omitted: latch unchanged)'],
  ['Pin(5, Pin.OUT, value=0).value()', '0', 'v1.27-surface §7.4 (value=)'],
  ['led(1, 2)', E('TypeError', 'function expected at most 1 arguments, got 2'), 'v1.27-surface §7.6'],
  ['led.value(1, 2)', E('TypeError', 'function expected at most 2 arguments, got 3'), 'v1.27-surface §7.6 (VAR_BETWEEN counts self)'],
  // an input with the pull-up: writes do not change it (§7.6)
  ['inp = Pin(4, Pin.IN, Pin.PULL_UP)', '', PIN],
  ['inp.value()', '1', PIN_RW],
  ['inp.value(0); inp.value()', '1', 'v1.27-surface §7.6 (a write in IN mode does not drive the pin)'],
  ['inp.off(); inp()', '1', 'v1.27-surface §7.6'],
  // open drain: 0 drives low, 1 releases (§7.6)
  ['od = Pin(12, Pin.OPEN_DRAIN, Pin.PULL_UP, value=1)', '', PIN],
  ['od.value()', '1', PIN_RW],
  ['od(0); od()', '0', PIN_RW],
  ['od(1); od()', '1', PIN_RW],
  [
    'dir(Pin)',
    "['__class__', '__name__', 'value', 'IN', 'IRQ_FALLING', 'IRQ_RISING', 'OPEN_DRAIN', 'OUT', 'PULL_UP', '__bases__', '__dict__', 'init', 'irq', 'off', 'on', 'toggle']",
    'v1.27-surface §7.1, §4.5',
  ],
  [
    'dir(Pin(2))',
    "['__class__', 'value', 'IN', 'IRQ_FALLING', 'IRQ_RISING', 'OPEN_DRAIN', 'OUT', 'PULL_UP', 'init', 'irq', 'off', 'on', 'toggle']",
    'v1.27-surface §7.1, §4.5',
  ],
]);

const IRQ = 'v1.27-surface §7.7; MP@v1.27.0:ports/esp8266/machine_pin.c pyb_pin_irq';
transcript('machine.Pin.irq', [
  ['from machine import Pin', '', IRQ],
  ['Pin(16).irq()', E('OSError', 'pin does not have IRQ capabilities'), IRQ],
  ['Pin(16).irq(hard=True)', E('OSError', 'pin does not have IRQ capabilities'), 'v1.27-surface §7.7 (GPIO16 is checked first)'],
  ['Pin(2).irq(hard=True)', E('ValueError', 'hard IRQ not supported'), IRQ],
  ['Pin(2).irq(lambda p: None, Pin.IRQ_RISING, True)', E('ValueError', 'hard IRQ not supported'), 'v1.27-surface §7.7 (positional hard)'],
  ['Pin(4).irq()', '<IRQ>', 'v1.27-surface §7.7 (IRQ type has no print slot)'],
  ['i = Pin(4, Pin.IN).irq(lambda p: print("edge", p), Pin.IRQ_FALLING)', '', IRQ],
  ['i', '<IRQ>', IRQ],
  ['i.trigger()', '2', 'v1.27-surface §7.7 (trigger() returns the raw trigger)'],
  ['i.trigger(Pin.IRQ_RISING)', '2', 'v1.27-surface §7.7 (trigger(t) returns the old value)'],
  ['i.trigger()', '1', IRQ],
  ['Pin(4).irq() is i', 'True', 'v1.27-surface §7.7 (per-pin singleton)'],
  ['i()', 'edge Pin(4)', 'v1.27-surface §7.7 (calling the IRQ schedules the handler with the Pin)'],
  ["dir(i)", "['__class__', 'trigger']", 'v1.27-surface §7.7'],
  ['j = Pin(4).irq(None); i.trigger()', '0', 'v1.27-surface §7.7 (handler None disables: trigger 0)'],
  ['Pin(5).irq(lambda p: None)', '<IRQ>', IRQ],
  ['Pin(5).irq().trigger()', '3', 'v1.27-surface §7.7 (default trigger IRQ_RISING|IRQ_FALLING); reference §2.1'],
]);

// ---------------------------------------------------------------------------------------------
// machine.Signal, machine.ADC
// ---------------------------------------------------------------------------------------------

const SIG = 'v1.27-surface §8; MP@v1.27.0:extmod/machine_signal.c';
transcript('machine.Signal', [
  ['from machine import Pin, Signal', '', SIG],
  ['s = Signal(Pin(13, Pin.OUT, value=0), invert=True)', '', SIG],
  ['s', '<Signal>', 'v1.27-surface §8 (no print slot)'],
  ['s.value()', '1', 'v1.27-surface §8 (pin_value ^ invert)'],
  ['s.off(); Pin(13).value()', '1', SIG],
  ['s.on(); Pin(13).value()', '0', SIG],
  ['s(0); Pin(13)()', '1', SIG],
  ['s()', '0', SIG],
  ['print(s.on(), s.off())', 'None None', SIG],
  ['s(1, 2)', E('TypeError', 'function expected at most 1 arguments, got 2'), SIG],
  ['s.value(1, 2)', E('TypeError', 'function expected at most 2 arguments, got 3'), SIG],
  ['Signal(Pin(2), Pin.OUT)', E('TypeError', ''), 'v1.27-surface §8 (form 1 takes one positional: TypeError with no message)'],
  ['Signal(Pin(2), foo=1)', E('TypeError', ''), 'v1.27-surface §8 (form 1: the only keyword is invert)'],
  ["Signal('x')", INVALID_PIN, 'v1.27-surface §8 (form 2: Pin errors propagate)'],
  ['s2 = Signal(14, Pin.OUT, value=1, invert=True)', '', 'v1.27-surface §8 (form 2)'],
  ['Pin(14).value(), s2.value()', '(0, 1)', 'v1.27-surface §8 (value= is inverted before Pin)'],
  ['Signal(s)', '<Signal>', 'v1.27-surface §8 (a Signal has the pin protocol)'],
  ['Signal(Pin(2))', '<Signal>', SIG],
  ['dir(Signal)', "['__class__', '__name__', 'value', '__bases__', '__dict__', 'off', 'on']", 'v1.27-surface §8, §4.5'],
]);

const ADC = 'v1.27-surface §9; MP@v1.27.0:ports/esp8266/machine_adc.c';
transcript('machine.ADC', [
  ['from machine import ADC, Pin', '', ADC],
  ['ADC(0)', 'ADC(0)', ADC],
  ['ADC(1)', 'ADC(1)', ADC],
  ['ADC(True)', 'ADC(1)', 'v1.27-surface §9 (True is accepted as 1)'],
  ['ADC(0) is ADC(0)', 'True', 'v1.27-surface §9 (singleton)'],
  ['ADC(2)', E('ValueError', "ADC(2) doesn't exist"), ADC],
  ['ADC(-1)', E('ValueError', "ADC(-1) doesn't exist"), ADC],
  ['ADC()', E('TypeError', 'function takes 1 positional arguments but 0 were given'), ADC + '; MP@v1.27.0:py/argcheck.c'],
  ['ADC(id=0)', E('TypeError', "function doesn't take keyword arguments"), ADC],
  ['ADC(Pin(0))', E('TypeError', "can't convert Pin to int"), ADC],
  ['ADC(0.0)', E('TypeError', "can't convert float to int"), ADC],
  ['ADC(0).read()', '0', 'v1.27-surface §9 (A0 at 0 V after power-on on the virtual bench)'],
  ['ADC(0).read_u16()', '0', 'v1.27-surface §9 (raw * 65535 / 1024)'],
  ['ADC(0).atten', E('AttributeError', "'ADC' object has no attribute 'atten'"), 'v1.27-surface §9 (only read, read_u16)'],
  ['ADC(0).deinit', E('AttributeError', "'ADC' object has no attribute 'deinit'"), 'v1.27-surface §9'],
  ['dir(ADC)', "['__class__', '__name__', 'read', '__bases__', '__dict__', 'read_u16']", 'v1.27-surface §9, §4.5'],
]);

// ---------------------------------------------------------------------------------------------
// machine.PWM (one shared frequency: the order of these lines matters)
// ---------------------------------------------------------------------------------------------

const PWM = 'v1.27-surface §10; MP@v1.27.0:ports/esp8266/machine_pwm.c';
const CLAMP = 'v1.27-surface §10.3; MP@v1.27.0:ports/esp8266/esppwm.c';
transcript('machine.PWM', [
  ['from machine import Pin, PWM', '', PWM],
  ['PWM(Pin(16))', E('ValueError', 'PWM not supported on pin 16'), 'v1.27-surface §10.1; esppwm.c pin_num[]'],
  ['PWM(1)', E('ValueError', 'PWM not supported on pin 1'), 'v1.27-surface §10.1 (int id accepted)'],
  ['PWM(Pin(3))', E('ValueError', 'PWM not supported on pin 3'), 'v1.27-surface §10.1'],
  ['PWM(6)', INVALID_PIN, 'v1.27-surface §10.1 (mp_obj_get_pin_obj)'],
  ['PWM()', E('TypeError', 'function missing 1 required positional arguments'), 'v1.27-surface §10.1'],
  ['p = PWM(Pin(2))', '', PWM],
  ['p', 'PWM(2, freq=500, duty=0)', 'v1.27-surface §10.1 (pwm_init: 500 Hz, new channel duty 0), §10.6'],
  ['p.freq()', '500', 'v1.27-surface §10.1'],
  ['p.duty(512)', '', 'v1.27-surface §10.4'],
  ['p', 'PWM(2, freq=500, duty=512)', 'v1.27-surface §10.6'],
  ['p.duty()', '512', 'v1.27-surface §10.4'],
  ['p.duty_u16()', '32767', 'v1.27-surface §10.4 (duty*65535/1024)'],
  ['p.duty_ns()', '1000000', 'v1.27-surface §10.4 (duty*976563/freq)'],
  ['print(p.duty(100))', 'None', 'v1.27-surface §10.4'],
  ['p.duty(2000); p.duty()', '1023', CLAMP + ' (max 1023)'],
  ['p.duty(1023); p.duty()', '1023', CLAMP],
  ['p.duty(1024); p.duty()', '1023', CLAMP],
  ['p.duty(-5); p.duty()', '0', CLAMP],
  ['p.duty(65535); p.duty()', '0', CLAMP + ' (int16 truncation: -1)'],
  ['p.duty(40000); p.duty()', '0', CLAMP + ' (int16 truncation: -25536)'],
  ['p.duty(70000); p.duty()', '1023', CLAMP + ' (int16 truncation: 4464)'],
  ['p.duty_u16(65535); p.duty()', '1023', 'v1.27-surface §10.4 (method: v*1024/65535 = 1024, clamped)'],
  ['p.duty_u16()', '65471', 'v1.27-surface §10.4'],
  ['p.duty_u16(32768); p.duty()', '512', 'v1.27-surface §10.4'],
  ['p.freq(2000); p.freq()', '1000', CLAMP],
  ['p.freq(0); p.freq()', '1', CLAMP],
  ['p.freq(65536); p.freq()', '1', CLAMP + ' (uint16 truncation: 0)'],
  ['p.freq(70000); p.freq()', '1000', CLAMP + ' (uint16 truncation: 4464)'],
  ['p.freq(-5); p.freq()', '1000', CLAMP + ' (uint16 truncation: 65531)'],
  ['print(p.freq(500))', 'None', 'v1.27-surface §10.4'],
  ['p.deinit()', '', 'v1.27-surface §10.5'],
  ['p', 'PWM(2)', 'v1.27-surface §10.6 (inactive)'],
  ['p.duty()', '0', 'v1.27-surface §10.5 (re-adds the channel with duty 0)'],
  ['p', 'PWM(2, freq=500, duty=0)', 'v1.27-surface §10.5 [DER]'],
  ['q = PWM(Pin(4), duty_u16=65535); q.duty()', '1000', 'v1.27-surface §10.4 (keyword scales by 1000/65535)'],
  ['q.init(duty_u16=32768); q.duty()', '500', 'v1.27-surface §10.2 step 5'],
  ['q.init(duty=300); q', 'PWM(4, freq=500, duty=300)', 'v1.27-surface §10.2'],
  ['PWM(Pin(5), 1000, 512)', 'PWM(5, freq=1000, duty=512)', 'v1.27-surface §10.1 (positional freq, duty)'],
  ['p.freq(), q.freq()', '(1000, 1000)', 'v1.27-surface §10.3 (one frequency for all channels)'],
  ['PWM(Pin(12), freq=2000, duty=5000)', 'PWM(12, freq=1000, duty=1023)', CLAMP],
  ['PWM(Pin(2)) is p', 'False', 'v1.27-surface §10.1 (a new object each call)'],
  ['dir(PWM)', "['__class__', '__name__', '__bases__', '__dict__', 'deinit', 'duty', 'duty_ns', 'duty_u16', 'freq', 'init']", 'v1.27-surface §10.6, §4.5'],
]);

// ---------------------------------------------------------------------------------------------
// machine.Timer (virtual os_timer)
// ---------------------------------------------------------------------------------------------

const TIM = 'v1.27-surface §11; MP@v1.27.0:ports/esp8266/modmachine.c esp_timer_*';
const TIMER_REPR = /^Timer\(3ff[ef][0-9a-f]{4}\)$/; // "Timer(%p)": DRAM address, lowercase hex, no 0x
transcript('machine.Timer', [
  ['from machine import Timer; import time', '', TIM],
  ['Timer(-1, period=1000)', E('TypeError', "function doesn't take keyword arguments"), 'v1.27-surface §11.1; MP@v1.27.0:py/argcheck.c'],
  ['Timer()', E('TypeError', 'function takes 1 positional arguments but 0 were given'), 'v1.27-surface §11.1'],
  ['Timer(1, 2)', E('TypeError', 'function takes 1 positional arguments but 2 were given'), 'v1.27-surface §11.1'],
  ['(Timer.ONE_SHOT, Timer.PERIODIC)', '(0, 1)', 'v1.27-surface §11.3 [OBS STUBS]'],
  ['t = Timer(-1)', '', TIM],
  ['t', TIMER_REPR, 'v1.27-surface §11.5'],
  ["Timer('x')", TIMER_REPR, 'v1.27-surface §11.1 (the id is ignored)'],
  ['t.init(1000)', E('TypeError', 'extra positional arguments given'), 'v1.27-surface §11.2 (keyword-only); MP@v1.27.0:py/argcheck.c'],
  ["t.init(mode=Timer.ONE_SHOT, period=20, callback=lambda x: print('fired', x is t))", '', 'v1.27-surface §11.2'],
  ['time.sleep_ms(100)', 'fired True', 'v1.27-surface §11.6 (callback gets the Timer; soft callbacks run in sleeps)'],
  ['time.sleep_ms(60)', '', 'v1.27-surface §11.6 (ONE_SHOT fires once)'],
  ['n = []; t.init(period=10, callback=lambda x: n.append(1))', '', 'v1.27-surface §11.2 (mode defaults to PERIODIC)'],
  ['time.sleep_ms(105); t.deinit(); 5 <= len(n) <= 11', 'True', 'v1.27-surface §11.2, §11.4'],
  ['print(t.deinit())', 'None', 'v1.27-surface §11.4'],
  ['t.init(mode=Timer.ONE_SHOT, period=10, callback=lambda x: 1/0)', '', 'v1.27-surface §11.6'],
  [
    'time.sleep_ms(50)',
    'Traceback (most recent call last):\n  File "<stdin>", line 1, in <lambda>\nZeroDivisionError: divide by zero',
    'v1.27-surface §11.6 (no prefix line); MP@v1.27.0:py/runtime_utils.c mp_call_function_1_protected',
  ],
  ['t.init(mode=Timer.ONE_SHOT, period=10)', '', 'v1.27-surface §11.6 (callback left as None)'],
  ['time.sleep_ms(50)', "TypeError: 'NoneType' object isn't callable", 'v1.27-surface §11.6 [DER] (raised from C: no Traceback line)'],
  ['dir(Timer)', "['__class__', '__name__', 'ONE_SHOT', 'PERIODIC', '__bases__', '__dict__', 'deinit', 'init']", 'v1.27-surface §11.5, §4.5'],
]);

// ---------------------------------------------------------------------------------------------
// time
// ---------------------------------------------------------------------------------------------

const TIME = 'MP@v1.27.0:extmod/modtime.c';
transcript('time', [
  ['import time', '', 'reference §4.3'],
  ['time.ticks_diff(5, 3)', '2', TIME + ' time_ticks_diff'],
  ['time.ticks_diff(0, 1073741823)', '1', TIME + ' (ticks period 2**30: MP_SMALL_INT_POSITIVE_MASK+1); reference §4.3'],
  ['time.ticks_diff(1073741823, 0)', '-1', TIME + ' time_ticks_diff'],
  ['time.ticks_add(1073741823, 1)', '0', TIME + ' time_ticks_add'],
  ['time.ticks_add(0, -1)', '1073741823', TIME + ' time_ticks_add'],
  ['time.ticks_add(0, 536870912)', E('OverflowError', 'ticks interval overflow'), TIME + ' time_ticks_add'],
  ['time.gmtime(0)', '(2000, 1, 1, 0, 0, 0, 5, 1)', 'reference §1.5, §4.3 (epoch 2000-01-01); MP@v1.27.0:shared/timeutils'],
  ['time.localtime(0)', '(2000, 1, 1, 0, 0, 0, 5, 1)', 'reference §4.3 (gmtime and localtime are the same function)'],
  ['time.gmtime(31622400)', '(2001, 1, 1, 0, 0, 0, 0, 1)', 'reference §4.3; MP@v1.27.0:shared/timeutils/timeutils.c'],
  ['time.localtime(2148210000)', '(2068, 1, 27, 13, 0, 0, 4, 27)', 'MP@v1.27.0:shared/timeutils/timeutils.h (mp_timestamp_t 64-bit on the port: past 2038); ports/esp8266/modtime.c'],
  ['time.mktime((2000, 1, 1, 0, 0, 0, 0, 0))', '0', TIME + ' time_mktime'],
  ['time.mktime((2024, 1, 1, 0, 0, 0, 0, 0))', '757382400', TIME + ' time_mktime'],
  ['time.mktime((2000, 1, 1))', E('TypeError', 'mktime needs a tuple of length 8 or 9'), TIME + ' time_mktime'],
  ['time.sleep_ms(1.5)', E('TypeError', "can't convert float to int"), TIME + ' time_sleep_ms (mp_obj_get_int)'],
  ['time.sleep_us(1.5)', E('TypeError', "can't convert float to int"), TIME + ' time_sleep_us'],
  ['time.sleep(0.01)', '', 'reference §4.3 (float seconds OK)'],
  ['type(time.time())', "<class 'int'>", 'reference §4.3; MP@v1.27.0:ports/esp8266/modtime.c'],
  ['time.localtime()[:3]', '(2000, 1, 1)', 'reference §4.1 (clock starts at 2000-01-01 after power-on)'],
  ['type(time.ticks_ms()), type(time.ticks_us())', "(<class 'int'>, <class 'int'>)", TIME],
]);

// ---------------------------------------------------------------------------------------------
// gc, micropython and the 37 952-byte heap
// ---------------------------------------------------------------------------------------------

const GC = 'v1.27-surface §16.1; MP@v1.27.0:py/modgc.c';
const UPY = 'v1.27-surface §16.2; MP@v1.27.0:py/modmicropython.c';
const OOM = (n: number) => E('MemoryError', `memory allocation failed, allocating ${n} bytes`);
transcript('gc and micropython', [
  ['import gc, micropython', '', GC],
  ['gc.mem_free() + gc.mem_alloc()', '37952', 'v1.27-surface §16.3; reference §1.5'],
  ['gc.threshold()', '9488', 'v1.27-surface §16.1 (_boot.py sets (mem_free()+mem_alloc())//4)'],
  ['type(gc.mem_free()), type(gc.mem_alloc())', "(<class 'int'>, <class 'int'>)", GC],
  ['gc.collect()', '', 'v1.27-surface §16.1 (MICROPY_PY_GC_COLLECT_RETVAL 0)'],
  ['print(gc.collect())', 'None', GC],
  ['gc.isenabled()', 'True', GC],
  ['gc.disable(); gc.isenabled()', 'False', GC],
  ['gc.enable(); gc.isenabled()', 'True', GC],
  ['gc.threshold(1000); gc.threshold()', '992', 'v1.27-surface §16.1 (bytes, a multiple of 16)'],
  ['gc.threshold(-1); gc.threshold()', '-1', GC],
  ['gc.threshold(9488); gc.threshold()', '9488', GC],
  [
    'dir(gc)',
    "['__class__', '__name__', '__dict__', 'collect', 'disable', 'enable', 'isenabled', 'mem_alloc', 'mem_free', 'threshold']",
    'v1.27-surface §16.1, §4.5',
  ],
  [
    'micropython.mem_info()',
    /^stack: \d+ out of 8128\nGC: total: 37952, used: \d+, free: \d+\n No\. of 1-blocks: \d+, 2-blocks: \d+, max blk sz: \d+, max free sz: \d+$/,
    'v1.27-surface §16.3; MP@v1.27.0:py/gc.c gc_dump_info',
  ],
  [
    'micropython.qstr_info()',
    /^qstr pool: n_pool=\d+, n_qstr=\d+, n_str_data_bytes=\d+, n_total_bytes=\d+$/,
    'v1.27-surface §16.4',
  ],
  ['micropython.opt_level()', '0', UPY],
  ['micropython.const(7)', '7', UPY],
  ['micropython.heap_lock(); micropython.heap_unlock()', '0', 'v1.27-surface §16.2 (heap_unlock returns the remaining depth)'],
  ['micropython.kbd_intr(3)', '', UPY],
  ['type(micropython.stack_use())', "<class 'int'>", UPY],
  ['micropython.RingIO', "<class 'RingIO'>", 'v1.27-surface §16.2 (MICROPY_PY_MICROPYTHON_RINGIO)'],
  ['micropython.mem_total', MOD_ATTR('mem_total'), 'v1.27-surface §16.2 (absent)'],
  ['micropython.heap_locked', MOD_ATTR('heap_locked'), 'v1.27-surface §16.2 (absent)'],
  [
    'dir(micropython)',
    "['__class__', '__name__', 'const', 'RingIO', '__dict__', 'alloc_emergency_exception_buf', 'heap_lock', 'heap_unlock', 'kbd_intr', 'mem_info', 'opt_level', 'qstr_info', 'schedule', 'stack_use']",
    'v1.27-surface §16.2, §4.5',
  ],
  ['b = bytearray(40000)', OOM(40000), 'reference §1.6; MP@v1.27.0:py/malloc.c m_malloc_fail'],
  ['l = [0] * 20000', OOM(80000), 'reference §1.6 (4-byte items)'],
  ["s = 'x' * 50000", OOM(50001), 'reference §1.6 (string plus its NUL)'],
  ['1 + 1', '2', 'the REPL survives MemoryError'],
]);

// ---------------------------------------------------------------------------------------------
// Float formatting (v1.27-surface §17)
// ---------------------------------------------------------------------------------------------
// The board prints single-precision REPR_C floats with the BASIC formatter; the virtual board's
// interpreter uses doubles (a known difference: src/pages/en/differences.astro, "Floating point").
// Only the §17.4 cases whose output is the same with doubles are asserted here. Known
// disagreements, NOT tested (real board → virtual board):
//   print(1/3)            0.3333333      → 0.3333333333333333
//   print(3.14159265)     3.141593       → 3.14159265
//   print(1/7)            0.1428572      → 0.14285714285714285
//   print(2/3)            0.6666667      → 0.6666666666666666
//   print(0.1+0.2)        0.3            → 0.30000000000000004
//   print(1.1*3)          3.300001       → 3.3000000000000003
//   print(math.pi)        3.141593       → 3.141592653589793
//   print(math.e)         2.718282       → 2.718281828459045
//   print(math.sqrt(2))   1.414213       → 1.4142135623730951
//   print(25/3)           8.333333       → 8.333333333333334
//   print(100/7)          14.28572       → 14.285714285714286
//   print(60/7)           8.571426       → 8.571428571428571
//   print(1234.5678)      1234.568       → 1234.5678
//   print(0.123456789)    0.1234568      → 0.123456789
//   print(-1/3)           -0.3333333     → -0.3333333333333333
//   print(65535/1024)     63.99903       → 63.9990234375
//   print(330/1024)       0.3222656      → 0.322265625
//   print(1/1024)         0.0009765626   → 0.0009765625
//   print(123456789.0)    123456780.0    → 123456789.0
//   print(12345678.0)     12345679.2     → 12345678.0
//   float("1.0000001") == float("1.0")   True → False (30-bit boxing)

const FLT = 'v1.27-surface §17.4; MP@v1.27.0:py/formatfloat.c';
transcript('float formatting (cases that agree with the board)', [
  ['print(1.0)', '1.0', FLT],
  ['print(0.5)', '0.5', 'v1.27-surface §17.3 (exact in single precision, 6 digits)'],
  ['repr(2.5)', "'2.5'", FLT],
  ['print(-2.5)', '-2.5', 'v1.27-surface §17.3'],
  ['print(10/2)', '5.0', FLT],
  ['print(0.1)', '0.1', FLT],
  ['print(23.4)', '23.4', FLT],
  ['print(123.456)', '123.456', FLT],
  ['print(0.0001)', '0.0001', FLT],
  ['print(0.001)', '0.001', FLT],
  ['print(1e10)', '10000000000.0', FLT],
  ['print(1e15)', '1000000000000000.0', FLT],
  ['print(1e16)', '1e+16', FLT + ' (exponent form from 16)'],
  ['print(1e30)', '1e+30', FLT],
  ['print(1e-5)', '1e-05', FLT],
  ['print(1.5e-7)', '1.5e-07', FLT],
  ["float('inf')", 'inf', 'v1.27-surface §17.4'],
  ["float('nan')", 'nan', 'v1.27-surface §17.4'],
]);

// ---------------------------------------------------------------------------------------------
// The core's messages on this build: MICROPY_ERROR_REPORTING_NORMAL (v1.27-surface, Conventions),
// not the DETAILED level of larger builds
// ---------------------------------------------------------------------------------------------

const NORMAL = 'v1.27-surface Conventions (MICROPY_ERROR_REPORTING_NORMAL)';
transcript('core messages (ERROR_REPORTING_NORMAL)', [
  ["int('x')", E('ValueError', 'invalid syntax for integer with base 10'), NORMAL + '; MP@v1.27.0:py/parsenum.c'],
  ['(lambda: 0)(1)', E('TypeError', 'function takes 0 positional arguments but 1 were given'), NORMAL + '; MP@v1.27.0:py/bc.c'],
  ["import math; getattr(math, 'inf')", MOD_ATTR('inf'), 'v1.27-surface §17.4 (MICROPY_PY_MATH_CONSTANTS 0); MP@v1.27.0:py/runtime.c mp_load_method'],
  ['raise ValueError', E('ValueError', ''), "reference §1.6 (no arguments: 'Name: '); MP@v1.27.0:py/objexcept.c"],
  ['x', E('NameError', "name 'x' isn't defined"), 'reference §1.6'],
  ['1/0', E('ZeroDivisionError', 'divide by zero'), 'reference §1.6'],
  ['None()', E('TypeError', "'NoneType' object isn't callable"), 'MP@v1.27.0:py/runtime.c mp_call_function_n_kw'],
  ["'abc'.foo", E('AttributeError', "'str' object has no attribute 'foo'"), 'MP@v1.27.0:py/runtime.c mp_load_method'],
]);

transcript(
  'bound method reprs',
  [
    ['[].append', '<bound_method>', 'v1.27-surface §1, §1.2 (bound methods have no repr); MP@v1.27.0:py/objboundmeth.c'],
    ['from machine import Pin; Pin(2).on', '<bound_method>', 'v1.27-surface §1.2; MP@v1.27.0:py/objboundmeth.c'],
  ],
  'the WebAssembly build prints bound methods in its detailed form',
);

transcript('module constants are not folded from names the build leaves out', [
  ['import math; math.inf', MOD_ATTR('inf'), 'v1.27-surface §17.4 (MICROPY_PY_MATH_CONSTANTS 0); MP@v1.27.0:py/parse.c fold_constants looks in math\'s globals'],
  ['import math; math.tau', MOD_ATTR('tau'), 'v1.27-surface §17.4; MP@v1.27.0:ports/esp8266/mpconfigport.h MICROPY_COMP_MODULE_CONST 0'],
]);

// ---------------------------------------------------------------------------------------------
// Features the esp8266 build leaves out (MP@v1.27.0:ports/esp8266/mpconfigport.h), taken out of
// the interpreter's own tables by wasm-surface-patch.ts; v1.27-surface §17.5
// ---------------------------------------------------------------------------------------------

const CFG = 'MP@v1.27.0:ports/esp8266/mpconfigport.h';
const NAME = (n: string) => E('NameError', `name '${n}' isn't defined`);
transcript('features the esp8266 build leaves out', [
  ["'a'.center(5)", E('AttributeError', "'str' object has no attribute 'center'"), CFG + ' MICROPY_PY_BUILTINS_STR_CENTER 0; MP@v1.27.0:py/objstr.c'],
  ["'a=b'.partition('=')", E('AttributeError', "'str' object has no attribute 'partition'"), CFG + ' MICROPY_PY_BUILTINS_STR_PARTITION 0'],
  ["'a=b'.rpartition('=')", E('AttributeError', "'str' object has no attribute 'rpartition'"), CFG + ' MICROPY_PY_BUILTINS_STR_PARTITION 0'],
  ["'a\\nb'.splitlines()", E('AttributeError', "'str' object has no attribute 'splitlines'"), CFG + ' MICROPY_PY_BUILTINS_STR_SPLITLINES 0'],
  ["b'a=b'.partition(b'=')", E('AttributeError', "'bytes' object has no attribute 'partition'"), CFG + '; MP@v1.27.0:py/objstr.c (one table for str, bytes, bytearray)'],
  ["bytearray(b'a').center(3)", E('AttributeError', "'bytearray' object has no attribute 'center'"), CFG],
  ["'a,b'.split(','), b'ab'.hex(), bytearray(b'x').decode(), 'A'.lower()", "(['a', 'b'], '6162', 'x', 'a')", 'the rest of the table stays (MP@v1.27.0:py/objstr.c)'],
  ['import random; random.randint(1, 6)', MOD_ATTR('randint'), CFG + ' MICROPY_PY_RANDOM_EXTRA_FUNCS 0; MP@v1.27.0:extmod/modrandom.c'],
  ['random.choice', MOD_ATTR('choice'), CFG + ' MICROPY_PY_RANDOM_EXTRA_FUNCS 0'],
  ['random.randrange', MOD_ATTR('randrange'), CFG],
  ['random.random', MOD_ATTR('random'), CFG],
  ['random.uniform', MOD_ATTR('uniform'), CFG],
  ['random.getrandbits(0), random.seed(1)', '(0, None)', 'MP@v1.27.0:extmod/modrandom.c (getrandbits and seed stay)'],
  ['complex(1, 2)', NAME('complex'), CFG + ' MICROPY_PY_BUILTINS_COMPLEX 0; MP@v1.27.0:py/modbuiltins.c'],
  ["compile('1', 'f', 'eval')", NAME('compile'), CFG + ' MICROPY_PY_BUILTINS_COMPILE 0'],
  ["execfile('main.py')", NAME('execfile'), CFG + ' MICROPY_PY_BUILTINS_EXECFILE 0'],
  ['NotImplemented', NAME('NotImplemented'), CFG + ' MICROPY_PY_BUILTINS_NOTIMPLEMENTED 0'],
  ['import math; math.factorial(5)', MOD_ATTR('factorial'), CFG + ' MICROPY_PY_MATH_FACTORIAL 0; MP@v1.27.0:py/modmath.c'],
  ['math.isclose(1, 1)', MOD_ATTR('isclose'), CFG + ' MICROPY_PY_MATH_ISCLOSE 0'],
  ['math.log10(100)', MOD_ATTR('log10'), CFG + ' MICROPY_PY_MATH_SPECIAL_FUNCTIONS 0'],
  ['math.gamma(3)', MOD_ATTR('gamma'), CFG + ' MICROPY_PY_MATH_SPECIAL_FUNCTIONS 0'],
  ["getattr(math, 'nan')", MOD_ATTR('nan'), CFG + ' MICROPY_PY_MATH_CONSTANTS 0'],
  ["[n for n in dir(math) if not n.startswith('__')]",
    "['pow', 'acos', 'asin', 'atan', 'atan2', 'ceil', 'copysign', 'cos', 'degrees', 'e', 'exp', 'fabs', 'floor', 'fmod', 'frexp', 'isfinite', 'isinf', 'isnan', 'ldexp', 'log', 'modf', 'pi', 'radians', 'sin', 'sqrt', 'tan', 'trunc']",
    'MP@v1.27.0:py/modmath.c mp_module_math_globals_table with the esp8266 settings, in qstr order (v1.27-surface §4.5; pow is a static qstr)'],
  ['import binascii; binascii.crc32', MOD_ATTR('crc32'), CFG + ' MICROPY_PY_BINASCII_CRC32 0; MP@v1.27.0:extmod/modbinascii.c'],
  ['object.__setattr__', E('AttributeError', "type object 'object' has no attribute '__setattr__'"), CFG + ' MICROPY_PY_DELATTR_SETATTR 0; MP@v1.27.0:py/objobject.c'],
  ["exec('class A:\\n def __setattr__(s, k, v):\\n  print(1)\\na = A()\\na.x = 2\\nprint(a.x)')", '2', CFG + ' MICROPY_PY_DELATTR_SETATTR 0; MP@v1.27.0:py/objtype.c mp_obj_instance_store_attr (the hook is not called)'],
  ["exec('class B:\\n def __delattr__(s, k):\\n  print(1)\\nb = B()\\nb.x = 2\\ndel b.x\\nprint(b.__dict__)')", '{}', CFG + ' MICROPY_PY_DELATTR_SETATTR 0'],
  ["exec('class C:\\n @property\\n def p(s):\\n  return 5\\n @p.setter\\n def p(s, v):\\n  print(v)\\n def __getattr__(s, k):\\n  return k\\nc = C()\\nc.p = 3\\nc.q = 4\\nprint(c.p, c.q, c.r)')", '3\n5 4 r', 'MP@v1.27.0:py/objtype.c (properties and __getattr__ stay)'],
  ["sl = type('S', (), {'__getitem__': lambda s, k: k})()[1:5:2]; sl.start, sl.stop, sl.step", '(1, 5, 2)', 'MP@v1.27.0:py/objslice.c slice_attr (slice has no constructor; start, stop, step stay)'],
  ['sl.indices(10)', E('AttributeError', "'slice' object has no attribute 'indices'"), CFG + ' MICROPY_PY_BUILTINS_SLICE_INDICES 0; MP@v1.27.0:py/objslice.c slice_attr'],
  ["'<module>' in dir(__import__('builtins'))", 'False', 'wasm-surface-patch.ts keeps compile for the firmware under this name; dir() does not show it'],
]);

transcript('three-argument pow', [
  ['pow(2, 3, 5)', E('NotImplementedError', '3-arg pow() not supported'), CFG + ' MICROPY_PY_BUILTINS_POW3 0; MP@v1.27.0:py/modbuiltins.c mp_builtin_pow'],
  ['pow(2, 10), pow(2, -1)', '(1024, 0.5)', 'MP@v1.27.0:py/modbuiltins.c (two arguments: mp_binary_op)'],
]);
