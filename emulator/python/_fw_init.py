# Runs once in every fresh interpreter, before the banner: installs the firmware modules under
# their ESP8266 names and hides what the real board does not have (the WebAssembly build's `js`,
# `jsffi`, `pyscript`, and our own internals), so `import js` fails as on the board.
import sys
import builtins
import _esp_hal
import _fw_time
import _fw_machine
import _fw_sys
import _fw_gc
import _fw_micropython

_FIRMWARE = {
    'time': _fw_time, 'utime': _fw_time,
    'machine': _fw_machine, 'umachine': _fw_machine,
    'sys': _fw_sys, 'usys': _fw_sys,
    'gc': _fw_gc, 'ugc': _fw_gc,
    'micropython': _fw_micropython,
}
for _name in ('time', 'machine', 'sys', 'gc', 'micropython'):
    _m = _FIRMWARE[_name]
    setattr(_m, '__name__', _name)
    try:
        delattr(_m, '__file__')
    except AttributeError:
        pass
_HIDDEN = ('js', 'jsffi', 'pyscript', '_esp_hal', '_fw_time', '_fw_machine', '_fw_sys', '_fw_init', '_fw_gc', '_fw_micropython')
_PRIVATE = {'_fw_machine': _fw_machine, '_fw_time': _fw_time}
for _name in _HIDDEN:
    if _name in sys.modules:
        del sys.modules[_name]
_real_import = builtins.__import__


def __import__(name, globals=None, locals=None, fromlist=(), level=0):
    if level == -7:  # the firmware reaching its own modules (never used by programs)
        return _PRIVATE[name]
    if level == 0:
        m = _FIRMWARE.get(name)
        if m is not None:
            return m
        if name.split('.')[0] in _HIDDEN:
            raise ImportError("no module named '%s'" % name)
    return _real_import(name, globals, locals, fromlist, level)


builtins.__import__ = __import__
_readline = _esp_hal.readline


def input(prompt=None):
    # The WebAssembly build's input() spins forever; read UART0 as the firmware's readline does.
    if prompt is not None:
        print(prompt, end='')
    line = _readline()
    if line is None:
        raise KeyboardInterrupt
    if line is False:
        raise EOFError
    return line


builtins.input = input
sys.path[:] = ['', '.frozen', '/lib']
_fw_gc.threshold(37952 // 4)  # _boot.py: gc.threshold((gc.mem_free() + gc.mem_alloc()) // 4)
