/**
 * lwIP's TCP and UDP as `socket` (MicroPython's `extmod/modlwip.c`) sees them: the sockets and
 * modlwip's states, the PCB limits, lwIP 1.4.0's error codes and the errno each becomes, the
 * send buffer, the segments received and not yet read (each in a driver buffer of `wlan.ts`),
 * UDP's queue, and the SDK heap the sockets hold. The other end of a TCP connection — a service
 * of the virtual internet or the laptop — is played by `tcp-far.ts`.
 *
 * TCP is modelled at the level a program can observe: connection setup (SYN answered by a
 * service, refused with RST, or never answered), segments of at most one MSS, the receive window,
 * the send buffer, FIN and RST, one-way delays per hop. Not modelled: sequence numbers, loss
 * (except what the receive-buffer deadlock of `wlan.ts` drops), congestion control.
 *
 * Sources: MP@v1.27.0 `extmod/modlwip.c` (socket states, the lwIP 1.4.0 error table, repr,
 * poll), `docs/esp8266/general.rst`, reference §5.2.
 */
import { UDP_SERVICES } from './registry.ts';
import { Conn, MSS, type FarTcp, type Seg } from './tcp-far.ts';
import type { Timeline } from './timeline.ts';
import type { Wlan } from './wlan.ts';
import type { Ip } from './ip.ts';

/** errno values (MicroPython's MP_E*, as the esp8266 build prints them). */
export const E = { EBADF: 9, EAGAIN: 11, ENOMEM: 12, EINVAL: 22, EOPNOTSUPP: 95, EADDRINUSE: 98, ECONNABORTED: 103, ECONNRESET: 104, EISCONN: 106, ENOTCONN: 107, ETIMEDOUT: 110, EHOSTUNREACH: 113, EALREADY: 114, EINPROGRESS: 115 } as const;

/** lwIP 1.4.0 err_t (the esp8266 build's lwIP; modlwip.c's first error table). */
const ERR_RTE = -4;
const ERR_ABRT = -8;
const ERR_RST = -9;
const ERR_USE = -13;
const ERR_BADF = -16;
/** lwIP's err_t → errno (modlwip.c's error table). */
export const ERRNO_OF: Record<number, number> = { [-1]: E.ENOMEM, [-2]: 105, [-3]: E.EAGAIN, [-4]: E.EHOSTUNREACH, [-5]: E.EINPROGRESS, [-6]: E.EINVAL, [-7]: E.EAGAIN, [-8]: E.ECONNABORTED, [-9]: E.ECONNRESET, [-10]: E.ENOTCONN, [-11]: E.ENOTCONN, [-12]: 5, [-13]: E.EADDRINUSE, [-15]: E.EALREADY, [-16]: E.EBADF };

/** modlwip.c socket states. */
const S_NEW = 0;
/** modlwip.c's state of a listening socket. */
export const S_LISTENING = 1;
const S_CONNECTING = 2;
const S_CONNECTED = 3;
const S_PEER_CLOSED = 4;
const S_ACTIVE_UDP = 5;

/** Send buffer (TCP_SND_BUF, 2 × MSS). */
export const TCP_SND_BUF = 2 * MSS;
/** TCP control blocks (MEMP_NUM_TCP_PCB 5, as espconn's default of 5 connections) and UDP ones for programs. */
export const MAX_TCP_PCBS = 5;
export const MAX_UDP_PCBS = 3;
/** modlwip.c LWIP_INCOMING_PACKET_QUEUE_LEN. */
const UDP_QUEUE = 4;
/** A SYN nobody answers: lwIP gives up (ERR_ABRT) after its retransmissions [DER: ~18 s]. */
const SYN_GIVE_UP_US = 18_000_000;

/** A UDP datagram received (or to send) with its peer's address. */
export interface Datagram {
  data: Uint8Array;
  ip: string;
  port: number;
}

