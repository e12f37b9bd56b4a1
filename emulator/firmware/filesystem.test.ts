/**
 * The board's filesystem and boot process, as the ESP8266 port does them (v1.27.0):
 * `_boot.py` mounts littlefs from flash or runs `inisetup.setup()` on a blank region, then
 * `boot.py` and `main.py` run; `os` and `open()` work on files kept in the virtual flash.
 * Sources: reference §3 (esp8266-micropython-behaviour.md), ports/esp8266/main.c,
 * ports/esp8266/modules/{_boot,inisetup,flashbdev}.py, extmod/vfs_lfsx.c.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';
import { flashFirmware } from '../node/esptool.ts';
import { bannerLine, GENERIC_1M, GENERIC_4M, GENERIC_512K } from './builds.ts';

/** The default build's banner (builds.ts: the current release, v1.28.0). */
const BANNER = `${bannerLine(GENERIC_4M)}\r\nType "help()" for more information.\r\n>>> `;
/** inisetup.py's boot.py (reference §3.3, v1.21+ text). */
const DEFAULT_BOOT_PY = `# This file is executed on every boot (including wake-boot from deepsleep)
#import esp
#esp.osdebug(None)
import os, machine
#os.dupterm(None, 1) # disable REPL on UART(0)
import gc
#import webrepl
#webrepl.start()
gc.collect()
`;

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

/** Presses Reset and waits for the banner of the next boot. */
async function hardReset(b: TestBoard): Promise<string> {
  b.since();
  b.host.reset();
  await b.waitFor(BANNER, 8000);
  return b.recent;
}

/** Writes a file on the board through the raw REPL. */
async function writeFile(b: TestBoard, name: string, text: string): Promise<void> {
  const r = await b.exec(`with open(${JSON.stringify(name)}, 'w') as f:\n    f.write(${JSON.stringify(text)})`);
  expect(r.err).toBe('');
}

describe('first boot and the default filesystem', () => {
  it('a newly flashed board prints "Performing initial setup", then the banner; the next boot does not', async () => {
    // inisetup.setup() prints it before formatting (reference §3.3); main.c init_done() then
    // prints "\r\n" and the REPL banner follows its own "\r\n" (repl.test.ts)
    board = await TestBoard.boot();
    expect(board.all).toBe(`Performing initial setup\r\n\r\n${BANNER}`);
    expect(await hardReset(board)).toBe(`\r\n${BANNER}`);
  });

  it('lists only boot.py, with the default content, on a littlefs at sector 256 of 763 blocks', async () => {
    // reference §3.3 (os.listdir() -> ['boot.py']) and §3.4 (4 MB: sector 256, 763 blocks)
    board = await TestBoard.boot();
    expect(await board.line('os.listdir()')).toContain("\r\n['boot.py']\r\n");
    const r = await board.exec("print(open('boot.py').read(), end='')");
    expect(r.out).toBe(DEFAULT_BOOT_PY.replace(/\n/g, '\r\n'));
    const v = await board.exec("import flashbdev; b = flashbdev.bdev; print(b.start_sec, b.blocks); print(os.statvfs('/')[:3], os.statvfs('/')[9])");
    expect(v.out).toBe('256 763\r\n(4096, 4096, 763) 255\r\n');
    // littlefs's superblock name sits at offset 8 of block 0 (SPEC.md), where vfs autodetection looks
    const sb = await board.exec('import esp; print(esp.flash_read(256 * 4096 + 8, 8))');
    expect(sb.out).toBe("b'littlefs'\r\n");
  });

  it('sys.modules after boot holds flashbdev (and inisetup after the first boot), as _boot.py leaves it', async () => {
    // emulator/firmware/fidelity/v1.27-surface.md: built-ins are never in sys.modules; _boot.py imports flashbdev
    board = await TestBoard.boot();
    expect(await board.line('import sys; sorted(sys.modules)')).toContain("\r\n['flashbdev', 'inisetup']\r\n");
    await hardReset(board);
    expect(await board.line('import sys; sys.modules')).toContain("\r\n{'flashbdev': <module 'flashbdev'>}\r\n");
  });

  it('keeps files across hard resets, soft resets and a new emulator thread', async () => {
    board = await TestBoard.boot();
    await writeFile(board, 'notes.txt', 'hello flash\n');
    await hardReset(board);
    expect((await board.exec("print(open('notes.txt').read())")).out).toBe('hello flash\r\n\r\n');
    board.type('\x04');
    await board.waitFor(BANNER);
    expect((await board.exec('print(os.listdir())')).out).toBe("['boot.py', 'notes.txt']\r\n");
  });

  it('loses data written to a file that was neither closed nor flushed at a hard reset, not at a soft reset', async () => {
    board = await TestBoard.boot();
    await board.exec("f = open('a.txt', 'w'); f.write('unsaved')");
    await hardReset(board);
    expect((await board.exec("print(repr(open('a.txt').read()))")).out).toBe("''\r\n");
    await board.exec("f = open('b.txt', 'w'); f.write('swept')");
    board.type('\x04');
    await board.waitFor(BANNER);
    // soft_reset(): gc_sweep_all() runs the file's finaliser, which closes it
    expect((await board.exec("print(open('b.txt').read())")).out).toBe('swept\r\n');
  });
});

