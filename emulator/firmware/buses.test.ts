/**
 * The `esp` module and machine.UART / I2C / SoftI2C / SPI / SoftSPI / WDT on the virtual board,
 * typed at the REPL as a learner would. Expected strings come from the v1.27.0 firmware source
 * (MP@v1.27.0 = github.com/micropython/micropython at tag v1.27.0) as summarised in
 * emulator/firmware/fidelity/v1.27-surface.md §12-§15 ("research" below).
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';

let board: TestBoard;
beforeEach(async () => {
  board = await TestBoard.boot();
});
afterEach(() => {
  board.dispose();
});

/** Types `cmd` and expects exactly `out` (lines ending "\r\n") before the next prompt. */
async function run(cmd: string, out: string): Promise<void> {
  expect(await board.line(cmd, '>>> ', 15_000)).toBe(`${cmd}\r\n${out}>>> `);
}

/** Types `cmd` and returns its output (between the echoed line and the next prompt). */
async function runOut(cmd: string): Promise<string> {
  const got = await board.line(cmd, '>>> ', 15_000);
  return got.slice(cmd.length + 2, -4);
}

/** Types `text` as is (a command, Enter, then bytes for the running program) and returns what came back by the prompt. */
async function typed(text: string): Promise<string> {
  board.type(text);
  return board.waitFor('>>> ', 15_000);
}

/** The firmware's traceback for an error raised by a line typed at the REPL (py/obj.c mp_obj_print_exception). */
const TB = (err: string) => `Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\n${err}\r\n`;

