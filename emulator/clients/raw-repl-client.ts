/**
 * A raw-REPL client: what `mpremote` does to a MicroPython board over its serial port, written
 * for the emulated board's {@link BoardHost} (or anything else with the same two members). It
 * uses nothing but the bytes a real serial tool sends and reads on UART0 — no back door into the
 * emulator — so every operation here works the same way on a real ESP8266.
 *
 * The exchange (our reference `serial-protocols.md` §4 "Raw REPL" / "Raw-paste" / "Host side";
 * MicroPython `tools/mpremote/mpremote/transport_serial.py`: `enter_raw_repl`, `exec_raw_no_follow`,
 * `raw_paste_write`, `follow`, `exit_raw_repl`; `shared/runtime/pyexec.c`: `pyexec_raw_repl`,
 * `do_reader_stdin`):
 *
 * 1. `\r\x03\x03` stops whatever runs (KeyboardInterrupt) and clears the line; `\r\x01` enters the
 *    raw REPL, which answers `raw REPL; CTRL-B to exit\r\n>`. Unlike mpremote's first command we
 *    send no Ctrl-D soft reset (as `mpremote resume`), so the learner's variables survive.
 * 2. Each program goes in raw-paste mode: `\x05A\x01` → `R\x01`, the window as u16 LE, then one
 *    `\x01` per window the board has room for; the source ends with `\x04`, acknowledged by `\x04`.
 *    A board that answers `R\x00` gets the plain raw REPL instead (source, `\x04`, `OK`).
 * 3. The board prints `stdout \x04 stderr \x04 >`. A non-empty stderr is a traceback: the
 *    operation fails with {@link RawReplError}.
 * 4. `\r\x02` goes back to the friendly REPL, which prints its banner and `>>> `.
 *
 * Files move as mpremote's `fs cp` moves them (`transport.py`: `fs_writefile`, `fs_readfile`):
 * writes in 256-byte chunks of `w(b'…')`, reads in 256-byte chunks on the board — here sent back
 * as hex text, so binary files survive the text channel and the ESP8266's 38 KB heap never
 * holds more than one chunk.
 *
 * Framework-free: runs in the browser's main thread and in Node.
 */

/** The serial line as the client needs it; {@link BoardHost} has both members. */
export interface SerialLink {
  /** Sends bytes to the board's UART0 RX (a string is sent as UTF-8). */
  write(data: Uint8Array | string): void;
  /**
   * Subscribes to UART0 TX output. Returns an unsubscribe function.
   * @param fn called with each chunk of bytes and the baud rate it was sent at
   */
  on(event: 'serial', fn: (data: Uint8Array, baud: number) => void): () => void;
}

/** One entry of a directory listing ({@link RawReplClient.ls}). */
export interface FileEntry {
  /** The entry's name inside the listed directory (no path). */
  name: string;
  /** Size in bytes (0 for a directory). */
  size: number;
  /** Whether it is a directory (`os.ilistdir` type 0x4000). */
  isDir: boolean;
}

/** What a program printed ({@link RawReplClient.exec}). */
export interface ExecResult {
  /** Its standard output, bytes as the board sent them (`\r\n` line ends). */
  stdout: Uint8Array;
  /** Its standard output decoded as UTF-8. */
  out: string;
}

/** Called while a file moves: bytes done so far and the total, in bytes. */
export type Progress = (done: number, total: number) => void;

export interface RawReplClientOptions {
  /** The REPL's baud rate; output sent at other rates (the boot ROM's 74880) is ignored. Default 115200. */
  baud?: number;
  /**
   * How long the board may stay silent while an answer is awaited, in ms (reset by every byte
   * that arrives; mpremote's `read_until` timeout is 10 s). Default 10000.
   */
  timeoutMs?: number;
  /** How long entering the raw REPL may take in all, retries included, in ms. Default 10000. */
  enterTimeoutMs?: number;
  /** Try raw-paste mode first (default true); false sends every program the plain raw-REPL way. */
  rawPaste?: boolean;
  /** Bytes per `w(b'…')` write when putting a file (mpremote: 256). */
  chunkSize?: number;
  /** Writes per program when putting a file (mpremote: 1). Default 4. */
  chunksPerExec?: number;
  /** Called when an operation starts, before the first byte is sent (e.g. to take the serial port). */
  onBegin?: () => void;
  /** Called just before `\r\x02` (leaving the raw REPL) or when an operation fails, once per operation. */
  onLeave?: () => void;
}

