# Runs once in every fresh interpreter, before the banner: installs the firmware modules under
# their ESP8266 names and hides what the real board does not have (the WebAssembly build's `js`,
# `jsffi`, `pyscript`, and our own internals), so `import js` fails as on the board.
import sys
import builtins
import _esp_hal
import _fw_args
import _fw_time
import _fw_machine
import _fw_rtc
import _fw_sys
import _fw_gc
import _fw_micropython
import _fw_os
import _fw_help
import _fw_math
import _fw_vfs
import _fw_flashbdev
import _fw_boot

# compile is not in the esp8266 build's builtins (MICROPY_PY_BUILTINS_COMPILE 0); the wasm patch
# (wasm-surface-patch.ts) keeps it under a name no program can write, for boot.py and main.py
_fw_boot.compile = getattr(builtins, '<module>', None) or getattr(builtins, 'compile')

_FIRMWARE = {
    'time': _fw_time, 'utime': _fw_time,
    'machine': _fw_machine, 'umachine': _fw_machine,
    'sys': _fw_sys, 'usys': _fw_sys,
    'gc': _fw_gc,
    'micropython': _fw_micropython,
    'os': _fw_os, 'uos': _fw_os,
}
if hasattr(_fw_math._m, 'tau'):  # the interpreter's math has the constants: not patched (wasm-surface-patch.ts)
    _FIRMWARE['math'] = _fw_math
if _esp_hal.identity('vfs'):  # the 512 KB build has no filesystem modules
    _FIRMWARE['vfs'] = _fw_vfs
    _FIRMWARE['flashbdev'] = _fw_flashbdev
    for _k in ('mount', 'umount', 'VfsLfs2', 'VfsFat'):
        setattr(_fw_os, _k, getattr(_fw_vfs, _k))


def _publish(m, name):
    setattr(m, '__name__', name)
    try:
        delattr(m, '__file__')
    except AttributeError:
        pass
    return m


for _name in ('time', 'machine', 'sys', 'gc', 'micropython', 'os', 'math', 'vfs', 'flashbdev'):
    if _name in _FIRMWARE:
        _publish(_FIRMWARE[_name], _name)
_HIDDEN = ('js', 'jsffi', 'pyscript', '_esp_hal', '_fw_time', '_fw_machine', '_fw_sys', '_fw_init', '_fw_gc', '_fw_micropython',
           '_fw_os', '_fw_help', '_fw_math', '_fw_esp', '_fw_buses', '_fw_vfs', '_fw_flashbdev', '_fw_boot',
           '_fw_inisetup', '_fw_rtc', '_fw_args',
           # in the WebAssembly build but not in the esp8266 one (emulator/firmware/fidelity/v1.27-surface.md §3)
           'cmath', 'os.path', 'collections.defaultdict',
           # u-names the esp8266 build does not alias (§3.3)
           'ugc', 'umath', 'umicropython', 'ubtree', 'uframebuf', 'udeflate', 'utls', 'uvfs', 'unetwork', 'uesp',
           'ulwip', 'ussl', 'uzlib', 'ubuiltins', 'ucmath', 'ujs', 'ujsffi')
# the WebAssembly build's frozen Python modules the esp8266 build does not have: hidden, but a
# program's own file of that name (run-tests installs unittest in /lib) imports from the filesystem
_WASM_ONLY = ('abc', 'base64', 'copy', 'datetime', 'fnmatch', 'functools', 'gzip', 'hmac', 'html', 'inspect',
              'itertools', 'locale', 'logging', 'operator', 'pathlib', 'stat', 'string', 'tarfile', 'types',
              'unittest', 'uu', 'zlib',
              # the v1.28.0 wasm build's weakref (MICROPY_PY_WEAKREF, on in its pyscript variant only):
              # not in the esp8266 build of v1.28.0 either (fidelity/v1.28-changes.md)
              'weakref')
_HIDDEN += _WASM_ONLY
if not _esp_hal.identity('vfs'):
    _HIDDEN += ('vfs', 'flashbdev', 'inisetup')
