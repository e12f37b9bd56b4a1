# The `machine` module of the virtual ESP-07 (also importable as `umachine`).
# Pins act on the board model through the emulator (_esp_hal). Argument handling and error
# messages reproduce the esp8266 port's C code: ports/esp8266/machine_pin.c (pin table,
# pin_set/pin_get, init helper) and py/argcheck.c (mp_arg_parse_all, mp_arg_check_num).
import _esp_hal as _hal
from _fw_args import _REQUIRED, _int, _parse, _check_num, _rbytes  # also used as _m._int … by the other modules

_pin_config = _hal.pin_config
_pin_write = _hal.pin_write
_pin_read = _hal.pin_read
_pin_toggle = _hal.pin_toggle
_next_event = _hal.next_event
_enter = _hal.fw_enter  # realistic speed: a firmware call's host time is not ESP8266 time
_VALID = (0, 1, 2, 3, 4, 5, 9, 10, 12, 13, 14, 15, 16)
_ABSENT = object()
_pins = {}


_INIT_SPEC = (('mode', _REQUIRED, False), ('pull', None, False), ('value', _ABSENT, True))
_IRQ_SPEC = (('handler', None, False), ('trigger', 3, False), ('hard', False, False))
_handlers = {}
_triggers = {}
_irqs = {}
_timers = {}
_irq_state = [1]  # enable_irq/disable_irq


def _read(n):
    v = _pin_read(n)
    if v > 1:  # a callback is due: run it, as the firmware's scheduler would
        _service()
        v &= 1
    return v


def _call_protected(fn, arg):
    # mp_call_function_1_protected: an exception in a callback is printed, then ignored
    try:
        fn(arg)
    except BaseException as e:
        import sys
        sys.print_exception(e)


def _call_hard(fn, arg):
    # machine_timer.c, hard=True: the callback runs in the SDK timer with the GC locked, so
    # allocating raises MemoryError (heap is locked); an exception is printed with its own line
    import micropython
    micropython.heap_lock()
    try:
        fn(arg)
    except BaseException as e:
        micropython.heap_unlock()  # printing needs the heap
        print('uncaught exception in timer callback')
        import sys
        sys.print_exception(e)
        return
    micropython.heap_unlock()


def _net_wait(us):
    # a network call blocks in virtual time: Ctrl-C interrupts it, callbacks run meanwhile
    r = _hal.net_wait(us)
    if r == 1:
        raise KeyboardInterrupt
    if r == 2:
        _service()


def _service():
    if not _irq_state[0]:
        return
    while True:
        e = _next_event()
        if e < 0:
            return
        if e >= 1000:
            t = _timers.get(e - 1000)
            if t is not None:
                if not t._periodic:
                    _timers.pop(e - 1000, None)
                if t._hard:
                    _call_hard(t._callback, t)
                else:
                    _call_protected(t._callback, t)
        else:
            h = _handlers.get(e)
            if h is not None:
                _call_protected(h, Pin(e))