/**
 * The program failed on the board: its traceback (stderr of the raw REPL) is in {@link traceback}
 * and its last line in `message`, e.g. `OSError: [Errno 2] ENOENT`.
 */
export class RawReplError extends Error {
  /** The whole traceback as the board printed it (`\r\n` line ends). */
  readonly traceback: string;
  /** What the program printed before it failed. */
  readonly out: string;
  /** The errno of an `OSError` (2 for ENOENT), else null. */
  readonly errno: number | null;

  constructor(traceback: string, out = '') {
    const lines = traceback.split(/\r?\n/).filter((l) => l.trim() !== '');
    super(lines.at(-1) ?? 'error on the board');
    this.name = 'RawReplError';
    this.traceback = traceback;
    this.out = out;
    const m = /OSError: (?:\[Errno (\d+)\]|(\d+)$)/m.exec(traceback);
    this.errno = m ? Number(m[1] ?? m[2]) : null;
  }
}

/** The board did not answer as a MicroPython raw REPL does, or not in time. */
export class RawReplProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RawReplProtocolError';
  }
}

/** The board stayed silent for longer than the timeout while an answer was awaited. */
export class RawReplTimeoutError extends RawReplProtocolError {
  constructor(message: string) {
    super(message);
    this.name = 'RawReplTimeoutError';
  }
}

const RAW_BANNER = 'raw REPL; CTRL-B to exit\r\n';
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A Python bytes literal made of ASCII only: printable bytes as they are, the rest as `\xNN`. */
export function pyBytes(data: Uint8Array): string {
  let s = "b'";
  for (const b of data) {
    if (b === 0x5c) s += '\\\\';
    else if (b === 0x27) s += "\\'";
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${s}'`;
}

/** A Python str literal in ASCII only (`\uXXXX`/`\UXXXXXXXX` for the rest), like Python's `ascii()`. */
export function pyStr(text: string): string {
  let s = "'";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') s += '\\\\';
    else if (ch === "'") s += "\\'";
    else if (c >= 0x20 && c < 0x7f) s += ch;
    else if (c < 0x100) s += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c < 0x10000) s += `\\u${c.toString(16).padStart(4, '0')}`;
    else s += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return `${s}'`;
}

/** Decodes hex text (line ends and other whitespace ignored). */
function fromHex(text: string): Uint8Array {
  const hex = text.replace(/\s+/g, '');
  if (hex.length % 2 !== 0 || /[^0-9a-fA-F]/.test(hex)) throw new RawReplProtocolError('the board sent a file that is not hex text');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Runs `body` (indented one space) in a function, so its names do not land in the learner's globals. */
function wrapped(body: string): string {
  const inner = body.split('\n').map((l) => ` ${l}`).join('\n');
  return `def _fm_op():\n${inner}\ntry:\n _fm_op()\nfinally:\n del _fm_op\n`;
}

/** Bytes received from the board, with waits for what is expected next. */
class Inbox {
  private buf = new Uint8Array(1024);
  private len = 0;
  private wake: (() => void) | null = null;
  /** Time the last byte arrived (ms, Date.now()). */
  lastRx = 0;

  push(data: Uint8Array): void {
    if (this.len + data.length > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + data.length));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(data, this.len);
    this.len += data.length;
    this.lastRx = Date.now();
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  get size(): number {
    return this.len;
  }

  clear(): void {
    this.len = 0;
  }

  /** Removes and returns the first `n` bytes. */
  take(n: number): Uint8Array {
    const out = this.buf.slice(0, n);
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    return out;
  }

  /** Index just past the first occurrence of `ending` at or after `from`, or -1. */
  find(ending: Uint8Array, from = 0): number {
    outer: for (let i = Math.max(0, from); i + ending.length <= this.len; i++) {
      for (let j = 0; j < ending.length; j++) if (this.buf[i + j] !== ending[j]) continue outer;
      return i + ending.length;
    }
    return -1;
  }

  /**
   * Waits until `ready()` returns a value other than -1 (checked now and after every arrival).
   * Fails when no byte arrives for `idleMs` (or, with `deadline`, at that time).
   */
  async until(ready: () => number, idleMs: number, what: string, deadline = Infinity): Promise<number> {
    const start = Date.now();
    for (;;) {
      const r = ready();
      if (r !== -1) return r;
      const now = Date.now();
      const idleEnd = Math.max(this.lastRx, start) + idleMs;
      const end = Math.min(idleEnd, deadline);
      if (now >= end) {
        const tail = dec.decode(this.buf.subarray(Math.max(0, this.len - 80), this.len));
        throw new RawReplTimeoutError(`no answer from the board while waiting for ${what} (${Math.round((now - start) / 100) / 10} s; last output ${JSON.stringify(tail)})`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, end - now);
        const self = this;
        function done() {
          clearTimeout(t);
          if (self.wake === done) self.wake = null;
          resolve();
        }
        this.wake = done;
      });
    }
  }

  /** Waits for `ending` and returns everything up to it (the ending removed as well, not returned). */
  async readUntil(ending: string | Uint8Array, idleMs: number, what: string, deadline = Infinity, consumer?: (chunk: Uint8Array) => void): Promise<Uint8Array> {
    const e = typeof ending === 'string' ? enc.encode(ending) : ending;
    let scanned = 0;
    const pass = consumer && e.length === 1;
    const end = await this.until(() => {
      const at = this.find(e, scanned - e.length + 1);
      if (at === -1) {
        scanned = this.len;
        // hand over what has arrived, so a long answer is not held twice
        if (pass && this.len > 4096) consumer(this.take(this.len)), (scanned = 0);
      }
      return at;
    }, idleMs, what, deadline);
    const data = this.take(end);
    const body = data.subarray(0, data.length - e.length);
    if (pass) {
      consumer(body);
      return new Uint8Array(0);
    }
    return body;
  }

  /** Waits for `n` bytes and returns them. */
  async read(n: number, idleMs: number, what: string): Promise<Uint8Array> {
    await this.until(() => (this.len >= n ? n : -1), idleMs, what);
    return this.take(n);
  }
}