/** A socket of the program (modlwip's lwip_socket_obj_t). */
export interface Sock {
  id: number;
  udp: boolean;
  state: number;
  localIp: string;
  localPort: number;
  conn: Conn | null;
  /** Listening: connections not yet accepted. */
  backlog: Conn[];
  backlogMax: number;
  udpRx: Datagram[];
  /** UDP connect()'s default destination. */
  udpPeer: { ip: string; port: number } | null;
  reuse: boolean;
  /** A pseudo-address for repr's `incoming=%p`. */
  addr: number;
}

// ---- the sockets -------------------------------------------------------------------------------

/** lwIP's TCP and UDP PCBs behind the program's sockets. Results are modlwip's: -errno on failure. */
export class Sockets {
  private readonly time: Timeline;
  private readonly wlan: Wlan;
  private readonly ip: Ip;
  private readonly far: FarTcp;
  private readonly advance: () => void;
  /** The sockets by id. */
  readonly socks = new Map<number, Sock>();
  private nextSock = 1;
  private nextPort = 4096;

  /** `far` plays the other end of every connection; `advance` runs the network's due events (NetStack.advance). */
  constructor(time: Timeline, wlan: Wlan, ip: Ip, far: FarTcp, advance: () => void) {
    this.time = time;
    this.wlan = wlan;
    this.ip = ip;
    this.far = far;
    this.advance = advance;
  }

  /** A hard boot: every socket is gone without a word to its peer, ids start at 1 again. */
  powerCycle(): void {
    this.socks.clear();
    this.nextSock = 1;
  }

  /** A soft reset: the garbage collector's sweep closes every socket. */
  closeAll(): void {
    for (const s of [...this.socks.values()]) this.close(s.id);
  }

  /**
   * Bytes of the SDK heap (not MicroPython's) the network holds for its sockets: a PCB per socket
   * and the buffered segments, the RAM that "socket instances … occupy" until closed
   * (docs/esp8266/general.rst, reference §5.2). The sizes are estimates for lwIP 1.4 on the
   * ESP8266 (a TCP PCB about 200 bytes, a UDP PCB about 40, each received segment a pbuf of its
   * length plus about 20 bytes), not measured on a chip.
   */
  sdkBytesInUse(): number {
    let n = 0;
    for (const s of this.socks.values()) {
      n += s.udp ? 40 : 200 + 200 * s.backlog.length;
      for (const d of s.udpRx) n += d.data.length + 20;
      const c = s.conn;
      if (c) for (const seg of c.rx) n += seg.data.length + 20;
    }
    return n;
  }

  /** TCP PCBs in use: every connection, and every one waiting in a listener's backlog. */
  tcpPcbs(): number {
    let n = 0;
    for (const s of this.socks.values()) {
      if (!s.udp && s.state !== S_LISTENING) n++;
      if (!s.udp && s.state === S_LISTENING) n += s.backlog.length;
    }
    return n;
  }

  /** The TCP socket listening on `port` for the address `ip` (bound to it or to 0.0.0.0). */
  listenerFor(ip: string, port: number): Sock | undefined {
    return [...this.socks.values()].find((s) => !s.udp && s.state === S_LISTENING && s.localPort === port && (s.localIp === '0.0.0.0' || s.localIp === ip));
  }

  private newSock(udp: boolean): Sock {
    const s: Sock = { id: this.nextSock++, udp, state: udp ? S_ACTIVE_UDP : S_NEW, localIp: '0.0.0.0', localPort: 0, conn: null, backlog: [], backlogMax: 1, udpRx: [], udpPeer: null, reuse: false, addr: 0x3fff0000 + ((this.nextSock * 0x58) & 0xfff8) };
    this.socks.set(s.id, s);
    return s;
  }

  private ephemeralPort(): number {
    this.nextPort = this.nextPort >= 0x7fff ? 4096 : this.nextPort + 1;
    return this.nextPort;
  }

  private portInUse(port: number, udp: boolean, except: Sock): boolean {
    for (const s of this.socks.values()) if (s !== except && s.udp === udp && s.localPort === port && !s.reuse) return true;
    return false;
  }

