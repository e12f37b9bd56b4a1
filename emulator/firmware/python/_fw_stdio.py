# sys.stdin of the esp8266 port (MP@v1.27.0:shared/runtime/sys_stdio_mphal.c): reads block until
# the bytes arrive on UART0 (mp_hal_stdin_rx_chr), Ctrl-C raises KeyboardInterrupt, the text
# stream turns \r into \n, sys.stdin.buffer gives the bytes as they come, and select.poll sees
# the stream readable only while a byte waits (stdio_ioctl → mp_hal_stdio_poll).
import io as _io
import _esp_hal as _hal

_POLL_RD = 1  # MP_STREAM_POLL_RD (select.POLLIN)
_MP_STREAM_POLL = 3


def _byte():
    c = _hal.stdin_read()
    if c == -1:
        raise KeyboardInterrupt
    return c  # -2: no input can arrive while code runs (basic mode without a relay): end of file


class _Stdio(_io.IOBase):
    def __init__(self, text):
        self._text = text

    def __repr__(self):
        # the C types are TextIOWrapper (sys.stdin) and FileIO (sys.stdin.buffer)
        return '<io.%s 0>' % ('TextIOWrapper' if self._text else 'FileIO')

    def _get(self):
        c = _byte()
        if c >= 0 and c == 13 and self._text:
            return 10
        return c

    def _chars(self, n):
        # text streams count characters: a UTF-8 lead byte brings its continuation bytes
        out = bytearray()
        while n is None or n < 0 or n > 0:
            c = self._get()
            if c < 0:
                break
            out.append(c)
            if self._text:
                more = 3 if c >= 0xf0 else 2 if c >= 0xe0 else 1 if c >= 0xc0 else 0
                for _ in range(more):
                    c = self._get()
                    if c < 0:
                        break
                    out.append(c)
            if n is not None and n >= 0:
                n -= 1
        return out

    def _out(self, b):
        return b.decode() if self._text else bytes(b)

    def read(self, n=-1):
        return self._out(self._chars(n))

    def readinto(self, buf, n=-1):
        n = len(buf) if n < 0 else min(n, len(buf))
        for i in range(n):
            c = self._get()
            if c < 0:
                return i
            buf[i] = c
        return n

    def readline(self, limit=-1):
        out = bytearray()
        while limit < 0 or len(out) < limit:
            c = self._get()
            if c < 0:
                break
            out.append(c)
            if c == 10:
                break
        return self._out(out)

    def ioctl(self, req, arg):
        if req == _MP_STREAM_POLL:
            return _POLL_RD if (arg & _POLL_RD) and _hal.uart_any() else 0
        return 0

    def write(self, b):
        raise OSError(1)  # stdin is not writable


# the types' names are the C ones (py/modsys.c: sys.stdin is a TextIOWrapper, its buffer a FileIO):
# run-tests basics/sys_stdio.py and sys_stdio_buffer.py look for them in str(type(sys.stdin))
class TextIOWrapper(_Stdio):
    pass


class FileIO(_Stdio):
    pass


stdin = TextIOWrapper(True)
stdin.buffer = FileIO(False)