describe('esp (research §15; MP@v1.27.0:ports/esp8266/modesp.c)', () => {
  it('dir(esp) and the flash identity', async () => {
    await run('import esp', '');
    // §15.1, minus esf_free_bufs, which the emulator leaves out (no honest emulation)
    await run('dir(esp)', "['__class__', '__name__', 'SLEEP_LIGHT', 'SLEEP_MODEM', 'SLEEP_NONE', '__dict__', 'apa102_write', 'check_fw', 'deepsleep', 'flash_erase', 'flash_id', 'flash_read', 'flash_size', 'flash_user_start', 'flash_write', 'free', 'freemem', 'malloc', 'meminfo', 'osdebug', 'set_native_code_location', 'sleep_type']\r\n");
    // §15.2: chip_size of a 4 MB image; W25Q32 JEDEC id 0x1640EF; _firmware_size of esp8266_2MiB.ld
    await run('esp.flash_size(), esp.flash_id(), esp.flash_user_start()', '(4194304, 1458415, 1048576)\r\n');
    // §15.2 constants (STUBS esp.pyi)
    await run('esp.SLEEP_NONE, esp.SLEEP_LIGHT, esp.SLEEP_MODEM', '(0, 1, 2)\r\n');
    // §3.3: no uesp alias
    await run('import uesp', TB("ImportError: no module named 'uesp'"));
  });

  it('flash_read / flash_write / flash_erase with NOR semantics and their errors', async () => {
    await run('import esp', '');
    // modesp.c esp_flash_erase; spi_flash_erase_sector sets a 4 KB sector to 0xFF
    await run('esp.flash_erase(1023)', '');
    await run("esp.flash_write(0x3ff000, b'abcd'), esp.flash_read(0x3ff000, 6)", "(None, b'abcd\\xff\\xff')\r\n");
    // programming only clears bits: 'abcd' AND 'wxyz'; a str is a readable buffer
    await run("esp.flash_write(0x3ff000, 'wxyz'), esp.flash_read(0x3ff000, 4)", "(None, b'a`a`')\r\n");
    // modesp.c esp_flash_write: "len must be multiple of 4"
    await run("esp.flash_write(0x3ff000, b'abc')", TB('ValueError: len must be multiple of 4'));
    // SPI_FLASH_RESULT_ERR beyond the chip -> MP_EIO
    await run("esp.flash_write(0x3ffffc, b'abcdefgh')", TB('OSError: [Errno 5] EIO'));
    await run('esp.flash_read(0x400000, 1)', TB('OSError: [Errno 5] EIO'));
    await run('esp.flash_erase(1024)', TB('OSError: [Errno 5] EIO'));
    // a writable buffer is filled and None returned (mp_get_buffer_raise MP_BUFFER_WRITE)
    await run('b = bytearray(4); esp.flash_read(0x3ff000, b), b', "(None, bytearray(b'a`a`'))\r\n");
    await run('m = memoryview(bytearray(6)); esp.flash_read(0x3ff000, m[2:]), bytes(m)', "(None, b'\\x00\\x00a`a`')\r\n");
    await run("esp.flash_read(0, b'1234')", TB('TypeError: object with buffer protocol required'));
    // m_new(byte, -1) -> m_malloc_fail((size_t)-1)
    await run('esp.flash_read(0, -1)', TB('MemoryError: memory allocation failed, allocating 4294967295 bytes'));
    await run('esp.flash_erase(0x3ff), esp.flash_read(0x3ff000, 4)', "(None, b'\\xff\\xff\\xff\\xff')\r\n");
  });

  it('check_fw on an erased flash, then on a valid image (research §15.3)', async () => {
    await run('import esp', '');
    // a new board comes with the firmware flashed (firmware.ts): check_fw() passes
    expect(await runOut('esp.check_fw()')).toMatch(/^size: 655344\r\nmd5: [0-9a-f]{32}\r\nTrue\r\n$/);
    // corrupt one byte of irom0 (clearing bits, as a NOR write can): the MD5 no longer matches
    await run("esp.flash_write(0x20000, b'\\x00\\x00\\x00\\x00')", '');
    expect(await runOut('esp.check_fw()')).toMatch(/^size: 655344\r\nmd5: [0-9a-f]{32}\r\nFalse\r\n$/);
    await run('_ = [esp.flash_erase(s) for s in range(10)]', '');
    // the size word at 0x8FFC reads 0xFFFFFFFF: printf("%d") gives -1, then "Invalid size"
    await run('esp.check_fw()', 'size: -1\r\nInvalid size\r\nFalse\r\n');
    // makeimg.py layout: total length at 0x8FFC, md5 of bytes [4, length) stored at `length`
    const size = 0x9010;
    const image = Buffer.alloc(size, 0xff);
    image.writeUInt32LE(size, 0x8ffc);
    const md5 = createHash('md5').update(image.subarray(4)).digest('hex');
    await run(`esp.flash_write(0x8ffc, b'\\x10\\x90\\x00\\x00')`, '');
    await run(`import binascii; esp.flash_write(0x9010, binascii.unhexlify('${md5}'))`, '');
    await run('esp.check_fw()', `size: 36880\r\nmd5: ${md5}\r\nTrue\r\n`);
  });

  it('osdebug, meminfo, sleep_type, malloc/free, set_native_code_location, apa102_write', async () => {
    await run('import esp, machine', '');
    // uart.c uart_os_write_char: SDK output is dropped while uart_os == -1 (the Makefile default)
    await run('esp.meminfo()', '');
    await run('esp.osdebug(None), esp.meminfo()', '(None, None)\r\n');
    // osdebug(1) routes SDK output to UART1 (GPIO2), not the terminal
    await run('esp.osdebug(1), esp.meminfo()', '(None, None)\r\n');
    // with osdebug(0) system_print_meminfo reaches UART0: the SDK's four-line format (§15.2, values [UNV])
    expect(await board.line('esp.osdebug(0); esp.meminfo()')).toMatch(
      /^esp\.osdebug\(0\); esp\.meminfo\(\)\r\ndata  : 0x3ffe8000 ~ 0x[0-9a-f]{8}, len: \d+\r\nrodata: 0x[0-9a-f]{8} ~ 0x[0-9a-f]{8}, len: \d+\r\nbss   : 0x[0-9a-f]{8} ~ 0x[0-9a-f]{8}, len: \d+\r\nheap  : 0x[0-9a-f]{8} ~ 0x3fffc000, len: \d+\r\n>>> $/,
    );
    // wifi_get_sleep_type / wifi_set_sleep_type; MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(0, 1)
    await run('esp.sleep_type(esp.SLEEP_NONE), esp.sleep_type()', '(None, 0)\r\n');
    await run('esp.sleep_type(1, 2)', TB('TypeError: function expected at most 1 arguments, got 2'));
    // os_malloc takes from the SDK heap that freemem() reports; os_free gives it back
    await run('f = esp.freemem(); a = esp.malloc(100); a > 0x3ffe8000, f > esp.freemem(), esp.free(a), esp.freemem() == f', '(True, True, None, True)\r\n');
    // os_malloc returns NULL when the SDK heap cannot hold the block
    await run('esp.malloc(100000)', '0\r\n');
    // esp_set_native_code_location: (None, None) selects iram1; flash must end below 1 MB
    await run('esp.set_native_code_location(None, None), esp.set_native_code_location(0x80000, 0x10000)', '(None, None)\r\n');
    await run('esp.set_native_code_location(0xff000, 0x2000)', TB('ValueError: flash location must be below 1MByte'));
    // esp_apa102_write takes pins through mp_obj_get_pin ("invalid pin" for GPIO6-8, 11)
    await run("esp.apa102_write(machine.Pin(5), 4, b'\\x01\\x02\\x03\\x04')", '');
    await run("esp.apa102_write(6, 4, b'')", TB('ValueError: invalid pin'));
  });
});