_PRIVATE = {'_fw_machine': _fw_machine, '_fw_time': _fw_time, '_fw_help': _fw_help, '_fw_sys': _fw_sys,
            '_fw_gc': _fw_gc, '_fw_os': _fw_os, '_esp_hal': _esp_hal, '_fw_vfs': _fw_vfs,
            '_fw_flashbdev': _fw_flashbdev, '_fw_boot': _fw_boot, '_fw_rtc': _fw_rtc, '_fw_args': _fw_args}
# firmware modules compiled on first use: name -> public name (or None)
_LAZY = {'_fw_esp': 'esp', '_fw_buses': None, '_fw_inisetup': 'inisetup'}
# the virtual network's modules (emulator/net/): socket is lwip (modlwip.c registers both names)
_LAZY.update({'_fw_network': 'network', '_fw_socket': 'lwip', '_fw_ntptime': 'ntptime', '_fw_requests': 'requests',
              '_fw_urequests': 'urequests', '_fw_tls': 'tls', '_fw_ssl': 'ssl', '_fw_umqtt': 'umqtt.simple',
              '_fw_webrepl': 'webrepl', '_fw_webrepl_setup': 'webrepl_setup',
              '_fw_upysh': 'upysh', '_fw_umqtt_robust': 'umqtt.robust', '_fw_cryptolib': 'cryptolib'})
_NET = {'network': '_fw_network', 'socket': '_fw_socket', 'usocket': '_fw_socket', 'lwip': '_fw_socket',
        'ntptime': '_fw_ntptime', 'requests': '_fw_requests', 'urequests': '_fw_urequests',
        'tls': '_fw_tls', 'ssl': '_fw_ssl', 'umqtt.simple': '_fw_umqtt', 'umqtt': '_fw_umqtt',
        'webrepl': '_fw_webrepl', 'webrepl_setup': '_fw_webrepl_setup'}
_NET_FROZEN = ('ntptime', 'requests', 'urequests', 'ssl', 'webrepl', 'upysh')  # frozen Python modules: they go in sys.modules
if '(1M)' not in _esp_hal.identity('machine'):  # frozen by manifest_2MiB.py only (the FLASH_1M build has neither)
    _NET.update({'upysh': '_fw_upysh', 'umqtt.robust': '_fw_umqtt_robust'})
if '(512K)' not in _esp_hal.identity('machine'):  # mpconfigboard.h: MICROPY_PY_CRYPTOLIB 0 for 512K
    _NET.update({'cryptolib': '_fw_cryptolib', 'ucryptolib': '_fw_cryptolib'})
_HIDDEN += ('_fw_network', '_fw_socket', '_fw_ntptime', '_fw_requests', '_fw_urequests', '_fw_tls', '_fw_ssl',
            '_fw_umqtt', '_fw_webrepl', '_fw_webrepl_setup', '_fw_upysh', '_fw_umqtt_robust',
            '_fw_cryptolib')
# the rest of the 4 MB build's modules (emulator/firmware/fidelity/v1.27-surface.md §20): import name
# -> our module. C modules (btree, _espnow, websocket, _webrepl) are not in sys.modules; websocket is
# extensible (uwebsocket is always it; a file websocket.py comes first); the frozen ones (espnow, mip,
# port_diag) go in sys.modules, and a file of their name in the current directory comes first
_MORE = {'websocket': '_fw_websocket', 'uwebsocket': '_fw_websocket', '_webrepl': '_fw_webrepl_c',
         'port_diag': '_fw_port_diag'}
if '(512K)' not in _esp_hal.identity('machine'):  # MICROPY_PY_BTREE/ESPNOW and bundle-networking: not on 512K
    _MORE.update({'btree': '_fw_btree', '_espnow': '_fw_espnow_c', 'espnow': '_fw_espnow', 'mip': '_fw_mip'})
if '(512K)' not in _esp_hal.identity('machine') and '(1M)' not in _esp_hal.identity('machine'):
    # frozen by manifest_2MiB.py only, over the C _asyncio (our _fw_asyncio.py, not the wasm's own)
    _MORE.update({'asyncio': '_fw_asyncio', 'uasyncio': '_fw_uasyncio'})
else:  # the wasm build's asyncio (it needs `js`) stays hidden; a file asyncio.py imports
    _WASM_ONLY += ('asyncio', 'uasyncio')
    _HIDDEN += ('asyncio', 'uasyncio')