class _PinIRQ:
    def __init__(self, n):
        self._n = n

    def __call__(self):
        h = _handlers.get(self._n)
        if h is not None:
            h(Pin(self._n))

    def trigger(self, *args):
        # returns the previous trigger; with an argument, sets a new one (machine_pin.c pin_irq_trigger)
        _check_num(len(args) + 1, 1, 2, {})
        old = _triggers.get(self._n, 0)
        if args:
            _triggers[self._n] = _int(args[0])
            _hal.irq_config(self._n, _triggers[self._n] if self._n in _handlers else 0)
        return old

    def __repr__(self):
        return '<IRQ>'


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
        if self._id in (1, 3):
            _hal.pin_function(self._id)  # PIN_FUNC_SELECT: the pad leaves UART0
        _pin_config(self._id, mode, pull & 1, value)

    # value() and __call__ take no keyword arguments (a keyword gives the interpreter's
    # "unexpected keyword argument" rather than the firmware's "function doesn't take keyword
    # arguments"): no **kw keeps these hot calls cheap for the realistic-speed clock.
    def value(self, *args):
        _enter()
        if args:
            if len(args) > 1:
                _check_num(len(args) + 1, 1, 2, None)
            _pin_write(self._id, 1 if args[0] else 0)
            return None
        return _read(self._id)

    def __call__(self, *args):
        _enter()
        if args:
            if len(args) > 1:
                _check_num(len(args), 0, 1, None)
            _pin_write(self._id, 1 if args[0] else 0)
            return None
        return _read(self._id)

    def irq(self, *args, **kw):
        handler, trigger, hard = _parse(args, kw, _IRQ_SPEC)
        trigger = _int(trigger)
        if self._id >= 16:
            raise OSError('pin does not have IRQ capabilities')
        if hard:
            raise ValueError('hard IRQ not supported')
        if args or kw:
            if handler is None:
                _handlers.pop(self._id, None)
                _triggers[self._id] = 0
                _hal.irq_config(self._id, 0)
            else:
                _handlers[self._id] = handler
                _triggers[self._id] = trigger
                _hal.irq_config(self._id, trigger)
        irq = _irqs.get(self._id)
        if irq is None:
            irq = _irqs[self._id] = _PinIRQ(self._id)
        return irq

    def on(self):
        _enter()
        _pin_write(self._id, 1)

    def off(self):
        _enter()
        _pin_write(self._id, 0)

    def toggle(self):
        _enter()
        _pin_toggle(self._id)

    def __repr__(self):
        return 'Pin(%d)' % self._id


class Signal:
    # extmod/machine_signal.c (v1.27-surface §8)
    def __init__(self, *args, **kw):
        if args and isinstance(args[0], (Pin, Signal)):
            if len(args) != 1 or len(kw) > 1 or (kw and 'invert' not in kw):
                raise TypeError('')
            self._pin = args[0]
            self._inv = 1 if kw.get('invert', False) else 0
            return
        invert = kw.pop('invert', False)
        if invert and 'value' in kw:
            kw['value'] = not kw['value']
        self._pin = Pin(*args, **kw)
        self._inv = 1 if invert else 0

    def value(self, *args, **kw):
        _check_num(len(args) + 1, 1, 2, kw)
        if args:
            self._pin.value((1 if args[0] else 0) ^ self._inv)
            return None
        return self._pin.value() ^ self._inv

    def __call__(self, *args, **kw):
        _check_num(len(args), 0, 1, kw)
        if args:
            self._pin.value((1 if args[0] else 0) ^ self._inv)
            return None
        return self._pin.value() ^ self._inv

    def on(self):
        self._pin.value(1 ^ self._inv)

    def off(self):
        self._pin.value(0 ^ self._inv)

    def __repr__(self):
        return '<Signal>'


_adcs = {}


class ADC:
    # ports/esp8266/machine_adc.c: two static objects, TOUT and VDD33 (v1.27-surface §9)
    def __new__(cls, *args, **kw):
        _check_num(len(args), 1, 1, kw)
        id = _int(args[0])
        if id not in (0, 1):
            raise ValueError('ADC(%d) doesn\'t exist' % id)
        a = _adcs.get(id)
        if a is None:
            a = _adcs[id] = object.__new__(cls)
            a._id = id
        return a

    def __init__(self, *args, **kw):
        pass

    def read(self):
        if self._id == 1:
            return _hal.adc_vdd()  # system_get_vdd33(): 65535 unless the init data enables it
        return _hal.adc_read()

    def read_u16(self):
        return self.read() * 65535 // 1024

    def __repr__(self):
        return 'ADC(%d)' % self._id


_PWM_PINS = (0, 2, 4, 5, 12, 13, 14, 15)
_pwm_inited = [False]


def _u16(v):
    return _int(v) & 0xffff


def _i16(v):
    v = _int(v) & 0xffff
    return v - 0x10000 if v & 0x8000 else v


def _clamp_freq(v):
    # esppwm.c pwm_set_freq(uint16 freq): truncated to 16 bits, then clamped to 1..1000
    f = _u16(v)
    return 1000 if f > 1000 else (1 if f < 1 else f)


