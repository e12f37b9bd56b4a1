# machine.UART, machine.I2C/SoftI2C, machine.SPI (HSPI)/SoftSPI and machine.WDT of the virtual ESP-07.
# Sources: MP@v1.27.0:ports/esp8266/machine_uart.c, uart.c, machine_spi.c, machine_wdt.c,
# extmod/machine_uart.c, machine_i2c.c, machine_spi.c, machine_wdt.c, drivers/bus/softspi.c,
# py/stream.c, py/argcheck.c; behaviour: emulator/firmware/fidelity/v1.27-surface.md §12-§14.
#
# What is on the buses:
# - UART0 is the terminal line. While UART0 is attached to dupterm (the boot state: slot 1,
#   MP@v1.27.0:ports/esp8266/main.c) received bytes go to the REPL's stdin, not to the UART's
#   ring buffer (uart.c, uart0_rx_intr_handler), so UART(0).any() is 0 and read() gives None;
#   after os.dupterm(None, 1) they come from the board's UART0 RX. Writes always reach TX.
# - UART1 is TX-only on GPIO2: writes leave on a line nothing listens to.
# - I2C: an empty bus with pull-ups (§13.4): SDA reads 1, so every address byte is NACKed.
# - SPI: nothing drives MISO, so every byte read is the MISO pad's level as the board model sees
#   it: 0x00 for a floating pad (the emulator reads an undriven pad as 0), 0xff if the pad is
#   pulled high (e.g. GPIO0 or GPIO2 with their board pull-ups as SoftSPI MISO).
import _esp_hal as _hal
from binascii import hexlify as _hexlify, unhexlify as _unhexlify
from uctypes import addressof as _addressof, bytearray_at as _bytearray_at
import _fw_machine as _m

_VALID = (0, 1, 2, 3, 4, 5, 9, 10, 12, 13, 14, 15, 16)
_NODEV = 19  # MP_ENODEV
_U32 = 0xffffffff


def _pin_id(o):
    # mp_obj_get_pin (ports/esp8266/machine_pin.c): a Pin, or a small int naming one
    if isinstance(o, _m.Pin):
        return o._id
    if type(o) is int and o in _VALID:
        return o
    raise ValueError('invalid pin')


def _args(args, kw, spec):
    # mp_arg_parse_all: spec items are (name, default, kw_only, is_int); default None = required.
    # MP_ARG_INT values are converted as they are parsed, as the C loop does.
    out = []
    npos = len(args)
    used = 0
    for i, (name, default, kw_only, is_int) in enumerate(spec):
        if i < npos:
            if kw_only:
                raise TypeError('extra positional arguments given')
            v = args[i]
        elif name in kw:
            used += 1
            v = kw[name]
        elif default is None:
            raise TypeError("'%s' argument required" % name)
        else:
            out.append(default)
            continue
        out.append(_m._int(v) if is_int else v)
    if npos > len(spec):
        raise TypeError('extra positional arguments given')
    if used < len(kw):
        raise TypeError('extra keyword arguments given')
    return out


_ABSENT = object()


def _alloc(n):
    # vstr_init_len(n): allocates n + 1 bytes (a negative n asks for a huge block)
    if n < 0:
        raise MemoryError('memory allocation failed, allocating %u bytes' % ((n + 1) & _U32))
    return bytes(n)


_rbytes = _m._rbytes


def _wlen(obj):
    # mp_get_buffer_raise(obj, MP_BUFFER_WRITE): the buffer's length in bytes
    t = type(obj)
    if t is bytes or t is str:
        raise TypeError('object with buffer protocol required')
    try:
        mv = memoryview(obj)
        if t is memoryview:
            mv[0:0] = b''  # read-only memoryviews refuse this
    except TypeError:
        raise TypeError('object with buffer protocol required')
    return len(obj) if t is bytearray else len(bytes(obj))


def _fill(obj, n, value):
    # memset over a writable buffer of n bytes
    if n:
        _bytearray_at(_addressof(obj), n)[0:n] = bytes((value,)) * n


def _store(obj, data):
    n = len(data)
    if n:
        _bytearray_at(_addressof(obj), n)[0:n] = data


