/**
 * Boot and reset on the virtual ESP-07 (boot.ts), in Node (the emulator runs in a worker thread,
 * as in the browser): the boot ROM's lines, the banner, soft and hard resets. Expected text is
 * what the real board prints; sources are cited per test.
 */
import { readdirSync } from 'node:fs';
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

/** The ROM's output for a flash boot of the default firmware (then, on the first boot after
 * flashing, the firmware's `Writing init data` at the same baud) (segments from firmware.ts; line rules: esp-image.test.ts). */
const ROM_FLASH_BOOT = (cause: number, initData = false) =>
  new RegExp(
    `^\\r\\n ets Jan  8 2013,rst cause:${cause}, boot mode:\\(3,6\\)\\r\\n\\r\\n` +
      'load 0x40100000, len 28672, room 16 \\r\\ntail 0\\r\\nchksum 0x[0-9a-f]{2}\\r\\n' +
      'load 0x3ffe8000, len 1152, room 8 \\r\\ntail 8\\r\\nchksum 0x[0-9a-f]{2}\\r\\n' +
      'load 0x3ffe8480, len 4928, room 16 \\r\\ntail 0\\r\\nchksum 0x([0-9a-f]{2})\\r\\ncsum 0x\\1\\r\\n' +
      // ports/esp8266/esp_init_data.c firmware_start(): on a flash whose init data is erased
      (initData ? 'Writing init data\\r\\n$' : '$'),
  );

describe('boot and banner', () => {
  it('prints the default release\'s ESP8266_GENERIC banner after a hard boot (v1.28.0)', async () => {
    // ports/esp8266/main.c init_done(): "\r\n", then pyexec_event_repl_init() whose Ctrl-B path
    // prints "\r\n" + banner (shared/runtime/pyexec.c); banner text: reference §1.1. A new
    // board's first boot creates its filesystem first (filesystem.test.ts, reference §3.3).
    board = await TestBoard.boot();
    expect(board.all).toBe(`Performing initial setup\r\n\r\n${BANNER}`);
  });

  it('evaluates at the prompt with \\r\\n line ends', async () => {
    board = await TestBoard.boot();
    expect(await board.line('1+1')).toBe('1+1\r\n2\r\n>>> ');
  });

  it('reports sys.platform esp8266 and the board version', async () => {
    board = await TestBoard.boot();
    expect(await board.line('import sys; sys.platform')).toBe("import sys; sys.platform\r\n'esp8266'\r\n>>> ");
    // reference §1.3: sys.version is '3.4.0; MicroPython <tag> on <date>'
    expect(await board.line('sys.version')).toContain(`'3.4.0; MicroPython ${GENERIC_4M.version}'`);
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

  it('hides every one of our firmware modules (firmware/python/*.py): on the board they are C code', async () => {
    const names = readdirSync(new URL('./python/', import.meta.url)).filter((f) => f.endsWith('.py')).map((f) => f.slice(0, -3));
    expect(names).toContain('_fw_args');
    board = await TestBoard.boot();
    for (const name of names) {
      expect(await board.line(`import ${name}`), name).toContain(`ImportError: no module named '${name}'`);
    }
    expect(await board.line("[k for k in __import__('sys').modules if k.startswith('_fw')]")).toContain('\r\n[]\r\n');
  });

  it('keeps UTF-8 typed at the friendly prompt', async () => {
    board = await TestBoard.boot();
    expect(board.host.utf8Prompt).toBe(true);
    expect(await board.line('print("你好")')).toBe('print("你好")\r\n你好\r\n>>> ');
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
    // then pyexec_friendly_repl() prints the banner with no blank line before it (the port's REPL
    // is not event-driven, unlike the wasm build's, whose start adds one; reference §3.6)
    expect(board.recent).toBe(`\r\nMPY: soft reboot\r\n${BANNER}`);
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
    // a hard boot: init_done() prints one "\r\n" before the banner (ports/esp8266/main.c)
    expect(board.recent).toBe(`\r\n${BANNER}`);
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
    expect(board.recent).toBe(`import machine; machine.reset()\r\n\r\n${BANNER}`);
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

describe('boot ROM at 74880 baud (reference §6)', () => {
  it('every boot starts with the ROM line: power-on, Reset button, machine.reset()', async () => {
    board = await TestBoard.boot();
    expect(board.textAt(74880)).toMatch(ROM_FLASH_BOOT(1, true));
    // the init data is in flash now (4 sectors before the end), so later boots do not write it
    expect(await board.line("esp = __import__('esp'); esp.flash_read(esp.flash_size() - 0x4000, 4) != b'\\xff' * 4")).toContain('\r\nTrue\r\n');
    board.host.reset();
    await board.waitUntil(() => board!.textAt(74880).split('\r\ncsum ').length === 3);
    expect(board.textAt(74880).split('\r\n ets')[2]).toMatch(/^ Jan  8 2013,rst cause:2, boot mode:\(3,6\)\r\n\r\nload /);
    board.type('import machine; machine.reset()\r');
    await board.waitUntil(() => board!.textAt(74880).split('\r\ncsum ').length === 4);
    expect(`\r\n ets${board.textAt(74880).split('\r\n ets')[3]}`).toMatch(ROM_FLASH_BOOT(2));
    await board.waitFor(BANNER);
  });

  it('a firmware cut short after the ROM\'s part crashes at the missing code and restarts, again and again', async () => {
    board = await TestBoard.boot();
    // erase the irom0 sector at 0x1E000: the ROM's V1 part (before 0x9000) is still whole
    board.type('import esp, machine; esp.flash_erase(0x1e); machine.reset()\r');
    await board.waitUntil(() => board!.textAt(74880).split('Fatal exception').length >= 3, 5000);
    const rom = board.textAt(74880);
    // the SDK's form (micropython/micropython#1957), then the ROM's restart line
    expect(rom).toContain('csum 0x');
    expect(rom).toMatch(/Fatal exception 0\(IllegalInstructionCause\):\r\nepc1=0x4021e000, epc2=0x00000000, epc3=0x00000000, excvaddr=0x00000000, depc=0x00000000\r\n\r\n ets Jan {2}8 2013,rst cause:2, boot mode:\(3,6\)/);
    board.since();
    await new Promise((r) => setTimeout(r, 400));
    expect(board.recent).not.toContain('MicroPython v');
    // a whole firmware again (a factory reset writes it) boots
    board.host.replaceFlash(null);
    await board.waitFor(BANNER, 5000);
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
    expect(board.textAt(74880)).toMatch(ROM_FLASH_BOOT(1, true));
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
