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


_EPOCH_NS = 946684800 * 1000000000  # 1970 to 2000, the port's epoch (shared/timeutils)


def _region(bdev):
    # the board's flash block device (flashbdev.FlashBdev): the emulator reads the flash itself
    if type(bdev).__name__ == 'FlashBdev':
        try:
            return bdev.start_sec, bdev.blocks
        except AttributeError:
            pass
    return None


def _int(v):
    # mp_obj_get_int
    if v is None:
        raise TypeError("can't convert NoneType to int")
    return int(v)


def _rw_ret(r):
    # mp_vfs_blockdev_call_rw: None/True is success, False EIO, a positive int EINVAL
    if r is None or r is True:
        return 0
    if r is False:
        return -5
    r = _int(r)
    return -22 if r > 0 else r


class _Dev:
    # extmod/vfs_blockdev.c: a program's block device object, called by littlefs through the
    # emulator (flash-fs.ts UserBlockDevice). An exception the device raises is kept and raised
    # again by the VFS call that caused it, as the firmware's nlr jump out of littlefs does.
    def __init__(self, bdev):
        self.rb = bdev.readblocks
        self.wb = getattr(bdev, 'writeblocks', None)
        self.io = getattr(bdev, 'ioctl', None)
        if self.io is None:  # the old protocol: sync() and count(), 512-byte blocks
            self.sy = getattr(bdev, 'sync', None)
            self.cnt = bdev.count
        self.exc = None
        self.pieces = {}
        self.odd = None

    def piece(self, n):
        # The firmware's littlefs hands the device its own cache (vfs_lfsx.c read_buffer and
        # prog_buffer, made at mount) as a bytearray of the piece's length, a multiple of 32
        # (readsize, progsize) up to 128 bytes. Here: one bytearray per such length, made once,
        # whose bytes the emulator reads and writes in place (flash-fs.ts UserBlockDevice), so
        # a call allocates nothing on the program's heap; the emulator's littlefs also reads and
        # writes a few odd lengths (a 4-byte revision count, a commit's tail): the last of those
        # is kept (a write fills it, then calls writeblocks with it).
        if n & 31:
            b = self.odd
            if b is None or len(b) != n:
                b = self.odd = bytearray(n)
            return b
        b = self.pieces.get(n)
        if b is None:
            b = self.pieces[n] = bytearray(n)
        return b

    def release(self):
        # The JS side keeps what it was handed (dev.call) until its own garbage collector
        # finalises the proxy, which a running program does not wait for; after mkfs (the
        # firmware frees its littlefs state there) the device and its buffers are let go now.
        self.rb = self.wb = self.io = self.sy = self.cnt = None
        self.pieces = {}
        self.odd = None

    def ioctl(self, cmd, arg):
        if self.io is not None:
            return self.io(cmd, arg)
        if cmd == 3 and self.sy is not None:
            self.sy()
        elif cmd == 4:
            return self.cnt()
        return None

    def call(self, op, block, off, arg):
        try:
            if op == 0:
                buf = self.piece(arg)
                r = _rw_ret(self.rb(block, buf, off))
                return r if r else id(buf)
            if op == 1:
                if self.wb is None:
                    return -30  # EROFS: read-only device (or mounted readonly)
                return _rw_ret(self.wb(block, self.piece(arg), off))
            if op == 4:
                return id(self.piece(arg))
            if op == 2:
                return _int(self.ioctl(6, block))
            r = self.ioctl(3, 0)
            return 0 if r is None else _int(r)
        except BaseException as e:
            self.exc = e
            return -5

    def check(self, r):
        e = self.exc
        if e is not None:
            self.exc = None
            raise e
        return _check(r)


class _NoDev:
    # the board's own flash: errors are errnos only
    exc = None

    @staticmethod
    def check(r):
        return _check(r)


_FLASH = _NoDev()


def _geometry(dev):
    # init_config: ioctl INIT (1), then block size (5) and count (4)
    dev.ioctl(1, 1)
    return _int(dev.ioctl(5, 0)), _int(dev.ioctl(4, 0))