def _take_pad(pin):
    # PIN_FUNC_SELECT to a non-UART function disconnects UART0 from GPIO1/GPIO3
    if pin == 1 or pin == 3:
        _hal.pin_function(pin)


# ---- UART ---------------------------------------------------------------------------------------

_rxbuf_len = [16]  # uart_ringbuf.size: UART0_STATIC_RXBUF_LEN
_PARITY = ('None', '1', '0')
_UART_SPEC = (('baudrate', 0, False, True), ('bits', 0, False, True), ('parity', _ABSENT, False, False),
              ('stop', 0, False, True), ('tx', _ABSENT, True, False), ('rx', _ABSENT, True, False),
              ('rxbuf', 0, True, True), ('timeout', 0, True, True), ('timeout_char', 0, True, True))

try:
    import _fw_os as _os_mod
except ImportError:
    _os_mod = None


def _uart0_attached():
    # uart_attached_to_dupterm: counts UART objects in the dupterm slots (ports/esp8266/modos.c)
    slots = getattr(_os_mod, '_dupterm', None)
    if slots is None:
        return True
    for s in slots:
        if isinstance(s, UART) or (type(s) is str and s == '<UART0>'):
            return True
    return False


def _rx_any():
    # uart_rx_any: whether the UART0 ring buffer holds a byte (whatever the UART id)
    return not _uart0_attached() and _hal.uart_any() > 0


def _sleep_us(us):
    r = _hal.sleep_us(us)
    while r == 2:  # a callback is due: run it and sleep on
        _m._service()
        r = _hal.sleep_us(-1)
    if r == 1:
        raise KeyboardInterrupt


def _rx_wait(timeout_ms):
    # uart_rx_wait(timeout_us): polls the ring buffer, handling events, until the timeout
    us = timeout_ms * 1000
    if _uart0_attached():
        # the REPL owns RX: nothing can arrive for the UART, so sleep the whole timeout at once
        # (no other bridge call first: one that polls input could take a Ctrl-C the sleep must see)
        if us > 0:
            _sleep_us(us)
        return False
    if _hal.uart_any() > 0:
        return True
    start = _hal.ticks_us()
    while True:
        left = us - ((_hal.ticks_us() - start) & 0x3fffffff)
        if left <= 0:
            return False
        _sleep_us(min(left, 1000))
        if _hal.uart_any() > 0:
            return True


