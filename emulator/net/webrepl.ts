/**
 * WebREPL on the board's side: what `webrepl.py`'s accept handler, the `_webrepl` C module
 * (MP@v1.27.0 extmod/modwebrepl.c) and `os.dupterm` do once `webrepl.start()` has a listening
 * socket, modelled at the message level (no HTTP upgrade bytes or websocket frames travel).
 *
 * - The laptop connects to the port: the board prints `\nWebREPL connection from: (ip, port)`
 *   on UART0 (webrepl.py's accept_conn); a second client while one is connected gets
 *   `\nConcurrent WebREPL connection from <addr> rejected` and is closed.
 * - `_webrepl` sends `Password: `; the client's line is compared with the password:
 *   `\r\nWebREPL connected\r\n>>> ` or `\r\nAccess denied\r\n` and the connection ends
 *   (reference §5.5).
 * - Connected, the REPL is duplicated (dupterm): what the board writes to UART0 also goes to the
 *   client, and what the client types is read as if it came from UART0.
 * - The file protocol (modwebrepl.c: an 82-byte "WA" request with op 1 PUT / 2 GET, answered by
 *   "WB" + a status, data in between) is carried as `put`/`get` messages; the board's firmware
 *   does the file operation when the REPL is idle (the C module does it in its read handler).
 * A plain HTTP request to the port gets webrepl.py's send_html() page.
 */

/** A message from the laptop's WebREPL client (its websocket). */
export interface WsRequest {
  id: number;
  ws: 'open' | 'send' | 'put' | 'get' | 'close';
  url?: string;
  data?: string;
  name?: string;
  /** put: a later part of the file (appended); `more`: further parts follow (no answer yet). */
  part?: number;
  more?: boolean;
}

/** What the board side needs from the stack and the device. */
export interface WebReplHost {
  /** Finds the way from the laptop to `ip`: its address and the delay, or an error word. */
  reach(ip: string, notes: string[]): { laptopIp: string; latencyUs: number; joinUs: number } | string;
  /** Whether the listening socket `id` still exists and listens on `port`. */
  listening(id: number, port: number, ip: string): boolean;
  later(us: number, fn: () => void): void;
  /** Writes on UART0 (print() from the accept handler). */
  print(text: string): void;
  /** Sends an event to the laptop's client. */
  send(id: number, kind: 'open' | 'data' | 'closed' | 'file', text: string, error: string | null, notes: string[]): void;
  /** dupterm: input from the client, read as UART0 input. */
  termInput(bytes: Uint8Array): void;
  /** dupterm: subscribes to UART0 output. */
  onTermOutput(fn: (bytes: Uint8Array) => void): () => void;
  /** A file operation done by the firmware at the idle REPL (hex data). */
  fileOp(op: 'put' | 'get', name: string, hex: string, append: boolean, done: (ok: boolean, hex: string) => void): void;
}

interface Client {
  id: number;
  remote: string;
  latencyUs: number;
  authed: boolean;
  line: string;
  unsubscribe: (() => void) | null;
}

export class WebReplServer {
  private readonly host: WebReplHost;
  /** The daemon started by webrepl.start(): its listening socket, port and password. */
  private daemon: { sock: number; port: number; password: string } | null = null;
  private client: Client | null = null;
  private ports = 54321;

  constructor(host: WebReplHost) {
    this.host = host;
  }

  start(sock: number, port: number, password: string): void {
    this.stop();
    this.daemon = { sock, port, password };
  }

  /** webrepl.stop(), a soft or hard reset: dupterm off, the client's connection closed. */
  stop(): void {
    this.daemon = null;
    this.drop('closed');
  }

  /** The port a plain HTTP request should get webrepl.py's page from, if any. */
  servesHtml(port: number): boolean {
    return this.daemon !== null && this.daemon.port === port;
  }

  static readonly HTML = 'HTTP/1.0 200 OK\r\n\r\n<base href="https://micropython.org/webrepl/"></base>\r\n<script src="webrepl_content.js"></script>\r\n';