/**
 * One visit to the raw REPL (between entering and leaving it): programs run one after another.
 * Get one from {@link RawReplClient.session}; the client's own methods each use one.
 */
export class RawReplSession {
  private readonly link: SerialLink;
  private readonly inbox: Inbox;
  private readonly opts: Required<Omit<RawReplClientOptions, 'onBegin' | 'onLeave'>>;
  /** Whether the board answered `R\x00` to raw-paste: plain raw REPL from then on. */
  private rawPaste: boolean;

  /** @internal created by {@link RawReplClient} */
  constructor(link: SerialLink, inbox: Inbox, opts: Required<Omit<RawReplClientOptions, 'onBegin' | 'onLeave'>>, rawPaste: boolean) {
    this.link = link;
    this.inbox = inbox;
    this.opts = opts;
    this.rawPaste = rawPaste;
  }

  /** Whether raw-paste is still tried (false once the board answered `R\x00`). */
  get usesRawPaste(): boolean {
    return this.rawPaste;
  }

  /**
   * Runs a program in the raw REPL and returns its output.
   * @param code Python source (UTF-8; must not contain bytes 0x01–0x05, which are raw-REPL commands)
   * @param consumer if given, receives stdout in pieces as it arrives instead of `stdout` holding it
   * @throws RawReplError when it printed a traceback; RawReplProtocolError / RawReplTimeoutError
   *   when the board did not answer as the raw REPL does
   */
  async exec(code: string, consumer?: (chunk: Uint8Array) => void): Promise<ExecResult> {
    const src = enc.encode(code);
    const t = this.opts.timeoutMs;
    if (this.rawPaste) {
      this.link.write('\x05A\x01');
      const answer = dec.decode(await this.inbox.read(2, t, 'the answer to raw-paste (R\\x01)'));
      if (answer === 'R\x01') {
        await this.pasteWrite(src);
      } else if (answer === 'R\x00') {
        // understood but not supported: the board prints a new prompt (pyexec.c, pyexec_raw_repl)
        await this.inbox.readUntil('>', t, 'the raw REPL prompt after R\\x00');
        this.rawPaste = false;
      } else {
        // an old firmware re-prints the banner (serial-protocols.md §4, raw-paste step 2)
        await this.inbox.readUntil(`w REPL; CTRL-B to exit\r\n>`, t, 'the raw REPL banner (no raw-paste)');
        this.rawPaste = false;
      }
    }
    if (!this.rawPaste) {
      // plain raw REPL: the source, Ctrl-D, then "OK" (mpremote sends 256 bytes every 10 ms)
      for (let i = 0; i < src.length; i += 256) {
        this.link.write(src.subarray(i, i + 256));
        if (i + 256 < src.length) await new Promise((r) => setTimeout(r, 10));
      }
      this.link.write('\x04');
      const ok = dec.decode(await this.inbox.read(2, t, 'OK'));
      if (ok !== 'OK') throw new RawReplProtocolError(`the board did not accept the program (answered ${JSON.stringify(ok)} instead of "OK")`);
    }
    const stdout = await this.inbox.readUntil('\x04', t, 'the end of the output (\\x04)', Infinity, consumer);
    const stderr = dec.decode(await this.inbox.readUntil('\x04', t, 'the end of the error output (\\x04)'));
    await this.inbox.readUntil('>', t, 'the raw REPL prompt (>)');
    const out = dec.decode(stdout);
    if (stderr.length > 0) throw new RawReplError(stderr, out);
    return { stdout, out };
  }