  /** socket.socket(): a new id, or -errno. */
  socket(af: number, type: number): number {
    // extmod/modlwip.c lwip_socket_make_new: the domain is not checked; stream, datagram and
    // raw (MICROPY_PY_LWIP_SOCK_RAW on the esp8266) sockets, anything else EINVAL. A raw socket
    // is kept as a datagram one: the virtual network carries no raw IP packets to it.
    void af;
    if (type !== 1 && type !== 2 && type !== 3) return -E.EINVAL;
    const udp = type !== 1;
    if (udp) {
      let n = 0;
      for (const s of this.socks.values()) if (s.udp) n++;
      if (n >= MAX_UDP_PCBS) return -E.ENOMEM;
    } else if (this.tcpPcbs() >= MAX_TCP_PCBS) return -E.ENOMEM;
    const sock = this.newSock(udp);
    if (type === 3) sock.state = S_NEW; // modlwip sets STATE_ACTIVE_UDP for SOCK_DGRAM only
    return sock.id;
  }

  /** close(): the socket goes; a connection gets a FIN, or a RST if unread data was left. */
  close(id: number): void {
    const s = this.socks.get(id);
    if (!s) return;
    this.socks.delete(id);
    if (s.udp) {
      for (let i = 0; i < s.udpRx.length; i++) this.wlan.giveBlock();
      s.udpRx = [];
      return;
    }
    for (const c of s.backlog) this.abortConn(c, true);
    s.backlog = [];
    const c = s.conn;
    if (c && !c.dead) {
      const unread = c.rx.length > 0;
      this.freeRx(c);
      if (unread || c.error) this.abortConn(c, true); // tcp_close with unread data sends RST
      else {
        c.boardClosed = true;
        this.time.later(c.latencyUs, () => {
          c.far?.fin();
          if (c.peerClosed) c.dead = true;
        });
      }
    }
  }

  private freeRx(c: Conn): void {
    for (let i = 0; i < c.rx.length; i++) this.wlan.giveBlock();
    c.rx = [];
    c.rxOff = 0;
  }

  /** Ends a connection at once; `tellFar` sends a RST to the other end. */
  private abortConn(c: Conn, tellFar: boolean): void {
    if (c.dead) return;
    c.dead = true;
    this.freeRx(c);
    if (tellFar) this.time.later(c.latencyUs, () => c.far?.rst());
  }

  /** bind(): 0 or -errno (port 0: an ephemeral one). */
  bind(id: number, ip: string, port: number): number {
    const s = this.socks.get(id);
    if (!s) return -E.EBADF;
    if (port === 0) port = this.ephemeralPort();
    if (this.portInUse(port, s.udp, s)) return -ERRNO_OF[ERR_USE]!;
    s.localIp = ip;
    s.localPort = port;
    return 0;
  }

  /** listen(): 0 or -errno; the backlog is kept between 1 and 128. */
  listen(id: number, backlog: number): number {
    const s = this.socks.get(id);
    if (!s) return -E.EBADF;
    if (s.udp) return -E.EOPNOTSUPP;
    if (s.state === S_LISTENING) return 0;
    if (s.localPort === 0) s.localPort = this.ephemeralPort();
    s.state = S_LISTENING;
    s.backlogMax = Math.max(1, Math.min(backlog, 128));
    return 0;
  }

  /** accept(): [id, ip, port], null to wait, or -errno. */
  accept(id: number): [number, string, number] | null | number {
    this.advance();
    const s = this.socks.get(id);
    if (!s) return -E.EBADF;
    if (s.udp) return -E.EOPNOTSUPP;
    if (s.state !== S_LISTENING) return -E.EINVAL;
    const c = s.backlog.shift();
    if (!c) return null;
    const n = this.newSock(false);
    n.state = c.dead ? (c.error || ERR_RST) : c.peerClosed ? S_PEER_CLOSED : S_CONNECTED;
    n.localIp = s.localIp;
    n.localPort = s.localPort;
    n.conn = c;
    c.sock = n;
    return [n.id, c.remoteIp, c.remotePort];
  }

