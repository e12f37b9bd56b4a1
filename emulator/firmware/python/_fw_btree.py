# The `btree` module of the esp8266 build (a C module there: MP@v1.27.0 extmod/modbtree.c over
# Berkeley DB 1.85's btree, lib/berkeley-db-1.xx), written for the emulator from
# docs/library/btree.rst, the module's behaviour (tests/extmod/btree*.py) and the database's
# on-disk layout (include/berkeley-db/btree.h: BTMETA, PAGE, BLEAF, BINTERNAL), so a file written
# here has the layout a board's btree reads: page 0 the metadata (magic 0x053162, version 3,
# page size, free list, flags), page 1 the root, leaf and internal pages with their index array
# after a 20-byte header and items from the top, items too big for a page on overflow chains,
# freed pages on a free list. Little-endian, as on the ESP8266. The tree code is our own.
#
# What follows the C module: open(stream, *, flags, cachesize, pagesize, minkeypage) checks the
# stream and the settings first (EINVAL), reads the 24-byte metadata where the stream is, then
# seeks to its end (the page count); a blank stream is a new database, which is written only
# once something changes (flush() and close() write the cached pages, then flush the stream).
# The port's default page is 1024 bytes, at least 3 pages are cached (ports/esp8266/Makefile).
# keys()/values()/items() return the database itself, set up for the next iteration; the end key
# is exclusive unless INCL; DESC goes down. A missing key is KeyError (get() gives the default),
# a closed database ValueError('database closed'). A stream that is not a database: OSError 79
# (EFTYPE, newlib's number). Differences: flags=1 (R_DUP) is accepted but keys stay unique.
import io as _io
import struct as _st
import _fw_args as _a
from _fw_vfs import FileIO as _FileIO

INCL = 1
DESC = 2

_MAGIC = 0x053162
_VERSION = 3
_HDR = 20  # BTDATAOFF: pgno, prevpg, nextpg, flags, lower, upper
_P_BINTERNAL = 0x01
_P_BLEAF = 0x02
_P_OVERFLOW = 0x04
_P_PRESERVE = 0x20
_BIGDATA = 0x01
_BIGKEY = 0x02
_B_NODUPS = 0x20
_SAVEMETA = 0x20 | 0x80
_DEFPSIZE = 1024
_MINCACHE = 3
_EAGAIN = 11
_EINVAL = 22
_EFTYPE = 79
# seq() flags (db.h)
_R_CURSOR = 1
_R_FIRST = 3
_R_LAST = 6
_R_NEXT = 7
_R_PREV = 9
_KEYS = 0x40
_VALUES = 0x80
_ITEMS = 0xC0
_NULL = object()  # modbtree.c's MP_OBJ_NULL: the start key was used


def _u16(p, o):
    return p[o] | (p[o + 1] << 8)


def _u32(p, o):
    return _st.unpack_from('<I', p, o)[0]


def _set32(p, o, v):
    _st.pack_into('<I', p, o, v)


def _align(n):
    return (n + 3) & ~3


def _key_bytes(obj):
    return _a._rbytes(obj)  # buf_to_dbt: TypeError without the buffer protocol


# ---- the stream, as mp_stream_posix_read/write/lseek/fsync reach it -------------------------


def _native(s):
    return isinstance(s, (_FileIO, _io.BytesIO))


def _check(r):
    if r is None:
        raise OSError(_EAGAIN)
    if r < 0:
        raise OSError(-r)
    return r


def _read(s, n):
    buf = bytearray(n)
    got = 0
    while got < n:
        r = _check(s.readinto(buf if got == 0 else memoryview(buf)[got:]))
        if r == 0:
            break
        got += r
    return buf if got == n else buf[:got]


def _write(s, data):
    done = 0
    mv = memoryview(data)
    while done < len(data):
        r = _check(s.write(mv[done:] if done else data))
        if r == 0:
            raise OSError(_EAGAIN)
        done += r


def _seek(s, off, whence=0):
    if _native(s):
        return s.seek(off, whence)
    _check(s.ioctl(2, 0))  # MP_STREAM_SEEK: a Python stream cannot move the C struct's offset
    return off


def _fsync(s):
    if _native(s):
        s.flush()
    else:
        _check(s.ioctl(1, 0))  # MP_STREAM_FLUSH


