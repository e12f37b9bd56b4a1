/**
 * The servers of the virtual internet (`world.ts`): an HTTP server with pages and a JSON API, a
 * TCP echo server, a server that streams an ASCII animation, and an NTP server that serves the
 * host's clock. Each runs in virtual time inside the emulator thread; their content is ours.
 * `registry.ts` puts them (with the MQTT broker of `mqtt.ts` and the TLS hosts of `tls.ts`) at
 * their addresses; the shapes they share with the stack are in `service.ts`.
 *
 * Sources: the HTTP/1.1 and NTP (48-byte packet) message formats; the pages, the JSON and the
 * animation are the lab's own.
 */
import type { TcpService, UdpService } from './service.ts';

/** A streaming service stops producing while this much waits unsent (a server's send buffer). */
const STREAM_BACKLOG_BYTES = 8192;

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The router's public address, as internet hosts see the board (NAT; TEST-NET-2). */
export const PUBLIC_IP = '198.51.100.7';

// ---- HTTP ----------------------------------------------------------------------------------

export interface HttpRequest {
  method: string;
  path: string;
  query: string;
  version: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface HttpResponse {
  status: number;
  type: string;
  body: string | Uint8Array;
}

/** An HTTP server's pages: the response for a request, or null (404). */
export type HttpRoute = (req: HttpRequest) => HttpResponse | null;

const REASONS: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content', 301: 'Moved Permanently', 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 418: "I'm a teapot", 500: 'Internal Server Error', 503: 'Service Unavailable' };

export const html = (title: string, body: string): HttpResponse => ({
  status: 200,
  type: 'text/html',
  body: `<!DOCTYPE html>\n<html>\n<head><title>${title}</title></head>\n<body>\n${body}\n</body>\n</html>\n`,
});
const json = (v: unknown, status = 200): HttpResponse => ({ status, type: 'application/json', body: JSON.stringify(v) });
export const text = (s: string, status = 200): HttpResponse => ({ status, type: 'text/plain', body: s });

/** The 160 lines of `/big.txt`. */
export function bigText(): string {
  let s = '';
  for (let i = 1; i <= 160; i++) s += `Line ${String(i).padStart(3, '0')} of the long file: the ESP8266 reads it in small pieces.\n`;
  return s;
}

/** example.com: the lessons' web server. */
export const exampleRoutes: HttpRoute = (req) => {
  switch (req.path) {
    case '/':
    case '/index.html':
      return html('Example Domain (virtual)', '<h1>Hello, ESP8266!</h1>\n<p>This page comes from the lab\'s virtual internet.</p>\n<p>Try <a href="/api/time">/api/time</a> and <a href="/api/weather">/api/weather</a>.</p>');
    case '/hello.txt':
      return text('Hello from the virtual internet!\n');
    case '/big.txt':
      return text(bigText());
    case '/api/time': {
      const now = new Date();
      return json({ unixtime: Math.floor(now.getTime() / 1000), utc: now.toISOString().slice(0, 19) + 'Z' });
    }
    case '/api/weather':
      return json({ city: 'Labville', temperature: 21.5, humidity: 48, wind_kmh: 12, sky: 'partly cloudy' });
    case '/api/led':
      return json({ led: 'on', brightness: 512 });
    default:
      return null;
  }
};

/** micropython.org: the page of the official tutorial's `http_get()` (our own text). */
export const micropythonRoutes: HttpRoute = (req) => {
  if (req.path === '/ks/test.html') {
    return html('Test', '<p>It\'s working if you can read this!</p>\n<p>(Served by the lab\'s virtual micropython.org.)</p>');
  }
  if (req.path === '/') return html('MicroPython (virtual)', '<h1>MicroPython</h1>\n<p>The lab\'s stand-in for micropython.org.</p>');
  return null;
};

/** httpbin.org: request inspection as JSON. */
export const httpbinRoutes: HttpRoute = (req) => {
  const args: Record<string, string> = {};
  for (const part of req.query.split('&')) {
    if (!part) continue;
    const [k, v = ''] = part.split('=');
    args[decodeURIComponent(k ?? '')] = decodeURIComponent(v.replace(/\+/g, ' '));
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.replace(/(^|-)([a-z])/g, (_, a: string, b: string) => a + b.toUpperCase())] = v;
  const url = `http://${req.headers.host ?? 'httpbin.org'}${req.path}${req.query ? '?' + req.query : ''}`;
  if (req.path === '/get') return json({ args, headers, origin: PUBLIC_IP, url });
  if (req.path === '/ip') return json({ origin: PUBLIC_IP });
  if (req.path === '/post' || req.path === '/put') {
    const data = dec.decode(req.body);
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(data);
    } catch {
      parsed = null;
    }
    return json({ args, data, headers, json: parsed, origin: PUBLIC_IP, url });
  }
  const st = /^\/status\/(\d{3})$/.exec(req.path);
  if (st) return { status: Number(st[1]), type: 'text/plain', body: '' };
  return null;
};