describe('machine.WDT (research §12.1; MP@v1.27.0:ports/esp8266/machine_wdt.c)', () => {
  it('is a singleton with a fixed 5000 ms timeout', async () => {
    await run('from machine import WDT', '');
    await run('w = WDT(); w, w is WDT(0, 5000), w.feed()', '(<WDT>, True, None)\r\n');
    // mp_raise_ValueError(NULL) prints the type and ": " only
    await run('WDT(timeout=1000)', TB('ValueError: '));
    await run('WDT(1)', TB('ValueError: '));
    await run('dir(WDT)', "['__class__', '__name__', '__bases__', '__dict__', 'feed']\r\n");
  });
});

describe('machine.UART (research §12.2; MP@v1.27.0:ports/esp8266/machine_uart.c, extmod/machine_uart.c, py/stream.c)', () => {
  it('constructor defaults, repr and argument errors', async () => {
    await run('from machine import UART, Pin', '');
    await run('UART(0)', 'UART(0, baudrate=115200, bits=8, parity=None, stop=1, rxbuf=15, timeout=0, timeout_char=1)\r\n');
    // odd parity is stored as 1 (printed "1"), even as 2 (printed "0"); timeout_char >= 13000/baud + 1
    await run('UART(1, 9600, 7, 3, 2)', 'UART(1, baudrate=9600, bits=7, parity=1, stop=2, rxbuf=15, timeout=0, timeout_char=2)\r\n');
    await run('UART(1, parity=0, timeout=100, timeout_char=5)', 'UART(1, baudrate=115200, bits=8, parity=0, stop=1, rxbuf=15, timeout=100, timeout_char=5)\r\n');
    await run('UART(2)', TB('ValueError: UART(2) does not exist'));
    await run('UART()', TB('TypeError: function missing 1 required positional arguments'));
    await run('UART(0, bits=9)', TB('ValueError: invalid data bits'));
    await run('UART(0, stop=3)', TB('ValueError: invalid stop bits'));
    await run('UART(0, tx=Pin(2))', TB('ValueError: invalid tx/rx'));
    await run("UART(0, 'fast')", TB("TypeError: can't convert str to int"));
    await run('UART(0, 115200, 8, None, 1, 5)', TB('TypeError: extra positional arguments given'));
    // rxbuf is the UART0 ring buffer's length minus 1, shared by both ids
    await run('_ = UART(0, rxbuf=63); UART(1)', 'UART(1, baudrate=115200, bits=8, parity=None, stop=1, rxbuf=63, timeout=0, timeout_char=1)\r\n');
    await run('dir(UART)', "['__class__', '__name__', 'any', 'read', 'readinto', 'readline', 'write', '__bases__', '__dict__', 'deinit', 'flush', 'init', 'txdone']\r\n");
  });

  it('UART(0) writes go out on the terminal line; UART(1) is TX-only on GPIO2', async () => {
    await run('from machine import UART', '');
    await run("u = UART(0); u.write(b'hi\\n')", 'hi\n3\r\n');
    // stream write(buf, off, len)
    await run("u.write('abcdef', 2, 3)", 'cde3\r\n');
    await run('u.txdone(), u.flush(), u.deinit()', '(True, None, None)\r\n');
    await run("u1 = UART(1); u1.write(b'xyz'), u1.any(), u1.read(0)", "(3, 0, b'')\r\n");
    // mp_machine_uart_read: OSError "UART(1) can't read"
    await run('u1.read()', TB("OSError: UART(1) can't read"));
    await run('u1.readline()', TB("OSError: UART(1) can't read"));
    // uart_config(UART1): GPIO2 becomes U1TXD, idling high
    expect(board.host.view.pins[2]).toBe('high');
  });

  it('while UART0 is on dupterm (boot), received bytes go to the REPL: any() 0, read() None', async () => {
    // uart.c uart0_rx_intr_handler with uart_attached_to_dupterm; py/stream.c returns None on EAGAIN
    await run('from machine import UART; u = UART(0)', '');
    await run('u.any(), u.read(), u.read(5), u.readline(), u.readinto(bytearray(3))', '(0, None, None, None, None)\r\n');
    // uart_rx_wait runs mp_event_handle_nowait: Ctrl-C ends a long wait
    board.type('u.init(timeout=5000); u.read(1)\r');
    await board.waitFor('u.read(1)\r\n');
    await new Promise((r) => setTimeout(r, 200)); // let the read start waiting
    board.type('\x03');
    await board.waitFor('KeyboardInterrupt: \r\n>>> ');
    expect(board.recent).toBe(`Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nKeyboardInterrupt: \r\n>>> `);
  });

  it('after os.dupterm(None, 1) UART(0) reads the bytes arriving on RX', async () => {
    await run('import os; from machine import UART; u = UART(0, timeout=1000)', '');
    await run('exec("try:\\n os.dupterm(None, 1)\\nexcept ImportError:\\n pass")', '');
    // uart_rx_any returns a bool: any() is 1, not a count (MP@v1.27.0:ports/esp8266/uart.c)
    expect(await typed('u.any(), u.read(5)\rhello')).toBe("u.any(), u.read(5)\r\n(1, b'hello')\r\n>>> ");
    expect(await typed('u.read()\rxyz')).toBe("u.read()\r\nb'xyz'\r\n>>> ");
    expect(await typed('b = bytearray(4); u.readinto(b, 2), b\rok')).toBe("b = bytearray(4); u.readinto(b, 2), b\r\n(2, bytearray(b'ok\\x00\\x00'))\r\n>>> ");
  });
});

