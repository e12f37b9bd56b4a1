# What the firmware runs before the REPL on every boot (ports/esp8266/main.c mp_reset(), v1.27.0):
# the frozen _boot.py (mount the filesystem, or first-time setup), then boot.py, then main.py
# if boot.py did not fail and the REPL is in friendly mode (reference §3.1, §3.2, §3.6).
# Scripts run in the REPL's globals, as pyexec_file does, so the REPL sees what they define.
import sys
import io
import gc
import micropython
import _esp_hal as _hal

_INTERNAL = ('  File "_fw_', '  File "<stdin>"', '  File "/_fw')


def _print_exception(e):
    # pyexec's traceback, without the frames of this runner (an exception raised outside any
    # frame of the script, as pyexec's own mp_handle_pending raises a Ctrl-C, has no Traceback line)
    buf = io.StringIO()
    sys.print_exception(e, buf)
    lines = [l for l in buf.getvalue().split('\n')[:-1] if not l.startswith(_INTERNAL)]
    if len(lines) == 2 and lines[0].startswith('Traceback'):
        lines = lines[1:]
    for line in lines:
        print(line)


# The board's time for a script's work that the emulator does in no time, in µs: an import of
# an extensible built-in searches sys.path on the flash first (py/builtinimport.c
# process_import_at_level: <name>, <name>.py and <name>.mpy in '', '/lib' and '/', nine littlefs
# stats of about 0.3 ms each), and gc.collect() sweeps the 38 KB heap (about 1 ms). Estimates.
_SEARCH_US = 3000
_GC_US = 1000
_EXTENSIBLE = ('array', 'binascii', 'collections', 'cryptolib', 'errno', 'hashlib', 'heapq', 'io', 'json',
               'machine', 'os', 'platform', 'random', 're', 'select', 'socket', 'struct', 'time', 'websocket')
# the non-extensible built-ins (found without a search)
_BUILTIN = ('builtins', 'esp', 'gc', 'micropython', 'network', 'sys', 'vfs')


def _extensible(top):
    return top in _EXTENSIBLE or (top[:1] == 'u' and top[1:] in _EXTENSIBLE)


def _builtin(name):
    top = name.split('.')[0]
    return _extensible(top) or top in _BUILTIN


def _exec_timed(code, g):
    # runs the script and returns the board time (µs) of its imports and collections
    import builtins
    cost = [0]
    real_import = importer  # builtins.__import__ reads back the interpreter's own, not _fw_init's
    fw_gc = __import__('_fw_gc', None, None, (), -7)
    real_collect = fw_gc.collect

    def counted(name, args):
        top = name.split('.')[0]
        if top not in sys.modules and _extensible(top):
            cost[0] += _SEARCH_US
        return real_import(name, *args)

    def imp(name, *args):
        # a built-in's import is C code on the board, where a Ctrl-C stays pending until the
        # script's next branch: one that lands in our Python import code is put back as pending
        try:
            return counted(name, args)
        except KeyboardInterrupt:
            if not _builtin(name):
                raise
        m = counted(name, args)
        _hal.kbd_schedule()
        return m

    def collect():
        cost[0] += _GC_US
        real_collect()

    builtins.__import__ = imp
    fw_gc.collect = collect
    try:
        # parse_compile_execute: Ctrl-C interrupts the script once it is compiled (and not this
        # runner's own code: none of it runs between here and the script)
        micropython.kbd_intr(3)
        exec(code, g)
    finally:
        builtins.__import__ = real_import
        fw_gc.collect = real_collect
    return cost[0]


def run_file(name, g):
    # pyexec_file_if_exists(): 1 when the file is absent or ran, 0 after an exception,
    # 2 (forced exit) after SystemExit
    try:
        with open(name) as f:
            src = f.read()
    except OSError:
        return 1
    try:
        code = compile(src, name, 'exec')
        src = None
        # what came during the compile waits in the UART's buffer as a plain byte
        _hal.uart_any()
        us = _exec_timed(code, g)
        # the board's time for the script's imports and collections passes while Ctrl-C can still
        # land: pyexec raises a Ctrl-C that came meanwhile once the script is done (mp_handle_pending)
        if us:
            __import__('_fw_time', None, None, (), -7)._wait(us)
    except SystemExit:
        return 2
    except BaseException as e:
        _print_exception(e)
        return 0
    finally:
        micropython.kbd_intr(-1)
    return 1


def _frozen_boot(fw):
    # _boot.py: the GC threshold, then the filesystem at "/" (first boot: inisetup.setup())
    gc.threshold(37952 // 4)
    if not _hal.identity('vfs'):
        return  # the 512 KB build has no filesystem
    fb = fw('_fw_flashbdev')
    sys.modules['flashbdev'] = fb  # _boot.py's `from flashbdev import bdev`
    bdev = fb.bdev
    if not bdev:
        return
    try:
        fw('_fw_vfs').mount(bdev, '/')
    except:
        try:
            ini = fw('_fw_inisetup')
            sys.modules['inisetup'] = ini
            ini.setup()
        except KeyboardInterrupt:
            # Ctrl-C in the "looks corrupt" loop (frames of the v1.27.0 frozen sources)
            print('Traceback (most recent call last):\n  File "_boot.py", line 13, in <module>\n'
                  '  File "inisetup.py", line 48, in setup\n  File "inisetup.py", line 24, in check_bootsec\n'
                  '  File "inisetup.py", line 44, in fs_corrupted\nKeyboardInterrupt: ')
    gc.collect()


def frozen():
    # the frozen _boot.py, run by pyexec_frozen_module (what escapes it is printed)
    try:
        _frozen_boot(lambda name: __import__(name, None, None, (), -7))
    except BaseException as e:
        _print_exception(e)


def scripts(friendly, g):
    # boot.py, then main.py; g: the REPL's globals (__main__), where pyexec runs them
    try:
        if run_file('boot.py', g) and friendly:
            run_file('main.py', g)
    finally:
        on_done()


# set by _fw_init: the import hook it installs as builtins.__import__
importer = None


def on_done():
    # replaced by _fw_init: the boot scripts have finished
    pass
