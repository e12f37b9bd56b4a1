/**
 * The serial relay: how keystrokes reach code that runs (or sleeps, or waits in `input()`) on a
 * page without shared memory. Such a page (plain HTTP to another computer, e.g. a workshop laptop
 * opening `http://<teacher-ip>:8266/`) is not a secure context, so it has no SharedArrayBuffer
 * and the emulator thread cannot see `postMessage` input while the interpreter runs
 * synchronously. The workshop servers keep a small ordered byte log per emulator thread
 * (`workshop/RELAY.md`); the thread waits on it with a synchronous XMLHttpRequest, which workers
 * may make, and the page appends to it.
 *
 * Every byte is also posted as a message, with its offset in the page's stream for the thread:
 * {@link InputStream} keeps whichever copy comes first and drops the other, so the relay can
 * only make input arrive sooner, never twice or out of order.
 */

/** Where the workshop servers answer (workshop/RELAY.md). */
export const RELAY_PATH = '/__lab/relay';

/** The largest body either side sends in one request, in bytes (workshop/RELAY.md). */
export const RELAY_MAX_BYTES = 65536;

/** Bytes the relay handed over: `data` starts at stream offset `at`. */
export interface RelayChunk {
  at: number;
  data: Uint8Array;
}

/** The emulator thread's side of a relay. */
export interface SyncRelay {
  /**
   * Blocks until bytes at or after stream offset `after` are there, or `ms` ms passed (0: only
   * look). Returns what came (possibly nothing). Never throws: a relay that stopped answering
   * returns nothing, after at most `ms` ms plus the request's own time.
   */
  wait(after: number, ms: number): RelayChunk;
}

/** What the page tells the emulator thread about its relay, in the `init` message. */
export type RelayEndpoint =
  | { kind: 'http'; url: string }
  /** Node tests: the same contract over shared memory (emulator/node/sab-relay.ts). */
  | { kind: 'memory'; buffer: SharedArrayBuffer };

/** The page's side of one emulator thread's relay. */
export interface RelaySender {
  /** Appends bytes that start at stream offset `at`. Order is kept; failures are silent. */
  send(at: number, bytes: Uint8Array): void;
  /** What the emulator thread needs to open its side. */
  readonly endpoint: RelayEndpoint;
}

/** Opens a relay for each new emulator thread (a hard reset starts a new stream at offset 0). */
export interface RelayLink {
  open(): RelaySender;
}

/**
 * The part of an input chunk not used yet, for a stream whose copies arrive by two routes.
 * `consumed` is the offset just past the last byte used.
 */
export class InputStream {
  consumed = 0;

  /** Returns the bytes of `data` (which starts at `at`) past {@link consumed}, and moves on. */
  take(at: number, data: Uint8Array): Uint8Array {
    const end = at + data.length;
    if (end <= this.consumed) return data.subarray(0, 0);
    // a gap (bytes lost on both routes) cannot be filled: carry on from what came
    const from = Math.max(0, this.consumed - at);
    this.consumed = end;
    return data.subarray(from);
  }
}

/** A random channel id of 20 characters from RELAY.md's alphabet (not secret: it only keeps threads apart). */
export function relayChannelId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(15));
  let s = '';
  for (const b of bytes) s += b.toString(36).padStart(2, '0').slice(-2);
  return s.slice(0, 20);
}

/**
 * Asks the page's own server whether it offers the relay (`GET /__lab/relay` → `{"relay":1}`).
 * @param fetchFn the page's fetch
 * @param origin the page's origin (`location.origin`)
 * @returns false on any error or other answer (a plain static server)
 */
export async function probeRelay(fetchFn: typeof fetch, origin: string): Promise<boolean> {
  try {
    const res = await fetchFn(`${origin}${RELAY_PATH}`, { cache: 'no-store' });
    if (!res.ok) return false;
    const body = (await res.json()) as { relay?: unknown };
    return body.relay === 1;
  } catch {
    return false;
  }
}

/**
 * The page's side over HTTP: one `POST …/in?at=N` at a time, the bytes typed meanwhile sent
 * together in the next one (so the server sees them in order).
 */
export class HttpRelaySender implements RelaySender {
  readonly endpoint: RelayEndpoint;
  private queue: { at: number; bytes: Uint8Array } | null = null;
  private busy = false;
  private readonly fetchFn: typeof fetch;
  private readonly url: string;

  /**
   * @param fetchFn the page's fetch
   * @param url the channel's URL, `<origin>/__lab/relay/<id>`
   */
  constructor(fetchFn: typeof fetch, url: string) {
    this.fetchFn = (input, init) => fetchFn(input, init); // a method call would give fetch the wrong `this`
    this.url = url;
    this.endpoint = { kind: 'http', url };
  }

  send(at: number, bytes: Uint8Array): void {
    if (this.queue && this.queue.at + this.queue.bytes.length === at) {
      const joined = new Uint8Array(this.queue.bytes.length + bytes.length);
      joined.set(this.queue.bytes);
      joined.set(bytes, this.queue.bytes.length);
      this.queue.bytes = joined;
    } else this.queue = { at, bytes: bytes.slice() };
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue) {
        const { at, bytes } = this.queue;
        const part = bytes.slice(0, RELAY_MAX_BYTES);
        this.queue = part.length < bytes.length ? { at: at + part.length, bytes: bytes.subarray(part.length) } : null;
        const url = `${this.url}/in?at=${at}`;
        try {
          await this.fetchFn(url, { method: 'POST', body: part as Uint8Array<ArrayBuffer>, cache: 'no-store' });
        } catch {
          // the message copy still reaches the emulator thread once it is free
        }
      }
    } finally {
      this.busy = false;
    }
  }
}

/** Opens an {@link HttpRelaySender} per emulator thread, on channels `<base>-<n>`. */
export function httpRelayLink(fetchFn: typeof fetch, origin: string): RelayLink {
  const base = relayChannelId();
  let n = 0;
  return { open: () => new HttpRelaySender(fetchFn, `${origin}${RELAY_PATH}/${base}-${++n}`) };
}

/** The XMLHttpRequest constructor as the emulator thread keeps it before locking itself down. */
type XhrConstructor = new () => XMLHttpRequest;

/**
 * The emulator thread's side over HTTP: `POST …/wait?after=N&ms=M` as a synchronous
 * XMLHttpRequest (allowed in workers; RELAY.md). The answer's `X-Relay-At` header is the
 * offset of its first byte.
 */
export function xhrSyncRelay(Xhr: XhrConstructor, url: string): SyncRelay {
  /** After a failed request the relay is left alone until this time (performance.now() ms). */
  let quietUntil = 0;
  const spinUntil = (deadline: number) => {
    while (performance.now() < deadline) { /* nothing else can wait without shared memory */ }
  };
  return {
    wait(after, ms) {
      const empty = { at: after, data: new Uint8Array(0) };
      const deadline = performance.now() + ms;
      if (performance.now() >= quietUntil) {
        try {
          const xhr = new Xhr();
          xhr.open('POST', `${url}/wait?after=${after}&ms=${Math.max(0, Math.round(ms))}`, false);
          xhr.responseType = 'arraybuffer';
          xhr.send();
          const at = Number(xhr.getResponseHeader('X-Relay-At'));
          if (xhr.status === 200 && Number.isSafeInteger(at) && at >= 0) {
            return { at, data: new Uint8Array(xhr.response as ArrayBuffer) };
          }
        } catch {
          // the server went away: fall through
        }
        quietUntil = performance.now() + 1000;
      }
      spinUntil(deadline);
      return empty;
    },
  };
}