class FileIO(io.IOBase):
    def __init__(self, h, text, dev=_FLASH, mtime=False):
        self._h = h
        self._text = text
        self._dev = dev
        self._mtime = mtime

    def __repr__(self):
        return '<io.%s>' % ('TextIOWrapper' if self._text else 'FileIO')

    def _open(self):
        if self._h is None:
            raise ValueError('I/O operation on closed file')
        return self._h

    def _raw(self, n):
        # at most _CHUNK bytes per call: the hex text crosses into the heap
        r = self._dev.check(_hal.lfs_read(self._open(), min(n, _CHUNK)))
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
            n = self._dev.check(_hal.lfs_write(h, _hx(mv[done:done + _CHUNK]).decode(), 1 if self._mtime else 0))
            done += n
            if n < _CHUNK:
                break
        return done

    def seek(self, offset, whence=0):
        return self._dev.check(_hal.lfs_seek(self._open(), offset, whence))

    def tell(self):
        return self.seek(0, 1)

    def flush(self):
        self._dev.check(_hal.lfs_sync(self._open()))

    def close(self):
        if self._h is not None:
            h = self._h
            self._h = None
            self._dev.check(_hal.lfs_close(h))

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
    # extmod/vfs_lfsx.c: on the board's flash (flashbdev), or on a program's own block device
    # (readblocks/writeblocks/ioctl with a byte offset, extmod/vfs_blockdev.c). readsize,
    # progsize and lookahead are taken as the defaults (32) whatever is given.
    def __init__(self, bdev, readsize=32, progsize=32, lookahead=32, mtime=True):
        self._mt = bool(mtime)
        self._cwd = '/'
        region = _region(bdev)
        if region:
            self._dev = _FLASH
            self._m = _check(_hal.lfs_mount(region[0], region[1]))
        else:
            dev = _Dev(bdev)
            bs, bc = _geometry(dev)
            self._dev = dev
            self._m = dev.check(_hal.lfs_mount_dev(bs, bc, dev.call))

    def __repr__(self):  # a C type without a print slot: py/obj.c mp_obj_print_helper prints <name>
        return '<VfsLfs2>'

    @staticmethod
    def mkfs(bdev, readsize=32, progsize=32, lookahead=32):
        region = _region(bdev)
        if region:
            _check(_hal.lfs_mkfs(region[0], region[1]))
            return
        dev = _Dev(bdev)
        bs, bc = _geometry(dev)
        try:
            dev.check(_hal.lfs_mkfs_dev(bs, bc, dev.call))
        finally:
            dev.release()

    def mount(self, readonly, mkfs):
        if readonly and self._dev is not _FLASH:
            self._dev.wb = None  # the firmware drops writeblocks: writes give EROFS

    def umount(self):
        _hal.lfs_umount(self._m)

    def _c(self, r):
        return self._dev.check(r)

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
        h = self._c(_hal.lfs_open(self._m, self._path(path), mode, 1 if self._mt else 0))
        return (TextIOWrapper if text else FileIO)(h, text, self._dev, self._mt)

    def ilistdir(self, path='.'):
        as_bytes = type(path) is bytes
        r = self._c(_hal.lfs_listdir(self._m, self._path(path)))
        out = []
        if r:
            f = r.split('\x00')
            for i in range(0, len(f), 3):
                name = f[i].encode() if as_bytes else f[i]
                out.append((name, _S_IFDIR if f[i + 1] == '1' else _S_IFREG, 0, int(f[i + 2])))
        return iter(out)

    def stat(self, path):
        r = self._c(_hal.lfs_stat(self._m, self._path(path))).split('\x00')
        t = 0
        if r[2]:  # the mtime attribute: ns since 1970, in seconds since the port's epoch
            t = (int.from_bytes(_uh(r[2]), 'little') - _EPOCH_NS) // 1000000000
        return (_S_IFDIR if r[0] == '1' else _S_IFREG, 0, 0, 0, 0, 0, int(r[1]), t, t, t)

    def statvfs(self, path):
        b = self._c(_hal.lfs_statvfs(self._m)).split('\x00')
        bs, n, free = int(b[0]), int(b[1]), int(b[2])
        return (bs, bs, n, free, free, 0, 0, 0, 0, 255)

    def remove(self, path):
        self._c(_hal.lfs_remove(self._m, self._path(path)))

    rmdir = remove

    def rename(self, old, new):
        self._c(_hal.lfs_rename(self._m, self._path(old), self._path(new)))

    def mkdir(self, path):
        self._c(_hal.lfs_mkdir(self._m, self._path(path)))

    def chdir(self, path):
        p = self._path(path)
        if p != '/':
            r = _hal.lfs_stat(self._m, p)
            self._dev.check(0)
            if type(r) is int or r[0] != '1':
                raise OSError(2)
        self._cwd = p

    def getcwd(self):
        return self._cwd


