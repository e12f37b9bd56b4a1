# The `socket` module of the esp8266 build (lwIP: the same module as `lwip`, whose name it
# prints), over the emulator's virtual network (emulator/net/stack.ts). Behaviour and messages:
# MP@v1.27.0 extmod/modlwip.c (states, errors, timeouts, getaddrinfo); reference §5.3.
# Blocking calls wait in virtual time and stop on Ctrl-C. Loaded on first import.
import io as _io
import _esp_hal as _hal
import _fw_machine as _m
import _fw_args as _a
from json import loads as _loads
from binascii import hexlify as _hexlify, unhexlify as _unhexlify

AF_INET = 2
AF_INET6 = 10
SOCK_STREAM = 1
SOCK_DGRAM = 2
SOCK_RAW = 3
SOL_SOCKET = 1
SO_REUSEADDR = 4
SO_BROADCAST = 32
IPPROTO_IP = 0
IP_ADD_MEMBERSHIP = 1024
IP_DROP_MEMBERSHIP = 1025
IPPROTO_TCP = 6
TCP_NODELAY = 64
MSG_PEEK = 1
MSG_DONTWAIT = 2

_EBADF = 9
_EAGAIN = 11
_EINVAL = 22
_EOPNOTSUPP = 95
_ENOTCONN = 107
_ETIMEDOUT = 110
_EINPROGRESS = 115
_CHUNK = 1460
_CONNECTING = 2
_CONNECTED = 3
_PEER_CLOSED = 4


_wait = _m._net_wait


def _now():
    return _hal.net_now_ms()


def _addr(a):
    # lwip_parse_inet_addr: a 2-item (ip, port); '' is any address; names are not resolved here
    if not isinstance(a, (tuple, list)) or len(a) != 2:
        raise ValueError('tuple/list has wrong length' if isinstance(a, (tuple, list)) else 'object not iterable')
    ip = a[0]
    if isinstance(ip, (bytes, bytearray)):
        ip = bytes(ip).decode()
    if not isinstance(ip, str):
        raise TypeError("can't convert '%s' object to str implicitly" % type(ip).__name__)
    if ip == '':
        ip = '0.0.0.0'
    parts = ip.split('.')
    if len(parts) != 4 or not all(p.isdigit() and int(p) < 256 for p in parts):
        raise ValueError('invalid arguments')
    return '.'.join(str(int(p)) for p in parts), _m._int(a[1])


def _buf(b):
    if isinstance(b, str):
        return b.encode()
    return memoryview(b)