class UART:
    def __init__(self, *args, **kw):
        n = len(args)
        if n < 1:
            raise TypeError('function missing 1 required positional arguments')
        uart_id = _m._int(args[0])
        if uart_id != 0 and uart_id != 1:
            raise ValueError('UART(%d) does not exist' % uart_id)
        self._id = uart_id
        self._baudrate = 115200
        self._bits = 8
        self._parity = 0
        self._stop = 1
        self._timeout = 0
        self._timeout_char = 0
        self.init(*args[1:], **kw)

    def init(self, *args, **kw):
        baudrate, bits, parity, stop, tx, rx, rxbuf, timeout, timeout_char = _args(args, kw, _UART_SPEC)
        if baudrate > 0:
            self._baudrate = baudrate & _U32
        if bits not in (0, 5, 6, 7, 8):
            raise ValueError('invalid data bits')
        if bits:
            self._bits = bits
        if parity is not _ABSENT:
            if parity is None:
                self._parity = 0
            else:
                self._parity = 1 if _m._int(parity) & 1 else 2
        tx = 1 if tx is _ABSENT else _pin_id(tx)
        rx = 3 if rx is _ABSENT else _pin_id(rx)
        if tx == 1 and rx == 3:
            pass  # system_uart_de_swap
        elif tx == 15 and rx == 13:
            # system_uart_swap: UART0 moves to GPIO15/GPIO13, away from the terminal's GPIO1/GPIO3
            _hal.pin_function(1)
            _hal.pin_function(3)
        else:
            raise ValueError('invalid tx/rx')
        if stop not in (0, 1, 2):
            raise ValueError('invalid stop bits')
        if stop:
            self._stop = stop
        if rxbuf > 0:
            _rxbuf_len[0] = (rxbuf + 1) & 0xffff
        self._timeout = timeout & 0xffff
        self._timeout_char = timeout_char & 0xffff
        min_tc = 13000 // self._baudrate + 1
        if self._timeout_char < min_tc:
            self._timeout_char = min_tc
        if self._id == 1:
            # uart_config(UART1): GPIO2 becomes U1TXD, idling high
            _hal.pin_config(2, 1, 0, 1)
        return None

    def deinit(self):
        return None

    def any(self):
        return 1 if _rx_any() else 0

    def txdone(self):
        return True  # the emulator's TX FIFO is drained as soon as it is written

    def flush(self):
        return None

    def _read(self, size):
        # mp_machine_uart_read: waits `timeout` ms for the first byte, then `timeout_char` ms
        # between bytes; None means EAGAIN (nothing arrived)
        if self._id == 1:
            raise OSError("UART(1) can't read")
        if not _rx_wait(self._timeout):
            return None
        out = b''
        while True:
            out += _unhexlify(_hal.uart_read(size - len(out)))
            if len(out) >= size or not _rx_wait(self._timeout_char):
                return out

    def read(self, *args, **kw):
        _m._check_num(len(args) + 1, 1, 2, kw)
        if not args or _m._int(args[0]) == -1:
            # stream_readall: read until a read times out
            out = None
            while True:
                got = self._read(256)
                if got is None or got == b'':
                    return out
                out = got if out is None else out + got
        n = _m._int(args[0])
        _alloc(n)
        if n == 0:
            return b''
        return self._read(n)

    def readinto(self, *args, **kw):
        _m._check_num(len(args) + 1, 2, 3, kw)
        buf = args[0]
        n = _wlen(buf)
        if len(args) > 1:
            n = min(n, _m._int(args[1]) & _U32)
        if n == 0:
            return 0
        got = self._read(n)
        if got is None:
            return None
        _store(buf, got)
        return len(got)

    def readline(self, *args, **kw):
        _m._check_num(len(args) + 1, 1, 2, kw)
        max_size = _m._int(args[0]) if args else -1
        out = b''
        while max_size < 0 or len(out) < max_size:
            c = self._read(1)
            if c is None:
                return None if out == b'' else out
            if c == b'':
                break
            out += c
            if c == b'\n':
                break
        return out

    def write(self, *args, **kw):
        _m._check_num(len(args) + 1, 2, 4, kw)
        data = _rbytes(args[0])
        if len(args) == 2:
            data = data[:_m._int(args[1]) & _U32]
        elif len(args) == 3:
            off = min(_m._int(args[1]) & _U32, len(data))
            data = data[off:off + (_m._int(args[2]) & _U32)]
        if data and self._id == 0:
            _hal.uart_write(_hexlify(data).decode())
        return len(data)

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def __repr__(self):
        return 'UART(%u, baudrate=%u, bits=%u, parity=%s, stop=%u, rxbuf=%u, timeout=%u, timeout_char=%u)' % (
            self._id, self._baudrate, self._bits, _PARITY[self._parity], self._stop, (_rxbuf_len[0] - 1) & _U32,
            self._timeout, self._timeout_char)


# ---- I2C ----------------------------------------------------------------------------------------

_I2C_SPEC = (('scl', None, False, False), ('sda', None, False, False), ('freq', 400000, True, True),
             ('timeout', 50000, True, True))
_MEM_SPEC = (('addr', None, False, True), ('memaddr', None, False, True), ('arg', None, False, False),
             ('addrsize', 8, True, True))


def _check_addrsize(addrsize):
    # fill_memaddr_buf (addrsize is a uint8_t there)
    addrsize &= 0xff
    if (addrsize & 7) != 0 or addrsize > 32:
        raise ValueError('invalid addrsize')