describe('boot.py and main.py', () => {
  it('runs boot.py then main.py before the banner; their globals are the REPL\'s', async () => {
    board = await TestBoard.boot();
    await writeFile(board, 'boot.py', "print('boot says hi')\nx = 41\n");
    await writeFile(board, 'main.py', "print('main says hi')\nx += 1\n");
    expect(await hardReset(board)).toBe(`boot says hi\r\nmain says hi\r\n\r\n${BANNER}`);
    expect(await board.line('x')).toContain('\r\n42\r\n');
  });

  it('prints a traceback for an exception in boot.py and then skips main.py (v1.22+)', async () => {
    // reference §3.6: File "boot.py", line N, in <module>; commit 480659b1ac skips main.py
    board = await TestBoard.boot();
    await writeFile(board, 'boot.py', 'a = 1\nb = a / 0\n');
    await writeFile(board, 'main.py', "print('main ran')\n");
    expect(await hardReset(board)).toBe(
      `Traceback (most recent call last):\r\n  File "boot.py", line 2, in <module>\r\nZeroDivisionError: divide by zero\r\n\r\n${BANNER}`,
    );
  });

  it('a main.py loop keeps the REPL away until Ctrl-C; the next boot runs it again; removing it recovers', async () => {
    board = await TestBoard.boot();
    await writeFile(board, 'main.py', "import time\nn = 0\nwhile True:\n    n += 1\n    if n == 3:\n        print('looping')\n");
    board.since();
    board.host.reset();
    await board.waitFor('looping\r\n', 8000);
    await new Promise((r) => setTimeout(r, 300));
    expect(board.recent).not.toContain('>>> ');
    board.type('\x03');
    await board.waitFor(BANNER);
    expect(board.recent).toMatch(/Traceback \(most recent call last\):\r\n {2}File "main\.py", line \d, in <module>\r\nKeyboardInterrupt: \r\n\r\nMicroPython v/);
    expect(await board.line("os.remove('main.py')")).not.toContain('Error');
    expect(await hardReset(board)).toBe(`\r\n${BANNER}`);
  });

  it('Ctrl-D runs boot.py and main.py again after "MPY: soft reboot"; the raw REPL skips main.py', async () => {
    // ports/esp8266/main.c soft_reset(); mp_reset() runs main.py only in the friendly REPL
    board = await TestBoard.boot();
    await writeFile(board, 'boot.py', "print('B')\n");
    await writeFile(board, 'main.py', "print('M')\n");
    board.type('\x04');
    await board.waitFor(BANNER);
    expect(board.recent).toBe(`\r\nMPY: soft reboot\r\nB\r\nM\r\n${BANNER}`);
    board.type('\x01');
    await board.waitFor('raw REPL; CTRL-B to exit\r\n>');
    board.type('\x04');
    await board.waitFor('raw REPL; CTRL-B to exit\r\n>');
    expect(board.recent).toBe('OK\r\nMPY: soft reboot\r\nB\r\nraw REPL; CTRL-B to exit\r\n>');
  });

  it('machine imported by boot.py has its bus classes and the firmware\'s error for a missing name', async () => {
    // the default boot.py imports machine; the bus classes are compiled on first use
    board = await TestBoard.boot();
    expect(await board.line('machine.WDT')).toContain("\r\n<class 'WDT'>\r\n");
    await hardReset(board);
    expect(await board.line('machine.Foo')).toContain("AttributeError: 'module' object has no attribute 'Foo'\r\n");
    // machine.I2C is the software I2C class on the esp8266 (extmod/machine_i2c.c)
    expect(await board.line('from machine import I2C; I2C')).toContain("\r\n<class 'SoftI2C'>\r\n");
  });

  it('imports a module from the filesystem (the import my_app pattern)', async () => {
    board = await TestBoard.boot();
    await writeFile(board, 'my_app.py', "def run():\n    print('app running')\n");
    await writeFile(board, 'main.py', 'import my_app\nmy_app.run()\n');
    expect(await hardReset(board)).toContain('app running\r\n');
  });
});