class socket(_io.IOBase):
    # a stream object, so select.poll() can ask it (modlwip.c lwip_socket_ioctl MP_STREAM_POLL)
    def __init__(self, *args, **kw):
        # modlwip.c lwip_socket_make_new: at most four positional arguments, no keywords; the
        # domain and type are ints (TypeError otherwise), a raw socket reads its protocol too;
        # a type other than stream, datagram or raw is OSError EINVAL
        self._id = 0
        _a._check_num(len(args), 0, 4, kw)
        af = _m._int(args[0]) if args else AF_INET
        kind = _m._int(args[1]) if len(args) > 1 else SOCK_STREAM
        if kind == SOCK_RAW and len(args) > 2:
            _m._int(args[2])
        r = _hal.net_socket(af, kind)
        if r < 0:
            raise OSError(-r)
        self._id = r
        self._t = -1
        self._udp = kind != SOCK_STREAM

    def __repr__(self):
        st, inc, off = (int(x) for x in _hal.net_describe(self._id).split(','))
        if self._udp:
            return '<socket state=%d timeout=%d incoming=%d>' % (st, self._t & 0xffffffff, inc)
        return '<socket state=%d timeout=%d incoming=%x off=%d>' % (st, self._t & 0xffffffff, inc, off)

    def ioctl(self, req, arg):
        if req == 3:  # MP_STREAM_POLL: the asked-for flags that hold, and always ERR and HUP
            if _hal.net_state(self._id) == -16:  # _ERR_BADF, a closed socket: MP_STREAM_POLL_NVAL
                return 0x20  # (modlwip.c lwip_socket_ioctl; run-tests extmod/select_poll_basic.py)
            return _hal.net_poll(self._id) & (arg | 0x18)
        if req == 4:  # MP_STREAM_CLOSE (mp_stream_close, e.g. from an SSLSocket's close): lwip_socket_ioctl closes
            self.close()
            return 0
        raise OSError(22)  # any other request: MP_EINVAL

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def _block(self, op, timeout_err=_ETIMEDOUT):
        # modlwip: wait (poll_sockets) until op() gives something, or the socket's timeout
        r = op()
        if r is not None:
            return r
        t = self._t
        if t == 0:
            raise OSError(_EAGAIN if timeout_err == _ETIMEDOUT else timeout_err)
        start = _now()
        while True:
            if t > 0:
                left = t - (_now() - start)
                if left <= 0:
                    raise OSError(timeout_err)
                _wait(left * 1000)
            else:
                _wait(-1)
            r = op()
            if r is not None:
                return r

    def _check(self):
        # lwip_socket_check_connected: a closed socket
        st = _hal.net_state(self._id)
        if st == -16:
            raise OSError(_EBADF)
        return st

    def close(self):
        if self._id:
            _hal.net_close(self._id)

    def bind(self, addr):
        ip, port = _addr(addr)
        r = _hal.net_bind(self._id, ip, port)
        if r < 0:
            raise OSError(-r)

    def listen(self, backlog=2):
        backlog = _m._int(backlog)
        r = _hal.net_listen(self._id, backlog if backlog > 0 else 0)
        if r < 0:
            raise OSError(-r)

    def accept(self):
        def op():
            r = _hal.net_accept(self._id)
            if isinstance(r, int):
                raise OSError(-r)
            return r
        t = self._t
        r = op()
        if r is None:
            if t == 0:
                raise OSError(_EAGAIN)
            r = self._block(op)
        i, ip, port = _loads(r)
        s = object.__new__(socket)
        s._id = i
        s._t = t
        s._udp = False
        return s, (ip, port)

    def connect(self, addr):
        ip, port = _addr(addr)
        r = _hal.net_connect_tcp(self._id, ip, port)
        if r < 0:
            raise OSError(-r)
        if self._udp:
            return

        def op():
            st = _hal.net_state(self._id)
            return None if st == _CONNECTING else st
        st = self._block(op, _EINPROGRESS if self._t == 0 else _ETIMEDOUT)
        if st != _CONNECTED:
            raise OSError(_hal.net_errno(st) if st < 0 else _ENOTCONN)

    def _send_some(self, data):
        # lwip_tcp_send: waits for room in the send buffer, then takes what fits
        total = 0
        n = len(data)
        while total < n:
            k = min(_CHUNK, n - total)
            part = _hexlify(data[total:total + k]).decode()
            if total == 0:
                def op():
                    r = _hal.net_send(self._id, part)
                    if r is not None and r < 0:
                        raise OSError(-r)
                    return r
                r = self._block(op)
            else:
                r = _hal.net_send(self._id, part)
                if r is None or r <= 0:
                    break
            total += r
            if r < k:
                break
        return total

    def send(self, buf):
        self._check()
        data = _buf(buf)
        if self._udp:
            r = _hal.net_send(self._id, _hexlify(data).decode())
            if r < 0:
                raise OSError(-r)
            return r
        return self._send_some(data)

    def write(self, buf):
        # mp_stream_write: a non-blocking socket with no room gives None, not EAGAIN (asyncio's drain)
        try:
            return self.send(buf)
        except OSError as e:
            if e.args[0] == _EAGAIN and self._t == 0:
                return None
            raise

    def sendall(self, buf):
        self._check()
        data = _buf(buf)
        if self._udp:
            raise NotImplementedError
        off = 0
        while off < len(data):
            off += self._send_some(data[off:])
        return None

    def sendto(self, buf, addr):
        self._check()
        ip, port = _addr(addr)
        data = _buf(buf)
        if not self._udp:
            return self._send_some(data)
        r = _hal.net_sendto(self._id, _hexlify(data).decode(), ip, port)
        if r < 0:
            raise OSError(-r)
        return r

    def _recv(self, n, flags=0):
        n = _m._int(n)
        peek = 1 if flags & MSG_PEEK else 0

        def op():
            r = _hal.net_recv(self._id, n, peek)
            if isinstance(r, int):
                raise OSError(-r)
            return r
        if flags & MSG_DONTWAIT:
            r = op()
            if r is None:
                raise OSError(_EAGAIN)
        else:
            r = self._block(op)
        return _unhexlify(r)

    def recv(self, n, flags=0):
        self._check()
        return self._recv(n, flags)

    def recvfrom(self, n, flags=0):
        self._check()
        if not self._udp:
            return self._recv(n, flags), None
        n = _m._int(n)

        def op():
            r = _hal.net_recvfrom(self._id, n)
            if isinstance(r, int):
                raise OSError(-r)
            return r
        h, ip, port = _loads(self._block(op))
        return _unhexlify(h), (ip, port)

    def settimeout(self, t):
        self._t = -1 if t is None else int(1000 * float(t))

    def setblocking(self, flag):
        self._t = -1 if flag else 0

    def setsockopt(self, level, opt, val):
        opt = _m._int(opt)
        if opt == 20:
            return None
        if opt == SO_REUSEADDR:
            _hal.net_reuse(self._id, 1 if _m._int(val) else 0)
        elif opt in (SO_BROADCAST, TCP_NODELAY):
            _m._int(val)
        elif opt in (IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP):
            if len(memoryview(val)) != 8:
                raise ValueError
        else:
            print('Warning: lwip.setsockopt() not implemented')
        return None

    def makefile(self, *args):
        return self

    # stream methods (mp_stream_read and friends over lwip_tcp_receive)
    def read(self, n=-1):
        out = b''
        while n < 0 or len(out) < n:
            try:
                chunk = self._recv(4096 if n < 0 else n - len(out))
            except OSError as e:
                if e.args[0] == _EAGAIN:
                    return out or None
                raise
            if not chunk:
                break
            out += chunk
        return out

    def readinto(self, buf, n=-1):
        mv = memoryview(buf)
        want = len(mv) if n < 0 else min(n, len(mv))
        got = 0
        while got < want:
            try:
                chunk = self._recv(want - got)
            except OSError as e:
                if e.args[0] == _EAGAIN:  # non-blocking: what came so far, or None (mp_stream_rw)
                    return got or None
                raise
            if not chunk:
                break
            mv[got:got + len(chunk)] = chunk
            got += len(chunk)
        return got

    def readline(self, limit=-1):
        # mp_stream_unbuffered_readline: byte by byte up to and including b'\n'
        out = b''
        while limit < 0 or len(out) < limit:
            try:
                peek = self._recv(256 if limit < 0 else min(256, limit - len(out)), MSG_PEEK)
            except OSError as e:
                if e.args[0] == _EAGAIN:  # non-blocking: the partial line, or None if nothing came
                    return out or None
                raise
            if not peek:
                break
            i = peek.find(b'\n')
            take = len(peek) if i < 0 else i + 1
            out += self._recv(take)
            if i >= 0:
                break
        return out


def getaddrinfo(host, port, af=0, typ=0, proto=0, flags=0):
    if not isinstance(host, str):
        raise TypeError("can't convert '%s' object to str implicitly" % host.__class__.__name__)
    port = _m._int(port)
    if not ((af in (0, AF_INET, AF_INET6)) and typ in (0, SOCK_STREAM) and proto == 0 and flags == 0):
        print('Warning: unsupported getaddrinfo constraints')
    q = _hal.net_dns_start(host)
    while isinstance(q, int):
        r = _hal.net_dns_result(q)
        if r is None:
            _wait(-1)
            continue
        if isinstance(r, int):
            raise OSError(r)
        q = r
    return [(AF_INET, SOCK_STREAM, 0, '', (q, port))]


def reset():
    return None


def callback():
    return None


def print_pcbs():
    return None
