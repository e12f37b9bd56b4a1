# machine.RTC and machine.deepsleep of the esp8266 port (MP@v1.27.0:ports/esp8266/machine_rtc.c,
# modmachine.c mp_machine_deepsleep). The RTC's arithmetic (32-bit slow-clock ticks, `cal`,
# `delta`, rtc_last_ticks, ALARM0) runs in the emulator over the board's RTC memory
# (emulator/chip/rtc.ts); argument checks and error messages are the C code's (NORMAL error reporting).
import _esp_hal as _hal
from binascii import hexlify as _hexlify, unhexlify as _unhexlify
import _fw_args as _m  # argument checks (not _fw_machine, which imports this module)
import _fw_time as _t

_USER_MAX = 492  # MEM_USER_MAXLEN
# days before each month (shared/timeutils/timeutils.c days_since_jan1)
_DAYS = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365)


def _seconds_since_2000(y, mo, d, h, mi, s):
    # timeutils_seconds_since_2000 without the Y2100 option: a leap year every 4 years, no normalising
    yday = _DAYS[(mo - 1) % 12] + d  # (the C code reads outside its table for other months)
    if mo >= 3 and y % 4 == 0:
        yday += 1
    days = (y - 1970) * 365 + (y - 1969) // 4 + yday - 1
    return days * 86400 + h * 3600 + mi * 60 + s - 946684800


class RTC:
    ALARM0 = 0

    def __new__(cls, *args, **kw):
        _m._check_num(len(args), 0, 0, kw)  # mp_arg_check_num(n_args, n_kw, 0, 0, false)
        return _rtc

    def __init__(self, *args, **kw):
        pass

    def __repr__(self):
        return '<RTC>'

    def datetime(self, *args, **kw):
        _m._check_num(len(args) + 1, 1, 2, kw)
        if not args:
            ms = int(_hal.rtc_us()) // 1000
            t = _t.gmtime(ms // 1000)
            return (t[0], t[1], t[2], t[6], t[3], t[4], t[5], ms % 1000)
        items = args[0]
        if type(items) is not tuple and type(items) is not list:  # mp_obj_get_array_fixed_n
            raise TypeError("object '%s' isn't a tuple or list" % type(items).__name__)
        if len(items) != 8:
            raise ValueError('requested length 8 but object has length %d' % len(items))
        i = _m._int
        secs = _seconds_since_2000(i(items[0]), i(items[1]), i(items[2]), i(items[4]), i(items[5]), i(items[6]))
        _hal.rtc_set_us(str((secs * 1000 + i(items[7])) * 1000))  # the weekday (items[3]) is ignored

    def memory(self, *args, **kw):
        _m._check_num(len(args) + 1, 1, 2, kw)
        if not args:
            return _unhexlify(_hal.rtc_mem_read())
        data = _m._rbytes(args[0])
        if len(data) > _USER_MAX:
            raise ValueError('buffer too long')
        _hal.rtc_mem_write(_hexlify(data).decode())

    def alarm(self, *args, **kw):
        _m._check_num(len(args) + 1, 3, 3, kw)
        if _m._int(args[0]) != 0:
            raise ValueError('invalid alarm')
        _hal.rtc_alarm(_m._int(args[1]))

    def alarm_left(self, *args, **kw):
        _m._check_num(len(args) + 1, 1, 2, kw)
        if args and _m._int(args[0]) != 0:
            raise ValueError('invalid alarm')
        return _hal.rtc_alarm_left()

    def irq(self, *args, **kw):
        trigger, wake = _m._parse(args, kw, (('trigger', 0, True), ('wake', 0, True)))
        trigger = _m._int(trigger)
        wake = _m._int(wake)
        if trigger != 0:
            raise ValueError('invalid alarm')
        _hal.rtc_irq(wake)


_rtc = object.__new__(RTC)


def deepsleep(*args, **kw):
    # never returns: the emulator stops the chip (its RTC timer or RST wakes it)
    _m._check_num(len(args), 0, 1, kw)
    if args:
        _hal.deepsleep('ms', _m._int(args[0]))
    _hal.deepsleep('', 0)


def esp_deepsleep(*args, **kw):
    # modesp.c esp_deepsleep(us=0, option=0): option only selects the RF calibration at wake
    _m._check_num(len(args), 0, 2, kw)
    us = _m._int(args[0]) if args else 0
    if len(args) > 1:
        _m._int(args[1])
    _hal.deepsleep('esp', us)
