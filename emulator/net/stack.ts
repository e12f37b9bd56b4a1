/**
 * The board's side of the virtual network: the ESP8266's WiFi driver (station and access point,
 * as the SDK behind `network.WLAN` does them) and its lwIP TCP/IP stack (as `socket`, i.e.
 * MicroPython's `extmod/modlwip.c`, sees it), run in virtual time against the world of
 * `world.ts`. The firmware's Python modules (`_fw_network.py`, `_fw_socket.py`) call the
 * `net_*` functions of {@link NetStack.halFunctions}.
 *
 * {@link NetStack} composes the parts, each in its own file, which import one another in one
 * direction only (lower first):
 * - `context.ts` — what the board gives the stack, the laptop panel's request and reply;
 * - `timeline.ts` — the queue of the network's events in virtual time;
 * - `wlan.ts` — the WiFi driver: opmode, the station's connection and status codes, the AP,
 *   scan, MACs, the settings in flash, the driver's receive buffers and the `LmacRxBlk` deadlock;
 * - `ip.ts` — the addresses (DHCP, ifconfig, DNS server), routing, the DNS client;
 * - `tcp-far.ts` — a TCP connection and its far end's TCP (segments, window, FIN, services);
 * - `tcp-udp.ts` — lwIP's sockets as modlwip sees them: states, PCBs, buffers, errno;
 * - `laptop.ts` — the lab's laptop: its HTTP requests to the board, its route for WebREPL;
 * - `espnow.ts` — ESP-NOW: the board's receive buffer and peers, the world's ESP-NOW devices;
 * - `hal.ts` — the `net_*` table the firmware calls.
 * This file adds the page's side: requests from the laptop panel (validated here, read from the
 * shared mailbox while the board runs) and the host timer that keeps the world moving while the
 * interpreter is idle.
 *
 * Sources: MP@v1.27.0 `ports/esp8266/network_wlan.c`, `modnetwork_globals.h`, `extmod/modlwip.c`
 * (socket states, the lwIP 1.4.0 error table, getaddrinfo), reference §5.1–§5.3.
 */
import type { LaptopReply, LaptopRequest, NetContext } from './context.ts';
import { Timeline } from './timeline.ts';
import { Wlan } from './wlan.ts';
import { Ip } from './ip.ts';
import { FarTcp } from './tcp-far.ts';
import { S_LISTENING, Sockets, type Datagram, type Sock } from './tcp-udp.ts';
import { Laptop } from './laptop.ts';
import { netHalFunctions } from './hal.ts';
import { Mailbox } from './mailbox.ts';
import { WebReplServer, type WsRequest } from './webrepl.ts';
import { EspNowRadio } from './espnow.ts';

/** Longest step of a blocking wait, so requests from the laptop panel are seen. */
const WAIT_STEP_US = 50_000;

/** The WiFi driver and lwIP of one board, against the virtual network. */
export class NetStack {
  private readonly ctx: NetContext;
  private readonly time = new Timeline();
  private readonly wlan: Wlan;
  private readonly ip: Ip;
  private readonly sockets: Sockets;
  private readonly laptop: Laptop;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private mailbox: Mailbox | null = null;
  private taking = false;
  private idleAt = Infinity;

  /** WebREPL's daemon and its client (webrepl.ts). */
  readonly webrepl: WebReplServer;
  /** ESP-NOW over the virtual radio (espnow.ts). */
  readonly espnow: EspNowRadio;

  constructor(ctx: NetContext) {
    this.ctx = ctx;
    const advance = () => this.advance();
    // the station's address is the IP layer's: the driver reaches it through these two calls
    this.wlan = new Wlan(ctx, this.time, {
      release: () => this.ip.release(),
      dhcp: (ap, current, bound) => this.ip.dhcp(ap, current, bound),
    });
    this.ip = new Ip(this.time, this.wlan, advance);
    const far = new FarTcp(this.time, this.wlan);
    this.sockets = new Sockets(this.time, this.wlan, this.ip, far, advance);
    this.webrepl = new WebReplServer({
      reach: (ip, notes) => this.laptop.route(ip, notes),
      listening: (id, port, ip) => {
        const s = this.sockets.socks.get(id);
        return !!s && s.state === S_LISTENING && s.localPort === port && (s.localIp === '0.0.0.0' || s.localIp === ip) && this.ip.isOurs(ip);
      },
      later: (us, fn) => this.time.later(us, fn),
      print: (text) => ctx.print(text),
      send: (id, ws, text, error, notes) => ctx.reply({ id, ws, response: text, error, notes, ms: 0 }),
      termInput: (bytes) => ctx.termInput?.(bytes),
      onTermOutput: (fn) => ctx.onTermOutput?.(fn) ?? (() => undefined),
      fileOp: (op, name, hex, append, done) => (ctx.fileOp ? ctx.fileOp(op, name, hex, append, done) : done(false, '')),
    });
    this.laptop = new Laptop(ctx, this.time, this.wlan, this.ip, this.sockets, far, this.webrepl, advance);
    this.espnow = new EspNowRadio(this.time, this.wlan);
  }

