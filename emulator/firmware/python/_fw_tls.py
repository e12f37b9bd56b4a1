# The `tls` module of the esp8266 build (MP@v1.27.0 extmod/modtls_axtls.c, axTLS), over the
# emulator's virtual network. Modelled at the handshake-policy level, not the cryptography (the
# servers are emulator/net/tls.ts): axTLS offers only RSA key transport (a server that wants
# ECDHE answers with the fatal alert 40, raised as `OSError: -40`), its single buffer holds a
# record of at most RT_MAX_PLAIN_LENGTH + RT_EXTRA - 5 = 5115 bytes (longer:
# SSL_ERROR_RECORD_OVERFLOW, -257), and certificates are never checked (CERT_NONE only).
# Errors: ssl_raise_error() gives OSError(code, 'NAME') for axTLS's named codes during the
# handshake and a bare OSError(code) otherwise; reads return b'' on close_notify or a lost link.
import io as _io
import socket as _socket
import _fw_time as _time

PROTOCOL_TLS_CLIENT = 0
PROTOCOL_TLS_SERVER = 1
CERT_NONE = 0
_MAX_RECORD = 1024 + 4096 - 5  # RT_MAX_PLAIN_LENGTH + RT_EXTRA - BM_RECORD_OFFSET
_RSA_MS = 1300  # RSA-2048 on an 80 MHz ESP8266 [DER: "slow RSA", reference §5.4]
_NAMES = {-1: 'NOT_OK', -2: 'DEAD', -3: 'CLOSE_NOTIFY', -4: 'EAGAIN', -256: 'CONN_LOST', -257: 'RECORD_OVERFLOW',
          -258: 'SOCK_SETUP_FAILURE', -260: 'INVALID_HANDSHAKE', -261: 'INVALID_PROT_MSG', -266: 'NO_CIPHER'}


class _Fail(Exception):
    pass


def _recv(sock, n):
    # the socket's stream read (mp_stream_rw in axTLS's port glue): recv for the lab's sockets,
    # readinto for any other stream object; b'' at its end
    if hasattr(sock, 'recv'):
        return sock.recv(n)
    b = bytearray(n)
    k = sock.readinto(b)
    return bytes(b[:k]) if k else b''


def _stream_close(sock):
    # mp_stream_close: the stream's ioctl(MP_STREAM_CLOSE, 0), as ssl_socket_ioctl passes it down
    if hasattr(sock, 'ioctl'):
        sock.ioctl(4, 0)
    else:
        sock.close()


def _load(data, tag, what):
    # ssl_socket_make_new: mp_obj_str_get_data, then axTLS ssl_obj_memory_load — PEM (a
    # '-----BEGIN' line, base64) or DER: an ASN.1 SEQUENCE that starts with an INTEGER (an RSA
    # key) or a SEQUENCE (an X.509 certificate); anything else is ValueError('invalid key'/'cert')
    if not isinstance(data, (bytes, bytearray, str)):
        raise TypeError("can't convert '%s' object to str implicitly" % type(data).__name__)
    d = data.encode() if isinstance(data, str) else bytes(data)
    if d[:10] == b'-----BEGIN':
        import binascii
        try:
            d = binascii.a2b_base64(b''.join(l for l in d.split(b'\n') if l and l[:5] != b'-----'))
        except ValueError:
            d = b''
    ok = len(d) >= 4 and d[0] == 0x30
    if ok:
        n, i = d[1], 2
        if n & 0x80:
            k = n & 0x7f
            n, i = int.from_bytes(d[2:2 + k], 'big') if 0 < k <= 2 else -1, 2 + k
        ok = 0 < n and i + n <= len(d) and d[i] == tag
    if not ok:
        raise ValueError(what)


def _raise(err):
    # ssl_raise_error: a named axTLS code gives OSError(code, name), anything else OSError(code)
    name = _NAMES.get(err)
    if name is None:
        raise OSError(err)
    raise OSError(err, name)


def _record(t, payload):
    return bytes((t, 3, 3, len(payload) >> 8, len(payload) & 0xFF)) + payload