  /** raw-paste flow control (transport_serial.py `raw_paste_write`): never more than the board's window ahead. */
  private async pasteWrite(src: Uint8Array): Promise<void> {
    const t = this.opts.timeoutMs;
    const header = await this.inbox.read(2, t, 'the raw-paste window size');
    const window = header[0]! | (header[1]! << 8);
    if (window === 0) throw new RawReplProtocolError('the board announced a raw-paste window of 0 bytes');
    let remain = window;
    let i = 0;
    while (i < src.length) {
      while (remain === 0 || this.inbox.size > 0) {
        const b = (await this.inbox.read(1, t, 'raw-paste flow control (\\x01)'))[0];
        if (b === 0x01) remain += window;
        else if (b === 0x04) {
          // the board ended the paste early (e.g. a syntax error): acknowledge, then read its output
          this.link.write('\x04');
          return;
        } else throw new RawReplProtocolError(`unexpected byte 0x${b!.toString(16).padStart(2, '0')} from the board during raw-paste`);
      }
      const n = Math.min(remain, src.length - i);
      this.link.write(src.subarray(i, i + n));
      remain -= n;
      i += n;
    }
    this.link.write('\x04');
    // the acknowledgement; \x01 window updates may still come before it
    const rest = await this.inbox.readUntil('\x04', t, 'the end of raw-paste (\\x04)');
    if (rest.some((b) => b !== 0x01)) throw new RawReplProtocolError(`could not complete raw-paste: ${JSON.stringify(dec.decode(rest))}`);
  }

