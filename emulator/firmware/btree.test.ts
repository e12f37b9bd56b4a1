/**
 * `btree` at the REPL, as the esp8266 build has it (MP@v1.27.0 extmod/modbtree.c over Berkeley DB
 * 1.85's btree; docs/library/btree.rst; the behaviour tests/extmod/btree*.py check): the dict
 * protocol over a stream, key ranges with INCL and DESC, seq(), flush()/close() and errors, a
 * database in a littlefs file that outlives a soft reset, and the file's layout, read here by an
 * independent reader written from include/berkeley-db/btree.h (BTMETA, PAGE, BLEAF, BINTERNAL,
 * overflow chains), so a file the lab writes is one a board's btree reads.
 * Implementation: emulator/firmware/python/_fw_btree.py.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

const E = (type: string, msg: string): string =>
  `Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n${type}: ${msg}\n`;

/** Reads a Berkeley DB 1.85 btree file (little-endian) in key order: the layout, not our code. */
function readBtree(file: Uint8Array): { psize: number; items: [string, string][] } {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  expect(v.getUint32(0, true)).toBe(0x053162); // BTREEMAGIC
  expect(v.getUint32(4, true)).toBe(3); // BTREEVERSION
  const psize = v.getUint32(8, true);
  expect(file.length % psize).toBe(0);
  const page = (n: number) => n * psize;
  const overflow = (pg: number, size: number): Uint8Array => {
    const out: number[] = [];
    while (out.length < size) {
      expect(v.getUint32(page(pg) + 12, true) & 0x1f).toBe(0x04); // P_OVERFLOW
      const take = Math.min(size - out.length, psize - 20);
      out.push(...file.subarray(page(pg) + 20, page(pg) + 20 + take));
      pg = v.getUint32(page(pg) + 8, true);
    }
    return Uint8Array.from(out);
  };
  const item = (o: number, n: number, big: boolean): Uint8Array => (big ? overflow(v.getUint32(o, true), v.getUint32(o + 4, true)) : file.subarray(o, o + n));
  const dec = new TextDecoder();
  // down the leftmost edge to the first leaf, then along the leaves' nextpg links
  let pg = 1;
  for (;;) {
    const flags = v.getUint32(page(pg) + 12, true) & 0x1f;
    if (flags === 0x02) break; // P_BLEAF
    expect(flags).toBe(0x01); // P_BINTERNAL
    pg = v.getUint32(page(pg) + v.getUint16(page(pg) + 20, true) + 4, true);
  }
  const items: [string, string][] = [];
  let prev = 0;
  while (pg) {
    const base = page(pg);
    expect(v.getUint32(base, true)).toBe(pg);
    expect(v.getUint32(base + 4, true)).toBe(prev);
    const n = (v.getUint16(base + 16, true) - 20) / 2;
    for (let i = 0; i < n; i++) {
      const o = base + v.getUint16(base + 20 + 2 * i, true);
      const ks = v.getUint32(o, true);
      const ds = v.getUint32(o + 4, true);
      const fl = file[o + 8] as number;
      const k = item(o + 9, ks, (fl & 2) !== 0);
      const d = item(o + 9 + ks, ds, (fl & 1) !== 0);
      items.push([dec.decode(k), dec.decode(d)]);
    }
    prev = pg;
    pg = v.getUint32(base + 8, true);
  }
  return { psize, items };
}

