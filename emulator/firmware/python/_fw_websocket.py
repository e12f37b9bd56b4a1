# The `websocket` module of the esp8266 build (a C module there: MP@v1.27.0 extmod/modwebsocket.c;
# extensible, so `uwebsocket` is the same module and a file named websocket.py comes first),
# written for the emulator from the module's behaviour and RFC 6455's framing.
#
# websocket(sock, is_client=False) wraps any stream: read()/readinto()/readline() give the payload
# of the frames that arrive, unmasked (a mask is XORed off, fragments run on into one another,
# ping and pong frames are skipped, a close frame is answered with 88 00 and reads as the end of
# the stream). write() sends one frame (FIN set, the opcode of the current data option, text at
# first; no mask: the module is a server's side, and is_client=True only makes each write switch
# the socket to blocking for its duration). A 64-bit payload length cannot be read: the stream is
# closed and OSError EIO raised. A frame of 64 KB or more cannot be written: ENOBUFS.
# ioctl(8) gives the opcode of the last data frame read, ioctl(9, op) sets the opcode of writes and
# gives the previous one; any other request (4, close, aside) is EINVAL, polling included. close()
# closes the stream underneath. Prints as <websocket> (a C type without a print slot).
# With no complete frame header yet on a non-blocking stream, read() gives None (EAGAIN).
import io as _io
import _fw_args as _a

_EAGAIN = 11
_EIO = 5
_EINVAL = 22
_ENOBUFS = 105
_HEADER = 0
_OPT = 1
_PAYLOAD = 2
_CONTROL = 3
_TXT = 1
_CLOSE = 8
_BLOCKING_WRITE = 0x80


class _Again(Exception):
    pass


def _raw_read(s, n):
    # one read of the stream underneath: bytes (b'' at its end), or _Again when it has none now
    buf = bytearray(n)
    try:
        r = s.readinto(buf)
    except OSError as e:
        if e.errno == _EAGAIN:
            raise _Again()
        raise
    if r is None:
        raise _Again()
    return bytes(buf[:r])


def _write_all(s, data):
    mv = memoryview(data)
    done = 0
    while done < len(data):
        r = s.write(mv[done:])
        if r is None:
            raise OSError(_EAGAIN)
        if r == 0:
            break
        done += r
    return done