  /**
   * Lists a directory (`os.ilistdir`).
   * @param path directory on the board, default the current one (`/` after boot)
   * @returns its entries in the board's order
   * @throws RawReplError e.g. `OSError: [Errno 2] ENOENT` for a missing directory
   */
  async ls(path = ''): Promise<FileEntry[]> {
    const arg = path ? pyStr(path) : '';
    const { out } = await this.exec(wrapped(`import os, json\nfor e in os.ilistdir(${arg}):\n print(json.dumps((e[0], e[1], e[3] if len(e) > 3 else 0)))`));
    return out.split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => {
      const [name, type, size] = JSON.parse(l) as [string, number, number];
      const isDir = (type & 0x4000) !== 0;
      return { name, size: isDir ? 0 : size, isDir };
    });
  }

  /**
   * Reads a whole file. The board reads 256 bytes at a time and prints each piece as a line of
   * hex digits (`bytes.hex()`; 2 characters per byte on the wire).
   * @param path file on the board
   * @param progress called with bytes received so far and the file's size
   * @returns the file's bytes
   * @throws RawReplError e.g. `OSError: [Errno 2] ENOENT`, `OSError: [Errno 21] EISDIR`
   */
  async cat(path: string, progress?: Progress): Promise<Uint8Array> {
    // binascii.b2a_base64 would be shorter on the wire, but the emulated build's is slow (~50 ms per 256 bytes)
    const code = wrapped(`import os\nprint(os.stat(${pyStr(path)})[6])\nwith open(${pyStr(path)}, 'rb') as f:\n while 1:\n  b = f.read(256)\n  if not b:\n   break\n  print(b.hex())`);
    let text = '';
    let total = -1;
    let digits = 0;
    const { out } = await this.exec(code, progress && ((chunk) => {
      const piece = dec.decode(chunk);
      text += piece;
      if (total < 0) {
        const nl = text.indexOf('\n');
        if (nl >= 0) {
          total = Number(text.slice(0, nl));
          digits = text.length - nl - 1;
        }
      } else digits += piece.length;
      if (total >= 0) progress(Math.min(total, Math.floor(digits / 2.0078)), total); // 512 digits + \r\n per 256 bytes
    }));
    if (!progress) text = out;
    const data = fromHex(text.slice(text.indexOf('\n') + 1));
    progress?.(data.length, data.length);
    return data;
  }

  /**
   * Writes a whole file (creating or replacing it) in chunks of `w(b'…')`, as `mpremote fs cp` does.
   * @param path file on the board
   * @param data its new contents
   * @param progress called with bytes written so far and the total
   * @throws RawReplError e.g. `OSError: [Errno 28] ENOSPC` when the filesystem is full
   */
  async put(path: string, data: Uint8Array, progress?: Progress): Promise<void> {
    const size = this.opts.chunkSize;
    const per = this.opts.chunksPerExec;
    await this.exec(`_fm_f = open(${pyStr(path)}, 'wb')\n_fm_w = _fm_f.write`);
    try {
      for (let i = 0; i < data.length; i += size * per) {
        const lines: string[] = [];
        for (let j = i; j < Math.min(data.length, i + size * per); j += size) lines.push(`_fm_w(${pyBytes(data.subarray(j, j + size))})`);
        await this.exec(lines.join('\n'));
        progress?.(Math.min(data.length, i + size * per), data.length);
      }
    } catch (e) {
      // close the half-written file so the learner's next open() sees it; keep the first error
      await this.exec('_fm_f.close()\ndel _fm_f, _fm_w').catch(() => {});
      throw e;
    }
    await this.exec('_fm_f.close()\ndel _fm_f, _fm_w');
    if (data.length === 0) progress?.(0, 0);
  }

  /** Removes a file (`os.remove`). @throws RawReplError e.g. ENOENT, or EISDIR-like errors for a directory */
  async rm(path: string): Promise<void> {
    await this.exec(wrapped(`import os\nos.remove(${pyStr(path)})`));
  }

  /** Makes a directory (`os.mkdir`). @throws RawReplError e.g. `OSError: [Errno 17] EEXIST` */
  async mkdir(path: string): Promise<void> {
    await this.exec(wrapped(`import os\nos.mkdir(${pyStr(path)})`));
  }

  /** Removes an empty directory (`os.rmdir`). @throws RawReplError e.g. `OSError: [Errno 39] ENOTEMPTY` */
  async rmdir(path: string): Promise<void> {
    await this.exec(wrapped(`import os\nos.rmdir(${pyStr(path)})`));
  }

  /** Renames or moves a file or directory (`os.rename`). @throws RawReplError e.g. ENOENT */
  async rename(from: string, to: string): Promise<void> {
    await this.exec(wrapped(`import os\nos.rename(${pyStr(from)}, ${pyStr(to)})`));
  }
}

/**
 * The client: every operation enters the raw REPL (stopping what runs), does its work and goes
 * back to the friendly prompt. Operations are queued: one at a time, in call order.
 *
 * @example
 * const client = new RawReplClient(getBoard());
 * const files = await client.ls();              // [{ name: 'boot.py', size: 139, isDir: false }]
 * await client.put('main.py', new TextEncoder().encode('print("hi")\n'));
 */
export class RawReplClient {
  private readonly link: SerialLink;
  private readonly opts: Required<Omit<RawReplClientOptions, 'onBegin' | 'onLeave'>>;
  private readonly onBegin: () => void;
  private readonly onLeave: () => void;
  private queue: Promise<unknown> = Promise.resolve();
  private rawPaste: boolean;
  private pending = 0;

  constructor(link: SerialLink, options: RawReplClientOptions = {}) {
    this.link = link;
    const { onBegin, onLeave, ...rest } = options;
    this.opts = { baud: 115200, timeoutMs: 10000, enterTimeoutMs: 10000, rawPaste: true, chunkSize: 256, chunksPerExec: 4, ...rest };
    this.onBegin = onBegin ?? (() => {});
    this.onLeave = onLeave ?? (() => {});
    this.rawPaste = this.opts.rawPaste;
  }

  /** Whether an operation is running or waiting. */
  get busy(): boolean {
    return this.pending > 0;
  }

  /**
   * Runs `fn` inside one visit to the raw REPL, after the operations queued before it: stops the
   * running program, enters the raw REPL, calls `fn`, then leaves with Ctrl-B (also when `fn` fails).
   * @throws RawReplTimeoutError when the raw REPL does not answer within `enterTimeoutMs` (a board
   *   in download mode, without MicroPython, or running code that ignores Ctrl-C); whatever `fn` throws
   */
  session<T>(fn: (s: RawReplSession) => Promise<T>): Promise<T> {
    this.pending++;
    const run = this.queue.then(() => this.visit(fn));
    this.queue = run.catch(() => {});
    return run.finally(() => this.pending--);
  }