if '(512K)' in _esp_hal.identity('machine'):  # mpconfigboard.h: MICROPY_PY_ASYNCIO 0 for 512K
    _HIDDEN += ('_asyncio',)
_MORE_FROZEN = ('espnow', 'mip', 'port_diag', 'asyncio', 'uasyncio')
_LAZY.update({'_fw_btree': None, '_fw_espnow_c': None, '_fw_espnow': None, '_fw_websocket': None, '_fw_webrepl_c': None,
              '_fw_mip': None, '_fw_port_diag': None, '_fw_asyncio': None, '_fw_uasyncio': None})
_HIDDEN += ('_fw_btree', '_fw_espnow_c', '_fw_espnow', '_fw_websocket', '_fw_webrepl_c', '_fw_mip', '_fw_port_diag',
            '_fw_asyncio', '_fw_uasyncio')
# the wasm build freezes micropython-lib's io, collections and binascii (its pyscript manifest
# requires them; binascii comes with base64): they extend the C modules (`from uio import *`,
# io.SEEK_SET, collections.defaultdict, a Python a2b_base64 raising Exception('Incorrect padding'))
# and, the C ones being extensible, are found first on sys.path's '.frozen'. The esp8266 build
# freezes none of them (ports/esp8266/boards/manifest.py): `import io` is the C module, not in
# sys.modules (run-tests extmod/binascii_a2b_base64.py)
_C_EXTENDED = ('io', 'collections', 'binascii')
_posix = _fw_vfs._c
_loading = [0]
for _name in _HIDDEN:
    if _name in sys.modules:
        del sys.modules[_name]
_real_import = builtins.__import__


def _lazy(modname):
    # compiles a firmware module on first use, from a file the emulator stages for the moment
    m = _PRIVATE.get(modname)
    if m is not None:
        return m
    if modname in sys.modules:  # being imported right now (it imports itself)
        return sys.modules[modname]
    _esp_hal.fw_stage(modname)
    sys.path.insert(0, '/_fw')
    # the interpreter's own files, seen at /_fw for this import only (the board's filesystem is at /)
    try:
        _posix.mount(_posix.VfsPosix('/_fw'), '/_fw')
    except OSError:
        pass
    _loading[0] += 1
    try:
        m = _real_import(modname)
    finally:
        _loading[0] -= 1
        try:
            _posix.umount('/_fw')
        except OSError:
            pass
        sys.path.remove('/_fw')
        _esp_hal.fw_unstage(modname)
        if modname in sys.modules:
            del sys.modules[modname]
    _PRIVATE[modname] = m
    public = _LAZY.get(modname)
    if public:
        _FIRMWARE[public] = _publish(m, public)
    return m


def _on_fs(top):
    # a module or package of that name in one of sys.path's filesystem entries
    for p in sys.path:
        if p == '.frozen':
            continue
        for suffix in ('.py', '.mpy', ''):
            try:
                _fw_os.stat((p + '/' if p and p[-1] != '/' else p) + top + suffix)
                return True
            except OSError:
                pass
    return False


def _fs_import(name, globals, locals, fromlist):
    # the filesystem before the interpreter's frozen modules, for this import only
    saved = sys.path[:]
    sys.path[:] = [p for p in saved if p != '.frozen'] + ['.frozen']
    try:
        return _real_import(name, globals, locals, fromlist, 0)
    finally:
        sys.path[:] = saved


def _before_frozen(top):
    # a file of that name in a sys.path entry ahead of '.frozen' (the current directory '')
    for p in sys.path:
        if p == '.frozen':
            return False
        for suffix in ('.py', '.mpy', ''):
            try:
                _fw_os.stat((p + '/' if p and p[-1] != '/' else p) + top + suffix)
                return True
            except OSError:
                pass
    return False


def _import_more(name, globals, locals, fromlist):
    frozen = name in _MORE_FROZEN
    if frozen and name in sys.modules:
        return sys.modules[name]
    # an extensible module's file comes first; its u-alias is resolved before the filesystem (§3.3)
    if (frozen and _before_frozen(name)) or (name == 'websocket' and _on_fs(name)):
        return _fs_import(name, globals, locals, fromlist)
    m = _lazy(_MORE[name])
    public = 'websocket' if name == 'uwebsocket' else name
    if m.__name__ != public:
        _publish(m, public)
    if frozen:
        sys.modules[name] = m
        if name == 'port_diag':  # it prints its report when imported
            m.main()
    return m


