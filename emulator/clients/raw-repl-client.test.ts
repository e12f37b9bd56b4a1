/**
 * The raw-REPL client against the emulated board, through nothing but UART0 (as mpremote talks to
 * a real ESP8266; tools/mpremote/mpremote/transport_serial.py, reference serial-protocols.md §4),
 * and against a scripted device for the parts our firmware never does (R\x00, early paste end).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';
import { pyBytes, pyStr, RawReplClient, RawReplError, RawReplTimeoutError, type SerialLink } from './raw-repl-client.ts';

/** inisetup.py's boot.py (filesystem.test.ts), as `os.stat` reports it. */
const BOOT_PY_SIZE = 228;

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

/** 10 000 bytes with every byte value, in an order that is not just counting. */
function allBytes(n = 10_000): Uint8Array {
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = (i * 7 + (i >> 8)) & 0xff;
  return data;
}

describe('literals', () => {
  it('pyBytes writes every byte as ASCII that Python reads back', () => {
    expect(pyBytes(Uint8Array.of(0x41, 0x27, 0x5c, 0x00, 0x0a, 0x04, 0x7f, 0xff))).toBe("b'A\\'\\\\\\x00\\x0a\\x04\\x7f\\xff'");
  });
  it('pyStr escapes quotes, controls and non-ASCII', () => {
    expect(pyStr("it's\\\n é€😀")).toBe("'it\\'s\\\\\\x0a \\xe9\\u20ac\\U0001f600'");
  });
});