class _FatDev(_Dev):
    # extmod/vfs_fat_diskio.c: FatFs's disk is the device's readblocks(n, buf)/writeblocks(n, buf)
    # (no offset), one sector a call here; ioctl INIT, BLOCK_SIZE (None: 512) and BLOCK_COUNT
    def geometry(self):
        r = self.ioctl(1, 0)
        flags = 1 if r is not None and r != 0 else 0
        if self.wb is None:
            flags |= 2
        ss = self.ioctl(5, 0)
        self.ss = 512 if ss is None else _int(ss)
        self.buf = bytearray(self.ss)
        return self.ss, _int(self.ioctl(4, 0)), flags

    def call(self, op, sector, arg):
        # one sector buffer, crossing to the emulator in pieces (fat-vfs.ts CallDisk)
        try:
            if op == 5:
                return _hx(memoryview(self.buf)[sector:sector + arg]).decode()
            if op == 6:
                b = _uh(arg)
                self.buf[sector:sector + len(b)] = b
                return 0
            if op == 0:
                return _rw_ret(self.rb(sector, self.buf))
            if op == 1:
                return _rw_ret(self.wb(sector, self.buf))
            if op == 3:
                self.ioctl(3, 0)
                return 0
            t = __import__('_fw_time', None, None, (), -7).localtime()  # get_fattime (RTC)
            return (t[0] - 1980) << 25 | t[1] << 21 | t[2] << 16 | t[3] << 11 | t[4] << 5 | t[5] >> 1
        except BaseException as e:
            self.exc = e
            return -5

    def check(self, r):
        if r == -1000:  # the heap ran out on the way into the device (fat-vfs.ts FAT_MEMORY_ERROR)
            self.exc = None
            raise MemoryError
        return _Dev.check(self, r)


class _FatFile(FileIO):
    # extmod/vfs_fat_file.c: a closed file gives OSError(EINVAL); a short write ENOSPC
    _fin = None
    def __repr__(self):
        return '<io.%s %x>' % ('TextIOWrapper' if self._text else 'FileIO', id(self))

    def _open(self):
        if self._h is None:
            raise OSError(22)
        return self._h

    def _raw(self, n):
        r = self._dev.check(_hal.fat_read(self._open(), min(n, _CHUNK)))
        return _uh(r) if r else b''

    def write(self, data):
        h = self._open()
        mv = memoryview(data.encode() if type(data) is str else data)
        done = 0
        while done < len(mv):
            part = mv[done:done + _CHUNK]
            n = self._dev.check(_hal.fat_write(h, _hx(part).decode()))
            done += n
            if n < len(part):
                raise OSError(28)
        return done

    def seek(self, offset, whence=0):
        return self._dev.check(_hal.fat_seek(self._open(), offset, whence))

    def flush(self):
        self._dev.check(_hal.fat_sync(self._open()))

    def close(self):
        if self._h is not None:
            h = self._h
            self._h = None
            fin = self._fin
            self._fin = None
            if fin is not None:
                fin.close()
            self._dev.check(_hal.fat_close(h))


