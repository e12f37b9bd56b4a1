# The `network` module of the esp8266 build, over the emulator's virtual WiFi
# (emulator/net/stack.ts). Behaviour and messages: MP@v1.27.0 ports/esp8266/network_wlan.c,
# modnetwork_globals.h, extmod/modnetwork.c; reference §5.1. Loaded on first import.
import _esp_hal as _hal
import _fw_machine as _m
from json import loads as _loads, dumps as _dumps
from binascii import hexlify as _hexlify, unhexlify as _unhexlify

STA_IF = 0
AP_IF = 1
STAT_IDLE = 0
STAT_CONNECTING = 1
STAT_WRONG_PASSWORD = 2
STAT_NO_AP_FOUND = 3
STAT_CONNECT_FAIL = 4
STAT_GOT_IP = 5
MODE_11B = 1
MODE_11G = 2
MODE_11N = 3
AUTH_OPEN = 0
AUTH_WEP = 1
AUTH_WPA_PSK = 2
AUTH_WPA2_PSK = 3
AUTH_WPA_WPA2_PSK = 4
_state = {'phy': MODE_11N, 'pm': 2, 'country': 'XX'}


_wait = _m._net_wait


def _str(v):
    # mp_obj_str_get_data: str or bytes
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).decode()
    if not isinstance(v, str):
        raise TypeError("can't convert '%s' object to str implicitly" % type(v).__name__)
    return v


def _parse_ip(v):
    # netutils_parse_ipv4_addr
    s = _str(v)
    parts = s.split('.')
    if len(parts) != 4:
        raise ValueError('invalid arguments')
    for p in parts:
        if not p.isdigit() or int(p) > 255:
            raise ValueError('invalid arguments')
    return '.'.join(str(int(p)) for p in parts)


def _mask(bits):
    m = (0xffffffff << (32 - bits)) & 0xffffffff
    return '%d.%d.%d.%d' % (m >> 24, (m >> 16) & 255, (m >> 8) & 255, m & 255)