describe('machine.I2C / SoftI2C on an empty bus (research §13; MP@v1.27.0:extmod/machine_i2c.c)', () => {
  it('type, constructor errors and repr', async () => {
    await run('from machine import I2C, SoftI2C, Pin', '');
    await run('I2C, I2C is SoftI2C', "(<class 'SoftI2C'>, True)\r\n");
    // freq shown as 500000/us_delay: the default 400000 gives us_delay 1
    await run('I2C(scl=Pin(5), sda=Pin(4))', 'SoftI2C(scl=5, sda=4, freq=500000)\r\n');
    await run('i = SoftI2C(Pin(5), Pin(4), freq=100000); i', 'SoftI2C(scl=5, sda=4, freq=100000)\r\n');
    await run('I2C(0, scl=Pin(5), sda=Pin(4))', TB('TypeError: extra keyword arguments given'));
    await run('I2C(-1, Pin(5), Pin(4))', TB('TypeError: extra positional arguments given'));
    await run('I2C()', TB("TypeError: 'scl' argument required"));
    await run('I2C(Pin(5), 7)', TB('ValueError: invalid pin'));
    await run('dir(SoftI2C)', "['__class__', '__name__', 'readinto', 'start', 'stop', 'write', '__bases__', '__dict__', 'init', 'readfrom', 'readfrom_into', 'readfrom_mem', 'readfrom_mem_into', 'scan', 'writeto', 'writeto_mem', 'writevto']\r\n");
  });

  it('nothing ACKs: scan() is empty, addressed transfers raise ENODEV', async () => {
    await run('from machine import SoftI2C, Pin; i = SoftI2C(Pin(5), Pin(4))', '');
    // machine_i2c_scan; start/stop/readinto ignore ACKs; write stops at the first NACK
    await run("i.scan(), i.start(), i.stop(), i.write(b'ab')", '([], None, None, 0)\r\n');
    await run('b = bytearray(2); i.readinto(b), b', "(None, bytearray(b'\\xff\\xff'))\r\n");
    // mp_machine_soft_i2c_transfer: address NACK -> -MP_ENODEV
    await run("i.writeto(0x3c, b'\\x00')", TB('OSError: [Errno 19] ENODEV'));
    await run('i.readfrom(0x3c, 2)', TB('OSError: [Errno 19] ENODEV'));
    await run('i.readfrom_into(0x3c, bytearray(1))', TB('OSError: [Errno 19] ENODEV'));
    await run("i.writevto(0x3c, [b'a', b'b'])", TB('OSError: [Errno 19] ENODEV'));
    await run('i.readfrom_mem(0x50, 0, 4)', TB('OSError: [Errno 19] ENODEV'));
    await run('i.readfrom_mem_into(0x50, 0, bytearray(2))', TB('OSError: [Errno 19] ENODEV'));
    await run("i.writeto_mem(0x50, 0, b'x')", TB('OSError: [Errno 19] ENODEV'));
    // fill_memaddr_buf and mp_obj_get_array checks come before the bus
    await run('i.readfrom_mem(0x50, 0, 4, addrsize=12)', TB('ValueError: invalid addrsize'));
    await run('i.writevto(0x3c, 5)', TB("TypeError: object 'int' isn't a tuple or list"));
    await run('i.readfrom(0x3c)', TB('TypeError: function missing 1 required positional arguments'));
  });
});

