/**
 * `websocket` and `_webrepl` at the REPL, as the esp8266 build has them (MP@v1.27.0
 * extmod/modwebsocket.c, extmod/modwebrepl.c; RFC 6455's framing; the behaviour
 * tests/extmod/websocket_basic.py checks): frames read and written over a stream, masks,
 * fragments, control frames, the data options, the password exchange and the file protocol of
 * WebREPL. Implementation: emulator/firmware/python/_fw_websocket.py, _fw_webrepl_c.py.
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

/** A stream with separate input and output, for a server's side of a connection. */
const PIPE = [
  'import io',
  'class Pipe(io.IOBase):',
  '    def __init__(self, data):',
  '        self.i = io.BytesIO(data)',
  '        self.o = io.BytesIO()',
  '    def readinto(self, b):',
  '        return self.i.readinto(b)',
  '    def write(self, b):',
  '        return self.o.write(b)',
  '    def close(self):',
  '        print("closed")',
].join('\n');

describe('websocket', () => {
  it('reads and writes frames over a stream: fragments, lengths, masks, control frames, data options', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    const o = await board.session([
      'import websocket, uwebsocket, io',
      'websocket, uwebsocket is websocket, dir(websocket), websocket.websocket',
      'websocket.websocket(io.BytesIO(b"\\x81\\x04ping")).read(4)',
      's = io.BytesIO(); ws = websocket.websocket(s); ws.write(b"pong"), s.getvalue(), ws, dir(ws)',
      'ws = websocket.websocket(io.BytesIO(b"\\x01\\x04ping\\x00\\x04Ping\\x80\\x04PING")); [ws.read(n) for n in (6, 4, 2, 2)]',
      'websocket.websocket(io.BytesIO(b"\\x81~\\x00\\x80" + b"ping" * 32)).read(128) == b"ping" * 32',
      's = io.BytesIO(); websocket.websocket(s).write(b"pong" * 32), s.getvalue()[:6]',
      'websocket.websocket(io.BytesIO(b"\\x81\\x88maskmaskMASK")).read(8), websocket.websocket(io.BytesIO(b"\\x81\\xfe\\x00\\x08maskmaskMASK")).read(8)',
      's = io.BytesIO(b"\\x88\\x00"); ws = websocket.websocket(s); ws.read(1), s.getvalue()',
      'websocket.websocket(io.BytesIO(b"\\x89\\x00\\x81\\x04ping")).read(4), websocket.websocket(io.BytesIO(b"\\x8a\\x00\\x81\\x04pong")).read(4)',
      'ws = websocket.websocket(io.BytesIO()); ws.ioctl(8), ws.ioctl(9, 2), ws.ioctl(9)',
      's = io.BytesIO(); ws = websocket.websocket(s); ws.ioctl(9, 2); ws.write("hi"), s.getvalue()',
      'ws = websocket.websocket(io.BytesIO(b"\\x82\\x02\\x01\\x02\\x81\\x01x")); ws.read(2), ws.ioctl(8), ws.read(1), ws.ioctl(8)',
      'websocket.websocket(io.BytesIO(b"\\x81\\x06line\\nx")).readline()',
    ]);
    expect(o[1]).toBe("(<module 'websocket'>, True, ['__class__', '__name__', '__dict__', 'websocket'], <class 'websocket'>)\n");
    expect(o[2]).toBe("b'ping'\n");
    expect(o[3]).toBe("(4, b'\\x81\\x04pong', <websocket>, ['__class__', 'close', 'read', 'readinto', 'readline', 'write', 'ioctl'])\n");
    expect(o[4]).toBe("[b'pingPi', b'ngPI', b'NG', b'']\n");
    expect(o[5]).toBe('True\n');
    expect(o[6]).toBe("(128, b'\\x81~\\x00\\x80po')\n");
    expect(o[7]).toBe("(b'\\x00\\x00\\x00\\x00    ', b'\\x00\\x00\\x00\\x00    ')\n");
    expect(o[8]).toBe("(b'', b'\\x88\\x00\\x88\\x00')\n"); // the close frame is answered, and reads as the end
    expect(o[9]).toBe("(b'ping', b'pong')\n");
    expect(o[10]).toBe('(0, 1, 2)\n');
    expect(o[11]).toBe("1\n(2, b'\\x82\\x02hi')\n");
    expect(o[12]).toBe("(b'\\x01\\x02', 2, b'x', 1)\n");
    expect(o[13]).toBe("b'line\\n'\n");
  });

  it("raises modwebsocket.c's errors: a 64-bit length, an unknown ioctl, no stream, no arguments", async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    const o = await board.session([
      'import websocket, io',
      'websocket.websocket(io.BytesIO(b"\\x81\\x7f\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80" + b"ping" * 32)).read(1)',
      'websocket.websocket(io.BytesIO()).ioctl(-1)',
      'websocket.websocket(io.BytesIO()).ioctl(3, 1)',
      'websocket.websocket()',
      'websocket.websocket(5)',
      'websocket.websocket(io.BytesIO(), True).write(b"x")',
    ]);
    expect(o.slice(1)).toEqual([
      E('OSError', '[Errno 5] EIO'),
      E('OSError', '[Errno 22] EINVAL'),
      E('OSError', '[Errno 22] EINVAL'),
      E('TypeError', 'function missing 1 required positional arguments'),
      E('OSError', 'stream operation not supported'),
      E('AttributeError', "'BytesIO' object has no attribute 'setblocking'"),
    ]);
  });

  it('a frame of 64 KB or more is refused: ENOBUFS', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    const r = await board.exec("import websocket, io\nws = websocket.websocket(io.BytesIO())\ntry:\n    ws.write(bytearray(65536))\nexcept OSError as e:\n    print('ENOBUFS', e.errno == 105)\nexcept MemoryError:\n    print('MemoryError')");
    expect(r.err).toBe('');
    // the 64 KB buffer may already fail to be allocated (tests/extmod/websocket_toobig.py then skips)
    expect(['ENOBUFS True\r\n', 'MemoryError\r\n']).toContain(r.out);
  });

  it('a websocket.py comes first (an extensible built-in); uwebsocket stays the built-in; an espnow.py shadows the frozen espnow', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    const o = await board.session([
      "f = open('websocket.py', 'w'); f.write('X = 1\\n'); f.close(); f = open('espnow.py', 'w'); f.write('Y = 2\\n'); f.close()",
      'import websocket, uwebsocket, espnow; websocket.X, uwebsocket, espnow.Y',
    ]);
    expect(o[1]).toBe("(1, <module 'websocket'>, 2)\n");
  });
});