class SoftI2C:
    def __init__(self, *args, **kw):
        self.init(*args, **kw)

    def init(self, *args, **kw):
        scl, sda, freq, timeout = _args(args, kw, _I2C_SPEC)
        scl = _pin_id(scl)
        sda = _pin_id(sda)
        self._scl = scl
        self._sda = sda
        self._timeout = timeout & _U32
        delay = 500000 // (freq & _U32)  # freq=0 divides by zero (the board takes an exception)
        self._delay = delay if delay else 1
        # mp_hal_pin_open_drain on both pins, then a STOP that leaves them released
        _take_pad(scl)
        _take_pad(sda)
        return None

    def scan(self):
        return []  # no address is ACKed

    def start(self):
        return None

    def stop(self):
        return None

    def readinto(self, *args, **kw):
        _m._check_num(len(args) + 1, 2, 3, kw)
        buf = args[0]
        _fill(buf, _wlen(buf), 0xff)  # SDA stays high: every bit reads 1
        return None

    def write(self, *args, **kw):
        _m._check_num(len(args) + 1, 2, 2, kw)
        _rbytes(args[0])
        return 0  # the first byte is NACKed

    def readfrom(self, *args, **kw):
        _m._check_num(len(args) + 1, 3, 4, kw)
        _m._int(args[0])
        _alloc(_m._int(args[1]))
        raise OSError(_NODEV)

    def readfrom_into(self, *args, **kw):
        _m._check_num(len(args) + 1, 3, 4, kw)
        _m._int(args[0])
        _wlen(args[1])
        raise OSError(_NODEV)

    def writeto(self, *args, **kw):
        _m._check_num(len(args) + 1, 3, 4, kw)
        _m._int(args[0])
        _rbytes(args[1])
        raise OSError(_NODEV)

    def writevto(self, *args, **kw):
        _m._check_num(len(args) + 1, 3, 4, kw)
        _m._int(args[0])
        vector = args[1]
        if not isinstance(vector, (tuple, list)):
            raise TypeError("object '%s' isn't a tuple or list" % type(vector).__name__)
        for item in vector:
            _rbytes(item)
        raise OSError(_NODEV)

    def readfrom_mem(self, *args, **kw):
        addr, memaddr, n, addrsize = _args(args, kw, _MEM_SPEC)
        _alloc(_m._int(n))
        _check_addrsize(addrsize)
        raise OSError(_NODEV)

    def readfrom_mem_into(self, *args, **kw):
        addr, memaddr, buf, addrsize = _args(args, kw, _MEM_SPEC)
        _wlen(buf)
        _check_addrsize(addrsize)
        raise OSError(_NODEV)

    def writeto_mem(self, *args, **kw):
        addr, memaddr, buf, addrsize = _args(args, kw, _MEM_SPEC)
        _rbytes(buf)
        _check_addrsize(addrsize)
        raise OSError(_NODEV)

    def __repr__(self):
        return 'SoftI2C(scl=%u, sda=%u, freq=%u)' % (self._scl, self._sda, 500000 // self._delay)


I2C = SoftI2C  # the esp8266 port's machine.I2C is the soft I2C type itself


# ---- SPI ----------------------------------------------------------------------------------------

def _miso_byte(pin):
    return 0xff if _m._read(pin) else 0x00


class _SPIMethods:
    MSB = 0
    LSB = 1

    def deinit(self):
        return None

    def read(self, *args, **kw):
        _m._check_num(len(args) + 1, 2, 3, kw)
        n = _m._int(args[0])
        value = _m._int(args[1]) & 0xff if len(args) > 1 else 0
        out = _alloc(n)
        if n:
            self._transfer(bytes((value,)))
            out = bytes((self._miso(),)) * n
        return out

    def readinto(self, *args, **kw):
        _m._check_num(len(args) + 1, 2, 3, kw)
        buf = args[0]
        n = _wlen(buf)
        value = _m._int(args[1]) & 0xff if len(args) > 1 else 0
        if n:
            self._transfer(bytes((value,)))
            _fill(buf, n, self._miso())
        return None

    def write(self, *args, **kw):
        _m._check_num(len(args) + 1, 2, 2, kw)
        data = _rbytes(args[0])
        if data:
            self._transfer(data)
        return None

    def write_readinto(self, *args, **kw):
        _m._check_num(len(args) + 1, 3, 3, kw)
        data = _rbytes(args[0])
        rbuf = args[1]
        n = _wlen(rbuf)
        if len(data) != n:
            raise ValueError('buffers must be the same length')
        if n:
            self._transfer(data)
            _fill(rbuf, n, self._miso())
        return None


class HSPI(_SPIMethods):
    # Fixed pins (hspi.c spi_init_gpio): SCK GPIO14, MOSI GPIO13, MISO GPIO12
    def __new__(cls, *args, **kw):
        if not args or (type(args[0]) is int and args[0] == -1):
            # MP_MACHINE_SPI_CHECK_FOR_LEGACY_SOFTSPI_CONSTRUCTION (printed on MICROPY_ERROR_PRINTER)
            print('Warning: SPI(-1, ...) is deprecated, use SoftSPI(...) instead')
            return SoftSPI(*args[1:], **kw)
        if not (type(args[0]) is int and args[0] == 1):
            raise ValueError()  # "FlashROM is on SPI0"
        self = object.__new__(cls)
        self._baudrate = 80000000
        self._polarity = 0
        self._phase = 0
        self.init(*args[1:], **kw)
        return self

    def __init__(self, *args, **kw):
        pass

    def init(self, *args, **kw):
        baudrate, polarity, phase = _args(args, kw, (('baudrate', -1, False, True), ('polarity', -1, False, True),
                                                     ('phase', -1, False, True)))
        if baudrate != -1:
            self._baudrate = baudrate & _U32
        if polarity != -1:
            self._polarity = polarity & 0xff
        if phase != -1:
            self._phase = phase & 0xff
        if self._baudrate != 80000000:
            if self._baudrate > 40000000:
                raise ValueError('impossible baudrate')
            divider = 40000000 // self._baudrate  # baudrate=0 divides by zero (the board takes an exception)
            prediv = min(divider, 8192)
            cntdiv = (divider // prediv) * 2
            if cntdiv > 64:
                raise ValueError('impossible baudrate')
            self._baudrate = 80000000 // (prediv * cntdiv)
        # the HSPI pads: SCK idles at the clock polarity, MOSI is driven
        _hal.pin_config(14, 1, 0, self._polarity & 1)
        _hal.pin_config(13, 1, 0, -1)
        return None

    def _transfer(self, data):
        _hal.pin_write(13, data[-1] & 1)  # MSB first: the last bit out is the last byte's bit 0

    def _miso(self):
        return _miso_byte(12)

    def __repr__(self):
        return 'HSPI(id=1, baudrate=%u, polarity=%u, phase=%u)' % (self._baudrate, self._polarity, self._phase)


SPI = HSPI


def _delay_half(baudrate):
    # baudrate_to_delay_half (extmod/machine_spi.c); baudrate=0 divides by zero on the board
    baudrate &= _U32
    d = 500000 // baudrate
    if 500000 % baudrate:
        d += 1
    return d


_SOFTSPI_SPEC = (('baudrate', 500000, False, True), ('polarity', 0, True, True), ('phase', 0, True, True),
                 ('bits', 8, True, True), ('firstbit', 0, True, True), ('sck', _ABSENT, True, False),
                 ('mosi', _ABSENT, True, False), ('miso', _ABSENT, True, False))
_SOFTSPI_INIT_SPEC = (('baudrate', -1, False, True), ('polarity', -1, False, True), ('phase', -1, False, True),
                      ('firstbit', -1, True, True), ('sck', _ABSENT, True, False), ('mosi', _ABSENT, True, False),
                      ('miso', _ABSENT, True, False))


class SoftSPI(_SPIMethods):
    def __init__(self, *args, **kw):
        baudrate, polarity, phase, bits, firstbit, sck, mosi, miso = _args(args, kw, _SOFTSPI_SPEC)
        self._delay = _delay_half(baudrate)
        self._polarity = polarity & 0xff
        self._phase = phase & 0xff
        if bits != 8:
            raise ValueError('bits must be 8')
        self._firstbit = firstbit & 0xff
        if sck is _ABSENT or mosi is _ABSENT or miso is _ABSENT:
            raise ValueError('must specify all of sck/mosi/miso')
        self._sck = _pin_id(sck)
        self._mosi = _pin_id(mosi)
        self._miso_pin = _pin_id(miso)
        self._setup()

    def init(self, *args, **kw):
        baudrate, polarity, phase, firstbit, sck, mosi, miso = _args(args, kw, _SOFTSPI_INIT_SPEC)
        if baudrate != -1:
            self._delay = _delay_half(baudrate)
        if polarity != -1:
            self._polarity = polarity & 0xff
        if phase != -1:
            self._phase = phase & 0xff
        if firstbit != -1:
            self._firstbit = firstbit & 0xff
        if sck is not _ABSENT:
            self._sck = _pin_id(sck)
        if mosi is not _ABSENT:
            self._mosi = _pin_id(mosi)
        if miso is not _ABSENT:
            self._miso_pin = _pin_id(miso)
        self._setup()
        return None

    def _setup(self):
        # mp_soft_spi_ioctl(MP_SPI_IOCTL_INIT): SCK at the idle polarity and MOSI as outputs,
        # MISO as an input with its pull-up off
        for p in (self._sck, self._mosi, self._miso_pin):
            _take_pad(p)
        _hal.pin_config(self._sck, 1, 0, self._polarity & 1)
        _hal.pin_config(self._mosi, 1, 0, -1)
        _hal.pin_config(self._miso_pin, 0, 0, -1)

    def _transfer(self, data):
        # mp_soft_spi_transfer ends each byte with SCK back at polarity and MOSI at the last bit sent
        last = data[-1]
        _hal.pin_write(self._mosi, (last >> 7) & 1 if self._firstbit else last & 1)
        _hal.pin_write(self._sck, self._polarity & 1)

    def _miso(self):
        return _miso_byte(self._miso_pin)

    def __repr__(self):
        return 'SoftSPI(baudrate=%u, polarity=%u, phase=%u, firstbit=%u, sck=%u, mosi=%u, miso=%u)' % (
            500000 // self._delay, self._polarity, self._phase, self._firstbit, self._sck, self._mosi, self._miso_pin)


# ---- WDT ----------------------------------------------------------------------------------------

_wdt = []


class WDT:
    def __new__(cls, *args, **kw):
        wdt_id, timeout = _args(args, kw, (('id', 0, False, True), ('timeout', 5000, False, True)))
        if timeout != 5000:
            raise ValueError()  # the ESP8266's timeout is fixed
        if wdt_id != 0:
            raise ValueError()
        if not _wdt:
            _wdt.append(object.__new__(cls))
        return _wdt[0]

    def __init__(self, *args, **kw):
        pass

    def feed(self):
        return None

    def __repr__(self):
        return '<WDT>'


try:
    import _fw_help
    _R = _fw_help.register
    _R(UART, ('init', 'deinit', 'flush', 'read', 'readline', 'readinto', 'write', 'any', 'txdone'),
       ('__class__', '__name__', 'any', 'read', 'readinto', 'readline', 'write', '__bases__', '__dict__', 'deinit',
        'flush', 'init', 'txdone'))
    _R(SoftI2C, ('init', 'scan', 'start', 'stop', 'readinto', 'write', 'readfrom', 'readfrom_into', 'writeto',
                 'writevto', 'readfrom_mem', 'readfrom_mem_into', 'writeto_mem'),
       ('__class__', '__name__', 'readinto', 'start', 'stop', 'write', '__bases__', '__dict__', 'init', 'readfrom',
        'readfrom_into', 'readfrom_mem', 'readfrom_mem_into', 'scan', 'writeto', 'writeto_mem', 'writevto'))
    for _c in (HSPI, SoftSPI):
        _R(_c, ('init', 'deinit', 'read', 'readinto', 'write', 'write_readinto', 'MSB', 'LSB'),
           ('__class__', '__name__', 'read', 'readinto', 'write', 'LSB', 'MSB', '__bases__', '__dict__', 'deinit',
            'init', 'write_readinto'))
    _R(WDT, ('feed',), ('__class__', '__name__', '__bases__', '__dict__', 'feed'))
except ImportError:
    pass
