/**
 * REPL transcripts of the virtual ESP-07, in Node (the emulator runs in a worker thread, as in
 * the browser). Expected text is what the real board prints; sources are cited per test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';

const BANNER = 'MicroPython v1.27.0 on 2025-12-09; ESP module with ESP8266\r\nType "help()" for more information.\r\n>>> ';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

describe('boot and banner', () => {
  it('prints the v1.27.0 ESP8266_GENERIC banner after a hard boot', async () => {
    // ports/esp8266/main.c init_done(): "\r\n", then pyexec_event_repl_init() whose Ctrl-B path
    // prints "\r\n" + banner (shared/runtime/pyexec.c); banner text: reference §1.1. A new
    // board's first boot creates its filesystem first (filesystem.test.ts, reference §3.3).
    board = await TestBoard.boot();
    expect(board.all).toBe(`Performing initial setup\r\n\r\n\r\n${BANNER}`);
  });

  it('evaluates at the prompt with \\r\\n line ends', async () => {
    board = await TestBoard.boot();
    expect(await board.line('1+1')).toBe('1+1\r\n2\r\n>>> ');
  });

  it('reports sys.platform esp8266 and the board version', async () => {
    board = await TestBoard.boot();
    expect(await board.line('import sys; sys.platform')).toBe("import sys; sys.platform\r\n'esp8266'\r\n>>> ");
    // reference §1.3: sys.version is '3.4.0; MicroPython <tag> on <date>'
    expect(await board.line('sys.version')).toContain("'3.4.0; MicroPython v1.27.0 on 2025-12-09'");
  });

  it('has no browser modules: import js / jsffi fail as on the board', async () => {
    board = await TestBoard.boot();
    // py/builtinimport.c: "no module named '%q'"
    expect(await board.line('import js')).toBe(
      "import js\r\nTraceback (most recent call last):\r\n  File \"<stdin>\", line 1, in <module>\r\nImportError: no module named 'js'\r\n>>> ",
    );
    expect(await board.line('import jsffi')).toContain("ImportError: no module named 'jsffi'");
    expect(await board.line('import utime, umachine; utime is __import__("time")')).toContain('True');
  });

  it('keeps UTF-8 typed at the friendly prompt', async () => {
    board = await TestBoard.boot();
    expect(board.host.utf8Prompt).toBe(true);
    expect(await board.line('print("你好")')).toBe('print("你好")\r\n你好\r\n>>> ');
  });
});

describe('machine.Pin (ports/esp8266/machine_pin.c)', () => {
  it('drives the LED on GPIO13', async () => {
    board = await TestBoard.boot();
    await board.line('from machine import Pin');
    await board.line('led = Pin(13, Pin.OUT)');
    expect(board.host.view.pins[13]).toBe('low');
    await board.line('led.on()');
    await board.waitUntil(() => board!.host.view.led);
    expect(board.host.view.pins[13]).toBe('high');
    expect(await board.line('led.value()')).toBe('led.value()\r\n1\r\n>>> ');
    await board.line('led.off()');
    await board.waitUntil(() => !board!.host.view.led);
    await board.line('led(1)');
    await board.waitUntil(() => board!.host.view.led);
    await board.line('led.value(0)');
    await board.waitUntil(() => !board!.host.view.led);
    expect(await board.line('led')).toBe('led\r\nPin(13)\r\n>>> ');
    expect(await board.line('Pin(13) is led')).toContain('True');
  });

  it('rejects invalid pins with the firmware traceback (no emulator frames)', async () => {
    board = await TestBoard.boot();
    await board.line('from machine import Pin');
    for (const id of [6, 7, 8, 11, 17, -1]) {
      expect(await board.line(`Pin(${id})`)).toBe(
        `Pin(${id})\r\nTraceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nValueError: invalid pin\r\n>>> `,
      );
    }
    expect(await board.line("Pin('x')")).toContain('ValueError: invalid pin');
    for (const id of [0, 1, 2, 3, 4, 5, 9, 10, 12, 13, 14, 15, 16]) {
      expect(await board.line(`Pin(${id})`)).toBe(`Pin(${id})\r\nPin(${id})\r\n>>> `);
    }
  });

  it('has the esp8266 constants and argument errors', async () => {
    board = await TestBoard.boot();
    await board.line('from machine import Pin');
    expect(await board.line('Pin.IN, Pin.OUT, Pin.OPEN_DRAIN, Pin.PULL_UP, Pin.IRQ_RISING, Pin.IRQ_FALLING')).toContain('(0, 1, 2, 1, 1, 2)');
    expect(await board.line('Pin.PULL_DOWN')).toContain("AttributeError: type object 'Pin' has no attribute 'PULL_DOWN'");
    // py/argcheck.c mp_arg_parse_all: "'%q' argument required"
    expect(await board.line('Pin(2).init()')).toContain("TypeError: 'mode' argument required");
    expect(await board.line('Pin(16, Pin.IN, Pin.PULL_UP)')).toContain("ValueError: Pin(16) doesn't support pull");
    expect(await board.line('Pin(2).value(1, 2)')).toContain('TypeError: function expected at most 2 arguments, got 3');
  });

  it('reads the pad: pull-up, open drain, the Flash button on GPIO0', async () => {
    board = await TestBoard.boot();
    await board.line('from machine import Pin');
    expect(await board.line('Pin(12, Pin.IN).value()')).toContain('\r\n0\r\n');
    expect(await board.line('Pin(12, Pin.IN, Pin.PULL_UP).value()')).toContain('\r\n1\r\n');
    expect(await board.line('Pin(0, Pin.IN).value()')).toContain('\r\n1\r\n');
    board.host.setFlash(true);
    expect(await board.line('Pin(0).value()')).toContain('\r\n0\r\n');
    board.host.setFlash(false);
    await board.line('p = Pin(4, Pin.OPEN_DRAIN, value=0)');
    expect(board.host.view.pins[4]).toBe('low');
    await board.line('p.value(1)');
    await board.waitUntil(() => board!.host.view.pins[4] === 'input');
    await board.line('q = Pin(5, Pin.IN); q.value(1)');
    expect(board.host.view.pins[5]).toBe('input');
  });
});

describe('time on the virtual clock', () => {
  it('sleeps advance ticks by exactly the asked time in instant mode', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    await board.line('import time');
    const ms = Number(/\r\n(\d+)\r\n/.exec(await board.line('t = time.ticks_ms(); time.sleep_ms(1500); time.ticks_diff(time.ticks_ms(), t)'))?.[1]);
    expect(ms).toBeGreaterThanOrEqual(1500);
    expect(ms).toBeLessThan(1550); // instant mode: the sleep adds exactly 1500 ms; host time still flows
    // instant mode: sleeps add exactly their time; host time still flows (so busy-waits end)
    const us = Number(/\r\n(\d+)\r\n/.exec(await board.line('t = time.ticks_us(); time.sleep_us(250); time.ticks_diff(time.ticks_us(), t)'))?.[1]);
    expect(us).toBeGreaterThanOrEqual(250);
    expect(us).toBeLessThan(250 + 50_000);
    expect(await board.line('t = time.time(); time.sleep(2); time.time() - t')).toContain('\r\n2\r\n');
    expect(await board.line('time.ticks_add(time.ticks_ms(), 0) < 2**30')).toContain('True');
    expect(await board.line('time.sleep_ms(1.5)')).toContain("TypeError: can't convert float to int");
  });

  it('uses the 2000 epoch', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    expect(await board.line('import time; time.gmtime(0)')).toContain('(2000, 1, 1, 0, 0, 0, 5, 1)');
    expect(await board.line('time.mktime((2024, 2, 29, 12, 0, 0, 0, 0))')).toContain('\r\n762523200\r\n');
    expect(await board.line('time.localtime(762523200)')).toContain('(2024, 2, 29, 12, 0, 0, 3, 60)');
  });

  it('real-time sleeps take host time', async () => {
    board = await TestBoard.boot();
    const t0 = Date.now();
    await board.line('import time; time.sleep_ms(300)');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
  });
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

describe('resets', () => {
  it('Ctrl-D soft-resets: "MPY: soft reboot", banner, variables gone, pins kept', async () => {
    board = await TestBoard.boot();
    await board.line('from machine import Pin; Pin(13, Pin.OUT).on(); v = 5');
    await board.waitUntil(() => board!.host.view.led);
    board.type('\x04');
    await board.waitFor(BANNER);
    // pyexec.c: Ctrl-D prints "\r\n"; ports/esp8266/main.c soft_reset(): "MPY: soft reboot\r\n";
    // then pyexec_event_repl_init() prints "\r\n" + banner.
    expect(board.recent).toBe(`\r\nMPY: soft reboot\r\n\r\n${BANNER}`);
    expect(await board.line('v')).toContain("NameError: name 'v' isn't defined");
    expect(board.host.view.led).toBe(true);
  });

  it('the Reset button hard-resets: banner again, LED off, state gone', async () => {
    board = await TestBoard.boot();
    await board.line('from machine import Pin; Pin(13, Pin.OUT).on(); w = 3');
    await board.waitUntil(() => board!.host.view.led);
    board.since();
    board.host.reset();
    await board.waitFor(BANNER);
    expect(board.recent).toBe(`\r\n\r\n${BANNER}`);
    await board.waitUntil(() => !board!.host.view.led);
    expect(await board.line('w')).toContain('NameError');
  });

  it('the Reset button works while code runs', async () => {
    board = await TestBoard.boot();
    board.type('while True: pass\r\r');
    await new Promise((r) => setTimeout(r, 100));
    board.since();
    board.host.reset();
    await board.waitFor(BANNER);
    expect(await board.line('1')).toContain('\r\n1\r\n');
  });

  it('machine.reset() hard-resets', async () => {
    board = await TestBoard.boot();
    board.type('import machine; machine.reset()\r');
    await board.waitFor(BANNER);
    expect(board.recent).toBe(`import machine; machine.reset()\r\n\r\n\r\n${BANNER}`);
    expect(await board.line('machine.reset_cause()')).toContain('\r\n4\r\n');
  });

  it('with GPIO16 wired to RST, driving GPIO16 low resets the board (HARD_RESET); without the wire it does not', async () => {
    // the deep-sleep wake wiring (docs/esp8266/quickref.rst "Deep-sleep mode"): GPIO16 low is RST low
    board = await TestBoard.boot();
    expect(await board.line('from machine import Pin; p = Pin(16, Pin.OUT); p(0); p(1); p(0)')).not.toContain('MicroPython');
    board.host.setCircuit({ ...board.host.circuitParts, gpio16ToRst: true });
    board.since();
    board.host.reset();
    await board.waitFor(BANNER);
    board.type('import machine; from machine import Pin; Pin(16, Pin.OUT, value=1); Pin(16).value(0)\r');
    await board.waitFor(BANNER);
    // power-on (cause 1), the Reset button (2), then the reset GPIO16 caused (2)
    expect(board.textAt(74880).match(/rst cause:\d/g)).toEqual(['rst cause:1', 'rst cause:2', 'rst cause:2']);
    expect(await board.line('import machine; machine.reset_cause()')).toContain('\r\n6\r\n');
  });
});

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

/** The ROM's output for a flash boot of the default firmware (segments from firmware.ts; line rules: esp-image.test.ts). */
const ROM_FLASH_BOOT = (cause: number) =>
  new RegExp(
    `^\\r\\n ets Jan  8 2013,rst cause:${cause}, boot mode:\\(3,6\\)\\r\\n\\r\\n` +
      'load 0x40100000, len 28672, room 16 \\r\\ntail 0\\r\\nchksum 0x[0-9a-f]{2}\\r\\n' +
      'load 0x3ffe8000, len 1152, room 8 \\r\\ntail 8\\r\\nchksum 0x[0-9a-f]{2}\\r\\n' +
      'load 0x3ffe8480, len 4928, room 16 \\r\\ntail 0\\r\\nchksum 0x([0-9a-f]{2})\\r\\ncsum 0x\\1\\r\\n$',
  );

