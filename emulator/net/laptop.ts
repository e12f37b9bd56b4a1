/**
 * The lab's laptop on the virtual network: its browser fetching a URL from the board for the
 * laptop panel, and the way WebREPL's client (`webrepl.ts`) reaches the board. It joins the
 * board's soft AP for a 192.168.4.x address, or uses the LAN the board's station is on; its
 * packets cross the board's driver buffers (`wlan.ts`) and lwIP's listening sockets
 * (`tcp-udp.ts`) like any other peer's; its side of a connection is played by `tcp-far.ts`. A hard reset of the board answers its open requests
 * with 'board-reset'.
 *
 * Sources: the lab's own model of a client machine; a plain HTTP request to WebREPL's port gets
 * webrepl.py's send_html() page (micropython-lib, see `webrepl.ts`).
 */
import { LAN_LATENCY_US, LAPTOP_HOST, type AccessPoint } from './world.ts';
import type { LaptopRequest, NetContext } from './context.ts';
import type { Timeline } from './timeline.ts';
import type { Wlan } from './wlan.ts';
import { AP_SUBNET, inSubnet, type Ip } from './ip.ts';
import { Conn, type FarTcp } from './tcp-far.ts';
import { MAX_TCP_PCBS, type Sockets } from './tcp-udp.ts';
import { WebReplServer } from './webrepl.ts';

/** The laptop's browser gives up on a request after this long, µs. */
const LAPTOP_TIMEOUT_US = 10_000_000;

/** The laptop: its HTTP requests to the board and its route to the board for WebREPL. */
export class Laptop {
  private readonly ctx: NetContext;
  private readonly time: Timeline;
  private readonly wlan: Wlan;
  private readonly ip: Ip;
  private readonly sockets: Sockets;
  private readonly far: FarTcp;
  private readonly webrepl: WebReplServer;
  private readonly advance: () => void;
  private laptopPorts = 51234;
  /** The laptop's requests in flight, to answer if the board is reset meanwhile. */
  private readonly laptopOpen = new Map<number, (error: string) => void>();

  /** `advance` runs the network's due events (NetStack.advance). */
  constructor(ctx: NetContext, time: Timeline, wlan: Wlan, ip: Ip, sockets: Sockets, far: FarTcp, webrepl: WebReplServer, advance: () => void) {
    this.ctx = ctx;
    this.time = time;
    this.wlan = wlan;
    this.ip = ip;
    this.sockets = sockets;
    this.far = far;
    this.webrepl = webrepl;
    this.advance = advance;
  }

  /** A hard reset of the board: every request in flight ends with the error 'board-reset'. */
  powerCycle(): void {
    for (const finish of [...this.laptopOpen.values()]) finish('board-reset');
    this.laptopOpen.clear();
  }

  /** The laptop's way to the board's address `ip` (joining the board's AP if needed), or why not. */
  route(ip: string, notes: string[]): { laptopIp: string; latencyUs: number; joinUs: number } | string {
    if (inSubnet(ip, AP_SUBNET)) {
      if (!this.wlan.apActive()) return 'unreachable';
      let joinUs = 0;
      if (!this.wlan.laptopOnAp) {
        notes.push(`joined ${this.wlan.settings.apSsid}`);
        joinUs = 1_200_000;
        this.time.later(joinUs, () => {
          if (this.wlan.apActive()) this.wlan.laptopOnAp = true;
        });
      }
      return { laptopIp: `${AP_SUBNET}.2`, latencyUs: LAN_LATENCY_US, joinUs };
    }
    if (this.wlan.staUp() && inSubnet(ip, (this.wlan.staAp as AccessPoint).subnet)) {
      const ap = this.wlan.staAp as AccessPoint;
      return { laptopIp: `${ap.subnet}.${LAPTOP_HOST}`, latencyUs: LAN_LATENCY_US + ap.extraLatencyUs, joinUs: 0 };
    }
    return 'unreachable';
  }