  private drop(why: 'closed' | 'reset'): void {
    const c = this.client;
    if (!c) return;
    this.client = null;
    c.unsubscribe?.();
    this.host.send(c.id, 'closed', '', why === 'closed' ? null : why, []);
  }

  request(r: WsRequest): void {
    const c = this.client && this.client.id === r.id ? this.client : null;
    switch (r.ws) {
      case 'open':
        return this.open(r);
      case 'close':
        if (c) this.host.later(c.latencyUs, () => this.drop('closed'));
        return;
      case 'send':
        if (c && typeof r.data === 'string') this.input(c, r.data);
        return;
      case 'put':
      case 'get': {
        if (!c || !c.authed || typeof r.name !== 'string') return;
        const name = r.name;
        this.host.later(c.latencyUs, () => {
          const append = r.ws === 'put' && (r.part ?? 0) > 0;
          this.host.fileOp(r.ws as 'put' | 'get', name, r.data ?? '', append, (ok, hex) => {
            if (r.ws === 'put' && r.more && ok) return; // the answer comes after the last part
            this.host.later(c.latencyUs, () => this.host.send(c.id, 'file', hex, ok ? null : 'file-error', [r.ws === 'put' ? `put ${name}` : `get ${name}`]));
          });
        });
        return;
      }
    }
  }

  private open(r: WsRequest): void {
    const notes: string[] = [];
    const m = /^(?:ws|http):\/\/([0-9.]+)(?::(\d+))?\/?$/.exec((r.url ?? '').trim());
    if (!m) return this.host.send(r.id, 'closed', '', 'bad-url', notes);
    const ip = m[1] as string;
    const port = Number(m[2] ?? 8266);
    const way = this.host.reach(ip, notes);
    if (typeof way === 'string') return this.host.send(r.id, 'closed', '', way, notes);
    const fromPort = this.ports++;
    this.host.later(way.joinUs + way.latencyUs, () => {
      const d = this.daemon;
      if (!d || d.port !== port || !this.host.listening(d.sock, port, ip)) {
        this.host.later(way.latencyUs, () => this.host.send(r.id, 'closed', '', 'refused', notes));
        return;
      }
      const remote = `('${way.laptopIp}', ${fromPort})`;
      if (this.client) {
        this.host.print(`\r\nConcurrent WebREPL connection from ${remote} rejected\r\n`);
        this.host.later(way.latencyUs, () => this.host.send(r.id, 'closed', '', 'reset', notes));
        return;
      }
      this.host.print(`\r\nWebREPL connection from: ${remote}\r\n`);
      const c: Client = { id: r.id, remote, latencyUs: way.latencyUs, authed: false, line: '', unsubscribe: null };
      this.client = c;
      this.host.later(way.latencyUs, () => {
        this.host.send(c.id, 'open', '', null, notes);
        this.host.send(c.id, 'data', 'Password: ', null, []);
      });
    });
  }

  private input(c: Client, data: string): void {
    this.host.later(c.latencyUs, () => {
      if (this.client !== c) return;
      if (c.authed) {
        this.host.termInput(new TextEncoder().encode(data));
        return;
      }
      // _webrepl reads the password up to the end of the line (it is not echoed)
      for (const ch of data) {
        if (ch === '\r' || ch === '\n') {
          const ok = this.daemon !== null && c.line === this.daemon.password;
          c.line = '';
          if (ok) {
            c.authed = true;
            this.host.later(c.latencyUs, () => this.host.send(c.id, 'data', '\r\nWebREPL connected\r\n>>> ', null, []));
            c.unsubscribe = this.host.onTermOutput((bytes) => {
              if (this.client === c) this.host.later(c.latencyUs, () => this.host.send(c.id, 'data', new TextDecoder().decode(bytes), null, []));
            });
          } else {
            this.client = null;
            this.host.later(c.latencyUs, () => {
              this.host.send(c.id, 'data', '\r\nAccess denied\r\n', null, []);
              this.host.send(c.id, 'closed', '', null, []);
            });
          }
          return;
        }
        if (c.line.length < 64) c.line += ch;
      }
    });
  }
}