def __import__(name, globals=None, locals=None, fromlist=(), level=0):
    if level == -7:  # the firmware reaching its own modules (never used by programs)
        return _PRIVATE[name] if name in _PRIVATE else _lazy(name)
    if level == 0:
        if _loading[0]:  # a firmware module being compiled imports its siblings
            if name in _PRIVATE:
                return _PRIVATE[name]
            if name in _LAZY:
                return _lazy(name)
        m = _FIRMWARE.get(name)
        if m is not None:
            if m is _fw_machine and _buses_pending[0]:
                if _booting[0]:
                    # boot.py's `import machine` must not cost the bus classes' compile at every
                    # boot: they load when first used (or at the first import at the prompt)
                    _fw_machine.__getattr__ = _machine_getattr
                else:
                    _load_buses()
            return m
        if name in _NET:
            if name == 'cryptolib' and _on_fs(name):  # an extensible built-in: a file of its name comes first
                return _fs_import(name, globals, locals, fromlist)
            if name == 'webrepl_setup' and 'webrepl_setup' in sys.modules:
                return sys.modules[name]
            m = _lazy(_NET[name])
            if name in _NET_FROZEN:
                sys.modules[name] = m
            if name == 'webrepl_setup':  # runs on import, once, as the frozen one does
                sys.modules[name] = m
                m.main()
            if name in ('cryptolib', 'ucryptolib') and not _fw_help.dir_of(m):  # a C module's globals only
                _fw_help.register(m, ('__name__', 'aes'), ('__class__', '__name__', '__dict__', 'aes'))
            if m is _PRIVATE.get('_fw_umqtt'):
                m.simple = m  # `import umqtt.simple` gives the package, which has `simple`
                if fromlist and 'robust' in fromlist and 'umqtt.robust' in _NET:  # from umqtt import robust
                    m.robust = _lazy('_fw_umqtt_robust')
            if name == 'umqtt.robust':  # `import umqtt.robust` gives the package, which then has `robust`
                pkg = _lazy('_fw_umqtt')
                pkg.simple = pkg
                pkg.robust = m
                return m if fromlist else pkg
            return m
        if name in _MORE:
            return _import_more(name, globals, locals, fromlist)
        if name[:8] == 'asyncio.' and 'asyncio' in _MORE:  # the frozen package's parts: asyncio.core …
            pkg = _import_more('asyncio', globals, locals, fromlist)
            if not hasattr(pkg, '_submodule'):  # a file asyncio.py or package came first
                return _fs_import(name, globals, locals, fromlist)
            sub = pkg._submodule(name[8:])
            return sub if fromlist else pkg
        if name in _C_EXTENDED:
            if _on_fs(name):  # an extensible built-in: a file of its name comes first
                return _fs_import(name, globals, locals, fromlist)
            return _real_import('u' + name, globals, locals, fromlist, 0)  # the C module itself
        if name == 'esp':
            return _lazy('_fw_esp')
        if name == 'inisetup' and 'vfs' in _FIRMWARE:
            return _lazy('_fw_inisetup')
        if name in _HIDDEN or name.split('.')[0] in _HIDDEN:
            if name.split('.')[0] in _WASM_ONLY and _on_fs(name.split('.')[0]):
                return _fs_import(name, globals, locals, fromlist)
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
_pow = builtins.pow


def pow(a, b, *c):
    # MICROPY_PY_BUILTINS_POW3 0 on the esp8266 build (py/modbuiltins.c mp_builtin_pow)
    if c:
        if len(c) > 1:
            raise TypeError('function expected at most 3 arguments, got %d' % (2 + len(c)))
        raise NotImplementedError('3-arg pow() not supported')
    return _pow(a, b)


builtins.pow = pow