# ---- pages ----------------------------------------------------------------------------------


def _n(p):
    return (_u16(p, 16) - _HDR) >> 1


def _at(p, i):
    return _u16(p, _HDR + 2 * i)


def _entry(p, i, leaf):
    o = _at(p, i)
    ks = _u32(p, o)
    size = _align(9 + ks + (_u32(p, o + 4) if leaf else 0))
    return bytes(p[o:o + size])


def _entries(p, leaf):
    return [_entry(p, i, leaf) for i in range(_n(p))]


def _fill(p, pgno, prev, nxt, flags, ents):
    ps = len(p)
    p[:] = bytes(ps)
    _st.pack_into('<IIII', p, 0, pgno, prev, nxt, flags)
    upper = ps
    for i, e in enumerate(ents):
        upper -= len(e)
        p[upper:upper + len(e)] = e
        p[_HDR + 2 * i] = upper & 0xFF
        p[_HDR + 2 * i + 1] = upper >> 8
    lower = _HDR + 2 * len(ents)
    p[16] = lower & 0xFF
    p[17] = lower >> 8
    p[18] = upper & 0xFF
    p[19] = (upper >> 8) & 0xFF


def _fits(ents, ps):
    return _HDR + sum(len(e) + 2 for e in ents) <= ps


def _leaf_item(kb, db, flags):
    e = bytearray(_align(9 + len(kb) + len(db)))
    _st.pack_into('<IIB', e, 0, len(kb), len(db), flags)
    e[9:9 + len(kb)] = kb
    e[9 + len(kb):9 + len(kb) + len(db)] = db
    return bytes(e)


def _internal_item(kb, child, flags):
    e = bytearray(_align(9 + len(kb)))
    _st.pack_into('<IIB', e, 0, len(kb), child, flags)
    e[9:9 + len(kb)] = kb
    return bytes(e)


def _prefix(a, b):
    # __bt_defpfx's idea: the shortest start of b that is still greater than a
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return b[:min(i + 1, len(b))]