describe('boot ROM at 74880 baud (reference §6)', () => {
  it('every boot starts with the ROM line: power-on, Reset button, machine.reset()', async () => {
    board = await TestBoard.boot();
    expect(board.textAt(74880)).toMatch(ROM_FLASH_BOOT(1));
    board.host.reset();
    await board.waitUntil(() => board!.textAt(74880).split('\r\ncsum ').length === 3);
    expect(board.textAt(74880).split('\r\n ets')[2]).toMatch(/^ Jan  8 2013,rst cause:2, boot mode:\(3,6\)\r\n\r\nload /);
    board.type('import machine; machine.reset()\r');
    await board.waitUntil(() => board!.textAt(74880).split('\r\ncsum ').length === 4);
    expect(`\r\n ets${board.textAt(74880).split('\r\n ets')[3]}`).toMatch(ROM_FLASH_BOOT(2));
    await board.waitFor(BANNER);
  });

  it('erased flash: the ROM prints ets_main.c and stops; MicroPython does not start (reference §6.4)', async () => {
    board = await TestBoard.boot();
    board.type('import esp, machine; esp.flash_erase(0); machine.reset()\r');
    await board.waitUntil(() => board!.textAt(74880).endsWith('ets_main.c '));
    expect(board.textAt(74880)).toMatch(/\r\n ets Jan  8 2013,rst cause:2, boot mode:\(3,6\)\r\n\r\nets_main\.c $/);
    board.since();
    board.host.reset(); // still no image: the same again, and nothing at 115200
    await board.waitUntil(() => board!.textAt(74880).split('ets_main.c ').length === 3);
    await new Promise((r) => setTimeout(r, 200));
    expect(board.recent).toBe('');
  });

  it('without shared memory the board still gets a whole, checked firmware', async () => {
    board = await TestBoard.boot({ shared: false });
    expect(board.textAt(74880)).toMatch(ROM_FLASH_BOOT(1));
    expect(await board.line('import esp; esp.check_fw()', '>>> ', 10_000)).toMatch(/\r\nmd5: [0-9a-f]{32}\r\nTrue\r\n>>> $/);
  });

  it('download mode: the ROM loader answers SYNC and the chip-detect read on the serial line; typing is harmless', async () => {
    board = await TestBoard.boot();
    await board.enterDownloadMode();
    board.since();
    board.host.write('hello\r'); // not SLIP: ignored
    const sync = [0xc0, 0x00, 0x08, 0x24, 0x00, 0, 0, 0, 0, 0x07, 0x07, 0x12, 0x20, ...Array(32).fill(0x55), 0xc0];
    board.host.write(Uint8Array.from(sync));
    await board.waitUntil(() => board!.recentBytes.split('\xc0\x01\x08').length === 9);
    expect(board.recentBytes).toBe('\xc0\x01\x08\x02\x00\x07\x07\x12\x20\x00\x00\xc0'.repeat(8));
    board.since();
    board.host.write(Uint8Array.of(0xc0, 0x00, 0x0a, 0x04, 0x00, 0, 0, 0, 0, 0x00, 0x10, 0x00, 0x40, 0xc0));
    await board.waitUntil(() => board!.recentBytes.length >= 12);
    expect(board.recentBytes).toBe('\xc0\x01\x0a\x02\x00\x01\xc1\xf0\xff\x00\x00\xc0');
  });

  it('download mode: FLASH_BEGIN(0) + FLASH_END(1), as esptool-js after("soft_reset") sends, starts MicroPython', async () => {
    board = await TestBoard.boot();
    await board.enterDownloadMode();
    board.since();
    const frame = (op: number, ...words: number[]) => {
      const data = new Uint8Array(Uint32Array.from(words).buffer);
      return Uint8Array.from([0xc0, 0x00, op, data.length, 0, 0, 0, 0, 0, ...data, 0xc0]);
    };
    board.host.write(frame(0x02, 0, 0, 0x4000, 0));
    board.host.write(frame(0x04, 1));
    await board.waitFor(BANNER);
    expect(board.recentBytes.startsWith('\xc0\x01\x02\x02\x00')).toBe(true);
  });

  it('a new emulator thread after a boot that stopped in the ROM still starts (message mode respawns on every reset)', async () => {
    board = await TestBoard.boot({ shared: false });
    board.host.setFlash(true);
    board.host.reset();
    await board.waitUntil(() => board!.textAt(74880).includes('boot mode:(1,6)'));
    await new Promise((r) => setTimeout(r, 200));
    board.host.setFlash(false);
    board.since();
    board.host.reset();
    await board.waitFor(BANNER, 10_000);
    expect(board.notices.join('\n')).not.toContain('failed to start');
  });

  it("the blog's first circuit: flashing mode works, a plain reset never reaches MicroPython", async () => {
    board = await TestBoard.boot();
    board.host.setCircuit({ gpio2PullUp: false, gpio15PullDown: false, gpio15OnFlash: true });
    board.since();
    board.host.reset();
    await board.waitUntil(() => board!.textAt(74880).includes('boot mode:(7,6)'));
    await new Promise((r) => setTimeout(r, 300));
    expect(board.recent).toBe(''); // the only sign at 115200 is the ROM's line, as garbage
    expect(board.textAt(74880)).toMatch(/boot mode:\(7,6\)\r\n\r\n$/);
    await board.enterDownloadMode();
    // fit the GPIO15 pull-down (the blog's fix) and take GPIO15 off the button: it boots
    board.host.setCircuit({ gpio2PullUp: true, gpio15PullDown: true, gpio15OnFlash: false });
    board.host.reset();
    await board.waitFor(BANNER);
  });

  it('a corrupt image: csum err, ets_main.c, no MicroPython', async () => {
    board = await TestBoard.boot();
    // clear bits in the IRAM segment (a NOR write can only clear bits), then restart
    board.type("import esp, machine; esp.flash_write(0x100, b'\\x00\\x00\\x00\\x00'); machine.reset()\r");
    await board.waitUntil(() => board!.textAt(74880).endsWith('ets_main.c '));
    expect(board.textAt(74880)).toMatch(/\r\ncsum 0x[0-9a-f]{2}\r\ncsum err\r\nets_main\.c $/);
  });

  it('Flash held at reset: boot mode (1,6), the ROM waits and MicroPython does not start', async () => {
    board = await TestBoard.boot();
    board.host.setFlash(true);
    board.since();
    board.host.reset();
    await board.waitUntil(() => board!.textAt(74880).includes('boot mode:(1,6)'));
    await new Promise((r) => setTimeout(r, 300));
    expect(board.recent).toBe(''); // nothing at 115200: no banner
    board.host.setFlash(false);
    board.host.reset();
    await board.waitFor(BANNER);
  });
});
