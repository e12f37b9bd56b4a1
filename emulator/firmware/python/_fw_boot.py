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
    # pyexec's traceback, without the frames of this runner
    buf = io.StringIO()
    sys.print_exception(e, buf)
    for line in buf.getvalue().split('\n')[:-1]:
        if not line.startswith(_INTERNAL):
            print(line)


def run_file(name, g):
    # pyexec_file_if_exists(): 1 when the file is absent or ran, 0 after an exception,
    # 2 (forced exit) after SystemExit
    try:
        with open(name) as f:
            src = f.read()
    except OSError:
        return 1
    micropython.kbd_intr(3)  # parse_compile_execute: Ctrl-C interrupts the script
    try:
        code = compile(src, name, 'exec')
        src = None
        exec(code, g)
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


def on_done():
    # replaced by _fw_init: the boot scripts have finished
    pass