describe('RawReplClient on the emulated board', () => {
  it('lists a fresh board: boot.py, and leaves the board at the friendly prompt', async () => {
    board = await TestBoard.boot();
    const client = new RawReplClient(board.host);
    board.since();
    const files = await client.ls();
    expect(files).toEqual([{ name: 'boot.py', size: BOOT_PY_SIZE, isDir: false }]);
    // it went the way mpremote goes: Ctrl-C, Ctrl-A, raw-paste, Ctrl-B, banner and prompt
    expect(board.recentBytes).toContain('raw REPL; CTRL-B to exit\r\n>R\x01\x80\x00\x01');
    expect(board.recent.endsWith('Type "help()" for more information.\r\n>>> ')).toBe(true);
    expect(await board.line('1 + 1')).toBe('1 + 1\r\n2\r\n>>> ');
  });

  it('puts and cats back a 10 000-byte binary file with every byte value', async () => {
    board = await TestBoard.boot();
    const client = new RawReplClient(board.host);
    const data = allBytes();
    expect(new Set(data).size).toBe(256);
    const seen: number[] = [];
    await client.put('data.bin', data, (done) => seen.push(done));
    expect(seen.at(-1)).toBe(10_000);
    expect(await client.ls()).toContainEqual({ name: 'data.bin', size: 10_000, isDir: false });
    // the board agrees on its own, in the friendly REPL
    const probe = await board.line("d = open('data.bin','rb').read(); print(len(d), sum(d), d[250:260].hex())");
    expect(probe).toContain(`${data.length} ${data.reduce((a, b) => a + b, 0)} ${Buffer.from(data.subarray(250, 260)).toString('hex')}\r\n`);
    const back = await client.cat('data.bin');
    expect(back.length).toBe(10_000);
    expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
  });

  it('moves a file larger than the ESP8266 heap (38 KB) in chunks, reporting progress', async () => {
    board = await TestBoard.boot();
    const client = new RawReplClient(board.host);
    const data = allBytes(60_000);
    await client.put('big.bin', data);
    const seen: [number, number][] = [];
    const back = await client.cat('big.bin', (done, total) => seen.push([done, total]));
    expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.every(([d, t], i) => t === 60_000 && d <= t && (i === 0 || d >= seen[i - 1]![0]))).toBe(true);
    expect(seen.at(-1)).toEqual([60_000, 60_000]);
  });

  it('reads and writes text files, empty files, and names needing escapes', async () => {
    board = await TestBoard.boot();
    const client = new RawReplClient(board.host);
    const boot = new TextDecoder().decode(await client.cat('boot.py'));
    expect(boot.startsWith('# This file is executed on every boot')).toBe(true);
    await client.put("it's é.txt", new TextEncoder().encode('héllo\n'));
    await client.put('empty', new Uint8Array(0));
    const names = (await client.ls()).map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(["it's é.txt", 'empty']));
    expect(new TextDecoder().decode(await client.cat("it's é.txt"))).toBe('héllo\n');
    expect((await client.cat('empty')).length).toBe(0);
  });

  it('removes a file; a missing file is a RawReplError with the board\'s OSError', async () => {
    board = await TestBoard.boot();
    const client = new RawReplClient(board.host);
    await client.put('gone.txt', new TextEncoder().encode('x'));
    await client.rm('gone.txt');
    expect((await client.ls()).map((f) => f.name)).toEqual(['boot.py']);
    const err = await client.cat('gone.txt').then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(RawReplError);
    expect((err as RawReplError).message).toBe('OSError: [Errno 2] ENOENT');
    expect((err as RawReplError).errno).toBe(2);
    expect((err as RawReplError).traceback).toContain('Traceback (most recent call last):');
    await expect(client.rm('gone.txt')).rejects.toThrow('OSError: [Errno 2] ENOENT');
    // the board is usable afterwards, at the friendly prompt
    expect(await board.line('print("still here")')).toContain('still here\r\n>>> ');
  });

  it('makes, lists, renames and removes directories', async () => {
    board = await TestBoard.boot();
    const client = new RawReplClient(board.host);
    await client.mkdir('lib');
    await client.put('lib/util.py', new TextEncoder().encode('X = 1\n'));
    expect(await client.ls()).toContainEqual({ name: 'lib', size: 0, isDir: true });
    expect(await client.ls('lib')).toEqual([{ name: 'util.py', size: 6, isDir: false }]);
    await expect(client.rmdir('lib')).rejects.toThrow(RawReplError);
    await client.rename('lib/util.py', 'util.py');
    await client.rmdir('lib');
    expect((await client.ls()).map((f) => f.name).sort()).toEqual(['boot.py', 'util.py']);
    await expect(client.ls('nowhere')).rejects.toThrow('ENOENT');
  });

  it('interrupts a running `while True: pass`, as mpremote does, and keeps its variables', async () => {
    board = await TestBoard.boot();
    board.type('n = 42\r');
    await board.waitFor('>>> ');
    board.type('while True: pass\r\r');
    await new Promise((r) => setTimeout(r, 300));
    expect(board.recent.endsWith('>>> ')).toBe(false); // still running
    const client = new RawReplClient(board.host);
    board.since();
    expect((await client.ls()).map((f) => f.name)).toEqual(['boot.py']);
    expect(board.recent).toContain('KeyboardInterrupt: \r\n');
    expect(await board.line('n')).toContain('\r\n42\r\n>>> ');
  });

  it('runs one operation at a time, in call order', async () => {
    board = await TestBoard.boot();
    const client = new RawReplClient(board.host);
    const order: string[] = [];
    const a = client.put('a.txt', new TextEncoder().encode('A'.repeat(3000))).then(() => order.push('put'));
    const b = client.ls().then((l) => order.push(`ls:${l.map((f) => f.name).join(',')}`));
    const c = client.cat('a.txt').then((d) => order.push(`cat:${d.length}`));
    expect(client.busy).toBe(true);
    await Promise.all([a, b, c]);
    expect(order).toEqual(['put', 'ls:a.txt,boot.py', 'cat:3000']);
    expect(client.busy).toBe(false);
  });

  it('a board that does not answer (download mode) is a clear timeout', async () => {
    board = await TestBoard.boot();
    await board.enterDownloadMode();
    const client = new RawReplClient(board.host, { enterTimeoutMs: 2000 });
    const t0 = Date.now();
    await expect(client.ls()).rejects.toThrow(/did not enter the raw REPL within 2 s/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

/**
 * A scripted MicroPython device: the raw REPL of pyexec.c with or without raw-paste support.
 * Programs are answered by `run` (stdout, stderr).
 */
class FakeDevice implements SerialLink {
  private fn: ((d: Uint8Array, baud: number) => void) | null = null;
  private mode: 'friendly' | 'raw' | 'paste' = 'friendly';
  private line = '';
  readonly programs: string[] = [];
  readonly sent: string[] = [];
  private pasteLeft = 0;
  private readonly opts: { rawPaste: 'yes' | 'no' | 'abort'; run: (code: string) => [string, string] };
  constructor(opts: { rawPaste: 'yes' | 'no' | 'abort'; run: (code: string) => [string, string] }) {
    this.opts = opts;
  }
  on(_event: 'serial', fn: (data: Uint8Array, baud: number) => void): () => void {
    this.fn = fn;
    return () => (this.fn = null);
  }
  private out(s: string): void {
    const bytes = Uint8Array.from(s, (c) => c.charCodeAt(0));
    queueMicrotask(() => this.fn?.(bytes, 115200));
  }
  write(data: Uint8Array | string): void {
    const s = typeof data === 'string' ? data : String.fromCharCode(...data);
    this.sent.push(s);
    for (const ch of s) this.byte(ch);
  }
  private byte(ch: string): void {
    if (this.mode === 'paste') {
      if (ch === '\x04') {
        this.mode = 'raw';
        this.out('\x04');
        this.finish();
      } else {
        this.line += ch;
        if (--this.pasteLeft === 0) {
          this.pasteLeft = 16;
          this.out('\x01');
        }
        if (this.opts.rawPaste === 'abort' && this.line.includes('SYNTAX')) {
          // like a board that stops reading at a syntax error: ends the paste, waits for \x04
          this.mode = 'raw';
          this.line = '';
          this.out('\x04');
          this.aborted = true;
        }
      }
      return;
    }
    if (this.aborted && ch === '\x04') {
      this.aborted = false;
      this.out('\x04Traceback (most recent call last):\r\nSyntaxError: invalid syntax\r\n\x04>');
      return;
    }
    if (ch === '\x01') {
      if (this.mode === 'raw' && this.line === '\x05A') {
        this.line = '';
        if (this.opts.rawPaste === 'no') return this.out('R\x00>');
        this.mode = 'paste';
        this.pasteLeft = 16;
        return this.out('R\x01\x10\x00\x01');
      }
      this.mode = 'raw';
      this.line = '';
      return this.out('\r\nraw REPL; CTRL-B to exit\r\n>');
    }
    if (ch === '\x02') {
      this.mode = 'friendly';
      return this.out('\r\nMicroPython fake\r\n>>> ');
    }
    if (ch === '\x03') {
      this.line = '';
      if (this.mode === 'friendly') this.out('\r\n>>> ');
      return;
    }
    if (ch === '\x04' && this.mode === 'raw') {
      this.out('OK');
      this.finish();
      return;
    }
    if (this.mode === 'raw') this.line += ch;
  }
  private aborted = false;
  private finish(): void {
    const code = this.line;
    this.line = '';
    this.programs.push(code);
    const [o, e] = this.opts.run(code);
    this.out(`${o}\x04${e}\x04>`);
  }
}

describe('RawReplClient against a scripted device', () => {
  it('falls back to the plain raw REPL when the board answers R\\x00, and stays there', async () => {
    const dev = new FakeDevice({ rawPaste: 'no', run: (c) => [c.includes('ilistdir') ? '["main.py", 32768, 12]\r\n' : '', ''] });
    const client = new RawReplClient(dev);
    expect(await client.ls()).toEqual([{ name: 'main.py', size: 12, isDir: false }]);
    expect(await client.exec('print(1)')).toMatchObject({ out: '' });
    // raw-paste was asked once, then the source went with Ctrl-D and "OK"
    expect(dev.sent.filter((s) => s === '\x05A\x01')).toHaveLength(1);
    expect(dev.programs.at(-1)).toBe('print(1)');
  });

  it('keeps to the raw-paste window the board grants', async () => {
    const dev = new FakeDevice({ rawPaste: 'yes', run: () => ['ok\r\n', ''] });
    const client = new RawReplClient(dev);
    const code = `x = ${'1 + '.repeat(40)}1`;
    expect((await client.exec(code)).out).toBe('ok\r\n');
    expect(dev.programs).toEqual([code]);
    // never more than two windows (16 + 16 bytes) in one write
    const pasteWrites = dev.sent.slice(dev.sent.indexOf('\x05A\x01') + 1, -2);
    expect(Math.max(...pasteWrites.map((s) => s.length))).toBeLessThanOrEqual(32);
  });

  it('acknowledges a paste the board ends early and reports its error', async () => {
    const dev = new FakeDevice({ rawPaste: 'abort', run: () => ['', ''] });
    const client = new RawReplClient(dev);
    await expect(client.exec(`SYNTAX ${'y'.repeat(100)}`)).rejects.toThrow('SyntaxError: invalid syntax');
  });

  it('stderr from the board becomes a RawReplError; the client carries on', async () => {
    const dev = new FakeDevice({ rawPaste: 'yes', run: (c) => (c === 'boom' ? ['', 'Traceback (most recent call last):\r\nOSError: 28\r\n'] : ['fine', '']) });
    const client = new RawReplClient(dev);
    const err = await client.exec('boom').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RawReplError);
    expect((err as RawReplError).errno).toBe(28);
    expect((await client.exec('ok')).out).toBe('fine');
  });

  it('a board that never answers is a timeout that names what was awaited', async () => {
    const silent: SerialLink = { write: () => {}, on: () => () => {} };
    const client = new RawReplClient(silent, { enterTimeoutMs: 300 });
    const err = await client.ls().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RawReplTimeoutError);
    expect((err as Error).message).toMatch(/raw REPL within 0.3 s/);
  });
});
