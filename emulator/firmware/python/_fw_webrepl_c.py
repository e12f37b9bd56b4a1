# The `_webrepl` module of the esp8266 build (a C module there: MP@v1.27.0 extmod/modwebrepl.c),
# written for the emulator from its behaviour. webrepl.py (emulator/firmware/python/_fw_webrepl.py)
# sets the password with password(); the lab's laptop client reaches the board's WebREPL at the
# message level (emulator/net/webrepl.ts), which checks the password set here.
#
# password(pw): a str or bytes of at most 9 characters, else ValueError (kept until a hard reset).
# _webrepl(ws) wraps a websocket (any stream): it sends "Password: " at once; read() takes the
# client's line up to Enter (at most 10 characters kept), then sends "\r\nWebREPL connected\r\n>>> "
# or "\r\nAccess denied\r\n" (and reads as the end of the stream). Until then write() is swallowed.
# Connected, bytes of text frames pass through (the REPL's input, as dupterm reads them); binary
# frames carry the file protocol: an 82-byte request "WA", op (1 put, 2 get, 3 version), flags,
# offset (8), size (4), name length (2), name (64), little-endian; answers "WB" + a 16-bit status in
# a binary frame. Put: the file is created and the size's bytes written; get: chunks of up to 256
# bytes, each after a 2-byte length, until an empty one, as the client acknowledges each; version:
# the release's three numbers (1, 27, 0 for v1.27.0).
import _fw_args as _a

_pw = ['']
_HDR = 82


def password(pw):
    if type(pw) not in (str, bytes):
        raise TypeError("can't convert '%s' object to str implicitly" % type(pw).__name__)
    if len(pw) > 9:
        raise ValueError()
    _pw[0] = pw if type(pw) is str else pw.decode()
    return None


def _password():
    return _pw[0]


def _opts(ws, op=None):
    # the websocket's data opcode: read (ioctl 8) or set (ioctl 9), as write_webrepl does
    try:
        return ws.ioctl(8 if op is None else 9, 0 if op is None else op)
    except (AttributeError, OSError):
        return 1


class _webrepl:
    def __init__(self, *args, **kw):
        _a._check_num(len(args), 1, 2, kw)
        s = args[0]
        if not (hasattr(s, 'readinto') or hasattr(s, 'read')) or not hasattr(s, 'write'):
            raise OSError('stream operation not supported')
        self._s = s
        self._authed = False
        self._typed = ''
        self._hdr = b''
        self._op = None  # the file operation under way: (op, name, bytes left), and its file
        self._f = None
        s.write(b'Password: ')

    def __repr__(self):
        return '<_webrepl>'

    def _bin(self, data):
        old = _opts(self._s, 2)
        try:
            self._s.write(data)
        finally:
            _opts(self._s, old)

    def _resp(self, code):
        self._bin(b'WB' + bytes((code & 0xFF, code >> 8)))

    def _get_chunk(self):
        data = self._f.read(256) or b''
        self._bin(bytes((len(data) & 0xFF, len(data) >> 8)) + data)
        return len(data)

    def _done(self):
        self._f.close()
        self._f = None
        self._op = None
        self._resp(0)

    def _byte(self):
        # _webrepl_read for one byte: the byte for the REPL, None when the stream has none now,
        # b'' at its end, or False when the byte was the protocol's (read on)
        c = self._s.read(1)
        if not c:
            return c
        if not self._authed:
            if c in (b'\r', b'\n'):
                if self._typed != _pw[0]:
                    self._s.write(b'\r\nAccess denied\r\n')
                    return b''
                self._authed = True
                self._typed = ''
                self._s.write(b'\r\nWebREPL connected\r\n>>> ')
            elif len(self._typed) < 10:
                self._typed += chr(c[0])
            return False
        if _opts(self._s) == 1:  # a text frame: the REPL's input
            return c
        if self._op is None:
            self._hdr += c
            while len(self._hdr) < _HDR:
                more = self._s.read(_HDR - len(self._hdr))
                if not more:
                    return False
                self._hdr += more
            self._start(self._hdr)
            self._hdr = b''
            return False
        op, left = self._op
        if op == 1:
            data = c
            if left > 1:
                data += self._s.read(min(511, left - 1)) or b''
            self._f.write(data)
            left -= len(data)
            self._op = (op, left)
            if left == 0:
                self._done()
        elif op == 2:
            if self._get_chunk() == 0:
                self._done()
        return False

    def _start(self, h):
        op = h[2]
        size = h[12] | (h[13] << 8) | (h[14] << 16) | (h[15] << 24)
        n = h[16] | (h[17] << 8)
        name = bytes(h[18:18 + min(n, 64)]).split(b'\0')[0].decode()
        if op == 3:
            import sys
            self._bin(bytes(sys.implementation.version[:3]))  # MICROPY_VERSION_MAJOR, _MINOR, _MICRO
            return
        self._f = open(name, 'wb' if op == 1 else 'rb')
        self._resp(0)
        if op == 1:
            self._op = (1, size)
            if size == 0:
                self._done()
        elif op == 2:
            self._op = (2, 1)

    def read(self, n=-1):
        out = b''
        while n is None or n < 0 or len(out) < n:
            c = self._byte()
            if c is False:
                continue
            if c is None:
                return out or None
            if not c:
                break
            out += c
        return out

    def readinto(self, buf, n=-1):
        mv = memoryview(buf)
        got = self.read(len(mv) if n < 0 else min(n, len(mv)))
        if got is None:
            return None
        mv[:len(got)] = got
        return len(got)

    def write(self, *args):
        _a._check_num(len(args) + 1, 2, 4, None)
        data = _a._rbytes(args[0])
        if not self._authed:  # nothing goes out until the password is right
            return len(data)
        return self._s.write(data)

    def ioctl(self, req, arg=0):
        if _a._int(req) == 4:  # MP_STREAM_CLOSE
            self._s.close()
            return 0
        raise OSError(22)

    def close(self):
        self._s.close()


try:  # help() and dir() as for the C module (ROM table order; qstr order, fidelity §4.5)
    import _fw_help
    _fw_help.register(__import__('_fw_webrepl_c'), ('__name__', '_webrepl', 'password'),
                      ('__class__', '__name__', '__dict__', '_webrepl', 'password'))
    _fw_help.register_instances(_webrepl, ('__class__', 'close', 'read', 'readinto', 'write'))
except ImportError:
    pass