class btree:
    def __init__(self, stream, psize, ncache, minkeypage, meta):
        self._s = stream
        self._ps = psize
        self._max = ncache
        self._cache = {}
        self._lru = []
        self._dirty = set()
        self._open = True
        self._modified = False
        self._metadirty = meta is None
        self._free = meta[0] if meta else 0
        self._nrecs = meta[1] if meta else 0
        self._flags = meta[2] if meta else _B_NODUPS
        # bt_ovflsize: key + data above this go to overflow pages (minkeypage items fit a page)
        self._ovfl = max((psize - _HDR) // minkeypage - (2 + 12), _align(9 + 16) + 2)
        self._cur = None  # the cursor: (pgno, index, key)
        self._start = None
        self._end = None
        self._iter = _KEYS
        self._next_flags = 0
        self._npages = _seek(stream, 0, 2) // psize  # mpool_open: the file's length in pages
        if meta is None or self._npages == 0:
            self._new_tree()
        else:
            self._get(0)

    def _new_tree(self):
        self._metadirty = True
        m, pm = self._new_page()
        r, pr = self._new_page()
        _fill(pr, 1, 0, 0, _P_BLEAF, ())

    # -- the cache (mpool) --

    def _get(self, pg):
        p = self._cache.get(pg)
        if p is not None:
            if self._lru[-1] != pg:
                self._lru.remove(pg)
                self._lru.append(pg)
            return p
        if pg >= self._npages:
            raise OSError(_EINVAL)
        _seek(self._s, pg * self._ps)
        p = _read(self._s, self._ps)
        if len(p) != self._ps:
            raise OSError(_EFTYPE)
        self._cache[pg] = p
        self._lru.append(pg)
        return p

    def _new_page(self):
        if self._free:
            pg = self._free
            p = self._get(pg)
            self._free = _u32(p, 8)
            self._metadirty = True
            p[:] = bytes(self._ps)
        else:
            pg = self._npages
            self._npages += 1
            p = bytearray(self._ps)
            self._cache[pg] = p
            self._lru.append(pg)
        self._dirty.add(pg)
        return pg, p

    def _free_page(self, pg, p):
        _set32(p, 4, 0)
        _set32(p, 8, self._free)
        self._free = pg
        self._metadirty = True
        self._dirty.add(pg)

    def _write_page(self, pg):
        _seek(self._s, pg * self._ps)
        _write(self._s, self._cache[pg])
        self._dirty.discard(pg)

    def _trim(self):
        # pages beyond the cache size go, the least recently used first (written if dirty)
        while len(self._lru) > self._max:
            pg = self._lru.pop(0)
            if pg in self._dirty:
                self._write_page(pg)
            del self._cache[pg]

    def _sync(self):
        if not self._modified:
            return 0
        if self._metadirty:
            p = self._get(0)
            _st.pack_into('<IIIIII', p, 0, _MAGIC, _VERSION, self._ps, self._free, self._nrecs, self._flags)
            self._dirty.add(0)
            self._metadirty = False
        for pg in list(self._lru):
            if pg in self._dirty:
                self._write_page(pg)
        _fsync(self._s)
        self._modified = False
        self._trim()
        return 0

    # -- overflow chains --

    def _ovfl_put(self, data, preserve=False):
        room = self._ps - _HDR
        first = 0
        prev = None
        for off in range(0, len(data), room):
            pg, p = self._new_page()
            _st.pack_into('<IIII', p, 0, pg, 0, 0, _P_OVERFLOW | (_P_PRESERVE if preserve and not first else 0))
            piece = data[off:off + room]
            p[_HDR:_HDR + len(piece)] = piece
            if prev is None:
                first = pg
            else:
                _set32(prev[1], 8, pg)
                self._dirty.add(prev[0])
            prev = (pg, p)
        return _st.pack('<II', first, len(data))

    def _ovfl_get(self, ref):
        pg, size = _st.unpack('<II', ref)
        out = bytearray()
        room = self._ps - _HDR
        while len(out) < size:
            p = self._get(pg)
            out += p[_HDR:_HDR + min(room, size - len(out))]
            pg = _u32(p, 8)
        return bytes(out)

    def _ovfl_free(self, ref):
        pg = _u32(ref, 0)
        if self._get(pg)[12] & _P_PRESERVE:
            return
        while pg:
            p = self._get(pg)
            nxt = _u32(p, 8)
            self._free_page(pg, p)
            pg = nxt

    # -- items --

    def _key(self, p, i, leaf):
        o = _at(p, i)
        ks = _u32(p, o)
        kb = bytes(p[o + 9:o + 9 + ks])
        return self._ovfl_get(kb) if p[o + 8] & _BIGKEY else kb

    def _data(self, p, i):
        o = _at(p, i)
        ks = _u32(p, o)
        ds = _u32(p, o + 4)
        db = bytes(p[o + 9 + ks:o + 9 + ks + ds])
        return self._ovfl_get(db) if p[o + 8] & _BIGDATA else db

    def _item_free(self, p, i):
        o = _at(p, i)
        ks = _u32(p, o)
        if p[o + 8] & _BIGKEY:
            self._ovfl_free(bytes(p[o + 9:o + 9 + ks]))
        if p[o + 8] & _BIGDATA:
            self._ovfl_free(bytes(p[o + 9 + ks:o + 9 + ks + 8]))

    def _lookup(self, k):
        # the data stored under k, or None; pages beyond the cache size go afterwards
        try:
            pg, p = self._descend(k)
            i = self._lbound(p, k)
            return self._data(p, i) if i < _n(p) and self._key(p, i, True) == k else None
        finally:
            self._trim()

    def _lbound(self, p, k):
        lo = 0
        hi = _n(p)
        while lo < hi:
            mid = (lo + hi) >> 1
            if self._key(p, mid, True) < k:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _child(self, p, k):
        # the last item whose key is <= k; the first item's key stands for "less than all"
        lo = 1
        hi = _n(p)
        while lo < hi:
            mid = (lo + hi) >> 1
            if self._key(p, mid, False) <= k:
                lo = mid + 1
            else:
                hi = mid
        return lo - 1

    def _descend(self, k, stack=None):
        pg = 1
        while True:
            p = self._get(pg)
            if p[12] & _P_BLEAF:
                return pg, p
            i = self._child(p, k) if k is not None else 0
            if stack is not None:
                stack.append((pg, i))
            pg = _u32(p, _at(p, i) + 4)

    def _edge(self, last):
        pg = 1
        while True:
            p = self._get(pg)
            n = _n(p)
            if p[12] & _P_BLEAF:
                if n == 0:
                    return None
                return pg, (n - 1 if last else 0)
            pg = _u32(p, _at(p, n - 1 if last else 0) + 4)

    def _ge(self, k):
        pg, p = self._descend(k)
        i = self._lbound(p, k)
        if i < _n(p):
            return pg, i
        nxt = _u32(p, 8)
        return (nxt, 0) if nxt else None

    def _lt(self, k):
        pg, p = self._descend(k)
        i = self._lbound(p, k)
        if i > 0:
            return pg, i - 1
        prev = _u32(p, 4)
        return (prev, _n(self._get(prev)) - 1) if prev else None

    def _step(self, back):
        c = self._cur
        if c is None:
            return self._edge(back)
        pg, i, k = c
        try:
            p = self._get(pg)
            ok = p[12] & _P_BLEAF and i < _n(p) and self._key(p, i, True) == k
        except OSError:
            ok = False
        if not ok:  # the tree changed under the cursor: find its key again
            return self._lt(k) if back else self._next_after(k)
        if back:
            if i > 0:
                return pg, i - 1
            prev = _u32(p, 4)
            return (prev, _n(self._get(prev)) - 1) if prev else None
        if i + 1 < _n(p):
            return pg, i + 1
        nxt = _u32(p, 8)
        return (nxt, 0) if nxt else None

    def _next_after(self, k):
        pos = self._ge(k)
        if pos is None:
            return None
        p = self._get(pos[0])
        if self._key(p, pos[1], True) != k:
            return pos
        self._cur = (pos[0], pos[1], k)
        return self._step(False)

    def _seq(self, flags, k=None):
        # __bt_seq: (key, data), or None past the end; the cursor moves
        try:
            return self._seq1(flags, k)
        finally:
            self._trim()

    def _seq1(self, flags, k):
        if flags == _R_CURSOR:
            pos = self._ge(k)
        elif flags == _R_FIRST:
            pos = self._edge(False)
        elif flags == _R_LAST:
            pos = self._edge(True)
        elif flags == _R_NEXT:
            pos = self._step(False)
        elif flags == _R_PREV:
            pos = self._step(True)
        else:
            raise OSError(_EINVAL)
        if pos is None:
            return None
        p = self._get(pos[0])
        key = self._key(p, pos[1], True)
        self._cur = (pos[0], pos[1], key)
        return key, self._data(p, pos[1])

    # -- changes --

    def _store(self, pg, p, ents, stack, leaf, at):
        if _fits(ents, self._ps):
            _fill(p, pg, _u32(p, 4), _u32(p, 8), _u32(p, 12) & 0x1F, ents)
            self._dirty.add(pg)
            return
        # split: an append to the last page of a level leaves the new item alone on the right
        # (keys put in order fill their pages); otherwise about half the bytes each side
        if pg != 1 and at == len(ents) - 1 and _u32(p, 8) == 0:
            s = len(ents) - 1
        else:
            total = sum(len(e) + 2 for e in ents)
            run = 0
            s = 0
            while s < len(ents) - 1 and run + len(ents[s]) + 2 <= total // 2:
                run += len(ents[s]) + 2
                s += 1
            s = max(1, s)
            while not _fits(ents[s:], self._ps):
                s += 1
            while not _fits(ents[:s], self._ps):
                s -= 1
        left, right = ents[:s], ents[s:]
        tmp = bytearray(self._ps)
        if leaf:
            _fill(tmp, 0, 0, 0, 0, (left[-1], right[0]))
            sep = _prefix(self._key(tmp, 0, True), self._key(tmp, 1, True))
            sep = _internal_item(self._ovfl_put(sep, True), 0, _BIGKEY) if len(sep) > self._ovfl else _internal_item(sep, 0, 0)
        else:
            sep = right[0]  # an internal page's first key moves up (and stays as "less than all")
        kind = _P_BLEAF if leaf else _P_BINTERNAL
        if pg == 1:
            a, pa = self._new_page()
            b, pb = self._new_page()
            _fill(pa, a, 0, b, kind, left)
            _fill(pb, b, a, 0, kind, right)
            _fill(p, 1, 0, 0, _P_BINTERNAL, (_internal_item(b'', a, 0), sep[:4] + _st.pack('<I', b) + sep[8:]))
            self._dirty.add(1)
            return
        r, pr = self._new_page()
        nxt = _u32(p, 8)
        _fill(pr, r, pg, nxt, kind, right)
        if nxt:
            q = self._get(nxt)
            _set32(q, 4, r)
            self._dirty.add(nxt)
        _fill(p, pg, _u32(p, 4), r, kind, left)
        self._dirty.add(pg)
        ppg, pi = stack.pop()
        pp = self._get(ppg)
        pents = _entries(pp, False)
        pents.insert(pi + 1, sep[:4] + _st.pack('<I', r) + sep[8:])
        self._store(ppg, pp, pents, stack, False, pi + 1)

    def _put(self, k, v):
        self._modified = True
        kb, db, flags = k, v, 0
        if len(kb) + len(db) > self._ovfl:
            if len(kb) > self._ovfl:
                kb = self._ovfl_put(k)
                flags |= _BIGKEY
            if len(kb) + len(db) > self._ovfl:
                db = self._ovfl_put(v)
                flags |= _BIGDATA
            if len(kb) + len(db) > self._ovfl and not flags & _BIGKEY:
                kb = self._ovfl_put(k)
                flags |= _BIGKEY
        stack = []
        pg, p = self._descend(k, stack)
        i = self._lbound(p, k)
        ents = _entries(p, True)
        if i < len(ents) and self._key(p, i, True) == k:
            self._item_free(p, i)
            ents.pop(i)
        ents.insert(i, _leaf_item(kb, db, flags))
        self._store(pg, p, ents, stack, True, i)
        self._trim()
        return 0

    def _unlink(self, p):
        prev = _u32(p, 4)
        nxt = _u32(p, 8)
        if prev:
            _set32(self._get(prev), 8, nxt)
            self._dirty.add(prev)
        if nxt:
            _set32(self._get(nxt), 4, prev)
            self._dirty.add(nxt)

    def _delete(self, k):
        stack = []
        pg, p = self._descend(k, stack)
        i = self._lbound(p, k)
        if i >= _n(p) or self._key(p, i, True) != k:
            return False
        self._modified = True
        self._item_free(p, i)
        ents = _entries(p, True)
        ents.pop(i)
        if ents or pg == 1:
            _fill(p, pg, _u32(p, 4), _u32(p, 8), _P_BLEAF, ents)
            self._dirty.add(pg)
        else:
            # an empty leaf goes, and its item in the parent (which may go too)
            self._unlink(p)
            self._free_page(pg, p)
            while stack:
                ppg, pi = stack.pop()
                pp = self._get(ppg)
                pents = _entries(pp, False)
                pents.pop(pi)
                if pents:
                    _fill(pp, ppg, _u32(pp, 4), _u32(pp, 8), _P_BINTERNAL, pents)
                    self._dirty.add(ppg)
                    break
                if ppg == 1:  # the tree is empty again: the root is an empty leaf
                    _fill(pp, 1, 0, 0, _P_BLEAF, ())
                    self._dirty.add(1)
                    break
                self._unlink(pp)
                self._free_page(ppg, pp)
        self._trim()
        return True

    # -- the Python object --

    def _check_open(self):
        if not self._open:
            raise ValueError('database closed')

    def __repr__(self):
        return '<btree %x>' % (id(self._cache) if self._open else 0)

    def close(self):
        if self._open:
            try:
                self._sync()
            finally:
                self._open = False
                self._cache = {}
                self._lru = []
        return 0

    def flush(self):
        self._check_open()
        return self._sync()

    def get(self, *args, **kw):
        _a._check_num(len(args) + 1, 2, 3, kw)
        self._check_open()
        v = self._lookup(_key_bytes(args[0]))
        if v is None:
            return args[1] if len(args) > 1 else None
        return v

    def put(self, *args, **kw):
        _a._check_num(len(args) + 1, 3, 4, kw)
        self._check_open()
        return self._put(_key_bytes(args[0]), _key_bytes(args[1]))

    def seq(self, *args, **kw):
        _a._check_num(len(args) + 1, 2, 4, kw)
        self._check_open()
        flags = args[0]
        if type(flags) is not int:
            raise OSError(_EINVAL)
        if flags == _R_CURSOR:
            if len(args) < 2:
                raise OSError(_EINVAL)
            return self._seq(flags, _key_bytes(args[1]))
        return self._seq(flags)

    def _range(self, args, kw, kind):
        _a._check_num(len(args) + 1, 1, 4, kw)
        self._next_flags = kind
        self._start = args[0] if len(args) > 0 else None
        self._end = args[1] if len(args) > 1 else None
        if len(args) > 2:
            self._next_flags = kind | _a._int(args[2])
        return self

    def keys(self, *args, **kw):
        return self._range(args, kw, _KEYS)

    def values(self, *args, **kw):
        return self._range(args, kw, _VALUES)

    def items(self, *args, **kw):
        return self._range(args, kw, _ITEMS)

    def __iter__(self):
        if self._next_flags:
            self._iter = self._next_flags
            self._next_flags = 0
        else:
            self._iter = _KEYS
            self._start = None
            self._end = None
        return self

    def __next__(self):
        self._check_open()
        desc = self._iter & DESC
        if self._start is not _NULL:
            if self._start is not None:
                r = self._seq(_R_CURSOR, _key_bytes(self._start))
            else:
                r = self._seq(_R_LAST if desc else _R_FIRST)
            self._start = _NULL
        else:
            r = self._seq(_R_PREV if desc else _R_NEXT)
        if r is None:
            raise StopIteration
        if self._end is _NULL:
            raise StopIteration
        if self._end is not None:
            end = _key_bytes(self._end)
            k = r[0]
            over = (k < end if desc else k > end) if self._iter & INCL else (k <= end if desc else k >= end)
            if over:
                self._end = _NULL
                raise StopIteration
        kind = self._iter & _ITEMS
        if kind == _KEYS:
            return r[0]
        if kind == _VALUES:
            return r[1]
        return r

    def __getitem__(self, key):
        self._check_open()
        v = self._lookup(_key_bytes(key))
        if v is None:
            raise KeyError
        return v

    def __setitem__(self, key, value):
        self._check_open()
        self._put(_key_bytes(key), _key_bytes(value))

    def __delitem__(self, key):
        self._check_open()
        if not self._delete(_key_bytes(key)):
            raise KeyError

    def __contains__(self, key):
        self._check_open()
        return self._lookup(_key_bytes(key)) is not None


_btree = btree
del btree


def _is_stream(s):
    return isinstance(s, (_io.IOBase, _io.BytesIO, _io.StringIO, _FileIO))


def open(*args, **kw):
    if not args:
        raise TypeError('function missing 1 required positional arguments')
    stream = args[0]
    if not _is_stream(stream):
        raise OSError('stream operation not supported')
    flags, cachesize, pagesize, minkeypage = (_a._int(x) for x in _a._parse(
        args[1:], kw, (('flags', 0, True), ('cachesize', 0, True), ('pagesize', 0, True), ('minkeypage', 0, True))))
    if flags & ~1 or (pagesize and (pagesize < 512 or pagesize > 65536 or pagesize & 1)):
        raise OSError(_EINVAL)
    if minkeypage:
        if minkeypage < 2:
            raise OSError(_EINVAL)
    else:
        minkeypage = 2
    m = _read(stream, 24)
    meta = None
    if len(m):
        if len(m) != 24:
            raise OSError(_EFTYPE)
        magic, version, psize, free, nrecs, mflags = _st.unpack('<IIIIII', m)
        if magic != _MAGIC or version != _VERSION or psize < 512 or psize > 65536 or psize & 1 or mflags & ~_SAVEMETA:
            raise OSError(_EFTYPE)
        pagesize = psize
        meta = (free, nrecs, mflags)
    elif not pagesize:
        pagesize = _DEFPSIZE
    if cachesize and cachesize & (pagesize - 1):
        cachesize += (~cachesize & (pagesize - 1)) + 1
    cachesize = max(cachesize, pagesize * _MINCACHE)
    return _btree(stream, pagesize, (cachesize + pagesize - 1) // pagesize, minkeypage, meta)


try:  # help() and dir() as for the C module (ROM table order; qstr order, fidelity §4.5)
    import _fw_help
    _fw_help.register(__import__('_fw_btree'), ('__name__', 'open', 'INCL', 'DESC'),
                      ('__class__', '__name__', 'open', 'DESC', 'INCL', '__dict__'))
    _fw_help.register_instances(_btree, ('__class__', 'close', 'get', 'items', 'keys', 'values', 'flush', 'put', 'seq'))
except ImportError:
    pass