  /**
   * The laptop's browser fetches `url` from the board: it joins the board's AP when the address
   * is on it (192.168.4.x), or uses the LAN the board's station is on.
   */
  request(req: LaptopRequest): void {
    this.advance();
    const start = this.time.t;
    const notes: string[] = [];
    const done = (response: string, error: string | null) => {
      this.laptopOpen.delete(req.id);
      this.ctx.reply({ id: req.id, response, error, notes, ms: Math.round((this.time.t - start) / 1000) });
    };
    const m = /^http:\/\/([0-9.]+)(?::(\d+))?(\/[^\s]*)?$/.exec(req.url.trim());
    if (!m) return done('', 'bad-url');
    const ip = m[1] as string;
    const port = Number(m[2] ?? 80);
    const path = m[3] ?? '/';
    let latency = LAN_LATENCY_US;
    let laptopIp: string;
    let join = 0;
    if (inSubnet(ip, AP_SUBNET)) {
      if (!this.wlan.apActive()) return done('', 'unreachable');
      if (!this.wlan.laptopOnAp) {
        notes.push(`joined ${this.wlan.settings.apSsid}`);
        join = 1_200_000;
      }
      laptopIp = `${AP_SUBNET}.2`;
    } else if (this.wlan.staUp() && inSubnet(ip, (this.wlan.staAp as AccessPoint).subnet)) {
      const ap = this.wlan.staAp as AccessPoint;
      latency += ap.extraLatencyUs;
      laptopIp = `${ap.subnet}.${LAPTOP_HOST}`;
    } else return done('', 'unreachable');
    const method = (req.method ?? 'GET').toUpperCase();
    const body = req.body ?? '';
    const request = `${method} ${path} HTTP/1.1\r\nHost: ${ip}${port === 80 ? '' : ':' + port}\r\nUser-Agent: LabLaptop/1.0\r\nAccept: */*\r\nConnection: close\r\n${body ? `Content-Length: ${new TextEncoder().encode(body).length}\r\n` : ''}\r\n${body}`;
    let finished = false;
    const chunks: Uint8Array[] = [];
    this.laptopOpen.set(req.id, (error) => finish(error));
    const finish = (error: string | null) => {
      if (finished) return;
      finished = true;
      const all = new Uint8Array(chunks.reduce((n, ch) => n + ch.length, 0));
      let o = 0;
      for (const ch of chunks) {
        all.set(ch, o);
        o += ch.length;
      }
      done(error && all.length === 0 ? '' : new TextDecoder().decode(all.subarray(0, 256 * 1024)), error);
    };
    this.time.later(join + LAPTOP_TIMEOUT_US, () => finish('timeout'));
    this.time.later(join, () => {
      if (inSubnet(ip, AP_SUBNET)) {
        if (!this.wlan.apActive()) return finish('unreachable');
        this.wlan.laptopOnAp = true;
      }
      const fromPort = this.laptopPorts++;
      // SYN → board
      this.time.later(latency, () => {
        if (!this.wlan.takeBlock()) return; // the board's driver is stuck: no answer
        this.wlan.giveBlock();
        const ours = this.ip.isOurs(ip);
        const listener = ours ? this.sockets.listenerFor(ip, port) : undefined;
        if (listener && ours && this.webrepl.servesHtml(port)) {
          // webrepl.py's send_html(): not a websocket request
          this.time.later(2 * latency, () => {
            chunks.push(new TextEncoder().encode(WebReplServer.HTML));
            finish(null);
          });
          return;
        }
        if (!listener) {
          this.time.later(latency, () => finish('refused'));
          return;
        }
        if (listener.backlog.length >= listener.backlogMax || this.sockets.tcpPcbs() >= MAX_TCP_PCBS) return; // SYN dropped
        const c = new Conn(laptopIp, fromPort, port, latency);
        listener.backlog.push(c);
        c.far = {
          data: (bytes) => chunks.push(bytes),
          fin: () => finish(null),
          rst: () => finish('reset'),
        };
        // SYN-ACK → laptop, which then sends its request
        this.time.later(latency, () => {
          if (c.dead) return finish('reset');
          c.farOut.push(new TextEncoder().encode(request));
          c.farFin = false;
          this.far.pump(c);
        });
      });
    });
  }
}