class SSLSocket(_io.IOBase):
    # a stream object, so select.poll() (and asyncio) can ask it (modtls_axtls.c ussl_socket_ioctl)
    def __init__(self, sock, hostname, handshake, server=False):
        self._s = None
        self._server = server
        self._raw = sock
        self._host = hostname
        self._plain = b''
        self._eof = False
        self._blocking = True
        self._open = False
        self._pending = not handshake  # do_handshake_on_connect=False: at the first read or write
        if handshake:
            self._handshake()
        self._s = sock

    def ioctl(self, req, arg):
        # ssl_socket_ioctl: MP_STREAM_CLOSE closes (once); the rest goes to the socket's stream,
        # a closed one's POLL being NVAL (run-tests extmod/ssl_ioctl.py)
        if req == 4:
            self.close()
            return 0
        if self._s is None and req == 3:
            return 0x20
        if not hasattr(self._raw, 'ioctl'):  # a C stream (io.BytesIO): EINVAL for what it does not serve
            raise OSError(22)
        if req == 3 and self._plain:  # MP_STREAM_POLL: decrypted bytes wait
            return arg & 1 | self._raw.ioctl(req, arg)
        return self._raw.ioctl(req, arg)

    def _whole(self, f, *a):
        # a record, the handshake: read and written whole, also on a non-blocking socket
        if self._blocking:
            return f(*a)
        self._raw.setblocking(True)
        try:
            return f(*a)
        finally:
            self._raw.setblocking(False)

    def _start(self):
        if self._pending:
            self._pending = False
            self._whole(self._handshake)

    def _readn(self, n):
        out = b''
        while len(out) < n:
            chunk = _recv(self._raw, n - len(out))
            if not chunk:
                return None
            out += chunk
        return out

    def _next_record(self):
        h = self._readn(5)
        if h is None:
            raise _Fail(-256)
        n = h[3] << 8 | h[4]
        if n > _MAX_RECORD:
            try:
                self._raw.write(_record(21, b'\x02\x16'))  # alert record_overflow
            except OSError:
                pass
            raise _Fail(-257)
        p = self._readn(n)
        if p is None:
            raise _Fail(-256)
        if h[0] == 21:
            if p[0] == 1 and p[1] == 0:
                raise _Fail(-3)
            raise _Fail(-p[1])
        return h[0], p

    def _handshake(self):
        if self._server:
            # a board's TLS server: the virtual network has no TLS clients (emulator/net/tls.ts), so
            # what arrives is the stream's end (SSL_ERROR_CONN_LOST) or no ClientHello
            try:
                self._next_record()
                raise _Fail(-261)
            except _Fail as e:
                _raise(e.args[0])
        hello = b'\x01{"suites":["RSA"],"sni":%s}' % (b'null' if self._host is None else b'"' + self._host.encode() + b'"')
        try:
            self._raw.write(_record(22, hello))
            t, p = self._next_record()
            if t != 22 or p[0] != 2:
                raise _Fail(-261)
            _time.sleep_ms(_RSA_MS)  # the premaster secret, encrypted with the server's RSA key
            self._raw.write(_record(22, b'\x14'))
            t, p = self._next_record()
            if t != 22 or p[0] != 20:
                raise _Fail(-261)
        except _Fail as e:
            r = e.args[0]
            if r == -3:
                r = 107  # SSL_CLOSE_NOTIFY during the handshake: ENOTCONN
                raise OSError(r)
            _raise(r)
        self._open = True

    def _fill(self):
        while not self._plain:
            if self._eof or not self._open:
                return False
            if not self._blocking:
                try:
                    peek = self._raw.recv(1, _socket.MSG_PEEK | _socket.MSG_DONTWAIT)
                except OSError:
                    return None
                if not peek:
                    self._eof = True
                    return False
            try:
                t, p = self._whole(self._next_record)
            except _Fail as e:
                if e.args[0] in (-3, -256):
                    self._eof = True
                    return False
                raise OSError(e.args[0])
            if t == 23:
                self._plain = p
        return True

    def read(self, n=-1):
        if self._s is None:
            raise OSError(9)
        self._start()
        out = b''
        while n < 0 or len(out) < n:
            r = self._fill()
            if r is None:
                return out or None
            if not r:
                break
            k = len(self._plain) if n < 0 else min(n - len(out), len(self._plain))
            out += self._plain[:k]
            self._plain = self._plain[k:]
            if n >= 0 and out and not self._blocking:
                break
        return out

    def readinto(self, buf, n=-1):
        mv = memoryview(buf)
        want = len(mv) if n < 0 else min(n, len(mv))
        data = self.read(want)
        if data is None:
            return None
        mv[:len(data)] = data
        return len(data)

    def readline(self, limit=-1):
        self._start()
        out = b''
        while limit < 0 or len(out) < limit:
            r = self._fill()
            if r is None:  # non-blocking, nothing yet: the partial line, or None
                return out or None
            if not r:
                break
            i = self._plain.find(b'\n')
            k = len(self._plain) if i < 0 else i + 1
            if limit >= 0:
                k = min(k, limit - len(out))
            out += self._plain[:k]
            self._plain = self._plain[k:]
            if out.endswith(b'\n'):
                break
        return out

    def write(self, buf):
        if self._s is None:
            raise OSError(9)
        if isinstance(buf, str):
            buf = buf.encode()
        data = bytes(buf)
        self._start()
        for o in range(0, len(data), 1024):
            self._whole(self._raw.write, _record(23, data[o:o + 1024]))
        return len(data)

    def setblocking(self, flag):
        self._blocking = bool(flag)
        self._raw.setblocking(flag)

    def close(self):
        if self._s is not None:
            try:
                self._raw.write(_record(21, b'\x01\x00'))
            except OSError:
                pass
            self._s = None
            _stream_close(self._raw)

    __del__ = close

    def __repr__(self):
        return '<SSLSocket>'


class SSLContext:
    def __init__(self, protocol):
        self._proto = protocol
        self._key = None
        self._cert = None

    @property
    def verify_mode(self):
        return CERT_NONE

    @verify_mode.setter
    def verify_mode(self, val):
        pass

    def load_cert_chain(self, cert, key):
        self._key = key
        self._cert = cert

    def wrap_socket(self, sock, server_side=False, do_handshake_on_connect=True, server_hostname=None):
        if self._key is not None:  # checked here, not by load_cert_chain (ssl_context_load_key stores them)
            _load(self._key, 0x02, 'invalid key')
            _load(self._cert, 0x30, 'invalid cert')
        # a server's handshake waits for the first read (ssl_server_new); a client's is done here
        return SSLSocket(sock, server_hostname, do_handshake_on_connect and not server_side, server_side)