  /** connect(): starts TCP's handshake (0, then poll {@link state}); UDP sets the peer. -errno on failure. */
  connect(id: number, ip: string, port: number): number {
    this.advance();
    const s = this.socks.get(id);
    if (!s) return -E.EBADF;
    if (s.udp) {
      s.udpPeer = { ip, port };
      if (!s.localPort) s.localPort = this.ephemeralPort();
      return 0;
    }
    if (s.state !== S_NEW) return s.state === S_CONNECTED ? -E.EISCONN : -E.EALREADY;
    const r = this.ip.route(ip);
    if (!r) return -ERRNO_OF[ERR_RTE]!;
    if (!s.localPort) s.localPort = this.ephemeralPort();
    const c = new Conn(ip, port, s.localPort, r.latencyUs);
    c.sock = s;
    s.conn = c;
    s.state = S_CONNECTING;
    const synAt = this.time.t;
    const giveUp = () => {
      if (s.state === S_CONNECTING && s.conn === c) {
        c.dead = true;
        s.state = ERR_ABRT;
      }
    };
    this.time.later(SYN_GIVE_UP_US, giveUp);
    // SYN → far end
    this.time.later(r.latencyUs, () => {
      if (c.dead) return;
      const far = r.kind === 'host' ? this.far.serviceFor(ip, port, c) : null;
      const refused = r.kind === 'laptop' || (r.kind === 'host' && !far);
      if (r.kind === 'none') return; // nobody answers: lwIP retransmits, then gives up
      // SYN-ACK or RST → board
      this.time.later(r.latencyUs, () => {
        if (c.dead || s.state !== S_CONNECTING) return;
        if (!this.wlan.takeBlock()) return; // a dropped answer: the SYN times out
        this.wlan.giveBlock();
        if (refused) {
          c.dead = true;
          s.state = ERR_RST;
          return;
        }
        c.far = far;
        s.state = S_CONNECTED;
        void synAt;
        this.far.pump(c);
      });
    });
    return 0;
  }

  /** The socket's state (modlwip's numbers; negative: lwIP error). */
  state(id: number): number {
    this.advance();
    const s = this.socks.get(id);
    if (!s) return ERR_BADF;
    if (!s.udp && s.conn && s.state >= S_CONNECTED) {
      const c = s.conn;
      if (c.error) s.state = c.error;
      else if (c.peerClosed && s.state === S_CONNECTED) s.state = S_PEER_CLOSED;
    }
    return s.state;
  }

  /** send(): bytes taken, null to wait (send buffer full, still connecting), or -errno. */
  send(id: number, data: Uint8Array): number | null {
    const st = this.state(id);
    const s = this.socks.get(id);
    if (!s) return -E.EBADF;
    if (s.udp) {
      if (!s.udpPeer) return -E.ENOTCONN;
      return this.sendto(id, data, s.udpPeer.ip, s.udpPeer.port);
    }
    if (st < 0) return -(ERRNO_OF[st] ?? E.EBADF);
    if (st === S_CONNECTING) return null;
    if (st !== S_CONNECTED && st !== S_PEER_CLOSED) return -E.ENOTCONN;
    const c = s.conn as Conn;
    const room = TCP_SND_BUF - c.sndUsed;
    if (room < 16 && data.length > 0) return null;
    const n = Math.min(room, data.length);
    if (n === 0) return 0;
    const chunk = data.slice(0, n);
    c.sndUsed += n;
    this.time.later(c.latencyUs, () => {
      if (c.dead) return;
      c.far?.data(chunk);
      // the ACK comes back (unless the driver can receive nothing any more)
      this.time.later(c.latencyUs, () => {
        if (this.wlan.rxBlocked || c.dead) return;
        c.sndUsed = Math.max(0, c.sndUsed - n);
      });
    });
    return n;
  }