function formatResponse(r: HttpResponse, method: string): Uint8Array {
  const body = typeof r.body === 'string' ? enc.encode(r.body) : r.body;
  const head = `HTTP/1.1 ${r.status} ${REASONS[r.status] ?? 'Unknown'}\r\nServer: lab-virtual-http\r\nContent-Type: ${r.type}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  const h = enc.encode(head);
  if (method === 'HEAD') return h;
  const out = new Uint8Array(h.length + body.length);
  out.set(h);
  out.set(body, h.length);
  return out;
}

/** Parses a request head; null while it is incomplete. */
export function parseHttpRequest(buf: Uint8Array): { req: HttpRequest; complete: boolean } | null {
  const s = dec.decode(buf);
  const end = s.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = s.slice(0, end).split('\r\n');
  const [method = '', target = '/', version = 'HTTP/1.0'] = (lines[0] ?? '').split(' ');
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const headBytes = enc.encode(s.slice(0, end + 4)).length;
  const want = Number(headers['content-length'] ?? '0') || 0;
  const body = buf.slice(headBytes, headBytes + want);
  const q = target.indexOf('?');
  return {
    req: { method, path: q < 0 ? target : target.slice(0, q), query: q < 0 ? '' : target.slice(q + 1), version, headers, body },
    complete: body.length >= want,
  };
}

/** An HTTP/1.1 server over `routes`: one request per connection, answered after 4 ms and closed. */
export function httpService(routes: HttpRoute): TcpService {
  return (c) => {
    let buf = new Uint8Array(0);
    let answered = false;
    return {
      data(bytes) {
        if (answered) return;
        const joined = new Uint8Array(buf.length + bytes.length);
        joined.set(buf);
        joined.set(bytes, buf.length);
        buf = joined;
        const parsed = parseHttpRequest(buf);
        if (!parsed || !parsed.complete) return;
        answered = true;
        const { req } = parsed;
        let res: HttpResponse;
        if (!/^(GET|HEAD|POST|PUT|DELETE|PATCH)$/.test(req.method)) res = text('Bad request\n', 400);
        else res = routes(req) ?? text(`Not found: ${req.path}\n`, 404);
        // a few ms of "server time", then the answer and the close
        c.after(4, () => {
          c.send(formatResponse(res, req.method));
          c.close();
        });
      },
    };
  };
}

// ---- echo and stream ------------------------------------------------------------------------

/** TCP echo: every byte back, and a close after the client's. */
export const echoService: TcpService = (c) => ({
  data(bytes) {
    c.send(bytes.slice());
  },
  ended() {
    c.close();
  },
});

/** An ASCII animation, a frame every 100 ms, forever (the tutorial's streaming example, our art). */
export const streamService: TcpService = (c) => {
  let frame = 0;
  const W = 30;
  const tick = () => {
    const x = Math.abs(((frame % (2 * (W - 3))) - (W - 3)));
    const led = frame % 10 < 5 ? '*' : 'o';
    const row = ' '.repeat(W - 3 - x) + 'O' + ' '.repeat(x);
    const art = `\x1b[H\x1b[2J+${'-'.repeat(W - 2)}+\r\n|${row.slice(0, W - 2)}|\r\n|${' '.repeat(W - 2)}|\r\n|  ESP-07 LED: ${led}${' '.repeat(W - 17)}|\r\n+${'-'.repeat(W - 2)}+\r\n frame ${frame}\r\n`;
    // like a real server blocked on a full send buffer: nothing more is queued while the client
    // does not read (a socket left open must not grow the emulator's memory without end)
    if (c.buffered() > STREAM_BACKLOG_BYTES) {
      c.after(1000, tick);
      return;
    }
    c.send(art);
    frame++;
    c.after(100, tick);
  };
  c.after(50, tick);
  return { data() { /* ignores input */ }, ended() { c.close(); } };
};

// ---- NTP ----------------------------------------------------------------------------------------

/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
const NTP_UNIX_DELTA = 2_208_988_800;

/** Answers a client request with the host's clock (server mode, stratum 2). */
export const ntpService: UdpService = (data, _from, reply) => {
  if (data.length < 48) return;
  const mode = data[0]! & 7;
  if (mode !== 3) return; // only client requests
  const out = new Uint8Array(48);
  const v = new DataView(out.buffer);
  out[0] = (0 << 6) | ((data[0]! >> 3) & 7) << 3 | 4; // LI 0, the client's version, mode 4
  out[1] = 2; // stratum
  out[2] = data[2] ?? 6;
  out[3] = 0xec; // precision 2^-20
  const now = Date.now();
  const secs = Math.floor(now / 1000) + NTP_UNIX_DELTA;
  const frac = Math.floor(((now % 1000) / 1000) * 2 ** 32);
  out.set([203, 0, 113, 1], 12); // reference id: the upstream server
  for (const off of [16, 32, 40]) {
    v.setUint32(off, secs >>> 0);
    v.setUint32(off + 4, frac >>> 0);
  }
  out.set(data.subarray(40, 48), 24); // originate = the client's transmit time
  reply(out);
};

// ---- the HTTPS hosts' pages (served behind tls.ts) ------------------------------------------

/** An impostor's bank: it asks for the password and shows what it got. */
export const impostorRoutes: HttpRoute = (req) => {
  if (req.path === '/login' && req.method === 'POST') return text(`Thanks! We have your details now: ${dec.decode(req.body)}\n`);
  return html('Bank (trust me)', '<h1>Welcome to your bank</h1>\n<p>Please POST your password to /login.</p>');
};

/** bigrecords: every page is large (one response in one 16 KB record is what overflows axTLS). */
export const bigRoutes: HttpRoute = (req) => (req.path === '/' || req.path === '/index.html' ? html('Big records', `<h1>A large page</h1>\n<pre>\n${bigText()}</pre>`) : exampleRoutes(req));