describe('os and open() on littlefs', () => {
  it('mkdir, chdir, getcwd, rename, remove, rmdir, stat, ilistdir', async () => {
    board = await TestBoard.boot();
    const r = await board.exec([
      "os.mkdir('lib')",
      "os.chdir('lib')",
      'print(os.getcwd())',
      "with open('m.py', 'w') as f: f.write('X = 1\\n')",
      "print(os.listdir(), os.stat('m.py')[0], os.stat('m.py')[6])",
      "os.chdir('..')",
      "print(os.stat('lib')[0], list(os.ilistdir('lib')))",
      "os.rename('lib/m.py', 'm2.py')",
      "print(sorted(os.listdir()))",
      "os.rmdir('lib')",
      "os.remove('m2.py')",
      'print(os.listdir())',
    ].join('\n'));
    expect(r.err).toBe('');
    expect(r.out).toBe("/lib\r\n['m.py'] 32768 6\r\n16384 [('m.py', 32768, 0, 6)]\r\n['boot.py', 'lib', 'm2.py']\r\n['boot.py']\r\n");
  });

  it('umount and mount: the board\'s files disappear and come back; vfs.mount() lists what is mounted', async () => {
    board = await TestBoard.boot();
    const r = await board.exec([
      'import vfs, flashbdev',
      "os.umount('/')",
      'try:',
      "    open('boot.py')",
      'except OSError as e:',
      '    print(e.errno)',
      "os.mount(flashbdev.bdev, '/')",
      "print(os.listdir('/'), len(vfs.mount()))",
      "vfs.umount('/')",
      "vfs.mount(vfs.VfsLfs2(flashbdev.bdev), '/')",
      "print(open('boot.py').read().split('\\n')[0])",
    ].join('\n'));
    expect(r.err).toBe('');
    // nothing mounted: the VFS layer has no filesystem for the path (extmod/vfs.c: ENODEV)
    expect(r.out).toBe("19\r\n['boot.py'] 1\r\n# This file is executed on every boot (including wake-boot from deepsleep)\r\n");
  });

  it('raises the errors littlefs gives: ENOENT, EEXIST, ENOTEMPTY (bare 39), EISDIR', async () => {
    board = await TestBoard.boot();
    expect(await board.line("open('nope.txt')")).toContain('OSError: [Errno 2] ENOENT\r\n');
    expect(await board.line("os.mkdir('d'); os.mkdir('d')")).toContain('OSError: [Errno 17] EEXIST\r\n');
    expect(await board.line("open('d/f', 'w').close(); os.rmdir('d')")).toContain('OSError: 39\r\n');
    expect(await board.line("open('d', 'w')")).toContain('OSError: [Errno 21] EISDIR\r\n');
  });

  it('reads and writes binary and text, seeks, appends, iterates lines', async () => {
    board = await TestBoard.boot();
    const r = await board.exec([
      "with open('b.bin', 'wb') as f: f.write(bytes(range(256)))",
      "with open('b.bin', 'rb') as f:",
      '    f.seek(250)',
      '    print(f.read(), f.tell())',
      "with open('t.txt', 'w') as f: print('one', file=f); f.write('two\\n')",
      "with open('t.txt', 'a') as f: f.write('three\\n')",
      "print([l for l in open('t.txt')])",
      "print(open('t.txt').readlines()[-1], end='')",
      "print(open('t.txt'), open('b.bin', 'rb'))",
    ].join('\n'));
    expect(r.err).toBe('');
    expect(r.out).toBe("b'\\xfa\\xfb\\xfc\\xfd\\xfe\\xff' 256\r\n['one\\n', 'two\\n', 'three\\n']\r\nthree\r\n<io.TextIOWrapper> <io.FileIO>\r\n");
  });

  it('fills up at the real capacity with OSError: 28 (ENOSPC); the file keeps only what was synced', async () => {
    board = await TestBoard.boot();
    const r = await board.exec([
      'buf = bytearray(4096)',
      "f = open('big.bin', 'wb')",
      'n = 0',
      'try:',
      '    while True:',
      '        n += f.write(buf)',
      '        if n == 8 * 4096:',
      '            f.flush()',
      'except OSError as e:',
      '    print(e.errno)',
      "print(n // 4096, os.statvfs('/')[3])",
      'f.close()',
      "print(os.stat('big.bin')[6], os.statvfs('/')[3] > 740)",
    ].join('\n'), 60000);
    expect(r.err).toBe('');
    const [errno, line, after] = r.out.split('\r\n');
    expect(errno).toBe('28');
    const [blocks, free] = line!.split(' ').map(Number);
    // 763 blocks less littlefs's own (superblock pair, boot.py, the file's skip-list pointers)
    expect(blocks).toBeGreaterThan(740);
    expect(blocks).toBeLessThan(763);
    expect(free).toBeLessThan(5);
    // lfs_file_sync does nothing for a file whose write failed (LFS_F_ERRED): the last flush stays
    expect(after).toBe(`${8 * 4096} True`);
  }, 90000);
});