  /** recv(): bytes, '' at the end of the stream, null to wait, or -errno. */
  recv(id: number, max: number, peek: boolean): Uint8Array | null | number {
    const st = this.state(id);
    const s = this.socks.get(id);
    if (!s) return -E.EBADF;
    if (s.udp) {
      const d = this.recvfrom(id, max, peek);
      return d === null || typeof d === 'number' ? d : d.data;
    }
    if (st === S_LISTENING) return -E.ENOTCONN;
    const c = s.conn;
    if (c && c.rx.length) {
      const seg = c.rx[0] as Seg;
      const n = Math.min(max, seg.data.length - c.rxOff);
      const out = seg.data.slice(c.rxOff, c.rxOff + n);
      if (!peek) {
        c.rxOff += n;
        if (c.rxOff >= seg.data.length) {
          c.rx.shift();
          c.rxOff = 0;
          this.wlan.giveBlock();
        }
        // the window opens again at the far end
        this.time.later(c.latencyUs, () => {
          if (this.wlan.rxBlocked) return;
          c.inflight = Math.max(0, c.inflight - n);
          this.far.pump(c);
        });
      }
      return out;
    }
    if (st === S_PEER_CLOSED) return new Uint8Array(0);
    if (st < 0) return -(ERRNO_OF[st] ?? E.EBADF);
    if (st !== S_CONNECTED) return -E.ENOTCONN;
    return null;
  }

  /** sendto(): the datagram's length, or -errno (a TCP socket sends as send() does). */
  sendto(id: number, data: Uint8Array, ip: string, port: number): number {
    this.advance();
    const s = this.socks.get(id);
    if (!s) return -E.EBADF;
    if (!s.udp) return this.send(id, data) ?? 0;
    if (!s.localPort) s.localPort = this.ephemeralPort();
    const r = this.ip.route(ip);
    if (!r) return -ERRNO_OF[ERR_RTE]!;
    const payload = data.slice();
    const from = { ip: this.ip.sourceIp(ip), port: s.localPort };
    this.time.later(r.latencyUs, () => {
      if (r.kind !== 'host') return;
      const svc = UDP_SERVICES[ip]?.[port];
      svc?.(payload, from, (reply) => {
        this.time.later(r.latencyUs, () => {
          if (!this.socks.has(id) || s.udpRx.length >= UDP_QUEUE) return;
          if (!this.wlan.takeBlock()) return;
          s.udpRx.push({ data: reply, ip, port });
        });
      });
    });
    return data.length;
  }

  /** recvfrom(): the next datagram (cut to `max` bytes), null to wait, or -errno. */
  recvfrom(id: number, max: number, peek: boolean): Datagram | null | number {
    this.advance();
    const s = this.socks.get(id);
    if (!s) return -E.EBADF;
    const d = s.udpRx[0];
    if (!d) return null;
    if (!peek) {
      s.udpRx.shift();
      this.wlan.giveBlock();
    }
    return { data: d.data.slice(0, max), ip: d.ip, port: d.port };
  }

  /** For repr: [state, incoming pointer, offset] (modlwip's lwip_socket_print). */
  describe(id: number): [number, number, number] {
    const s = this.socks.get(id);
    if (!s) return [ERR_BADF, 0, 0];
    const st = this.state(id);
    if (s.udp) return [st, s.udpRx.length, 0];
    const c = s.conn;
    return [st, c && c.rx.length ? s.addr + 0x40 : 0, c ? c.rxOff : 0];
  }

  /** poll(): bit 0 readable, bit 2 writable, bit 3 error, bit 4 hang-up (MP_STREAM_POLL_*). */
  pollFlags(id: number): number {
    const s = this.socks.get(id);
    if (!s) return 0x20; // NVAL
    const st = this.state(id);
    let f = 0;
    if (s.udp) {
      if (s.udpRx.length) f |= 1;
      f |= 4;
      return f;
    }
    if (st === S_LISTENING) return s.backlog.length ? 1 : 0;
    const c = s.conn;
    if (c && c.rx.length) f |= 1;
    if (st !== S_CONNECTING && c && TCP_SND_BUF - c.sndUsed > 0 && st >= S_CONNECTED) f |= 4;
    if (st === S_NEW) f |= 0x10;
    else if (st === S_PEER_CLOSED) f |= 1 | 4;
    else if (st === ERR_RST) f |= 4 | 0x10;
    else if (st < 0) f |= 8;
    return f;
  }
}
