# The `vfs` module of the esp8266 build and its littlefs v2 filesystem (VfsLfs2), kept in the
# board's SPI flash by the emulator (emulator/firmware/flash-fs.ts over emulator/firmware/littlefs.ts).
# Behaviour follows extmod/vfs.c, extmod/vfs_lfsx.c and extmod/vfs_lfsx_file.c (v1.27.0): errors
# are OSError(errno) with littlefs's codes, paths are taken relative to the VFS's current
# directory, `open()` modes r/w/x/a with + and b/t.
import io
import vfs as _c
import _esp_hal as _hal
from binascii import hexlify as _hx, unhexlify as _uh

_CHUNK = 256  # bytes per call into the emulator (as hex text: 512 characters)
_S_IFDIR = 0x4000
_S_IFREG = 0x8000


def _check(r):
    if type(r) is int and r < 0:
        raise OSError(-r)
    return r


def _region(bdev):
    # the board's flash block device (flashbdev.FlashBdev): the emulator reads the flash itself
    try:
        return bdev.start_sec, bdev.blocks
    except AttributeError:
        raise OSError(22)  # EINVAL: only the flash block device is emulated


class FileIO(io.IOBase):
    def __init__(self, h, text):
        self._h = h
        self._text = text

    def __repr__(self):
        return '<io.%s>' % ('TextIOWrapper' if self._text else 'FileIO')

    def _open(self):
        if self._h is None:
            raise ValueError('I/O operation on closed file')
        return self._h

    def _raw(self, n):
        # at most _CHUNK bytes per call: the hex text crosses into the heap
        r = _check(_hal.lfs_read(self._open(), min(n, _CHUNK)))
        return _uh(r) if r else b''

    def read(self, n=-1):
        out = bytearray()
        while n is None or n < 0 or len(out) < n:
            b = self._raw(_CHUNK if n is None or n < 0 else n - len(out))
            if not b:
                break
            out += b
        return out.decode() if self._text else bytes(out)

    def readinto(self, buf, n=-1):
        n = len(buf) if n < 0 else min(n, len(buf))
        b = self._raw(n)
        buf[:len(b)] = b
        return len(b)

    def readline(self, limit=-1):
        out = bytearray()
        while limit < 0 or len(out) < limit:
            b = self._raw(1)
            if not b:
                break
            out += b
            if b == b'\n':
                break
        return out.decode() if self._text else bytes(out)

    def readlines(self):
        lines = []
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def write(self, data):
        h = self._open()
        if type(data) is str:
            data = data.encode()
        mv = memoryview(data)
        done = 0
        while done < len(mv):
            n = _check(_hal.lfs_write(h, _hx(mv[done:done + _CHUNK]).decode()))
            done += n
            if n < _CHUNK:
                break
        return done

    def seek(self, offset, whence=0):
        return _check(_hal.lfs_seek(self._open(), offset, whence))

    def tell(self):
        return self.seek(0, 1)

    def flush(self):
        _check(_hal.lfs_sync(self._open()))

    def close(self):
        if self._h is not None:
            h = self._h
            self._h = None
            _check(_hal.lfs_close(h))

    def ioctl(self, req, arg):
        if req == 4:  # MP_STREAM_CLOSE
            self.close()
        return 0

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()


class TextIOWrapper(FileIO):
    pass


class VfsLfs2:
    def __init__(self, bdev, readsize=32, progsize=32, lookahead=32, mtime=True):
        start, count = _region(bdev)
        self._m = _check(_hal.lfs_mount(start, count))
        self._cwd = '/'

    def __repr__(self):  # a C type without a print slot: py/obj.c mp_obj_print_helper prints <name>
        return '<VfsLfs2>'

    @staticmethod
    def mkfs(bdev, readsize=32, progsize=32, lookahead=32):
        start, count = _region(bdev)
        _check(_hal.lfs_mkfs(start, count))

    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        _hal.lfs_umount(self._m)

    def _path(self, p):
        if type(p) is bytes:
            p = p.decode()
        parts = [] if p.startswith('/') else [x for x in self._cwd.split('/') if x]
        for x in p.split('/'):
            if x == '..':
                if parts:
                    parts.pop()
            elif x and x != '.':
                parts.append(x)
        return '/' + '/'.join(parts)

    def open(self, path, mode):
        text = 'b' not in mode
        h = _check(_hal.lfs_open(self._m, self._path(path), mode))
        return (TextIOWrapper if text else FileIO)(h, text)

    def ilistdir(self, path='.'):
        as_bytes = type(path) is bytes
        r = _check(_hal.lfs_listdir(self._m, self._path(path)))
        out = []
        if r:
            f = r.split('\x00')
            for i in range(0, len(f), 3):
                name = f[i].encode() if as_bytes else f[i]
                out.append((name, _S_IFDIR if f[i + 1] == '1' else _S_IFREG, 0, int(f[i + 2])))
        return iter(out)

    def stat(self, path):
        r = _check(_hal.lfs_stat(self._m, self._path(path))).split('\x00')
        return (_S_IFDIR if r[0] == '1' else _S_IFREG, 0, 0, 0, 0, 0, int(r[1]), 0, 0, 0)

    def statvfs(self, path):
        b = _check(_hal.lfs_statvfs(self._m)).split('\x00')
        bs, n, free = int(b[0]), int(b[1]), int(b[2])
        return (bs, bs, n, free, free, 0, 0, 0, 0, 255)

    def remove(self, path):
        _check(_hal.lfs_remove(self._m, self._path(path)))

    rmdir = remove

    def rename(self, old, new):
        _check(_hal.lfs_rename(self._m, self._path(old), self._path(new)))

    def mkdir(self, path):
        _check(_hal.lfs_mkdir(self._m, self._path(path)))

    def chdir(self, path):
        p = self._path(path)
        if p != '/':
            r = _hal.lfs_stat(self._m, p)
            if type(r) is int or r[0] != '1':
                raise OSError(2)
        self._cwd = p

    def getcwd(self):
        return self._cwd


class VfsFat:
    # The 2 MiB+ build can mount an old FAT volume; FAT is not emulated (differences page).
    def __init__(self, bdev):
        raise OSError(19)

    @staticmethod
    def mkfs(bdev):
        raise OSError(95)


def mount(*args, **kw):
    # extmod/vfs.c mp_vfs_mount: a block device is probed (mp_vfs_autodetect: littlefs v2 has
    # "littlefs" at offset 8 of block 0; otherwise the build tries FAT, which fails)
    if args and not hasattr(args[0], 'mount') and hasattr(args[0], 'readblocks'):
        bdev = args[0]
        buf = bytearray(16)
        bdev.readblocks(0, buf)
        args = ((VfsLfs2 if buf[8:16] == b'littlefs' else VfsFat)(bdev),) + args[1:]
    return _c.mount(*args, **kw)


umount = _c.umount