class websocket(_io.IOBase):
    def __init__(self, *args, **kw):
        _a._check_num(len(args), 1, 2, kw)
        sock = args[0]
        if not (isinstance(sock, _io.IOBase) or hasattr(sock, 'readinto') and hasattr(sock, 'write')):
            raise OSError('stream operation not supported')
        self._s = sock
        self._state = _HEADER
        self._want = 2
        self._buf = b''
        self._mask = b'\0\0\0\0'
        self._mpos = 0
        self._size = 0
        self._opts = _TXT | (_BLOCKING_WRITE if len(args) > 1 and args[1] is True else 0)
        self._flags = 0  # the last data frame's first byte (ioctl 8)
        self._last = 0  # the current frame's first byte

    def _read1(self, size):
        # websocket_read: up to size payload bytes; b'' at the end; _Again when nothing is there yet
        while True:
            if self._want:
                got = _raw_read(self._s, self._want)
                if not got:
                    return b''
                self._buf += got
                self._want -= len(got)
                if self._want:
                    raise _Again()
            if self._state == _HEADER:
                b0, b1 = self._buf[0], self._buf[1]
                self._last = b0
                if b0 & 0x0F == 0:  # a continuation keeps the data frame's opcode
                    self._flags = (self._flags & 0x0F) | (b0 & 0xF0)
                else:
                    self._flags = b0
                self._mask = b'\0\0\0\0'
                n = b1 & 0x7F
                want = 0
                if n == 126:
                    want = 2
                elif n == 127:
                    self._s.close()
                    raise OSError(_EIO)
                if b1 & 0x80:
                    want += 4
                self._buf = b''
                self._want = want
                self._size = n
                if want:
                    self._state = _OPT
                else:
                    self._state = _CONTROL if b0 & 0x0F >= _CLOSE else _PAYLOAD
                continue
            if self._state == _OPT:
                if len(self._buf) & 2:
                    self._size = (self._buf[0] << 8) | self._buf[1]
                if len(self._buf) & 4:
                    self._mask = self._buf[-4:]
                self._buf = b''
                self._state = _CONTROL if self._last & 0x0F >= _CLOSE else _PAYLOAD
                continue
            out = b''
            if self._size:
                out = _raw_read(self._s, min(size, self._size))
                if not out:
                    return b''
                m = self._mask
                k = self._mpos
                out = bytes(c ^ m[(k + i) & 3] for i, c in enumerate(out))
                self._mpos = k + len(out)
                self._size -= len(out)
            if self._size == 0:
                was = self._state
                self._state = _HEADER
                self._want = 2
                self._mpos = 0
                self._buf = b''
                if was == _CONTROL:
                    if self._last & 0x0F == _CLOSE:
                        self._frame(b'\x88\x00', b'')
                        return b''
                    continue  # ping and pong: nothing to read
            if out:
                return out

    def read(self, n=-1):
        # mp_stream_read: until n bytes, the end, or (non-blocking) nothing more for now
        n = -1 if n is None else _a._int(n)
        out = b''
        while n < 0 or len(out) < n:
            try:
                got = self._read1(256 if n < 0 else n - len(out))
            except _Again:
                if out:
                    return out
                return None
            if not got:
                break
            out += got
        return out

    def readinto(self, buf, n=-1):
        mv = memoryview(buf)
        want = len(mv) if n < 0 else min(_a._int(n), len(mv))
        got = self.read(want)
        if got is None:
            return None
        mv[:len(got)] = got
        return len(got)

    def readline(self, limit=-1):
        out = b''
        while limit < 0 or len(out) < limit:
            c = self.read(1)
            if not c:
                break
            out += c
            if c == b'\n':
                break
        return out

    def _frame(self, header, payload):
        blocking = self._opts & _BLOCKING_WRITE
        if blocking:
            self._s.setblocking(True)
        try:
            _write_all(self._s, header)
            return _write_all(self._s, payload)
        finally:
            if blocking:
                self._s.setblocking(False)

    def write(self, *args, **kw):
        _a._check_num(len(args) + 1, 2, 4, kw)
        data = _a._rbytes(args[0])
        if len(args) == 2:
            data = data[:_a._int(args[1])]
        elif len(args) == 3:
            off = _a._int(args[1])
            data = data[off:off + _a._int(args[2])]
        n = len(data)
        if n >= 0x10000:
            raise OSError(_ENOBUFS)
        op = 0x80 | (self._opts & 0x0F)
        header = bytes((op, n)) if n < 126 else bytes((op, 126, n >> 8, n & 0xFF))
        self._frame(header, data)
        return n

    def ioctl(self, *args, **kw):
        _a._check_num(len(args) + 1, 2, 3, kw)
        req = _a._int(args[0])
        arg = args[1] if len(args) > 1 else 0
        if req == 4:  # MP_STREAM_CLOSE
            self._s.close()
            return 0
        if req == 8:  # MP_STREAM_GET_DATA_OPTS
            return self._flags & 0x0F
        if req == 9:  # MP_STREAM_SET_DATA_OPTS
            cur = self._opts & 0x0F
            self._opts = (self._opts & ~0x0F) | (_a._int(arg) & 0x0F)
            return cur
        raise OSError(_EINVAL)  # MP_STREAM_POLL included: the C module answers no other request

    def close(self):
        self._s.close()

    def __repr__(self):  # a C type without a print slot (py/obj.c mp_obj_print_helper)
        return '<websocket>'


_websocket = websocket

try:  # help() and dir() as for the C module (ROM table order; qstr order, fidelity §4.5)
    import _fw_help
    _fw_help.register(__import__('_fw_websocket'), ('__name__', 'websocket'), ('__class__', '__name__', '__dict__', 'websocket'))
    _fw_help.register_instances(websocket, ('__class__', 'close', 'read', 'readinto', 'readline', 'write', 'ioctl'))
except ImportError:
    pass