describe('btree', () => {
  it('is a dict over a stream: get, put, del, in, seq, keys/values/items with start, end, INCL and DESC', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    const o = await board.session([
      'import btree, io',
      'btree, dir(btree), btree.INCL, btree.DESC',
      'f = io.BytesIO(); db = btree.open(f, pagesize=512)',
      'mv = memoryview(b"bar1foo1"); db[b"foo3"] = b"bar3"; db[b"foo1"] = b"bar1"; db["foo2"] = "bar2"; db[mv[:4]] = mv[4:]',
      's = str(db); s[:7], s[-1:], type(db), dir(db)',
      'db[b"foo2"], db.get(b"foo"), db.get(b"foo", b"dflt")',
      'del db[b"foo2"]',
      'list(db.items()), list(db.items(None, None))',
      'list(db.items(b"f")), list(db.items(b"f", b"foo3")), list(db.items(None, b"foo3"))',
      'list(db.items(b"f", b"foo3", btree.INCL)), list(db.keys(None, None, btree.DESC)), list(db.values(b"foo1"))',
      'db.seq(1, b"foo1"), db.seq(1, b"qux"), db.seq(3), db.seq(7), db.seq(6), db.seq(9)',
      'db.keys() is db, [k for k in db]',
      'db.put(b"baz1", b"qux1"), "foo1" in db, "foo2" in db, "baz1" in db',
      'db.flush(), db.close(), db.close(), db',
      'len(f.getvalue())',
    ]);
    expect(o[1]).toBe("(<module 'btree'>, ['__class__', '__name__', 'open', 'DESC', 'INCL', '__dict__'], 1, 2)\n");
    expect(o[4]).toBe("('<btree ', '>', <class 'btree'>, ['__class__', 'close', 'get', 'items', 'keys', 'values', 'flush', 'put', 'seq'])\n");
    expect(o[5]).toBe("(b'bar2', None, b'dflt')\n");
    expect(o[7]).toBe("([(b'bar1', b'foo1'), (b'foo1', b'bar1'), (b'foo3', b'bar3')], [(b'bar1', b'foo1'), (b'foo1', b'bar1'), (b'foo3', b'bar3')])\n");
    expect(o[8]).toBe("([(b'foo1', b'bar1'), (b'foo3', b'bar3')], [(b'foo1', b'bar1')], [(b'bar1', b'foo1'), (b'foo1', b'bar1')])\n");
    expect(o[9]).toBe("([(b'foo1', b'bar1'), (b'foo3', b'bar3')], [b'foo3', b'foo1', b'bar1'], [b'bar1', b'bar3'])\n");
    expect(o[10]).toBe("((b'foo1', b'bar1'), None, (b'bar1', b'foo1'), (b'foo1', b'bar1'), (b'foo3', b'bar3'), (b'foo1', b'bar1'))\n");
    expect(o[11]).toBe("(True, [b'bar1', b'foo1', b'foo3'])\n");
    expect(o[12]).toBe('(0, True, False, True)\n');
    expect(o[13]).toBe('(0, 0, 0, <btree 0>)\n');
    expect(o[14]).toBe('1024\n'); // the metadata page and the root, 512 bytes each
  });

  it("raises modbtree.c's errors: missing keys, a closed database, bad streams and settings", async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    const o = await board.session([
      'import btree, io',
      'db = btree.open(io.BytesIO())',
      'db[b"nope"]',
      'del db[b"nope"]',
      'db[5]',
      'db + b"x"',
      'db.seq(b"foo1")',
      'x = db.close(); db[b"foo"]',
      'db[b"bar"] = b"43"',
      'db.flush()',
      'list(db.items())',
      "btree.open(open('boot.py', 'r+b'))",
      'btree.open(io.BytesIO(), pagesize=511)',
      'btree.open(io.BytesIO(), minkeypage=1)',
      'btree.open(io.BytesIO(), flags=2)',
      'btree.open(5)',
      'btree.open()',
      'btree.open(io.BytesIO(), 1024)',
      'btree.open(io.BytesIO(), psize=1024)',
      'import ubtree',
    ]);
    expect(o.slice(2)).toEqual([
      E('KeyError', ''),
      E('KeyError', ''),
      E('TypeError', 'object with buffer protocol required'),
      E('TypeError', "unsupported types for __add__: 'btree', 'bytes'"),
      E('OSError', '[Errno 22] EINVAL'),
      E('ValueError', 'database closed'),
      E('ValueError', 'database closed'),
      E('ValueError', 'database closed'),
      E('ValueError', 'database closed'),
      E('OSError', '79'), // EFTYPE: not a database
      E('OSError', '[Errno 22] EINVAL'),
      E('OSError', '[Errno 22] EINVAL'),
      E('OSError', '[Errno 22] EINVAL'),
      E('OSError', 'stream operation not supported'),
      E('TypeError', 'function missing 1 required positional arguments'),
      E('TypeError', 'extra positional arguments given'),
      E('TypeError', 'extra keyword arguments given'),
      E('ImportError', "no module named 'ubtree'"),
    ]);
  });

  it("passes a stream's errors on: read 24 bytes of metadata, then seek to the end (through ioctl)", async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    const r = await board.exec(
      [
        'import btree, io',
        'class Device(io.IOBase):',
        '    def __init__(self, read_ret=0, ioctl_ret=0):',
        '        self.read_ret = read_ret',
        '        self.ioctl_ret = ioctl_ret',
        '    def readinto(self, buf):',
        '        print("read", len(buf))',
        '        return self.read_ret',
        '    def ioctl(self, cmd, arg):',
        '        print("ioctl", cmd)',
        '        return self.ioctl_ret',
        'for dev in (Device(-1000), Device(0, -1001)):',
        '    try:',
        '        btree.open(dev, pagesize=512)',
        '    except OSError as e:',
        '        print(repr(e))',
        'print(btree.open(Device(0, 0)) is not None)',
      ].join('\n'),
    );
    expect(r.err).toBe('');
    expect(r.out.replace(/\r\n/g, '\n')).toBe('read 24\nOSError(1000,)\nread 24\nioctl 2\nOSError(1001,)\nread 24\nioctl 2\nTrue\n');
  });

  // v1.27.0's board holds programs to the ESP8266's heap: the database's cache and the lists fit
  it.each(['1.27.0', '1.28.0'] as const)('keeps a database in a littlefs file: it outlives a soft reset and has the Berkeley DB layout (%s)', async (release) => {
    board = await TestBoard.boot({ sleepMode: 'instant', release });
    await board.exec(
      [
        'import btree',
        'try:',
        '    f = open("mydb", "r+b")',
        'except OSError:',
        '    f = open("mydb", "w+b")',
        'db = btree.open(f)',
        'for i in range(300):',
        '    db[b"k%03d" % i] = b"value %d" % i',
        'db[b"big"] = b"x" * 3000',
        'for i in range(0, 300, 3):',
        '    del db[b"k%03d" % i]',
        'db.close()',
        'f.close()',
      ].join('\n'),
      30000,
    );
    board.type('\x04');
    await board.waitFor('MPY: soft reboot');
    await board.waitFor('>>> ');
    const o = await board.session([
      'import btree, os, binascii',
      'f = open("mydb", "r+b"); db = btree.open(f)',
      'db[b"k001"], db.get(b"k003"), len(db[b"big"]), len(list(db)), list(db.keys(b"k296"))',
      'db.close(), f.close(), os.stat("mydb")[6] % 1024',
    ]);
    expect(o[2]).toBe("(b'value 1', None, 3000, 201, [b'k296', b'k298', b'k299'])\n");
    expect(o[3]).toBe('(0, None, 0)\n');
    // the file's bytes, read by a reader of the format
    const hex = await board.exec("f = open('mydb', 'rb')\nwhile True:\n    b = f.read(512)\n    if not b:\n        break\n    print(binascii.hexlify(b).decode())\nf.close()", 30000);
    const file = Uint8Array.from(hex.out.replace(/\s+/g, '').match(/../g)!.map((h) => parseInt(h, 16)));
    const { psize, items } = readBtree(file);
    expect(psize).toBe(1024); // the port's DEFPSIZE
    const want: [string, string][] = [['big', 'x'.repeat(3000)]];
    for (let i = 0; i < 300; i++) if (i % 3) want.push([`k${String(i).padStart(3, '0')}`, `value ${i}`]);
    expect(items).toEqual(want);
  }, 60000);

  it('writes nothing until something changes; flush() writes the pages and the metadata', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    const o = await board.session([
      'import btree, os',
      "f = open('e.db', 'w+b'); db = btree.open(f); db.close(), f.close(), os.stat('e.db')[6]",
      "f = open('e.db', 'r+b'); db = btree.open(f); db[b'a'] = b'1'; f.flush(); os.stat('e.db')[6]",
      "db.flush(), f.flush(), os.stat('e.db')[6], open('e.db', 'rb').read(12)",
      'db.close(); f.close()',
    ]);
    expect(o[1]).toBe('(0, None, 0)\n');
    expect(o[2]).toBe('0\n');
    expect(o[3]).toBe("(0, None, 2048, b'b1\\x05\\x00\\x03\\x00\\x00\\x00\\x00\\x04\\x00\\x00')\n");
  });

  it('is in the 1M build with espnow, mip and the rest; the 512K build has websocket, _webrepl and port_diag only', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant', flashSize: '1M' });
    expect((await board.session(['import btree, espnow, _espnow, mip, websocket, _webrepl; btree.DESC']))[0]).toBe('2\n');
    board.dispose();
    board = await TestBoard.boot({ sleepMode: 'instant', flashSize: '512K' });
    const o = await board.session(['import btree', 'import espnow', 'import mip', 'import websocket, _webrepl; websocket.websocket']);
    expect(o[0]).toContain("ImportError: no module named 'btree'");
    expect(o[1]).toContain("ImportError: no module named 'espnow'");
    expect(o[2]).toContain("ImportError: no module named 'mip'");
    expect(o[3]).toBe("<class 'websocket'>\n");
  });
});
