# The `os` module of the esp8266 build (also importable as `uos`): uname, urandom, dupterm, sep.
# File functions come with the board's filesystem (a later emulator part); until then they are
# the interpreter's own. Sources: extmod/modos.c, ports/esp8266/modos.c; values in
# emulator/firmware/fidelity/v1.27-surface.md §5.
import os as _o
import _esp_hal as _hal

for _k in ('chdir', 'getcwd', 'ilistdir', 'listdir', 'mkdir', 'remove', 'rename', 'rmdir', 'stat', 'statvfs', 'sync', 'unlink', 'mount', 'umount'):
    if hasattr(_o, _k):
        globals()[_k] = getattr(_o, _k)
del _k

sep = '/'


# an attrtuple on the board (ports/esp8266/modos.c, py/objattrtuple.c): a tuple with names, printed
# without a type name and usable with %; a namedtuple with an empty name prints the same
from collections import namedtuple as _nt

_uname = _nt('', ('sysname', 'nodename', 'release', 'version', 'machine'))(
    'esp8266', 'esp8266', '2.2.0-dev(9422289)', _hal.identity('version'), _hal.identity('machine'))
del _nt



def uname():
    return _uname


def urandom(n):
    import random
    n = range(n).stop
    if n < 0 and _hal.identity('release') != '1.27.0':  # extmod/modos.c mp_os_urandom since v1.28.0
        raise ValueError
    return bytes(random.getrandbits(8) for _ in range(n))


_dupterm = [None, '<UART0>']


def dupterm(*args):
    if not args or len(args) > 2:
        raise TypeError('function missing 1 required positional arguments' if not args else 'function expected at most 2 arguments, got %d' % len(args))
    idx = range(args[1]).stop if len(args) > 1 else 0
    if idx not in (0, 1):
        raise ValueError('invalid dupterm index')
    prev = _dupterm[idx]
    _dupterm[idx] = args[0]
    if prev == '<UART0>':
        m = __import__('_fw_machine', None, None, (), -7)
        prev = m.UART(0) if hasattr(m, 'UART') else None
    return prev


def dupterm_notify(obj):
    return None
