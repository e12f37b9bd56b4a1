# The `sys` module as the esp8266 port shows it (also importable as `usys`).
# Everything not overridden here is the interpreter's own sys (same path list, same modules dict).
# Values: shared/reference/esp8266-micropython-behaviour.md §1.3.
import sys as _s
import _esp_hal as _hal

for _k in dir(_s):
    if not _k.startswith('__'):
        globals()[_k] = getattr(_s, _k)
del _k

platform = 'esp8266'
version = '3.4.0; MicroPython ' + _hal.identity('version')


class _Implementation:
    name = 'micropython'
    version = (1, 27, 0, '')
    _machine = _hal.identity('machine')
    _mpy = 9990

    def __repr__(self):
        return "(name='micropython', version=(1, 27, 0, ''), _machine='%s', _mpy=9990)" % self._machine


implementation = _Implementation()
