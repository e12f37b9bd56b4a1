# The `time` module of the virtual ESP-07 (also importable as `utime`).
# Every function reads the board's virtual clock through the emulator (_esp_hal); the
# interpreter's own sleeps would busy-wait and ignore Ctrl-C.
# Behaviour follows MicroPython extmod/modtime.c and docs/library/time.rst; the epoch is
# 2000-01-01 as on the esp8266 port. time(), time_ns(), gmtime() and localtime() read the RTC.
import time as _b
import _esp_hal as _hal
from math import fabs as _fabs

_sleep_us = _hal.sleep_us
ticks_diff = _b.ticks_diff
ticks_add = _b.ticks_add


# Runs the due timer and pin IRQ callbacks: set by _fw_machine when it loads (the scheduler's
# queue is machine's), so this module imports no firmware module back.
_service = None


def _wait(us):
    # 0: done; 1: Ctrl-C; 2: a callback (timer, pin IRQ) is due: run it and sleep on.
    # Past 2**30 µs the count crosses the bridge as a float (exact), not as a small int.
    r = _sleep_us(us if us < 0x40000000 else float(us))
    while r == 2:
        _service()
        r = _sleep_us(-1)
    if r == 1:
        raise KeyboardInterrupt


def sleep(seconds):
    _fabs(seconds)  # the firmware converts with mp_obj_get_float: same TypeError for non-numbers
    ms = int(1000 * seconds)  # mp_hal_delay_ms((mp_uint_t)(1000 * f)): millisecond resolution
    if ms > 0:
        _wait((ms * 1000) & 0xffffffff)  # esp_mphal.c mp_hal_delay_us(delay * 1000): 32 bits


def sleep_ms(ms):
    ms = range(ms).stop  # mp_obj_get_int: the firmware's TypeError for floats and strings
    if ms > 0:
        _wait((ms * 1000) & 0xffffffff)  # mp_hal_delay_ms(uint32 delay): delay * 1000 in 32 bits


def sleep_us(us):
    us = range(us).stop
    if us > 0:
        _wait(us & 0xffffffff)


_enter = _hal.fw_enter


def ticks_ms():
    _enter()
    return _hal.ticks_ms()


def ticks_us():
    _enter()
    return _hal.ticks_us()


def ticks_cpu():
    return _hal.ticks_cpu()


def time():
    # ports/esp8266/modtime.c: the RTC (machine_rtc.c pyb_rtc_get_us_since_epoch, emulator/chip/rtc.ts)
    return int(_hal.rtc_us()) // 1000000


def time_ns():
    return int(_hal.rtc_us()) * 1000  # esp_mphal.c mp_hal_time_ns


_DAYS_BEFORE_MONTH = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)


def _leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def gmtime(secs=None):
    if secs is None:
        secs = time()
    if type(secs) is not int:  # 64-bit timestamps on the port: big ints pass, floats do not
        secs = range(secs).stop
    days, rem = divmod(secs, 86400)
    hh, rem = divmod(rem, 3600)
    mm, ss = divmod(rem, 60)
    wday = (days + 5) % 7  # 2000-01-01 was a Saturday; Monday is 0
    y = 2000
    while True:
        n = 366 if _leap(y) else 365
        if days < 0:
            y -= 1
            days += 366 if _leap(y) else 365
        elif days >= n:
            days -= n
            y += 1
        else:
            break
    yday = days + 1
    m = 1
    while m < 12:
        start = _DAYS_BEFORE_MONTH[m] + (1 if m >= 2 and _leap(y) else 0)
        if days < start:
            break
        m += 1
    mday = days - _DAYS_BEFORE_MONTH[m - 1] - (1 if m > 2 and _leap(y) else 0) + 1
    return (y, m, mday, hh, mm, ss, wday, yday)


localtime = gmtime


def mktime(t):
    if len(t) not in (8, 9):
        raise TypeError('mktime needs a tuple of length 8 or 9')
    y, mo, d, hh, mm, ss = t[0], t[1], t[2], t[3], t[4], t[5]
    y += (mo - 1) // 12
    mo = (mo - 1) % 12 + 1
    days = 0
    if y >= 2000:
        for yy in range(2000, y):
            days += 366 if _leap(yy) else 365
    else:
        for yy in range(y, 2000):
            days -= 366 if _leap(yy) else 365
    days += _DAYS_BEFORE_MONTH[mo - 1] + (1 if mo > 2 and _leap(y) else 0) + d - 1
    return ((days * 24 + hh) * 60 + mm) * 60 + ss