  /** The sockets by id (white-box tests look at a connection's far-end queue through it). */
  private get socks(): Map<number, Sock> {
    return this.sockets.socks;
  }

  /** Requests from the page's laptop panel arrive here while the board runs (see mailbox.ts). */
  setMailbox(buffer: SharedArrayBuffer | null): void {
    this.mailbox = buffer ? new Mailbox(buffer) : null;
    this.armIdle();
  }

  /** Validates a request from the page (untrusted shape) and starts it. */
  request(raw: unknown): void {
    if (!raw || typeof raw !== 'object') return;
    const r = raw as Record<string, unknown>;
    if (Number.isInteger(r.id) && typeof r.ws === 'string' && ['open', 'send', 'put', 'get', 'close'].includes(r.ws)) {
      if ((r.data !== undefined && (typeof r.data !== 'string' || r.data.length > 200_000)) || (r.name !== undefined && typeof r.name !== 'string')) return;
      if ((r.part !== undefined && !Number.isInteger(r.part)) || (r.more !== undefined && typeof r.more !== 'boolean')) return;
      this.advance();
      this.webrepl.request(r as unknown as WsRequest);
      return;
    }
    if (!Number.isInteger(r.id) || typeof r.url !== 'string' || r.url.length > 2048) return;
    const method = typeof r.method === 'string' && /^[A-Z]{1,7}$/.test(r.method) ? r.method : 'GET';
    const body = typeof r.body === 'string' ? r.body.slice(0, 65536) : '';
    this.laptopRequest({ id: r.id as number, url: r.url, method, body });
  }

  private takeRequests(): void {
    if (!this.mailbox || this.taking) return;
    this.taking = true;
    try {
      for (const m of this.mailbox.take()) this.request(m);
    } finally {
      this.taking = false;
    }
  }

  // ---- life cycle ----------------------------------------------------------------------------

  /**
   * A boot of the firmware. A hard one (power, Reset, `machine.reset()`) restarts the chip: the
   * WiFi driver and lwIP start afresh from the SDK's saved settings, and the station reconnects
   * on its own if it was set up (reference §3.3). A soft reset keeps WiFi up; the sockets are
   * closed by the garbage collector's sweep (`gc_sweep_all()` runs their `__del__`, i.e. close).
   */
  boot(hard: boolean): void {
    this.wlan.osdebug = false;
    this.webrepl.stop();
    this.espnow.stop();
    if (!hard) {
      this.sockets.closeAll();
      return;
    }
    this.time.clear();
    this.laptop.powerCycle();
    this.sockets.powerCycle();
    this.ip.powerCycle();
    this.time.t = this.ctx.nowUs();
    this.wlan.powerCycle();
  }

  // ---- virtual time --------------------------------------------------------------------------

  /** Runs every event due by now (and takes the laptop's requests). */
  advance(): void {
    this.takeRequests();
    this.time.runUntil(this.ctx.nowUs());
    this.armIdle();
  }

