# The `micropython` module of the ESP8266 build: the interpreter's own, with mem_info() reporting
# the board's heap (py/modmicropython.c mem_info, py/gc.c gc_dump_info; v1.27.0 stack limit
# 8192 - 64 = 8128, see emulator/firmware/fidelity/v1.27-surface.md §16.3).
import micropython as _m
import _esp_hal as _hal

for _k in dir(_m):
    if not _k.startswith('__') and _k != 'mem_info':
        globals()[_k] = getattr(_m, _k)
del _k

_TOTAL = 37952


def alloc_emergency_exception_buf(size):
    # MICROPY_ENABLE_EMERGENCY_EXCEPTION_BUF with a buffer of 0 bytes: accepted, nothing to do
    return None
_STACK_AT_REPL = 2112  # typical at the ESP8266 REPL (about 2100-2200 on boards; not measurable here)


def mem_info(*args):
    used, n1, n2, maxblk, maxfree = (int(x) for x in _hal.heap_info().split(','))
    print('stack: %d out of 8128' % _STACK_AT_REPL)
    print('GC: total: %d, used: %d, free: %d' % (_TOTAL, used, _TOTAL - used))
    print(' No. of 1-blocks: %d, 2-blocks: %d, max blk sz: %d, max free sz: %d' % (n1, n2, maxblk, maxfree))
