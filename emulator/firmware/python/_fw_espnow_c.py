# The `_espnow` module of the esp8266 build (a C module there: MP@v1.27.0 ports/esp8266/modespnow.c),
# written for the emulator from its behaviour and docs/library/espnow.rst. The radio, the receive
# buffer and the world's ESP-NOW devices are the emulator's (emulator/net/espnow.ts).
#
# ESPNowBase() is one object for all: every instance shares the driver. active([flag]) starts or
# stops ESP-NOW and gives whether it runs; config(*, rxbuf, timeout_ms) sets the next buffer size
# and recvinto()'s default timeout (300 000 ms) and gives None (no getting on the ESP8266);
# recvinto(data[, timeout_ms]) fills data = [bytearray(6), bytearray(250)] with the sender and the
# message (the message bytearray shrinks to its length) and gives the length, or 0 after the
# timeout (None: the default; < 0: wait for ever); send(mac, msg[, sync=True]) gives True, or with
# sync False when the peer did not acknowledge; set_pmk(key), add_peer(mac[, lmk[, channel]]),
# del_peer(mac) (which never fails). Checks as modespnow.c: not started: OSError 869
# (ESP_ERR_ESPNOW_NOT_INIT, for recvinto and send); a MAC not 6 bytes, a key not 16: ValueError
# 'invalid buffer length'; no buffer: TypeError; keyword arguments: TypeError; recvinto without a
# list of two: ValueError('ESPNow.recvinto(): Invalid argument') (v1.28.0: a bare TypeError for a
# non-list, ValueError for a short one, mp_obj_list_ensure); the SDK's refusals
# (no interface active, more than 250 bytes, too many peers, not started): OSError -1 [UNV].
# There is no get_peer(s), peers_table, irq, stats or mod_peer on the ESP8266. Polling (the stream
# protocol's MP_STREAM_POLL) reports readable while a message waits.
import io as _io
import sys as _sys
import _esp_hal as _hal
import _fw_args as _a
import _fw_machine as _m
from binascii import hexlify as _hx, unhexlify as _uh

MAX_DATA_LEN = 250
ADDR_LEN = 6
KEY_LEN = 16
MAX_TOTAL_PEER_NUM = 20
MAX_ENCRYPT_PEER_NUM = 6

_NOT_INIT = 0x300 + 100 + 1  # ESP_ERR_ESPNOW_NOT_INIT
# v1.28.0 checks recvinto's list with mp_obj_list_ensure: a bare TypeError / ValueError
_LIST_ENSURE = tuple(_sys.implementation.version[:2]) >= (1, 28)
_timeout = [5 * 60 * 1000]
_caps = []  # bytearrays recvinto shrank, and their full size (a bytearray's len + free in C)


def _bytes_len(obj, n):
    b = _a._rbytes(obj)
    if len(b) != n:
        raise ValueError('invalid buffer length')
    return b


def _check(r):
    if r:
        raise OSError(r)


def _initialised():
    if not _hal.net_espnow_active(-1):
        raise OSError(_NOT_INIT)


def _capacity(buf):
    for b, cap in _caps:
        if b is buf:
            return cap
    return len(buf)


def _wbuf(obj, n, size=None):
    # _get_bytes_len_w: a writable buffer of exactly n bytes
    if type(obj) in (bytes, str):
        raise TypeError('object with buffer protocol required')
    try:
        mv = memoryview(obj)
    except TypeError:
        raise TypeError('object with buffer protocol required')
    if (len(mv) if size is None else size) != n:
        raise ValueError('invalid buffer length')
    return mv


