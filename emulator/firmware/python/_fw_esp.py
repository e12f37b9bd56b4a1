# The `esp` module of the esp8266 build (no `uesp` alias: emulator/firmware/fidelity/v1.27-surface.md §3.3).
# Flash functions act on the board's SPI flash through the emulator (_esp_hal); bytes cross the
# bridge as hex strings. Source: MP@v1.27.0:ports/esp8266/modesp.c, espapa102.c, uart.c;
# behaviour: emulator/firmware/fidelity/v1.27-surface.md §15.
#
# Not provided (no honest emulation): esf_free_bufs() (counts of the SDK WiFi driver's buffers).
# deepsleep() is machine's (emulator/firmware/python/_fw_rtc.py).
import _esp_hal as _hal
import struct as _struct
from binascii import hexlify as _hexlify, unhexlify as _unhexlify
from uctypes import addressof as _addressof, bytearray_at as _bytearray_at
import _fw_machine as _m
import _fw_buses as _b

import _fw_rtc as _r
SLEEP_NONE = 0
SLEEP_LIGHT = 1
SLEEP_MODEM = 2

_EIO = 5
_CHUNK = 1024
# [UNV] estimates: the SDK heap (system_get_free_heap_size) and the DRAM layout that
# system_print_meminfo() reports are not known for v1.27.0; these follow the size of a
# comparable esp8266 build (data 1016, rodata 2332, bss 67640 bytes; DRAM ends at 0x3fffc000).
_LAYOUT = (('data  ', 0x3ffe8000, 0x3ffe83f8), ('rodata', 0x3ffe8400, 0x3ffe8d1c),
           ('bss   ', 0x3ffe8d20, 0x3fff9558), ('heap  ', 0x3fff9558, 0x3fffc000))
_SDK_FREE = 8936  # what the SDK and its WiFi stack leave free at the REPL
_HEAP_END = 0x3fffc000
_HEAP_FREE_START = _HEAP_END - _SDK_FREE
_state = {'os': -1, 'sleep': SLEEP_MODEM, 'native': None}  # default sleep type [UNV]
_allocs = {}  # pointer -> block size


def _u32(x):
    return x & 0xffffffff


def _wbuf(obj):
    # mp_get_buffer_raise(obj, MP_BUFFER_WRITE): a writable byte view over the whole buffer
    n = _b._wlen(obj)
    return _bytearray_at(_addressof(obj), n) if n else bytearray(0)


_rbytes = _b._rbytes  # mp_get_buffer_raise(obj, MP_BUFFER_READ): the buffer's bytes


def _read_into(addr, view, n):
    # spi_flash_read: SPI_FLASH_RESULT_ERR beyond the chip
    if addr < 0 or addr + n > _hal.flash_size():
        raise OSError(_EIO)
    i = 0
    while i < n:
        k = min(_CHUNK, n - i)
        h = _hal.flash_read(addr + i, k)
        if h is None:
            raise OSError(_EIO)
        view[i:i + k] = _unhexlify(h)
        i += k


def flash_size():
    return _hal.flash_size()


def flash_id():
    return _hal.flash_id()


def flash_user_start():
    # _firmware_size of the build's linker script: 0x100000 (esp8266_2MiB.ld), 0x98000 (1MiB), 0x7B000 (512kiB)
    return _hal.user_start()


def flash_read(offset, len_or_buf):
    addr = _u32(_m._int(offset))
    if type(len_or_buf) is int:
        n = len_or_buf
        if n < 0:  # m_new(byte, len) with a negative len
            raise MemoryError('memory allocation failed, allocating %u bytes' % _u32(n))
        out = bytearray(n)
        _read_into(addr, out, n)
        return bytes(out)
    view = _wbuf(len_or_buf)
    _read_into(addr, view, len(view))
    return None


def flash_write(offset, buf):
    addr = _u32(_m._int(offset))
    raw = _rbytes(buf)
    n = len(raw)
    if n & 3:
        raise ValueError('len must be multiple of 4')
    if addr + n > _hal.flash_size():
        raise OSError(_EIO)
    for i in range(0, n, _CHUNK):
        _hal.flash_write(addr + i, _hexlify(raw[i:i + _CHUNK]).decode())
    return None


def flash_erase(sector):
    s = _m._int(sector) & 0xffff  # spi_flash_erase_sector(uint16 sec)
    if (s + 1) * 4096 > _hal.flash_size():
        raise OSError(_EIO)
    _hal.flash_erase(s)
    return None