class WLAN:
    IF_STA = 0
    IF_AP = 1
    SEC_OPEN = 0
    SEC_WEP = 1
    SEC_WPA = 2
    SEC_WPA2 = 3
    SEC_WPA_WPA2 = 4
    PM_NONE = 0
    PM_PERFORMANCE = 2
    PM_POWERSAVE = 1

    def __new__(cls, *args, **kw):
        if kw:
            raise TypeError("function doesn't take keyword arguments")
        if len(args) > 1:
            raise TypeError('function expected at most 1 arguments, got %d' % len(args))
        idx = _m._int(args[0]) if args else 0
        if idx < 0 or idx > 1:
            raise ValueError
        return _WLANS[idx]

    def __init__(self, *args, **kw):
        pass

    def __repr__(self):
        return '<WLAN>'

    def _require(self, i):
        if self._if != i:
            raise OSError('STA required' if i == 0 else 'AP required')

    def active(self, *args):
        if len(args) > 1:
            raise TypeError('function expected at most 2 arguments, got %d' % (len(args) + 1))
        if args:
            _hal.net_active(self._if, 1 if _m._int(args[0]) != 0 else 0)
            return None
        return _hal.net_active(self._if, -1) == 1

    def connect(self, ssid=None, key=None, *, bssid=None):
        self._require(0)
        s = None if ssid is None else _str(ssid)[:32]
        k = None if key is None else _str(key)[:64]
        b = None
        if bssid is not None:
            if isinstance(bssid, str):
                bssid = bssid.encode()
            if len(bssid) != 6:
                raise ValueError
            b = ':'.join('%02x' % x for x in bssid)
        err = _hal.net_connect(s, k, b)
        if err:
            raise OSError(err)
        return None

    def disconnect(self):
        self._require(0)
        _hal.net_disconnect()
        return None

    def status(self, *args):
        if not args:
            return _hal.net_status(self._if)
        p = args[0]
        if p == 'rssi' and self._if == 0:
            return _hal.net_rssi()
        if p == 'stations' and self._if == 1:
            return [(_unhexlify(m), ip) for m, ip in _loads(_hal.net_stations())]
        raise ValueError('unknown status param')

    def scan(self):
        self._require(0)
        if not _hal.net_active(0, -1):
            raise OSError('STA must be active')
        left = _hal.net_scan_time()
        start = _hal.net_now_ms()
        while True:
            gone = (_hal.net_now_ms() - start) * 1000
            if gone >= left:
                break
            _wait(left - gone)
        return [(_unhexlify(s), _unhexlify(b), ch, rssi, auth, hidden)
                for s, b, ch, rssi, auth, hidden in _loads(_hal.net_scan())]

    def isconnected(self):
        if self._if == 0:
            return _hal.net_status(0) == STAT_GOT_IP
        return _hal.net_ap_clients() > 0

    def ifconfig(self, *args):
        if not args:
            return tuple(_loads(_hal.net_ifconfig(self._if, None)))
        cfg = args[0]
        if cfg == 'dhcp':
            self._require(0)
            _hal.net_dhcp()
            return None
        if not isinstance(cfg, (tuple, list)) or len(cfg) != 4:
            raise ValueError('tuple/list has wrong length')
        ip = _parse_ip(cfg[0])
        mask = _mask(cfg[1]) if isinstance(cfg[1], int) else _parse_ip(cfg[1])
        gw = _parse_ip(cfg[2])
        dns = _parse_ip(cfg[3])
        _hal.net_ifconfig(self._if, _dumps([ip, mask, gw, dns]))
        return None

    def ipconfig(self, *args, **kw):
        if not kw:
            if len(args) != 1:
                raise TypeError('must query one param')
            cur = _loads(_hal.net_ifconfig(self._if, None))
            if args[0] == 'dhcp4':
                return self._if == 0 and cur[0] != '0.0.0.0' or self._if == 1
            if args[0] == 'addr4':
                return (cur[0], cur[1])
            if args[0] == 'gw4':
                return cur[2]
            raise ValueError('unexpected key')
        if args:
            raise TypeError("can't specify pos and kw args")
        cur = _loads(_hal.net_ifconfig(self._if, None))
        for k, v in kw.items():
            if k == 'dhcp4' and self._if == 0:
                if v:
                    _hal.net_dhcp()
            elif k == 'addr4':
                if isinstance(v, str):
                    if '/' in v:
                        v, bits = v.split('/')
                        cur[1] = _mask(int(bits))
                    cur[0] = _parse_ip(v)
                else:
                    cur[0], cur[1] = _parse_ip(v[0]), _parse_ip(v[1])
                _hal.net_ifconfig(self._if, _dumps(cur))
            elif k == 'gw4':
                cur[2] = _parse_ip(v)
                _hal.net_ifconfig(self._if, _dumps(cur))
            else:
                raise ValueError('unexpected key')
        return None

    def config(self, *args, **kw):
        if args and kw:
            raise TypeError('either pos or kw args are allowed')
        if kw:
            req = -1
            sets = []
            for k, v in kw.items():
                if k == 'mac':
                    if len(memoryview(v)) != 6:
                        raise ValueError('invalid buffer length')
                elif k in ('ssid', 'essid'):
                    req = 1
                    sets.append(('ssid', _str(v)[:32]))
                elif k == 'hidden':
                    req = 1
                    sets.append(('hidden', bool(v)))
                elif k in ('security', 'authmode'):
                    req = 1
                    sets.append(('security', _m._int(v)))
                elif k in ('key', 'password'):
                    req = 1
                    sets.append(('key', _str(v)[:63]))
                elif k == 'channel':
                    sets.append(('channel', _m._int(v)))
                elif k in ('hostname', 'dhcp_hostname'):
                    hostname(v)
                elif k == 'protocol':
                    _state['phy'] = _m._int(v)
                elif k == 'txpower':
                    float(v)
                elif k == 'pm':
                    _state['pm'] = _m._int(v)
                else:
                    raise ValueError('unknown config param')
            if req >= 0:
                self._require(req)
            for k, v in sets:
                _hal.net_config_set(self._if, k, _dumps(v))
            return None
        if len(args) != 1:
            raise TypeError('can query only one param')
        key = args[0]
        req = -1
        if key == 'mac':
            return _unhexlify(_hal.net_config_get(self._if, 'mac'))
        elif key in ('ssid', 'essid'):
            val = _loads(_hal.net_config_get(self._if, 'ssid'))
        elif key == 'hidden':
            req = 1
            val = _loads(_hal.net_config_get(self._if, 'hidden'))
        elif key in ('security', 'authmode'):
            req = 1
            val = _loads(_hal.net_config_get(self._if, 'security'))
        elif key == 'channel':
            val = _loads(_hal.net_config_get(self._if, 'channel'))
        elif key in ('hostname', 'dhcp_hostname'):
            req = 0
            val = hostname()
        elif key == 'protocol':
            val = _state['phy']
        elif key == 'pm':
            val = _state['pm']
        else:
            raise ValueError('unknown config param')
        if req >= 0:
            self._require(req)
        return val


_WLANS = []
for _i in (0, 1):
    _w = object.__new__(WLAN)
    _w._if = _i
    _WLANS.append(_w)


def hostname(*args):
    if args:
        _hal.net_hostname(_str(args[0]))
        return None
    return _hal.net_hostname(None)


def country(*args):
    if args:
        c = _str(args[0])
        if len(c) != 2:
            raise ValueError
        _state['country'] = c
        return None
    return _state['country']


def phy_mode(*args):
    if args:
        _state['phy'] = _m._int(args[0])
        return None
    return _state['phy']


def ipconfig(*args, **kw):
    if not kw:
        if len(args) != 1:
            raise TypeError('must query one param')
        if args[0] == 'dns':
            return _hal.net_dns(None)
        raise ValueError('unexpected key')
    if args:
        raise TypeError("can't specify pos and kw args")
    for k, v in kw.items():
        if k != 'dns':
            raise ValueError('unexpected key')
        _hal.net_dns(_parse_ip(v))
    return None