describe('damaged and missing filesystems', () => {
  it('a damaged first block prints the "looks corrupt" message every 3 s; Ctrl-C gives a REPL without files', async () => {
    board = await TestBoard.boot();
    // overwrite both superblock copies (blocks 0 and 1 of the region)
    await board.exec("import esp\nfor s in (256, 257):\n    esp.flash_erase(s); esp.flash_write(s * 4096, b'junk' * 8)");
    board.since();
    board.host.reset();
    await board.waitFor('reprogram MicroPython.\r\n\r\n', 8000);
    expect(board.recent).toBe(
      'The filesystem starting at sector 256 with size 763 sectors looks corrupt.\r\n' +
        'You may want to make a flash snapshot and try to recover it. Otherwise,\r\n' +
        'format it with vfs.VfsLfs2.mkfs(bdev), or completely erase the flash and\r\n' +
        'reprogram MicroPython.\r\n\r\n', // the text ends in a newline and print adds one (reference §3.5)
    );
    // time.sleep(3) between the messages
    const t0 = Date.now();
    await board.waitUntil(() => board!.recent.split('looks corrupt').length === 3, 6000);
    expect(Date.now() - t0).toBeGreaterThan(2000);
    board.type('\x03');
    await board.waitFor(BANNER);
    expect(board.recent).toContain('KeyboardInterrupt: \r\n');
    // the documented recovery: format the region again
    expect(await board.line('import vfs, flashbdev; vfs.VfsLfs2.mkfs(flashbdev.bdev)')).not.toContain('Error');
    expect(await hardReset(board)).toBe(`\r\n${BANNER}`);
    expect(await board.line('import os; os.listdir()')).toContain('\r\n[]\r\n');
  });

  it('erasing the filesystem region gives a first boot again', async () => {
    board = await TestBoard.boot();
    await writeFile(board, 'keep.txt', 'x');
    await board.exec('import esp\nfor s in range(256, 256 + 763):\n    esp.flash_erase(s)', 60000);
    expect(await hardReset(board)).toBe(`Performing initial setup\r\n\r\n${BANNER}`);
  }, 90000);
});

