# The `machine` module of the virtual ESP-07 (also importable as `umachine`).
# Pins act on the board model through the emulator (_esp_hal). Argument handling and error
# messages reproduce the esp8266 port's C code: ports/esp8266/machine_pin.c (pin table,
# pin_set/pin_get, init helper) and py/argcheck.c (mp_arg_parse_all, mp_arg_check_num).
import _esp_hal as _hal

_pin_config = _hal.pin_config
_pin_write = _hal.pin_write
_pin_read = _hal.pin_read
_pin_toggle = _hal.pin_toggle
_VALID = (0, 1, 2, 3, 4, 5, 9, 10, 12, 13, 14, 15, 16)
_REQUIRED = object()
_ABSENT = object()
_pins = {}


def _int(x):
    return range(x).stop  # mp_obj_get_int, with its TypeError for floats and strings


def _parse(args, kw, spec):
    # mp_arg_parse_all: spec is a tuple of (name, default, kw_only); default _REQUIRED.
    out = []
    used = 0
    for i, (name, default, kw_only) in enumerate(spec):
        if i < len(args):
            if kw_only:
                raise TypeError('extra positional arguments given')
            out.append(args[i])
        elif name in kw:
            used += 1
            out.append(kw[name])
        elif default is _REQUIRED:
            raise TypeError("'%s' argument required" % name)
        else:
            out.append(default)
    if len(args) > len(spec):
        raise TypeError('extra positional arguments given')
    if used < len(kw):
        raise TypeError('extra keyword arguments given')
    return out


def _check_num(n, lo, hi, kw):
    # mp_arg_check_num_sig
    if kw:
        raise TypeError("function doesn't take keyword arguments")
    if lo == hi and n != lo:
        raise TypeError('function takes %d positional arguments but %d were given' % (lo, n))
    if n < lo:
        raise TypeError('function missing %d required positional arguments' % (lo - n))
    if n > hi:
        raise TypeError('function expected at most %d arguments, got %d' % (hi, n))


_INIT_SPEC = (('mode', _REQUIRED, False), ('pull', None, False), ('value', _ABSENT, True))


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    IRQ_RISING = 1
    IRQ_FALLING = 2

    def __new__(cls, *args, **kw):
        if not args:
            raise TypeError('function missing 1 required positional arguments')
        id = args[0]
        if isinstance(id, Pin):
            n = id._id
        elif isinstance(id, int):
            n = id
        else:
            raise ValueError('invalid pin')
        if n not in _VALID:
            raise ValueError('invalid pin')
        pin = _pins.get(n)
        if pin is None:
            pin = object.__new__(cls)
            pin._id = n
            _pins[n] = pin
        return pin

    def __init__(self, *args, **kw):
        if len(args) > 1 or kw:
            self.init(*args[1:], **kw)

    def init(self, *args, **kw):
        mode, pull, value = _parse(args, kw, _INIT_SPEC)
        mode = _int(mode)
        pull = 0 if pull is None else _int(pull)
        if self._id == 16 and pull != 0:
            raise ValueError("Pin(16) doesn't support pull")
        value = -1 if value is _ABSENT else (1 if value else 0)
        _pin_config(self._id, mode, pull & 1, value)

    def value(self, *args, **kw):
        _check_num(len(args) + 1, 1, 2, kw)
        if args:
            _pin_write(self._id, 1 if args[0] else 0)
            return None
        return _pin_read(self._id)

    def __call__(self, *args, **kw):
        _check_num(len(args), 0, 1, kw)
        if args:
            _pin_write(self._id, 1 if args[0] else 0)
            return None
        return _pin_read(self._id)

    def on(self):
        _pin_write(self._id, 1)

    def off(self):
        _pin_write(self._id, 0)

    def toggle(self):
        _pin_toggle(self._id)

    def __repr__(self):
        return 'Pin(%d)' % self._id


def reset():
    _hal.reset()


def soft_reset():
    raise SystemExit
