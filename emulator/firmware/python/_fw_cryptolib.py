# The `cryptolib` module of the esp8266 build (a C module there, extmod/modcryptolib.c over axTLS's
# AES; `ucryptolib` is its u-alias): aes(key, mode[, IV]) with encrypt(in_buf[, out_buf]) and
# decrypt(in_buf[, out_buf]). Modes 1 (ECB) and 2 (CBC) only: MICROPY_PY_CRYPTOLIB_CTR and
# MICROPY_PY_CRYPTOLIB_CONSTS are 0 in v1.27.0's py/mpconfig.h and the port does not turn them on,
# so mode 6 is ValueError('mode') and there are no MODE_* constants. The cipher runs in the
# emulator (emulator/firmware/aes.ts, FIPS-197); bytes cross the bridge as hex strings.
# Checks and messages in modcryptolib.c's order: mode, key (16 or 32 bytes), IV (16 bytes, needed
# for CBC), data a multiple of 16 ('blksize % 16'), out_buf large enough, and one object either
# encrypts or decrypts ("can't encrypt & decrypt"). CBC chains across calls, as axTLS keeps the IV.
import _esp_hal as _hal
from binascii import hexlify as _hexlify, unhexlify as _unhexlify

_ENC = 1
_DEC = 2


def _buffer(obj):
    # mp_get_buffer_raise: anything with the buffer protocol (str included)
    if isinstance(obj, str):
        return obj.encode()
    try:
        return bytes(memoryview(obj))
    except TypeError:
        raise TypeError('object with buffer protocol required')


class aes:
    def __init__(self, *args, **kw):
        if kw:
            raise TypeError("function doesn't take keyword arguments")
        if len(args) < 2:
            raise TypeError('function missing %d required positional arguments' % (2 - len(args)))
        if len(args) > 3:
            raise TypeError('function expected at most 3 arguments, got %d' % len(args))
        mode = args[1]
        if not isinstance(mode, int):
            raise TypeError("can't convert %s to int" % type(mode).__name__)
        if mode not in (1, 2):
            raise ValueError('mode')
        key = _buffer(args[0])
        if len(key) not in (16, 32):
            raise ValueError('key')
        iv = None
        if len(args) > 2 and args[2] is not None:
            iv = _buffer(args[2])
            if len(iv) != 16:
                raise ValueError('IV')
        elif mode == 2:
            raise ValueError('IV')
        self._key = _hexlify(key).decode()
        self._mode = mode
        self._iv = _hexlify(iv).decode() if iv else ''
        self._use = 0

    def __repr__(self):
        return '<aes>'

    def _run(self, args, use):
        if len(args) < 1:
            raise TypeError('function missing 1 required positional arguments')
        if len(args) > 2:
            raise TypeError('function expected at most 3 arguments, got %d' % (len(args) + 1))
        data = _buffer(args[0])
        if len(data) % 16:
            raise ValueError('blksize % 16')
        out = None
        if len(args) > 1:
            out = args[1]
            try:
                view = memoryview(out)
                view[0:0] = b''
            except TypeError:
                raise TypeError('object with buffer protocol required')
            if len(view) < len(data):
                raise ValueError('output too small')
        if not self._use:
            self._use = use
        elif self._use != use:
            raise ValueError("can't encrypt & decrypt")
        if not data:
            res = b''
        else:
            h = _hal.aes(self._key, self._mode, self._iv, _hexlify(data).decode(), 1 if use == _ENC else 0)
            res = _unhexlify(h)
            if self._mode == 2:  # the next call chains on from the last ciphertext block
                self._iv = _hexlify((res if use == _ENC else data)[-16:]).decode()
        if out is None:
            return res
        view[0:len(res)] = res
        return out

    def encrypt(self, *args):
        return self._run(args, _ENC)

    def decrypt(self, *args):
        return self._run(args, _DEC)