  /**
   * Keeps the world moving while the board is idle at the prompt (the interpreter is not calling
   * in): a host timer for the next event.
   */
  armIdle(): void {
    const next = this.time.nextAt();
    if (next === Infinity && !this.mailbox) return;
    const rawMs = this.ctx.hostMsFor(next - this.ctx.nowUs());
    let ms = Math.min(this.mailbox ? 50 : 1000, Math.max(0, Number.isFinite(rawMs) ? rawMs : 1000));
    const at = performance.now() + ms;
    if (this.idleTimer && this.idleAt <= at + 1) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    ms = Math.max(0, ms);
    this.idleAt = at;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      this.idleAt = Infinity;
      this.advance();
    }, ms);
  }

  /**
   * A blocking call waits for the world: up to `maxUs` (or until the next network event, at
   * most {@link WAIT_STEP_US}). 0: go on and look again; 1: Ctrl-C; 2: a callback is due.
   */
  wait(maxUs: number): number {
    this.advance();
    const now = this.ctx.nowUs();
    let step = Math.min(this.time.nextAt() - now, WAIT_STEP_US);
    if (maxUs >= 0) step = Math.min(step, maxUs);
    const r = this.ctx.sleepUs(Math.max(1, Math.ceil(step)));
    this.advance();
    return r;
  }

  // ---- sockets and DNS (tcp-udp.ts, ip.ts) ---------------------------------------------------

  /** See {@link Sockets.sdkBytesInUse}: SDK heap bytes the sockets hold. */
  sdkBytesInUse(): number {
    return this.sockets.sdkBytesInUse();
  }

  /** socket.socket(): a new id, or -errno. */
  socket(af: number, type: number): number {
    return this.sockets.socket(af, type);
  }

  /** close(): the socket goes; a connection gets a FIN, or a RST if unread data was left. */
  close(id: number): void {
    this.sockets.close(id);
  }

  /** bind(): 0 or -errno (port 0: an ephemeral one). */
  bind(id: number, ip: string, port: number): number {
    return this.sockets.bind(id, ip, port);
  }

  /** listen(): 0 or -errno. */
  listen(id: number, backlog: number): number {
    return this.sockets.listen(id, backlog);
  }

  /** accept(): [id, ip, port], null to wait, or -errno. */
  accept(id: number): [number, string, number] | null | number {
    return this.sockets.accept(id);
  }

  /** connect(): starts TCP's handshake (0, then poll {@link state}); UDP sets the peer. -errno on failure. */
  connect(id: number, ip: string, port: number): number {
    return this.sockets.connect(id, ip, port);
  }

  /** The socket's state (modlwip's numbers; negative: lwIP error). */
  state(id: number): number {
    return this.sockets.state(id);
  }

  /** send(): bytes taken, null to wait (send buffer full, still connecting), or -errno. */
  send(id: number, data: Uint8Array): number | null {
    return this.sockets.send(id, data);
  }

  /** recv(): bytes, '' at the end of the stream, null to wait, or -errno. */
  recv(id: number, max: number, peek: boolean): Uint8Array | null | number {
    return this.sockets.recv(id, max, peek);
  }

  /** sendto(): the datagram's length, or -errno. */
  sendto(id: number, data: Uint8Array, ip: string, port: number): number {
    return this.sockets.sendto(id, data, ip, port);
  }

  /** recvfrom(): the next datagram, null to wait, or -errno. */
  recvfrom(id: number, max: number, peek: boolean): Datagram | null | number {
    return this.sockets.recvfrom(id, max, peek);
  }

  /** For repr: [state, incoming pointer, offset] (modlwip's lwip_socket_print). */
  describe(id: number): [number, number, number] {
    return this.sockets.describe(id);
  }

  /** poll(): bit 0 readable, bit 2 writable, bit 3 error, bit 4 hang-up (MP_STREAM_POLL_*). */
  pollFlags(id: number): number {
    return this.sockets.pollFlags(id);
  }

  /** getaddrinfo's lookup: an address string at once, or a query id to poll with {@link dnsResult}. */
  dnsStart(name: string): string | number {
    return this.ip.dnsStart(name);
  }

  /** A query's answer: the address, null while waiting, or -2 (lwIP's failure, `OSError: -2`). */
  dnsResult(id: number): string | null | number {
    return this.ip.dnsResult(id);
  }

  // ---- the laptop and the firmware -----------------------------------------------------------

  /**
   * The laptop's browser fetches `url` from the board: it joins the board's AP when the address
   * is on it (192.168.4.x), or uses the LAN the board's station is on.
   */
  laptopRequest(req: LaptopRequest): void {
    this.laptop.request(req);
  }

  /** Functions for `_esp_hal` (Python: `_fw_network.py`, `_fw_socket.py`). Bytes travel as hex. */
  halFunctions(): Record<string, (...args: never[]) => unknown> {
    return netHalFunctions({ ctx: this.ctx, wlan: this.wlan, ip: this.ip, sockets: this.sockets, webrepl: this.webrepl, espnow: this.espnow, advance: () => this.advance(), wait: (us) => this.wait(us) });
  }

  /** For tests and the panel: a summary of what the stack holds. */
  snapshot(): { freeBlocks: number; rxBlocked: boolean; sockets: number; staStatus: number; apSsid: string; opmode: number } {
    return { freeBlocks: this.wlan.freeBlocks, rxBlocked: this.wlan.rxBlocked, sockets: this.socks.size, staStatus: this.wlan.staStatus, apSsid: this.wlan.settings.apSsid, opmode: this.wlan.settings.opmode };
  }
}
