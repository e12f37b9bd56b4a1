# help() and dir() as the esp8266 build prints them (py/builtinhelp.c, py/modbuiltins.c,
# ports/esp8266/help.c). Firmware modules are Python here, so their ROM-table order (help) and
# qstr order (dir) are recorded: emulator/firmware/fidelity/v1.27-surface.md §1, §2, §4.5, §5, §6, §7, §15, §16.

import _esp_hal as _hal

_HELP_TEXT = """Welcome to MicroPython!

For online docs please visit http://docs.micropython.org/

For diagnostic information to include in bug reports execute 'import port_diag'.

Basic WiFi configuration:

import network
sta_if = network.WLAN(network.WLAN.IF_STA); sta_if.active(True)
sta_if.scan()                             # Scan for available access points
sta_if.connect("<AP_name>", "<key>") # Connect to an AP
sta_if.isconnected()                      # Check for successful connection
# Change name/password of ESP8266's AP:
ap_if = network.WLAN(network.WLAN.IF_AP)
ap_if.config(ssid="<AP_NAME>", security=network.AUTH_WPA_WPA2_PSK, key="<key>")

Control commands:
  CTRL-A        -- on a blank line, enter raw REPL mode
  CTRL-B        -- on a blank line, enter normal REPL mode
  CTRL-C        -- interrupt a running program
  CTRL-D        -- on a blank line, do a soft reset of the board
  CTRL-E        -- on a blank line, enter paste mode

For further help on a specific object, type help(obj)
"""

_MODULES = (
    '__main__ _asyncio _boot _espnow _onewire _webrepl apa102 array asyncio/__init__ asyncio/core '
    'asyncio/event asyncio/funcs asyncio/lock asyncio/stream binascii btree builtins collections '
    'cryptolib deflate dht ds18x20 errno esp espnow flashbdev framebuf gc hashlib heapq inisetup io '
    'json lwip machine math micropython mip/__init__ neopixel network ntptime onewire os platform '
    'port_diag random re requests/__init__ select socket ssd1306 ssl struct sys time tls uasyncio '
    'uctypes umqtt/robust umqtt/simple upysh urequests vfs webrepl webrepl_setup websocket'
).split()


# frozen only by the 2 MiB+ build's manifest (boards/ESP8266_GENERIC/manifest_2MiB.py): the
# FLASH_1M variant uses the port manifest alone (mpconfigvariant_FLASH_1M.mk)
_ONLY_2M = ('asyncio/', 'uasyncio', 'ssd1306', 'upysh', 'umqtt/')


def _modules_text():
    # mp_help_print_modules: 4 columns of 18, filled column by column
    names = sorted(_MODULES)
    if '(1M)' in _hal.identity('machine'):
        names = [n for n in names if not n.startswith(_ONLY_2M)]
    rows = (len(names) + 3) // 4
    lines = []
    for r in range(rows):
        line = ''
        for c in range(4):
            i = c * rows + r
            if i >= len(names):
                break
            name = names[i]
            if c < 3 and i + rows < len(names):
                line += name + ' ' * (18 - len(name) if len(name) < 18 else 1)
            else:
                line += name
        lines.append(line)
    return '\n'.join(lines) + '\nPlus any modules on the filesystem\n'


# name -> (ROM table order for help(), dir() order)
_ORDERS = {}


def register(obj, table, dir_order):
    _ORDERS[id(obj)] = (obj, table, dir_order)


_INSTANCES = []


def register_instances(cls, dir_order):
    _INSTANCES.append((cls, dir_order))


def dir_of(obj):
    e = _entry(obj)
    return e[2] if e else ()


def _entry(obj):
    e = _ORDERS.get(id(obj))
    return e if e is not None and e[0] is obj else None


def _instance_dir(obj):
    for cls, order in _INSTANCES:
        if type(obj) is cls:
            return order
    return None


def _value_str(v):
    t = type(v).__name__
    if t in ('function', 'bound_method', 'closure'):
        return '<function>'
    return str(v)


_missing = object()
_real_help = [None]


def help(*args):
    # a module-level function, not a closure: print(help) must not reach itself through a cell
    if not args:
        print(_HELP_TEXT, end='')
        return
    obj = args[0]
    if obj is help:  # a built-in function on the board (py/builtinhelp.c)
        print('object <function> is of type function')
        return
    if type(obj) is str and obj == 'modules':
        print(_modules_text(), end='')
        return
    e = _entry(obj)
    if e is None:
        return _real_help[0](obj)
    print('object %s is of type %s' % (obj, type(obj).__name__))
    for name in e[1]:
        v = getattr(obj, name, _missing)
        if v is not _missing:
            print('  %s -- %s' % (name, _value_str(v)))


def make_help(real_help):
    _real_help[0] = real_help
    return help


def make_dir(real_dir):
    def dir(*args):
        if not args:
            return real_dir()
        e = _entry(args[0])
        if e is None:
            order = _instance_dir(args[0])
            if order is not None:
                return list(order)
            # '<module>' is where the wasm patch keeps compile for the firmware (wasm-surface-patch.ts)
            return [n for n in real_dir(args[0]) if n[:1] != '<']
        return [n for n in e[2] if n in ('__class__', '__dict__', '__bases__') or hasattr(args[0], n)]

    return dir