class ESPNowBase(_io.IOBase):  # a stream type (its ioctl) so that select.poll() can ask it
    def __init__(self, *args, **kw):
        pass  # espnow_make_new gives the one driver, whatever the arguments

    def active(self, *args, **kw):
        _a._check_num(len(args) + 1, 1, 2, kw)
        if args:
            _hal.net_espnow_active(1 if args[0] else 0)
        return bool(_hal.net_espnow_active(-1))

    def config(self, *args, **kw):
        rxbuf, timeout_ms = (_a._int(x) for x in _a._parse(args, kw, (('rxbuf', -1, True), ('timeout_ms', -1, True))))
        if rxbuf >= 0:
            _hal.net_espnow_rxbuf(rxbuf)
        if timeout_ms >= 0:
            _timeout[0] = timeout_ms
        return None

    def recvinto(self, *args, **kw):
        _a._check_num(len(args) + 1, 2, 3, kw)
        _initialised()
        data = args[0]
        timeout = _timeout[0] if len(args) < 2 or args[1] is None else _a._int(args[1])
        if type(data) is not list or len(data) < 2:
            if _LIST_ENSURE:
                raise ValueError() if type(data) is list else TypeError()
            raise ValueError('ESPNow.recvinto(): Invalid argument')
        msg = data[1]
        peer = _wbuf(data[0], ADDR_LEN)
        size = _capacity(msg) if type(msg) is bytearray else None
        if type(msg) is bytearray and size > len(msg):
            msg.extend(bytes(size - len(msg)))  # all of its space, as the C code makes it
        _wbuf(msg, MAX_DATA_LEN, size)
        start = _hal.net_now_ms()
        while True:
            r = _hal.net_espnow_recv()
            if r is not None:
                break
            if timeout >= 0:
                left = timeout - (_hal.net_now_ms() - start)
                if left <= 0:
                    return 0
                _m._net_wait(min(left, 1000) * 1000)
            else:
                _m._net_wait(-1)
        raw = _uh(r)
        peer[:] = raw[:ADDR_LEN]
        body = raw[ADDR_LEN:]
        mv = memoryview(msg)
        mv[:len(body)] = body
        if type(msg) is bytearray:
            # the bytearray's length becomes the message's (its space stays for the next call)
            for i, (b, cap) in enumerate(_caps):
                if b is msg:
                    break
            else:
                if len(_caps) >= 4:
                    _caps.pop(0)
                _caps.append((msg, len(msg)))
            msg[len(body):] = b''
        return len(body)

    def send(self, *args, **kw):
        _a._check_num(len(args) + 1, 3, 4, kw)
        _initialised()
        sync = len(args) < 3 or args[2] is None or bool(args[2])
        msg = _a._rbytes(args[1])
        mac = _bytes_len(args[0], ADDR_LEN)
        if sync:
            _wait_pending()
        token = _hal.net_espnow_send(_hx(mac).decode(), _hx(msg).decode())
        _check(token if token < 0 else 0)
        _pending.append(token)
        if not sync:
            return True
        return _wait_pending()

    def set_pmk(self, key):
        _bytes_len(key, KEY_LEN)
        _check(_hal.net_espnow_pmk())
        return None

    def add_peer(self, *args, **kw):
        _a._check_num(len(args) + 1, 2, 4, kw)
        mac = _bytes_len(args[0], ADDR_LEN)
        channel = _a._int(args[2]) if len(args) > 2 else 0
        encrypted = len(args) > 1 and _bytes_len(args[1], KEY_LEN) is not None
        _check(_hal.net_espnow_add_peer(_hx(mac).decode(), 1 if encrypted else 0, channel))
        return None

    def del_peer(self, mac):
        _hal.net_espnow_del_peer(_hx(_bytes_len(mac, ADDR_LEN)).decode())
        return None

    def ioctl(self, req, arg):
        # espnow_stream_ioctl: MP_STREAM_POLL only (select.poll, ESPNow.any)
        if req != 3:
            raise OSError(22)
        if not _hal.net_espnow_active(-1):
            return 0
        return arg ^ (1 if _hal.net_espnow_avail() == 0 else 0)


_pending = []  # sends whose acknowledgement has not come (the driver's tx_packets - tx_responses)


def _wait_pending():
    # _wait_for_pending_responses: at most 100 ms; True unless one of them failed
    ok = True
    start = _hal.net_now_ms()
    while _pending:
        r = _hal.net_espnow_result(_pending[0])
        if r is None:
            if _hal.net_now_ms() - start >= 100:
                _pending.clear()
                break
            _m._net_wait(1000)
            continue
        _pending.pop(0)
        ok = ok and r == 1
    return ok


try:  # help() and dir() as for the C module (ROM table order; qstr order, fidelity §4.5)
    import _fw_help
    _fw_help.register(__import__('_fw_espnow_c'),
                      ('__name__', 'ESPNowBase', 'MAX_DATA_LEN', 'ADDR_LEN', 'KEY_LEN', 'MAX_TOTAL_PEER_NUM', 'MAX_ENCRYPT_PEER_NUM'),
                      ('__class__', '__name__', 'ADDR_LEN', 'ESPNowBase', 'KEY_LEN', 'MAX_DATA_LEN', 'MAX_ENCRYPT_PEER_NUM',
                       'MAX_TOTAL_PEER_NUM', '__dict__'))
except ImportError:
    pass
