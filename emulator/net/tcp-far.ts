/**
 * The far end of the board's TCP connections: a connection as both ends hold it ({@link Conn}),
 * and the other end's TCP — what it has queued goes to the board in segments of at most one MSS
 * within the board's receive window, each segment needs one of the WiFi driver's receive buffers
 * (`wlan.ts`) and is sent again after a retransmission timeout when none is free, and its FIN
 * follows the last byte. The other end is a service of the virtual internet (`registry.ts`) or
 * the laptop (`laptop.ts`). The board's side of the same connections is `tcp-udp.ts`.
 *
 * Sources: lwIP on the ESP8266 (MSS, TCP_WND as below), reference §5.2.
 */
import { TCP_SERVICES } from './registry.ts';
import type { ServiceConn, Session } from './service.ts';
import type { Timeline } from './timeline.ts';
import type { Wlan } from './wlan.ts';

/** TCP maximum segment size and receive window (lwIP on the ESP8266: 1460, 4 × MSS). */
export const MSS = 1460;
export const TCP_WND = 4 * MSS;
/** A retransmission after a dropped segment. */
const RTO_US = 1_000_000;
/** How internet services see the board: the router's public address. */
const PUBLIC_SOURCE = '198.51.100.7';

/** A segment received by the board, held in one driver buffer until read. */
export interface Seg {
  data: Uint8Array;
}

/** The far end of a TCP connection: a service on the virtual internet, or the laptop. */
export interface FarEnd {
  data(bytes: Uint8Array): void;
  /** The board closed its side. */
  fin(): void;
  /** The board reset the connection (or it was aborted). */
  rst(): void;
}

/** One TCP connection, as both ends see it (its PCB on the board, the far end's queue). */
export class Conn {
  readonly remoteIp: string;
  readonly remotePort: number;
  readonly localPort: number;
  readonly latencyUs: number;
  far: FarEnd | null = null;
  /** Received, unread segments (each holds a driver buffer). */
  rx: Seg[] = [];
  rxOff = 0;
  /** Board → far: bytes in the send buffer (unacknowledged). */
  sndUsed = 0;
  /** Far → board: bytes waiting at the far end, bytes sent but not yet read at the board. */
  farOut: Uint8Array[] = [];
  inflight = 0;
  farFin = false;
  finSent = false;
  /** The far end's FIN has been delivered. */
  peerClosed = false;
  /** The board closed (or reset) its side. */
  boardClosed = false;
  dead = false;
  /** lwIP error that ended it (ERR_RST, ERR_ABRT), or 0. */
  error = 0;
  /** The board's socket (tcp-udp.ts's Sock), once accepted or for a client connection. */
  sock: { readonly id: number } | null = null;

  constructor(remoteIp: string, remotePort: number, localPort: number, latencyUs: number) {
    this.remoteIp = remoteIp;
    this.remotePort = remotePort;
    this.localPort = localPort;
    this.latencyUs = latencyUs;
  }
}

/** The far end's TCP, for every connection of the board. */
export class FarTcp {
  private readonly time: Timeline;
  private readonly wlan: Wlan;

  constructor(time: Timeline, wlan: Wlan) {
    this.time = time;
    this.wlan = wlan;
  }

  /** Sends what the far end has queued, within the board's receive window, one MSS at a time. */
  pump(c: Conn): void {
    while (!c.dead && c.far && c.farOut.length && c.inflight < TCP_WND) {
      const first = c.farOut[0] as Uint8Array;
      const n = Math.min(first.length, MSS, TCP_WND - c.inflight);
      const seg = first.slice(0, n);
      if (n === first.length) c.farOut.shift();
      else c.farOut[0] = first.slice(n);
      c.inflight += n;
      this.deliver(c, seg);
    }
    if (!c.dead && c.farFin && c.farOut.length === 0 && !c.peerClosed && !c.finSent) {
      c.finSent = true;
      this.time.later(c.latencyUs, () => {
        if (c.dead || this.wlan.rxBlocked) return;
        c.peerClosed = true;
        if (c.boardClosed) c.dead = true;
      });
    }
  }

  /** A segment travels to the board; a dropped one is sent again later. */
  private deliver(c: Conn, seg: Uint8Array): void {
    this.time.later(c.latencyUs, () => {
      if (c.dead || c.boardClosed) return;
      if (!this.wlan.takeBlock()) {
        this.time.later(RTO_US, () => this.deliver(c, seg));
        return;
      }
      c.rx.push({ data: seg });
    });
  }

  /** The service of the virtual internet at `ip`:`port` as the far end of `c` (null: nothing listens there); it starts once the SYN-ACK has reached the board. */
  serviceFor(ip: string, port: number, c: Conn): FarEnd | null {
    const make = TCP_SERVICES[ip]?.[port];
    if (!make) return null;
    const tcp = this;
    const conn: ServiceConn = {
      remote: { ip: PUBLIC_SOURCE, port: c.localPort },
      send(data) {
        if (c.dead || c.farFin) return;
        c.farOut.push(typeof data === 'string' ? new TextEncoder().encode(data) : data);
        tcp.pump(c);
      },
      close() {
        if (c.dead || c.farFin) return;
        c.farFin = true;
        tcp.pump(c);
      },
      buffered() {
        let n = 0;
        for (const b of c.farOut) n += b.length;
        return n;
      },
      after(ms, fn) {
        tcp.time.later(ms * 1000, () => {
          if (!c.dead && !c.farFin) fn();
        });
      },
    };
    let session: Session | null = null;
    // the service starts when the connection is set up (after the SYN-ACK reaches the board)
    const far: FarEnd = {
      data: (bytes) => session?.data(bytes),
      fin: () => session?.ended?.(),
      rst: () => {
        c.dead = true;
        session?.ended?.();
      },
    };
    this.time.later(c.latencyUs, () => {
      if (!c.dead) session = make(conn);
    });
    return far;
  }
}