  private async visit<T>(fn: (s: RawReplSession) => Promise<T>): Promise<T> {
    const inbox = new Inbox();
    const off = this.link.on('serial', (data, baud) => {
      if (baud === this.opts.baud) inbox.push(data);
    });
    this.onBegin();
    try {
      try {
        await this.enter(inbox);
      } catch (e) {
        this.onLeave();
        throw e;
      }
      const session = new RawReplSession(this.link, inbox, this.opts, this.rawPaste);
      let result: T | undefined;
      let failure: unknown = null;
      try {
        result = await fn(session);
      } catch (e) {
        failure = e;
      }
      this.rawPaste = session.usesRawPaste;
      this.onLeave();
      // after a timeout or a protocol error a program may still run, or a paste be half sent:
      // Ctrl-C ends either (a traceback leaves the board at the raw prompt, where it is harmless)
      if (failure) this.link.write('\r\x03\x03');
      inbox.clear();
      this.link.write('\r\x02'); // transport_serial.py exit_raw_repl
      try {
        await inbox.readUntil('>>> ', failure ? Math.min(2000, this.opts.timeoutMs) : this.opts.timeoutMs, 'the friendly prompt (>>> ) after Ctrl-B');
      } catch (e) {
        if (!failure) throw e;
      }
      if (failure) throw failure;
      return result as T;
    } finally {
      off();
    }
  }

  /** transport_serial.py `enter_raw_repl` without its soft reset; retried while time is left. */
  private async enter(inbox: Inbox): Promise<void> {
    const deadline = Date.now() + this.opts.enterTimeoutMs;
    const banner = enc.encode(`${RAW_BANNER}>`);
    for (let attempt = 0; ; attempt++) {
      inbox.clear();
      this.link.write('\r\x03\x03');
      this.link.write('\r\x01');
      try {
        // what comes before the banner (a KeyboardInterrupt traceback, prompts) is dropped
        await inbox.readUntil(banner, Math.min(1500, this.opts.enterTimeoutMs), 'the raw REPL banner', deadline);
      } catch (e) {
        if (!(e instanceof RawReplTimeoutError) || Date.now() >= deadline) {
          throw new RawReplTimeoutError(
            `the board did not enter the raw REPL within ${this.opts.enterTimeoutMs / 1000} s (is MicroPython running? A board in download mode or with erased flash does not answer, nor does a program that catches KeyboardInterrupt)`,
          );
        }
        continue;
      }
      if (attempt > 0) {
        // an earlier attempt's banner may still be on its way: let it arrive and drop it
        await new Promise((r) => setTimeout(r, 200));
        for (let at = inbox.find(banner); at !== -1; at = inbox.find(banner)) inbox.take(at);
      }
      return;
    }
  }

  /** Runs a program (see {@link RawReplSession.exec}) in its own raw-REPL visit. */
  exec(code: string): Promise<ExecResult> {
    return this.session((s) => s.exec(code));
  }

  /** Lists a directory (see {@link RawReplSession.ls}). */
  ls(path = ''): Promise<FileEntry[]> {
    return this.session((s) => s.ls(path));
  }

  /** Reads a file (see {@link RawReplSession.cat}). */
  cat(path: string, progress?: Progress): Promise<Uint8Array> {
    return this.session((s) => s.cat(path, progress));
  }

  /** Writes a file (see {@link RawReplSession.put}). */
  put(path: string, data: Uint8Array, progress?: Progress): Promise<void> {
    return this.session((s) => s.put(path, data, progress));
  }

  /** Removes a file (see {@link RawReplSession.rm}). */
  rm(path: string): Promise<void> {
    return this.session((s) => s.rm(path));
  }

  /** Makes a directory (see {@link RawReplSession.mkdir}). */
  mkdir(path: string): Promise<void> {
    return this.session((s) => s.mkdir(path));
  }

  /** Removes an empty directory (see {@link RawReplSession.rmdir}). */
  rmdir(path: string): Promise<void> {
    return this.session((s) => s.rmdir(path));
  }

  /** Renames a file or directory (see {@link RawReplSession.rename}). */
  rename(from: string, to: string): Promise<void> {
    return this.session((s) => s.rename(from, to));
  }
}
