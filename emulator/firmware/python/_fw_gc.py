# The `gc` module as the ESP8266 reports it (also importable as `ugc`): the heap is the
# board's 37 952 bytes, and `mem_alloc()` counts what the program really holds (measured by the
# emulator, see emulator/firmware/heap.ts). Collection itself is the interpreter's own.
# Source: py/modgc.c; ports/esp8266/modules/_boot.py sets the threshold to a quarter of the heap.
import gc as _g
import _esp_hal as _hal

_TOTAL = 37952
_threshold = [-1]


def collect():
    # the emulator re-measures the heap when an allocation nears the budget (wasm-heap-patch.ts)
    _g.collect()


def mem_alloc():
    return _hal.heap_used()


def mem_free():
    return _TOTAL - _hal.heap_used()


def enable():
    _g.enable()


def disable():
    _g.disable()


def isenabled():
    return _g.isenabled()


def threshold(*args):
    if not args:
        return _threshold[0]
    n = range(args[0]).stop
    _threshold[0] = -1 if n < 0 else n // 16 * 16