def deepsleep(*args, **kw):
    _r.esp_deepsleep(*args, **kw)


def osdebug(val):
    _state['os'] = -1 if val is None else _m._int(val)
    _hal.net_osdebug(1 if _state['os'] == 0 else 0)  # the SDK's messages (LmacRxBlk …) reach UART0
    return None


def sleep_type(*args, **kw):
    _m._check_num(len(args), 0, 1, kw)
    if not args:
        return _state['sleep']
    t = _m._int(args[0])
    if t in (0, 1, 2):  # wifi_set_sleep_type refuses other values
        _state['sleep'] = t
    return None


def freemem():
    # the SDK heap: what esp.malloc() took, and what the network holds for open sockets
    return _SDK_FREE - sum(_allocs.values()) - _hal.net_sdk_used()


def meminfo():
    # system_print_meminfo() prints through os_printf: only with esp.osdebug(<uart>) set, and
    # only UART0 reaches the terminal (uart_os_write_char turns '\n' into "\r\n").
    if _state['os'] == 0:
        text = ''
        for name, start, end in _LAYOUT:
            text += '%s: 0x%x ~ 0x%x, len: %d\r\n' % (name, start, end, end - start)
        _hal.uart_write(_hexlify(text.encode()).decode())
    return None


def malloc(size):
    # os_malloc: first fit in the SDK heap; NULL (0) when nothing fits
    n = _m._int(size)
    if n < 0:
        return 0
    block = ((n + 7) & ~7) + 8  # 8-byte units plus a header [UNV: the SDK allocator's exact overhead]
    cur = _HEAP_FREE_START
    for p in sorted(_allocs):
        if p - 8 - cur >= block:
            break
        cur = p - 8 + _allocs[p]
    else:
        if _HEAP_END - cur < block:
            return 0
    _allocs[cur + 8] = block
    return cur + 8


def free(addr):
    _allocs.pop(_m._int(addr), None)
    return None


def apa102_write(clock_pin, data_pin, buf):
    # esp_apa102_write: bit-bangs GPIO_OUT directly; the frame ends with 0xFF bytes, leaving
    # the data latch high and the clock latch low.
    c = _b._pin_id(clock_pin)
    d = _b._pin_id(data_pin)
    _rbytes(buf)
    if c < 16:
        _hal.pin_write(c, 0)
    if d < 16:
        _hal.pin_write(d, 1)
    return None


def set_native_code_location(start, length):
    if start is None and length is None:
        _state['native'] = None
        return None
    s = _m._int(start)
    end = _u32(s + _m._int(length))
    _state['native'] = (s, end)
    if end > 0x100000:
        raise ValueError('flash location must be below 1MByte')
    return None


def check_fw():
    # esp_check_fw: reads the memory-mapped image at 0x40200000 (flash offset 0)
    word = _struct.unpack('<I', flash_read(0, 4))[0]
    start = 0x3c000 if (word & 0xff00) == 0x100 else 0  # yaota8266 bootloader
    size = _struct.unpack('<I', flash_read(start + 0x8ffc, 4))[0]
    print('size: %d' % (size - 0x100000000 if size & 0x80000000 else size))
    if size > 1024 * 1024:
        print('Invalid size')
        return False
    digest = _unhexlify(_hal.flash_md5(start + 4, size - 4))
    print('md5: ' + _hexlify(digest).decode())
    return digest == flash_read(start + size, 16)


try:
    import _fw_help
    _fw_help.register(
        __import__('_fw_esp'),
        ('__name__', 'osdebug', 'sleep_type', 'deepsleep', 'flash_id', 'flash_read', 'flash_write', 'flash_erase',
         'flash_size', 'flash_user_start', 'apa102_write', 'freemem', 'meminfo', 'check_fw', 'malloc', 'free',
         'esf_free_bufs', 'set_native_code_location', 'SLEEP_NONE', 'SLEEP_LIGHT', 'SLEEP_MODEM'),
        ('__class__', '__name__', 'SLEEP_LIGHT', 'SLEEP_MODEM', 'SLEEP_NONE', '__dict__', 'apa102_write', 'check_fw',
         'deepsleep', 'esf_free_bufs', 'flash_erase', 'flash_id', 'flash_read', 'flash_size', 'flash_user_start',
         'flash_write', 'free', 'freemem', 'malloc', 'meminfo', 'osdebug', 'set_native_code_location', 'sleep_type'))
except ImportError:
    pass
