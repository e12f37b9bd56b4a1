# The `sys` module as the esp8266 port shows it (also importable as `usys`).
# Everything not overridden here is the interpreter's own sys (same path list, same modules dict).
# Values: shared/reference/esp8266-micropython-behaviour.md §1.3.
import sys as _s
import _esp_hal as _hal

# only what the esp8266 build has (v1.27-surface §4.3): no ps1/ps2, getsizeof, atexit, settrace…
for _k in ('exit', 'print_exception', 'stdout', 'stderr', 'modules', 'path'):
    globals()[_k] = getattr(_s, _k)
del _k
from _fw_stdio import stdin  # blocking reads from UART0, as the port's stdio does

platform = 'esp8266'
version_info = (3, 4, 0)
byteorder = 'little'
maxsize = 2147483647
argv = []
version = '3.4.0; MicroPython ' + _hal.identity('version')


class _Implementation:
    name = 'micropython'
    version = tuple(int(_x) for _x in _hal.identity('release').split('.')) + ('',)  # (1, 28, 0, '') on v1.28.0
    _machine = _hal.identity('machine')
    _mpy = 9990  # mpy v6.3, xtensa: 6 | ((3 | 9 << 2) << 8)
    _build = 'ESP8266_GENERIC'  # since v1.25.0

    def __getitem__(self, i):
        return (self.name, self.version, self._machine, self._mpy, self._build)[i]

    def __len__(self):
        return 5

    def __repr__(self):
        return "(name='micropython', version=%r, _machine='%s', _mpy=9990, _build='ESP8266_GENERIC')" % (self.version, self._machine)


implementation = _Implementation()