_PX = []


def _fat_fin(h):
    # the file's finaliser (vfs_fat_file.c __del__): a native file object the collector closes
    # (fat-vfs.ts FatVolumes.finaliserNode)
    p = _hal.fat_fin(h)
    if not p:
        return None
    if not _PX:
        _PX.append(_c.VfsPosix('/'))
    return _PX[0].open(p, 'rb')


class VfsFat:
    # extmod/vfs_fat.c on a program's own block device, FatFs in the emulator (fat-vfs.ts, fatfs.ts)
    def __init__(self, bdev):
        self._dev = _FatDev(bdev)
        self._m = self._dev.check(_hal.fat_mount(*self._dev.geometry(), self._dev.call))

    def __repr__(self):
        return '<VfsFat>'

    @staticmethod
    def mkfs(bdev):
        dev = _FatDev(bdev)
        dev.check(_hal.fat_mkfs(*dev.geometry(), dev.call))

    def _c(self, r):
        return self._dev.check(r)

    def mount(self, readonly, mkfs):
        if readonly:
            self._dev.wb = None
        self._c(_hal.fat_flags(self._m, bool(readonly), bool(mkfs)))

    def umount(self):
        pass  # vfs_fat.c: the volume stays mounted so the object's methods still work

    def open(self, path, mode=None):
        if mode is None:  # a C function of three arguments (vfs_fat_file.c fat_vfs_open)
            raise TypeError('function takes 3 positional arguments but 2 were given')
        h = self._c(_hal.fat_open(self._m, path, mode))
        f = _FatFile(h, 'b' not in mode, self._dev)
        f._fin = _fat_fin(h)
        return f

    def ilistdir(self, path=''):
        as_bytes = type(path) is bytes
        r = self._c(_hal.fat_listdir(self._m, path.decode() if as_bytes else path))
        out = []
        if r:
            f = r.split('\x00')
            for i in range(0, len(f), 3):
                out.append((f[i].encode() if as_bytes else f[i], _S_IFDIR if f[i + 1] == '1' else _S_IFREG, 0, int(f[i + 2])))
        return iter(out)

    def stat(self, path):
        r = self._c(_hal.fat_stat(self._m, path)).split('\x00')
        t = int(r[2])
        return (_S_IFDIR if r[0] == '1' else _S_IFREG, 0, 0, 0, 0, 0, int(r[1]), t, t, t)

    def statvfs(self, path):
        b = self._c(_hal.fat_statvfs(self._m)).split('\x00')
        bs, free = int(b[0]), int(b[2])
        return (bs, bs, int(b[1]), free, free, 0, 0, 0, 0, 255)

    def remove(self, path):
        self._c(_hal.fat_remove(self._m, path, False))

    def rmdir(self, path):
        self._c(_hal.fat_remove(self._m, path, True))

    def rename(self, old, new):
        self._c(_hal.fat_rename(self._m, old, new))

    def mkdir(self, path):
        self._c(_hal.fat_mkdir(self._m, path))

    def chdir(self, path):
        self._c(_hal.fat_chdir(self._m, path))

    def getcwd(self):
        return self._c(_hal.fat_getcwd(self._m))


def _autodetect(bdev):
    # extmod/vfs.c mp_vfs_autodetect: "littlefs" at offset 8 of block 0 or 1 (read through the
    # extended interface; an exception, e.g. a readblocks without the offset, is ignored), else FAT
    try:
        dev = _Dev(bdev)
        buf = bytearray(44)
        for block in (0, 1):
            dev.rb(block, buf, 8)
            if buf[0:8] == b'littlefs':
                return VfsLfs2(bdev)
    except Exception:
        pass
    return VfsFat(bdev)


def mount(*args, **kw):
    # extmod/vfs.c mp_vfs_mount: an object without a mount method is a block device to probe
    if args and not hasattr(args[0], 'mount'):
        args = (_autodetect(args[0]),) + args[1:]
    return _c.mount(*args, **kw)


umount = _c.umount