describe('machine.SPI (HSPI) and SoftSPI (research §14; MP@v1.27.0:ports/esp8266/machine_spi.c, extmod/machine_spi.c)', () => {
  it('HSPI constructor, baudrate rounding and errors', async () => {
    await run('from machine import SPI, SoftSPI, Pin', '');
    await run('SPI', "<class 'HSPI'>\r\n");
    await run('SPI(1)', 'HSPI(id=1, baudrate=80000000, polarity=0, phase=0)\r\n');
    // divider = 40000000/baud, baudrate = 80000000/(prediv*cntdiv)
    await run('SPI(1, 3000000), SPI(1, 1000000), SPI(1, 500000, 1, 1)', '(HSPI(id=1, baudrate=3076923, polarity=0, phase=0), HSPI(id=1, baudrate=1000000, polarity=0, phase=0), HSPI(id=1, baudrate=500000, polarity=1, phase=1))\r\n');
    await run('SPI(1, 50000000)', TB('ValueError: impossible baudrate'));
    await run('SPI(0)', TB('ValueError: '));
    await run('SPI(1, sck=Pin(14))', TB('TypeError: extra keyword arguments given'));
    // MP_MACHINE_SPI_CHECK_FOR_LEGACY_SOFTSPI_CONSTRUCTION, then SoftSPI without pins
    await run('SPI()', `Warning: SPI(-1, ...) is deprecated, use SoftSPI(...) instead\r\n${TB('ValueError: must specify all of sck/mosi/miso')}`);
    await run('dir(SPI) == dir(SoftSPI), dir(SPI)', "(True, ['__class__', '__name__', 'read', 'readinto', 'write', 'LSB', 'MSB', '__bases__', '__dict__', 'deinit', 'init', 'write_readinto'])\r\n");
    await run('SPI.MSB, SPI.LSB', '(0, 1)\r\n');
  });

  it('reads give the level of an undriven MISO; writes succeed', async () => {
    await run('from machine import SPI, SoftSPI, Pin; s = SPI(1)', '');
    // GPIO12 floats (the board model reads an undriven pad as 0): every bit read is 0
    await run("s.read(3), s.read(2, 0xff), s.write(b'abc'), s.write_readinto(b'ab', bytearray(2))", "(b'\\x00\\x00\\x00', b'\\x00\\x00', None, None)\r\n");
    await run("s.write_readinto(b'abc', bytearray(2))", TB('ValueError: buffers must be the same length'));
    // MISO on GPIO2, which the ESP-07 board pulls up: bits read 1
    await run('ss = SoftSPI(baudrate=300000, sck=Pin(14), mosi=Pin(13), miso=Pin(2)); ss, ss.read(2)', "(SoftSPI(baudrate=250000, polarity=0, phase=0, firstbit=0, sck=14, mosi=13, miso=2), b'\\xff\\xff')\r\n");
    await run('b = bytearray(2); ss.readinto(b), b, ss.deinit()', "(None, bytearray(b'\\xff\\xff'), None)\r\n");
    // softspi.c MP_SPI_IOCTL_INIT: SCK driven at the clock polarity
    await run('ss.init(polarity=1); ss', 'SoftSPI(baudrate=250000, polarity=1, phase=0, firstbit=0, sck=14, mosi=13, miso=2)\r\n');
    expect(board.host.view.pins[14]).toBe('high');
  });

  it('SoftSPI constructor errors', async () => {
    await run('from machine import SoftSPI, Pin', '');
    await run('SoftSPI(bits=7, sck=Pin(14), mosi=Pin(13), miso=Pin(12))', TB('ValueError: bits must be 8'));
    await run('SoftSPI(sck=Pin(14))', TB('ValueError: must specify all of sck/mosi/miso'));
    await run('SoftSPI(500000, 0, sck=Pin(14), mosi=Pin(13), miso=Pin(12))', TB('TypeError: extra positional arguments given'));
    await run('SoftSPI(firstbit=SoftSPI.LSB, sck=Pin(14), mosi=Pin(13), miso=Pin(12))', 'SoftSPI(baudrate=500000, polarity=0, phase=0, firstbit=1, sck=14, mosi=13, miso=12)\r\n');
  });
});