describe('_webrepl', () => {
  it('password() takes at most 9 characters; the object asks for it, then passes the REPL through', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    await board.exec(PIPE);
    const o = await board.session([
      'import _webrepl, websocket',
      '_webrepl, dir(_webrepl), _webrepl.password("secret")',
      '_webrepl.password("0123456789")',
      '_webrepl.password(5)',
      'p = Pipe(b"\\x81\\x07secret\\r\\x81\\x03ab\\n"); w = _webrepl._webrepl(websocket.websocket(p)); w.read(3), p.o.getvalue().replace(b">", b"}")',
      'w.write(b"ok"), p.o.getvalue()[-4:]',
      'p = Pipe(b"\\x81\\x04bad\\r"); w = _webrepl._webrepl(websocket.websocket(p)); w.write(b"hidden"), w.read(1), p.o.getvalue()',
      'w.close()',
    ]);
    expect(o[1]).toBe("(<module '_webrepl'>, ['__class__', '__name__', '__dict__', '_webrepl', 'password'], None)\n");
    expect(o[2]).toBe(E('ValueError', ''));
    expect(o[3]).toBe(E('TypeError', "can't convert 'int' object to str implicitly"));
    // (the prompt's '>' shown as '}', so that the test's wait for the REPL's prompt is not fooled)
    expect(o[4]).toBe("(b'ab\\n', b'\\x81\\nPassword: \\x81\\x19\\r\\nWebREPL connected\\r\\n}}} ')\n");
    expect(o[5]).toBe("(2, b'\\x81\\x02ok')\n");
    expect(o[6]).toBe("(6, b'', b'\\x81\\nPassword: \\x81\\x11\\r\\nAccess denied\\r\\n')\n");
    expect(o[7]).toBe('closed\n');
  });

  it('carries the file protocol in binary frames: put, get, version', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    await board.exec(PIPE);
    await board.exec(
      [
        'import _webrepl, websocket, struct',
        '_webrepl.password("pw")',
        'def req(op, name, size=0):',
        '    h = b"WA" + struct.pack("<BBQLH", op, 0, 0, size, len(name)) + name + bytes(64 - len(name))',
        '    return b"\\x82" + bytes((126, 0, len(h))) + h',
        'login = b"\\x81\\x03pw\\n"',
        'put = req(1, b"up.txt", 5) + b"\\x82\\x05hello"',
        'p = Pipe(login + put); w = _webrepl._webrepl(websocket.websocket(p)); print(w.read(1), p.o.getvalue()[-12:])',
        'print(open("up.txt").read())',
        'get = req(2, b"up.txt") + b"\\x82\\x01\\x00" + b"\\x82\\x01\\x00"',
        'p = Pipe(login + get); w = _webrepl._webrepl(websocket.websocket(p)); print(w.read(1), p.o.getvalue()[-19:])',
        'p = Pipe(login + req(3, b"")); w = _webrepl._webrepl(websocket.websocket(p)); print(w.read(1), p.o.getvalue()[-5:])',
        'import sys; print(bytes(sys.implementation.version[:3]))',
      ].join('\n'),
    ).then((r) => {
      expect(r.err).toBe('');
      const lines = r.out.replace(/\r\n/g, '\n').split('\n');
      const ver = lines.at(-2)!.slice(2, -1); // the release's version as bytes (e.g. \x01\x1b\x00)
      expect(lines.slice(0, -2).join('\n') + '\n').toBe(
        // put: "WB" 0 when the file is open, again when its bytes are written
        "b'' b'\\x82\\x04WB\\x00\\x00\\x82\\x04WB\\x00\\x00'\n" +
          'hello\n' +
          // get: "WB" 0, a chunk (length 5, the bytes), an empty chunk, "WB" 0
          "b'' b'\\x82\\x07\\x05\\x00hello\\x82\\x02\\x00\\x00\\x82\\x04WB\\x00\\x00'\n" +
          // version: the three numbers of the release
          `b'' b'\\x82\\x03${ver}'\n`,
      );
    });
  });
});