# help() and dir() in the firmware's words and orders
_R = _fw_help.register
_R(_fw_machine, ('__name__', 'mem8', 'mem16', 'mem32', 'unique_id', 'soft_reset', 'reset', 'reset_cause', 'idle', 'freq',
                 'lightsleep', 'deepsleep', 'disable_irq', 'enable_irq', 'bitstream', 'dht_readinto', 'time_pulse_us',
                 'Signal', 'SoftI2C', 'SoftSPI', 'ADC', 'PWM', 'SPI', 'UART', 'WDT', 'sleep', 'RTC', 'Timer', 'Pin', 'PWM',
                 'I2C', 'DEEPSLEEP', 'PWRON_RESET', 'HARD_RESET', 'DEEPSLEEP_RESET', 'WDT_RESET', 'SOFT_RESET'),
   ('__class__', '__name__', 'ADC', 'DEEPSLEEP', 'DEEPSLEEP_RESET', 'HARD_RESET', 'I2C', 'PWM', 'PWRON_RESET', 'Pin',
    'RTC', 'SOFT_RESET', 'SPI', 'Signal', 'SoftI2C', 'SoftSPI', 'Timer', 'UART', 'WDT', 'WDT_RESET', '__dict__',
    'bitstream', 'deepsleep', 'dht_readinto', 'disable_irq', 'enable_irq', 'freq', 'idle', 'lightsleep', 'mem16',
    'mem32', 'mem8', 'reset', 'reset_cause', 'sleep', 'soft_reset', 'time_pulse_us', 'unique_id'))
_R(_fw_machine.Pin, ('init', 'value', 'off', 'on', 'toggle', 'irq', 'IN', 'OUT', 'OPEN_DRAIN', 'PULL_UP', 'IRQ_RISING', 'IRQ_FALLING'),
   ('__class__', '__name__', 'value', 'IN', 'IRQ_FALLING', 'IRQ_RISING', 'OPEN_DRAIN', 'OUT', 'PULL_UP', '__bases__',
    '__dict__', 'init', 'irq', 'off', 'on', 'toggle'))
_R(_fw_time, ('__name__', 'gmtime', 'localtime', 'mktime', 'time', 'time_ns', 'sleep', 'sleep_ms', 'sleep_us',
              'ticks_ms', 'ticks_us', 'ticks_cpu', 'ticks_add', 'ticks_diff'),
   ('__class__', '__name__', '__dict__', 'gmtime', 'localtime', 'mktime', 'sleep', 'sleep_ms', 'sleep_us',
    'ticks_add', 'ticks_cpu', 'ticks_diff', 'ticks_ms', 'ticks_us', 'time', 'time_ns'))
_R(_fw_gc, ('__name__', 'collect', 'disable', 'enable', 'isenabled', 'mem_free', 'mem_alloc', 'threshold'),
   ('__class__', '__name__', '__dict__', 'collect', 'disable', 'enable', 'isenabled', 'mem_alloc', 'mem_free', 'threshold'))
_R(_fw_os, ('__name__', 'sync', 'uname', 'urandom', 'sep', 'chdir', 'getcwd', 'listdir', 'mkdir', 'remove', 'rename',
            'rmdir', 'unlink', 'stat', 'statvfs', 'dupterm', 'dupterm_notify', 'ilistdir', 'mount', 'umount', 'VfsFat', 'VfsLfs2'),
   ('__class__', '__name__', 'remove', 'sep', 'VfsFat', 'VfsLfs2', '__dict__', 'chdir', 'dupterm', 'dupterm_notify',
    'getcwd', 'ilistdir', 'listdir', 'mkdir', 'mount', 'rename', 'rmdir', 'stat', 'statvfs', 'sync', 'umount', 'uname',
    'unlink', 'urandom'))
_R(_fw_sys, ('__name__', 'path', 'argv', 'version', 'version_info', 'implementation', 'platform', 'byteorder', 'maxsize',
             'exit', 'stdin', 'stdout', 'stderr', 'modules', 'print_exception'),
   ('__class__', '__name__', '__dict__', 'argv', 'byteorder', 'exit', 'implementation', 'maxsize', 'modules', 'path',
    'platform', 'print_exception', 'stderr', 'stdin', 'stdout', 'version', 'version_info'))
_R(_fw_micropython, ('__name__', 'const', 'opt_level', 'mem_info', 'qstr_info', 'stack_use', 'heap_lock', 'heap_unlock',
                     'alloc_emergency_exception_buf', 'kbd_intr', 'schedule', 'RingIO'),
   ('__class__', '__name__', 'const', 'RingIO', '__dict__', 'alloc_emergency_exception_buf', 'heap_lock', 'heap_unlock',
    'kbd_intr', 'mem_info', 'opt_level', 'qstr_info', 'schedule', 'stack_use'))