def _clamp_duty(v):
    # esppwm.c pwm_set_duty(int16_t duty): truncated to signed 16 bits, then clamped to 0..1023
    d = _i16(v)
    return 0 if d < 1 else (1023 if d >= 1023 else d)


class PWM:
    # ports/esp8266/machine_pwm.c (v1.27-surface §10)
    def __init__(self, *args, **kw):
        if not args:
            raise TypeError('function missing 1 required positional arguments')
        pin = args[0]
        if not isinstance(pin, Pin):
            pin = Pin(pin)
        if pin._id not in _PWM_PINS:
            raise ValueError('PWM not supported on pin %d' % pin._id)
        self._id = pin._id
        self._active = False
        if not _pwm_inited[0]:
            _pwm_inited[0] = True
            _hal.pwm_freq(500, 1)  # pwm_init: 500 Hz
        self.init(*args[1:], **kw)

    def init(self, *args, **kw):
        freq, duty, duty_u16, duty_ns = _parse(args, kw, (('freq', -1, False), ('duty', -1, False), ('duty_u16', -1, False), ('duty_ns', -1, False)))
        self._set_active()
        if freq != -1:
            _hal.pwm_freq(_clamp_freq(freq), 1)
        if duty != -1:
            _hal.pwm_duty(self._id, _clamp_duty(duty), 1)
        if duty_u16 != -1:
            _hal.pwm_duty(self._id, _clamp_duty(_int(duty_u16) * 1000 // 65535), 1)
        if duty_ns != -1:
            _hal.pwm_duty(self._id, _clamp_duty(_int(duty_ns) * _hal.pwm_freq(0, 0) // 1000000), 1)

    def _set_active(self):
        if not self._active:
            _hal.pwm_start(self._id)
            self._active = True

    def deinit(self):
        _hal.pwm_stop(self._id)
        self._active = False

    def freq(self, *args, **kw):
        _check_num(len(args) + 1, 1, 2, kw)
        if args:
            _hal.pwm_freq(_clamp_freq(args[0]), 1)
            return None
        return _hal.pwm_freq(0, 0)

    def duty(self, *args, **kw):
        _check_num(len(args) + 1, 1, 2, kw)
        self._set_active()  # reading re-adds a deinited channel (set_active)
        if args:
            _hal.pwm_duty(self._id, _clamp_duty(args[0]), 1)
            return None
        return _hal.pwm_duty(self._id, 0, 0)

    def duty_u16(self, *args, **kw):
        _check_num(len(args) + 1, 1, 2, kw)
        self._set_active()
        if args:
            _hal.pwm_duty(self._id, _clamp_duty(_int(args[0]) * 1024 // 65535), 1)
            return None
        return _hal.pwm_duty(self._id, 0, 0) * 65535 // 1024

    def duty_ns(self, *args, **kw):
        _check_num(len(args) + 1, 1, 2, kw)
        self._set_active()
        f = _hal.pwm_freq(0, 0)
        if args:
            _hal.pwm_duty(self._id, _clamp_duty(_int(args[0]) * f // 976562), 1)
            return None
        return _hal.pwm_duty(self._id, 0, 0) * 976563 // f

    def __repr__(self):
        if not self._active:
            return 'PWM(%d)' % self._id
        return 'PWM(%d, freq=%d, duty=%d)' % (self._id, _hal.pwm_freq(0, 0), _hal.pwm_duty(self._id, 0, 0))


_timer_ids = [0]


class Timer:
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, *args, **kw):
        _check_num(len(args), 1, 1, kw)  # machine_timer.c make_new: any id, nothing else
        _timer_ids[0] += 1
        self._tid = _timer_ids[0]
        self._callback = None
        self._periodic = True

    def init(self, *args, **kw):
        mode, callback, period, tick_hz, freq, hard = _parse(args, kw, (
            ('mode', 1, True), ('callback', None, True), ('period', 0xffffffff, True),
            ('tick_hz', 1000, True), ('freq', None, True), ('hard', False, True)))
        if freq is not None:
            period_us = 1000000 / freq
        else:
            period_us = _int(period) * 1000000 // _int(tick_hz)
        self._callback = callback
        self._periodic = _int(mode) == 1
        self._hard = bool(hard)
        _timers[self._tid] = self
        _hal.timer_arm(self._tid, max(period_us, 100), 1 if self._periodic else 0)

    def deinit(self):
        _timers.pop(self._tid, None)
        _hal.timer_disarm(self._tid)

    def __repr__(self):
        return 'Timer(%x)' % (0x3fff0000 + 0x20 * self._tid)


def freq(*args, **kw):
    _check_num(len(args), 0, 1, kw)
    if args:
        f = _int(args[0]) // 1000000 * 1000000  # the firmware compares whole MHz
        if f != 80000000 and f != 160000000:
            raise ValueError('frequency can only be either 80Mhz or 160MHz')
        _freq[0] = f
        _hal.set_freq(f // 1000000)
        return None
    return _freq[0]


_freq = [80000000]


def reset():
    _hal.reset()


import sys as _sys
soft_reset = _sys.exit  # the table entry is mp_sys_exit_obj (extmod/modmachine.c)


def lightsleep(*args):
    # ports/esp8266/modmachine.c: waits, servicing events; not a low-power sleep
    if args:
        import time
        time.sleep_ms(args[0])


sleep = lightsleep


def reset_cause():
    return _hal.reset_cause()


class mem:
    # machine.mem8/16/32 (extmod/machine_mem.c): subscript reads and writes of the chip's memory
    def __init__(self, size):
        self._size = size

    def __repr__(self):
        return '<%d-bit memory>' % (8 * self._size)

    def _addr(self, a):
        if type(a) is not int:
            a = range(a).stop  # mp_obj_get_int_truncated: TypeError for floats and strings
        a &= 0xffffffff
        if a & (self._size - 1):
            raise ValueError('address %08x is not aligned to %d bytes' % (a, self._size))
        return a

    def __getitem__(self, a):
        return int(_hal.mem_read(self._addr(a), self._size))

    def __setitem__(self, a, v):
        a = self._addr(a)
        if type(v) is not int:
            v = range(v).stop
        _hal.mem_write(a, self._size, v & 0xffffffff)


mem8 = mem(1)
mem16 = mem(2)
mem32 = mem(4)


def unique_id():
    c = _hal.chip_id()
    return bytes((c & 0xff, (c >> 8) & 0xff, (c >> 16) & 0xff, (c >> 24) & 0xff))


def idle():
    _service()
    import time
    time.sleep_ms(1)


def disable_irq():
    s = _irq_state[0]
    _irq_state[0] = 0
    return s


def enable_irq(state=1):
    _irq_state[0] = 1 if state else 0
    if state:
        _service()


def time_pulse_us(pin, pulse_level, timeout_us=1000000):
    import time
    pulse_level = 1 if pulse_level else 0
    start = time.ticks_us()
    while pin.value() != pulse_level:
        if time.ticks_diff(time.ticks_us(), start) >= timeout_us:
            return -2
        time.sleep_us(50)
    start = time.ticks_us()
    while pin.value() == pulse_level:
        if time.ticks_diff(time.ticks_us(), start) >= timeout_us:
            return -1
        time.sleep_us(50)
    return time.ticks_diff(time.ticks_us(), start)


PWRON_RESET = 0
WDT_RESET = 1
SOFT_RESET = 4
DEEPSLEEP_RESET = 5
HARD_RESET = 6
DEEPSLEEP = 4
__import__('_fw_time')._service = _service  # time's sleeps run the callbacks that come due (binds no name)
from _fw_rtc import RTC, deepsleep  # machine_rtc.c, modmachine.c (emulator/firmware/python/_fw_rtc.py)
# The bus classes (UART, I2C, SoftI2C, SPI, SoftSPI, WDT) are added by _fw_init when `machine`
# is first imported: compiling them at every boot would slow the prompt down.