describe('flashing and the filesystem', () => {
  it('writing the firmware again with esptool without erasing keeps the files; erase_flash removes them', async () => {
    board = await TestBoard.boot();
    await writeFile(board, 'keep.txt', 'still here');
    await flashFirmware(board, GENERIC_4M, { until: BANNER, timeoutMs: 10_000 });
    expect(board.recent).not.toContain('Performing initial setup');
    expect((await board.exec("print(open('keep.txt').read())")).out).toBe('still here\r\n');
    await flashFirmware(board, GENERIC_4M, { erase: true, until: BANNER, timeoutMs: 10_000 });
    expect(board.recent).toContain('Performing initial setup\r\n');
    expect((await board.exec('import os; print(os.listdir())')).out).toBe("['boot.py']\r\n");
  }, 60_000);

  it('a 4 MB board runs the FLASH_1M build written to it: its banner, its filesystem over the rest of the chip', async () => {
    // reference §3.4: FLASH_1M on a 4 MB chip starts at 0x99000 with 866 blocks
    board = await TestBoard.boot();
    await flashFirmware(board, GENERIC_1M, { erase: true, timeoutMs: 10_000 });
    expect(board.recent).toContain(`${bannerLine(GENERIC_1M)}\r\n`);
    expect((await board.exec("import flashbdev, os; print(flashbdev.bdev.start_sec, os.statvfs('/')[2])")).out).toBe('153 866\r\n');
  }, 60_000);
});

describe('builds for 1 MB and 512 KB boards', () => {
  it('1 MB: its banner, flash_user_start 0x98000, a 98-block filesystem at sector 153', async () => {
    board = await TestBoard.boot({ flashSize: '1M' });
    expect(board.all).toContain(`${bannerLine(GENERIC_1M)}\r\n`);
    const r = await board.exec("import esp, flashbdev; print(hex(esp.flash_user_start()), flashbdev.bdev.start_sec, os.statvfs('/')[2], os.listdir())");
    expect(r.out).toBe("0x98000 153 98 ['boot.py']\r\n");
    // the FLASH_1M build freezes the port manifest only: no asyncio, umqtt, ssd1306, upysh
    const modules = await board.line("help('modules')");
    expect(modules).toContain('ntptime');
    expect(modules).toContain("_asyncio"); // the C module stays (mpconfigboard.h turns it off only for 512K)
    expect(modules).not.toMatch(/(^|\s)asyncio\/|uasyncio|umqtt|ssd1306|upysh/m);
  });

  it('512 KB: its banner, no filesystem and no vfs module', async () => {
    board = await TestBoard.boot({ flashSize: '512K' });
    expect(board.all).toBe(`\r\n${bannerLine(GENERIC_512K)}\r\nType "help()" for more information.\r\n>>> `);
    expect(await board.line('import vfs')).toContain("ImportError: no module named 'vfs'\r\n");
    expect((await board.exec('import esp; print(hex(esp.flash_user_start()))')).out).toBe('0x7b000\r\n');
  });
});