_R(_fw_machine.Signal, ('value', 'on', 'off'), ('__class__', '__name__', 'value', '__bases__', '__dict__', 'off', 'on'))
_R(_fw_machine.ADC, ('read', 'read_u16'), ('__class__', '__name__', 'read', '__bases__', '__dict__', 'read_u16'))
_R(_fw_machine.PWM, ('init', 'deinit', 'freq', 'duty', 'duty_u16', 'duty_ns'),
   ('__class__', '__name__', '__bases__', '__dict__', 'deinit', 'duty', 'duty_ns', 'duty_u16', 'freq', 'init'))
_R(_fw_machine.Timer, ('init', 'deinit', 'ONE_SHOT', 'PERIODIC'),
   ('__class__', '__name__', 'ONE_SHOT', 'PERIODIC', '__bases__', '__dict__', 'deinit', 'init'))
# machine.RTC: emulator/firmware/fidelity/v1.27-surface.md §12.3 (help in machine_rtc.c's table order)
_R(_fw_rtc.RTC, ('datetime', 'memory', 'alarm', 'alarm_left', 'irq', 'ALARM0'),
   ('__class__', '__name__', 'ALARM0', '__bases__', '__dict__', 'alarm', 'alarm_left', 'datetime', 'irq', 'memory'))
_fw_help.register_instances(_fw_rtc.RTC, ('__class__', 'ALARM0', 'alarm', 'alarm_left', 'datetime', 'irq', 'memory'))
_fw_help.register_instances(_fw_machine.Pin, ('__class__', 'value', 'IN', 'IRQ_FALLING', 'IRQ_RISING', 'OPEN_DRAIN', 'OUT',
                                             'PULL_UP', 'init', 'irq', 'off', 'on', 'toggle'))
_fw_help.register_instances(_fw_machine._PinIRQ, ('__class__', 'trigger'))
for _cls in (_fw_machine.Signal, _fw_machine.ADC, _fw_machine.PWM, _fw_machine.Timer):
    _fw_help.register_instances(_cls, tuple(n for n in _fw_help.dir_of(_cls) if n not in ('__name__', '__bases__', '__dict__')))
_buses_pending = [True]
_BUSES = ('UART', 'I2C', 'SoftI2C', 'SPI', 'SoftSPI', 'WDT')
_booting = [True]


def _load_buses():
    _buses_pending[0] = False
    b = _lazy('_fw_buses')
    for n in _BUSES:
        setattr(_fw_machine, n, getattr(b, n))
    try:
        del _fw_machine.__getattr__
    except AttributeError:
        pass


def _machine_getattr(name):
    if name in _BUSES and _buses_pending[0]:
        _load_buses()
        return getattr(_fw_machine, name)
    raise AttributeError("module 'machine' has no attribute '%s'" % name)


def _boot_done():
    _booting[0] = False


_fw_boot.on_done = _boot_done
_fw_boot.importer = __import__
builtins.help = _fw_help.make_help(builtins.help)
builtins.dir = _fw_help.make_dir(builtins.dir)
sys.path[:] = ['', '.frozen', '/lib', '/']
_fw_gc.threshold(37952 // 4)  # _boot.py: gc.threshold((gc.mem_free() + gc.mem_alloc()) // 4)
# The interpreter's host filesystem is not the board's; the modules its own Python helpers loaded
# (io, binascii …) are not in the board's sys.modules. Done before the heap's baseline is measured.
try:
    _posix.umount('/')
except OSError:
    pass
sys.modules.clear()
# sys is a built-in module on the board: `sys.x = 1` raises AttributeError (py/objmodule.c stores
# nothing in a fixed map). Its dict is made fixed when the boot starts (the firmware call needs the
# interpreter the emulator has by then), before _boot.py, boot.py and main.py.
_frozen = _fw_boot.frozen


def _boot_frozen(*args):
    _esp_hal.dict_fix(id(_fw_sys.__dict__))
    return _frozen(*args)


_fw_boot.frozen = _boot_frozen
