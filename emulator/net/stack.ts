/**
 * The board's side of the virtual network: the ESP8266's WiFi driver (station and access point,
 * as the SDK behind `network.WLAN` does them) and its lwIP TCP/IP stack (as `socket`, i.e.
 * MicroPython's `extmod/modlwip.c`, sees it), run in virtual time against the world of
 * `world.ts`. The firmware's Python modules (`python/_fw_network.py`, `_fw_socket.py`) call the
 * `net_*` functions of {@link NetStack.halFunctions}.
 *
 * TCP is modelled at the level a program can observe: connection setup (SYN answered by a
 * service, refused with RST, or never answered), segments of at most one MSS, the receive window,
 * the send buffer, FIN and RST, one-way delays per hop. Not modelled: sequence numbers, loss
 * (except what the deadlock below drops), congestion control.
 *
 * The vendor stack's receive buffers (reference §5.2): every segment or datagram the WiFi driver
 * receives stays in one of {@link RX_BLOCKS} buffers until the program reads it (lwIP on the
 * ESP8266 keeps the driver's buffers in its pbuf queues). Data arriving for a socket nobody reads
 * uses them up; then the driver can receive nothing more — `LmacRxBlk:1`, printed over and over
 * when `esp.osdebug(0)` is set, and all networking stops until a hard reset.
 *
 * Sources: MP@v1.27.0 `ports/esp8266/network_wlan.c`, `modnetwork_globals.h`, `extmod/modlwip.c`
 * (socket states, the lwIP 1.4.0 error table, getaddrinfo), reference §5.1–§5.3.
 */
import {
  ACCESS_POINTS, AUTH_OPEN, AUTH_WPA_WPA2_PSK, DNS_SERVER, DNS_TABLE, INTERNET_LATENCY_US, LAN_LATENCY_US, LAPTOP_HOST,
  type AccessPoint, ipToString, macString, parseIp,
} from './world.ts';
import { TCP_SERVICES, UDP_SERVICES, type ServiceConn, type Session } from './services.ts';
import { Mailbox } from './mailbox.ts';
import { WebReplServer, type WsRequest } from './webrepl.ts';

/** What the stack needs from the board. */
export interface NetContext {
  /** Virtual time, µs. */
  nowUs(): number;
  /** Waits `us` virtual µs as `time.sleep_us` does: 0 done, 1 Ctrl-C, 2 a callback is due. */
  sleepUs(us: number): number;
  /** Writes on UART0 as the SDK's os_printf does (only called while osdebug is on). */
  print(text: string): void;
  /** Host ms for `us` virtual µs at the clock's rate (Infinity while paused). */
  hostMsFor(us: number): number;
  /** A reply to the laptop panel. */
  reply(r: LaptopReply): void;
  /** The SPI flash, where the SDK keeps its WiFi settings (null: not kept). */
  flash(): { size: number; read(addr: number, n: number): Uint8Array; eraseSector(s: number): void; program(addr: number, d: Uint8Array): void } | null;
  /** WebREPL's dupterm (webrepl.ts): input read as UART0 input, UART0 output watched, files. */
  termInput?(bytes: Uint8Array): void;
  onTermOutput?(fn: (bytes: Uint8Array) => void): () => void;
  fileOp?(op: 'put' | 'get', name: string, hex: string, append: boolean, done: (ok: boolean, hex: string) => void): void;
}

/** A request from the lab's laptop panel: an HTTP request over the virtual network. */
export interface LaptopRequest {
  id: number;
  url: string;
  method?: string;
  body?: string;
}

export interface LaptopReply {
  id: number;
  /** A WebREPL client's event (webrepl.ts); absent for an HTTP request's one answer. */
  ws?: 'open' | 'data' | 'closed' | 'file';
  /** The whole response as received (status line, headers, body), or '' on error. */
  response: string;
  /** Why there is no response: 'refused', 'reset', 'timeout', 'unreachable', 'bad-url'. */
  error: string | null;
  /** What the laptop did, for the panel ("joined MicroPython-c1dd42", …). */
  notes: string[];
  /** Virtual ms from the request to the end. */
  ms: number;
}

// ---- constants --------------------------------------------------------------------------------

/** The board's MACs: STA 5c:cf:7f:c1:dd:42; the SoftAP's has the locally administered bit set. */
export const STA_MAC = [0x5c, 0xcf, 0x7f, 0xc1, 0xdd, 0x42] as const;
export const AP_MAC = [0x5e, 0xcf, 0x7f, 0xc1, 0xdd, 0x42] as const;
const LAPTOP_MAC = [0x3c, 0x22, 0xfb, 0x61, 0x0a, 0x7e] as const;

/** SDK station status (`wifi_station_get_connect_status`, reference §5.1). */
export const STAT_IDLE = 0;
export const STAT_CONNECTING = 1;
export const STAT_WRONG_PASSWORD = 2;
export const STAT_NO_AP_FOUND = 3;
export const STAT_CONNECT_FAIL = 4;
export const STAT_GOT_IP = 5;

/** errno values (MicroPython's MP_E*, as the esp8266 build prints them). */
export const E = { EBADF: 9, EAGAIN: 11, ENOMEM: 12, EINVAL: 22, EOPNOTSUPP: 95, EADDRINUSE: 98, ECONNABORTED: 103, ECONNRESET: 104, EISCONN: 106, ENOTCONN: 107, ETIMEDOUT: 110, EHOSTUNREACH: 113, EALREADY: 114, EINPROGRESS: 115 } as const;

/** lwIP 1.4.0 err_t (the esp8266 build's lwIP; modlwip.c's first error table). */
const ERR_MEM = -1;
const ERR_RTE = -4;
const ERR_ABRT = -8;
const ERR_RST = -9;
const ERR_USE = -13;
const ERR_BADF = -16;
const ERRNO_OF: Record<number, number> = { [-1]: E.ENOMEM, [-2]: 105, [-3]: E.EAGAIN, [-4]: E.EHOSTUNREACH, [-5]: E.EINPROGRESS, [-6]: E.EINVAL, [-7]: E.EAGAIN, [-8]: E.ECONNABORTED, [-9]: E.ECONNRESET, [-10]: E.ENOTCONN, [-11]: E.ENOTCONN, [-12]: 5, [-13]: E.EADDRINUSE, [-15]: E.EALREADY, [-16]: E.EBADF };

/** modlwip.c socket states. */
const S_NEW = 0;
const S_LISTENING = 1;
const S_CONNECTING = 2;
const S_CONNECTED = 3;
const S_PEER_CLOSED = 4;
const S_ACTIVE_UDP = 5;

/** TCP maximum segment size and receive window (lwIP on the ESP8266: 1460, 4 × MSS). */
export const MSS = 1460;
export const TCP_WND = 4 * MSS;
/** Send buffer (TCP_SND_BUF, 2 × MSS). */
export const TCP_SND_BUF = 2 * MSS;
/** Receive buffers of the WiFi driver [UNV: the SDK's count is not documented]. */
export const RX_BLOCKS = 8;
/** TCP control blocks (MEMP_NUM_TCP_PCB 5, as espconn's default of 5 connections) and UDP ones for programs. */
export const MAX_TCP_PCBS = 5;
export const MAX_UDP_PCBS = 3;
/** modlwip.c LWIP_INCOMING_PACKET_QUEUE_LEN. */
const UDP_QUEUE = 4;
/** A SYN nobody answers: lwIP gives up (ERR_ABRT) after its retransmissions [DER: ~18 s]. */
const SYN_GIVE_UP_US = 18_000_000;
/** lwIP 1.4 DNS: 4 tries, waiting 1, 2, 4 and 8 s (dns.c DNS_MAX_RETRIES, `tmr = 1 << retries`) [DER]. */
const DNS_WAITS_US = [1_000_000, 2_000_000, 4_000_000, 8_000_000];
/** A retransmission after a dropped segment. */
const RTO_US = 1_000_000;
/** How often the blocked driver reports `LmacRxBlk:1` [DER: the rate is not documented]. */
const LMAC_REPORT_US = 250_000;
/** Longest step of a blocking wait, so requests from the laptop panel are seen. */
const WAIT_STEP_US = 50_000;
/** DHCP after the association, µs. */
const DHCP_US = 900_000;
/** A wrong key: the 4-way handshake fails this long after the association starts. */
const HANDSHAKE_FAIL_US = 2_600_000;
/** No AP with that name: the SDK's scans give up after this long [DER]. */
const NO_AP_US = 6_000_000;
const SCAN_US = 2_200_000;
const LAPTOP_TIMEOUT_US = 10_000_000;

const AP_SUBNET = '192.168.4';

// ---- the SDK's saved settings -----------------------------------------------------------------

interface WifiSettings {
  opmode: number; // bit 0 STA, bit 1 AP
  staSsid: string;
  staKey: string;
  staBssid: string | null;
  apSsid: string;
  apKey: string;
  apAuth: number;
  apChannel: number;
  apHidden: boolean;
}

/** A blank flash: the SDK's defaults (AP `ESP_XXXXXX`, open; AP mode). */
function defaultSettings(): WifiSettings {
  const tail = AP_MAC.slice(3).map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
  return { opmode: 2, staSsid: '', staKey: '', staBssid: null, apSsid: `ESP_${tail}`, apKey: '', apAuth: AUTH_OPEN, apChannel: 1, apHidden: false };
}

const SETTINGS_MAGIC = 'LABWIFI1';

// ---- TCP ----------------------------------------------------------------------------------------

interface Seg {
  data: Uint8Array;
}

/** The far end of a TCP connection: a service on the virtual internet, or the laptop. */
interface FarEnd {
  data(bytes: Uint8Array): void;
  /** The board closed its side. */
  fin(): void;
  /** The board reset the connection (or it was aborted). */
  rst(): void;
}

class Conn {
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
  /** The board's socket, once accepted or for a client connection. */
  sock: Sock | null = null;

  constructor(remoteIp: string, remotePort: number, localPort: number, latencyUs: number) {
    this.remoteIp = remoteIp;
    this.remotePort = remotePort;
    this.localPort = localPort;
    this.latencyUs = latencyUs;
  }
}

interface Datagram {
  data: Uint8Array;
  ip: string;
  port: number;
}

interface Sock {
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

/** Where a packet from the board to `ip` goes. */
interface Route {
  latencyUs: number;
  /** 'host': something answers there; 'none': nothing does; 'laptop': the laptop. */
  kind: 'host' | 'none' | 'laptop';
}

// ---- the stack -------------------------------------------------------------------------------

export class NetStack {
  private readonly ctx: NetContext;
  private settings: WifiSettings = defaultSettings();
  private queue: { at: number; seq: number; gen: number; fn: () => void }[] = [];
  private seq = 0;
  /** Bumped at every power cycle: events of the old power-on are dropped. */
  private gen = 0;
  /** Virtual time of the event being run (or of the last advance). */
  private t = 0;
  private osdebug = false;

  // station
  private staStatus = STAT_IDLE;
  private staAp: AccessPoint | null = null;
  private staIp: [string, string, string] = ['0.0.0.0', '0.0.0.0', '0.0.0.0'];
  private staDhcp = true;
  private dns = DNS_SERVER;
  private connectGen = 0;
  private hostname = 'mpy-esp8266';

  // access point
  private apIp: [string, string, string] = ['192.168.4.1', '255.255.255.0', '192.168.4.1'];
  /** The laptop has joined the board's AP. */
  private laptopOnAp = false;

  // lwIP
  private socks = new Map<number, Sock>();
  private nextSock = 1;
  private nextPort = 4096;
  private freeBlocks = RX_BLOCKS;
  /** The driver ran out of receive buffers: nothing is received until a hard reset. */
  private rxBlocked = false;
  private dnsCache = new Map<string, string>();
  private dnsQueries = new Map<number, { state: 0 | 1 | -2; ip: string }>();
  private nextQuery = 1;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private laptopPorts = 51234;
  /** The laptop's requests in flight, to answer if the board is reset meanwhile. */
  private readonly laptopOpen = new Map<number, (error: string) => void>();
  private mailbox: Mailbox | null = null;
  private taking = false;
  private idleAt = Infinity;

  /** WebREPL's daemon and its client (webrepl.ts). */
  readonly webrepl: WebReplServer;

  constructor(ctx: NetContext) {
    this.ctx = ctx;
    this.webrepl = new WebReplServer({
      reach: (ip, notes) => this.laptopRoute(ip, notes),
      listening: (id, port, ip) => {
        const s = this.socks.get(id);
        return !!s && s.state === S_LISTENING && s.localPort === port && (s.localIp === '0.0.0.0' || s.localIp === ip) && (ip === this.apIp[0] || ip === this.staIp[0]);
      },
      later: (us, fn) => this.later(us, fn),
      print: (text) => ctx.print(text),
      send: (id, ws, text, error, notes) => ctx.reply({ id, ws, response: text, error, notes, ms: 0 }),
      termInput: (bytes) => ctx.termInput?.(bytes),
      onTermOutput: (fn) => ctx.onTermOutput?.(fn) ?? (() => undefined),
      fileOp: (op, name, hex, append, done) => (ctx.fileOp ? ctx.fileOp(op, name, hex, append, done) : done(false, '')),
    });
  }

  /** The laptop's way to the board's address `ip` (joining the board's AP if needed), or why not. */
  private laptopRoute(ip: string, notes: string[]): { laptopIp: string; latencyUs: number; joinUs: number } | string {
    if (this.inSubnet(ip, AP_SUBNET)) {
      if (!this.apActive()) return 'unreachable';
      let joinUs = 0;
      if (!this.laptopOnAp) {
        notes.push(`joined ${this.settings.apSsid}`);
        joinUs = 1_200_000;
        this.later(joinUs, () => {
          if (this.apActive()) this.laptopOnAp = true;
        });
      }
      return { laptopIp: `${AP_SUBNET}.2`, latencyUs: LAN_LATENCY_US, joinUs };
    }
    if (this.staUp() && this.inSubnet(ip, (this.staAp as AccessPoint).subnet)) {
      const ap = this.staAp as AccessPoint;
      return { laptopIp: `${ap.subnet}.${LAPTOP_HOST}`, latencyUs: LAN_LATENCY_US + ap.extraLatencyUs, joinUs: 0 };
    }
    return 'unreachable';
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
    this.osdebug = false;
    this.webrepl.stop();
    if (!hard) {
      for (const s of [...this.socks.values()]) this.close(s.id);
      return;
    }
    this.gen++;
    this.queue = [];
    for (const finish of [...this.laptopOpen.values()]) finish('board-reset');
    this.laptopOpen.clear();
    this.socks.clear();
    this.nextSock = 1;
    this.freeBlocks = RX_BLOCKS;
    this.rxBlocked = false;
    this.dnsCache.clear();
    this.dnsQueries.clear();
    this.staStatus = STAT_IDLE;
    this.staAp = null;
    this.staIp = ['0.0.0.0', '0.0.0.0', '0.0.0.0'];
    this.staDhcp = true;
    this.dns = DNS_SERVER;
    this.laptopOnAp = false;
    this.apIp = ['192.168.4.1', '255.255.255.0', '192.168.4.1'];
    this.t = this.ctx.nowUs();
    this.settings = this.load();
    if ((this.settings.opmode & 1) && this.settings.staSsid) {
      // the SDK's auto-connect with the saved station settings
      this.later(300_000, () => this.startConnect());
    }
  }

  // ---- virtual time --------------------------------------------------------------------------

  private later(us: number, fn: () => void): void {
    const at = this.t + Math.max(0, us);
    const e = { at, seq: this.seq++, gen: this.gen, fn };
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1] as { at: number }).at > at) i--;
    this.queue.splice(i, 0, e);
  }

  /** Runs every event due by now (and takes the laptop's requests). */
  advance(): void {
    this.takeRequests();
    const now = this.ctx.nowUs();
    while (this.queue.length && (this.queue[0] as { at: number }).at <= now) {
      const e = this.queue.shift() as { at: number; gen: number; fn: () => void };
      if (e.gen !== this.gen) continue;
      this.t = e.at;
      e.fn();
    }
    this.t = now;
    this.armIdle();
  }

  private nextEventUs(): number {
    return this.queue.length ? (this.queue[0] as { at: number }).at : Infinity;
  }

  /**
   * Keeps the world moving while the board is idle at the prompt (the interpreter is not calling
   * in): a host timer for the next event.
   */
  armIdle(): void {
    const next = this.nextEventUs();
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
    let step = Math.min(this.nextEventUs() - now, WAIT_STEP_US);
    if (maxUs >= 0) step = Math.min(step, maxUs);
    const r = this.ctx.sleepUs(Math.max(1, Math.ceil(step)));
    this.advance();
    return r;
  }

  // ---- SDK settings in flash -----------------------------------------------------------------

  /** Where the SDK keeps its WiFi settings: the system parameter sectors at the end of the flash. */
  private settingsAddr(): number {
    return (this.ctx.flash()?.size ?? 0) - 0x3000;
  }

  private load(): WifiSettings {
    const flash = this.ctx.flash();
    if (!flash || flash.size < 0x10000) return defaultSettings();
    try {
      const head = flash.read(this.settingsAddr(), 12);
      const magic = new TextDecoder().decode(head.subarray(0, 8));
      if (magic !== SETTINGS_MAGIC) return defaultSettings();
      const len = (head[8] as number) | ((head[9] as number) << 8);
      const body = new TextDecoder().decode(flash.read(this.settingsAddr() + 12, Math.min(len, 2048)));
      return { ...defaultSettings(), ...(JSON.parse(body) as Partial<WifiSettings>) };
    } catch {
      return defaultSettings();
    }
  }

  private save(): void {
    const flash = this.ctx.flash();
    if (!flash || flash.size < 0x10000) return;
    const body = new TextEncoder().encode(JSON.stringify(this.settings));
    const out = new Uint8Array(12 + body.length);
    out.set(new TextEncoder().encode(SETTINGS_MAGIC));
    out[8] = body.length & 0xff;
    out[9] = body.length >> 8;
    out.set(body, 12);
    flash.eraseSector(this.settingsAddr() / 4096);
    flash.program(this.settingsAddr(), out);
  }

  // ---- WLAN ----------------------------------------------------------------------------------

  private staActive(): boolean {
    return (this.settings.opmode & 1) !== 0;
  }

  private apActive(): boolean {
    return (this.settings.opmode & 2) !== 0;
  }

  private setOpmode(mode: number): void {
    const was = this.settings.opmode;
    if (mode === was) return;
    this.settings.opmode = mode;
    this.save();
    if ((was & 1) && !(mode & 1)) this.dropStation(STAT_IDLE);
    if ((was & 2) && !(mode & 2)) this.laptopOnAp = false;
    if (!(was & 1) && (mode & 1) && this.settings.staSsid) this.later(300_000, () => this.startConnect());
  }

  /** The station leaves its AP: connections over it die, the address goes. */
  private dropStation(status: number): void {
    this.connectGen++;
    this.staStatus = status;
    this.staAp = null;
    if (this.staDhcp) this.staIp = ['0.0.0.0', '0.0.0.0', '0.0.0.0'];
  }

  private osPrint(line: string): void {
    if (this.osdebug) this.ctx.print(line.replace(/\n/g, '\r\n'));
  }

  private startConnect(): void {
    if (!this.staActive() || !this.settings.staSsid) return;
    const g = ++this.connectGen;
    this.staStatus = STAT_CONNECTING;
    this.staAp = null;
    if (this.staDhcp) this.staIp = ['0.0.0.0', '0.0.0.0', '0.0.0.0'];
    const want = this.settings.staSsid;
    const bssid = this.settings.staBssid;
    const ap = ACCESS_POINTS.find((a) => a.ssid === want && (!bssid || macString(a.bssid) === bssid));
    if (!ap) {
      this.later(NO_AP_US, () => {
        if (g !== this.connectGen) return;
        this.osPrint('scandone\nno ' + want + ' found, reconnect after 1s\n');
        this.staStatus = STAT_NO_AP_FOUND;
      });
      return;
    }
    const keyOk = ap.authmode === AUTH_OPEN || this.settings.staKey === ap.key;
    if (!keyOk) {
      this.later(HANDSHAKE_FAIL_US, () => {
        if (g !== this.connectGen) return;
        this.osPrint('scandone\nstate: 0 -> 2 (b0)\nstate: 2 -> 3 (0)\nstate: 3 -> 0 (2)\n');
        this.staStatus = STAT_WRONG_PASSWORD;
      });
      return;
    }
    this.later(ap.associateUs, () => {
      if (g !== this.connectGen) return;
      this.osPrint(`scandone\nstate: 0 -> 2 (b0)\nstate: 2 -> 3 (0)\nstate: 3 -> 5 (10)\nadd 0\naid 1\ncnt \n\nconnected with ${ap.ssid}, channel ${ap.channel}\ndhcp client start...\n`);
      this.staAp = ap;
      this.later(DHCP_US + ap.extraLatencyUs * 4, () => {
        if (g !== this.connectGen) return;
        if (this.staDhcp) {
          this.staIp = [`${ap.subnet}.${ap.boardHost}`, '255.255.255.0', `${ap.subnet}.1`];
          this.dns = DNS_SERVER;
        }
        this.osPrint(`ip:${this.staIp[0]},mask:${this.staIp[1]},gw:${this.staIp[2]}\n`);
        this.staStatus = STAT_GOT_IP;
      });
    });
  }

  /** `WLAN.scan()` results, strongest first as the SDK's list usually is not [DER: order]. */
  private scanResults(): [string, string, number, number, number, number][] {
    const jitter = (i: number) => Math.round(Math.sin(this.ctx.nowUs() / 1e6 + i * 7) * 2);
    return ACCESS_POINTS.map((a, i) => [a.ssid, macString(a.bssid), a.channel, a.rssi + jitter(i), a.authmode, a.hidden ? 1 : 0]);
  }

  // ---- routing -------------------------------------------------------------------------------

  private staUp(): boolean {
    return this.staStatus === STAT_GOT_IP && this.staAp !== null;
  }

  private inSubnet(ip: string, subnet: string): boolean {
    return ip.startsWith(subnet + '.');
  }

  /** lwIP's ip_route (null: no interface is up, ERR_RTE). */
  private route(ip: string): Route | null {
    if (this.apActive() && this.inSubnet(ip, AP_SUBNET)) {
      return { latencyUs: LAN_LATENCY_US, kind: this.laptopOnAp && ip === `${AP_SUBNET}.2` ? 'laptop' : 'none' };
    }
    if (this.staUp()) {
      const ap = this.staAp as AccessPoint;
      const lan = LAN_LATENCY_US + ap.extraLatencyUs;
      if (this.inSubnet(ip, ap.subnet)) {
        if (ip === `${ap.subnet}.${LAPTOP_HOST}`) return { latencyUs: lan, kind: 'laptop' };
        return { latencyUs: lan, kind: ip === `${ap.subnet}.1` ? 'host' : 'none' };
      }
      const known = ip === DNS_SERVER || ip in TCP_SERVICES || ip in UDP_SERVICES;
      return { latencyUs: lan + INTERNET_LATENCY_US, kind: known ? 'host' : 'none' };
    }
    // not connected: lwIP still sends out of the AP's interface, where nobody answers
    if (this.apActive()) return { latencyUs: LAN_LATENCY_US, kind: 'none' };
    return null;
  }

  // ---- receive buffers and the deadlock ---------------------------------------------------------

  /** A frame arrives for the board: it needs a driver buffer. False: dropped. */
  private takeBlock(): boolean {
    if (this.rxBlocked) return false;
    if (this.freeBlocks === 0) {
      this.rxBlocked = true;
      this.lmacReport();
      return false;
    }
    this.freeBlocks--;
    return true;
  }

  private giveBlock(): void {
    if (this.freeBlocks < RX_BLOCKS) this.freeBlocks++;
  }

  /** The blocked driver keeps failing to receive (beacons, retransmissions): it says so. */
  private lmacReport(): void {
    this.osPrint('LmacRxBlk:1\n');
    this.later(LMAC_REPORT_US, () => this.lmacReport());
  }

  // ---- sockets ----------------------------------------------------------------------------------

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

  private tcpPcbs(): number {
    let n = 0;
    for (const s of this.socks.values()) {
      if (!s.udp && s.state !== S_LISTENING) n++;
      if (!s.udp && s.state === S_LISTENING) n += s.backlog.length;
    }
    return n;
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
    if (type !== 1 && type !== 2) return -E.EINVAL;
    if (af !== 2 && af !== 10) return -E.EINVAL; // lwIP creates the pcb for either family
    const udp = type === 2;
    if (udp) {
      let n = 0;
      for (const s of this.socks.values()) if (s.udp) n++;
      if (n >= MAX_UDP_PCBS) return -E.ENOMEM;
    } else if (this.tcpPcbs() >= MAX_TCP_PCBS) return -E.ENOMEM;
    return this.newSock(udp).id;
  }

  close(id: number): void {
    const s = this.socks.get(id);
    if (!s) return;
    this.socks.delete(id);
    if (s.udp) {
      for (let i = 0; i < s.udpRx.length; i++) this.giveBlock();
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
        this.later(c.latencyUs, () => {
          c.far?.fin();
          if (c.peerClosed) c.dead = true;
        });
      }
    }
  }

  private freeRx(c: Conn): void {
    for (let i = 0; i < c.rx.length; i++) this.giveBlock();
    c.rx = [];
    c.rxOff = 0;
  }

  /** Ends a connection at once; `tellFar` sends a RST to the other end. */
  private abortConn(c: Conn, tellFar: boolean): void {
    if (c.dead) return;
    c.dead = true;
    this.freeRx(c);
    if (tellFar) this.later(c.latencyUs, () => c.far?.rst());
  }

  bind(id: number, ip: string, port: number): number {
    const s = this.socks.get(id);
    if (!s) return -E.EBADF;
    if (port === 0) port = this.ephemeralPort();
    if (this.portInUse(port, s.udp, s)) return -ERRNO_OF[ERR_USE]!;
    s.localIp = ip;
    s.localPort = port;
    return 0;
  }

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
    const r = this.route(ip);
    if (!r) return -ERRNO_OF[ERR_RTE]!;
    if (!s.localPort) s.localPort = this.ephemeralPort();
    const c = new Conn(ip, port, s.localPort, r.latencyUs);
    c.sock = s;
    s.conn = c;
    s.state = S_CONNECTING;
    const synAt = this.t;
    const giveUp = () => {
      if (s.state === S_CONNECTING && s.conn === c) {
        c.dead = true;
        s.state = ERR_ABRT;
      }
    };
    this.later(SYN_GIVE_UP_US, giveUp);
    // SYN → far end
    this.later(r.latencyUs, () => {
      if (c.dead) return;
      const far = r.kind === 'host' ? this.serviceFor(ip, port, c) : null;
      const refused = r.kind === 'laptop' || (r.kind === 'host' && !far);
      if (r.kind === 'none') return; // nobody answers: lwIP retransmits, then gives up
      // SYN-ACK or RST → board
      this.later(r.latencyUs, () => {
        if (c.dead || s.state !== S_CONNECTING) return;
        if (!this.takeBlock()) return; // a dropped answer: the SYN times out
        this.giveBlock();
        if (refused) {
          c.dead = true;
          s.state = ERR_RST;
          return;
        }
        c.far = far;
        s.state = S_CONNECTED;
        void synAt;
        this.pumpFar(c);
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
    this.later(c.latencyUs, () => {
      if (c.dead) return;
      c.far?.data(chunk);
      // the ACK comes back (unless the driver can receive nothing any more)
      this.later(c.latencyUs, () => {
        if (this.rxBlocked || c.dead) return;
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
          this.giveBlock();
        }
        // the window opens again at the far end
        this.later(c.latencyUs, () => {
          if (this.rxBlocked) return;
          c.inflight = Math.max(0, c.inflight - n);
          this.pumpFar(c);
        });
      }
      return out;
    }
    if (st === S_PEER_CLOSED) return new Uint8Array(0);
    if (st < 0) return -(ERRNO_OF[st] ?? E.EBADF);
    if (st !== S_CONNECTED) return -E.ENOTCONN;
    return null;
  }

  sendto(id: number, data: Uint8Array, ip: string, port: number): number {
    this.advance();
    const s = this.socks.get(id);
    if (!s) return -E.EBADF;
    if (!s.udp) return this.send(id, data) ?? 0;
    if (!s.localPort) s.localPort = this.ephemeralPort();
    const r = this.route(ip);
    if (!r) return -ERRNO_OF[ERR_RTE]!;
    const payload = data.slice();
    const from = { ip: this.sourceIp(ip), port: s.localPort };
    this.later(r.latencyUs, () => {
      if (r.kind !== 'host') return;
      const svc = UDP_SERVICES[ip]?.[port];
      svc?.(payload, from, (reply) => {
        this.later(r.latencyUs, () => {
          if (!this.socks.has(id) || s.udpRx.length >= UDP_QUEUE) return;
          if (!this.takeBlock()) return;
          s.udpRx.push({ data: reply, ip, port });
        });
      });
    });
    return data.length;
  }

  recvfrom(id: number, max: number, peek: boolean): Datagram | null | number {
    this.advance();
    const s = this.socks.get(id);
    if (!s) return -E.EBADF;
    const d = s.udpRx[0];
    if (!d) return null;
    if (!peek) {
      s.udpRx.shift();
      this.giveBlock();
    }
    return { data: d.data.slice(0, max), ip: d.ip, port: d.port };
  }

  /** The board's address on the interface that reaches `ip`. */
  private sourceIp(ip: string): string {
    if (this.inSubnet(ip, AP_SUBNET) && this.apActive()) return this.apIp[0];
    return this.staIp[0];
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

  // ---- the far end: services ---------------------------------------------------------------------

  /** Sends what the far end has queued, within the board's receive window, one MSS at a time. */
  private pumpFar(c: Conn): void {
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
      this.later(c.latencyUs, () => {
        if (c.dead || this.rxBlocked) return;
        c.peerClosed = true;
        if (c.boardClosed) c.dead = true;
      });
    }
  }

  /** A segment travels to the board; a dropped one is sent again later. */
  private deliver(c: Conn, seg: Uint8Array): void {
    this.later(c.latencyUs, () => {
      if (c.dead || c.boardClosed) return;
      if (!this.takeBlock()) {
        this.later(RTO_US, () => this.deliver(c, seg));
        return;
      }
      c.rx.push({ data: seg });
    });
  }

  private serviceFor(ip: string, port: number, c: Conn): FarEnd | null {
    const make = TCP_SERVICES[ip]?.[port];
    if (!make) return null;
    const stack = this;
    const conn: ServiceConn = {
      remote: { ip: PUBLIC_SOURCE, port: c.localPort },
      send(data) {
        if (c.dead || c.farFin) return;
        c.farOut.push(typeof data === 'string' ? new TextEncoder().encode(data) : data);
        stack.pumpFar(c);
      },
      close() {
        if (c.dead || c.farFin) return;
        c.farFin = true;
        stack.pumpFar(c);
      },
      buffered() {
        let n = 0;
        for (const b of c.farOut) n += b.length;
        return n;
      },
      after(ms, fn) {
        stack.later(ms * 1000, () => {
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
    this.later(c.latencyUs, () => {
      if (!c.dead) session = make(conn);
    });
    return far;
  }

  // ---- the laptop ---------------------------------------------------------------------------

  /**
   * The laptop's browser fetches `url` from the board: it joins the board's AP when the address
   * is on it (192.168.4.x), or uses the LAN the board's station is on.
   */
  laptopRequest(req: LaptopRequest): void {
    this.advance();
    const start = this.t;
    const notes: string[] = [];
    const done = (response: string, error: string | null) => {
      this.laptopOpen.delete(req.id);
      this.ctx.reply({ id: req.id, response, error, notes, ms: Math.round((this.t - start) / 1000) });
    };
    const m = /^http:\/\/([0-9.]+)(?::(\d+))?(\/[^\s]*)?$/.exec(req.url.trim());
    if (!m) return done('', 'bad-url');
    const ip = m[1] as string;
    const port = Number(m[2] ?? 80);
    const path = m[3] ?? '/';
    let latency = LAN_LATENCY_US;
    let laptopIp: string;
    let join = 0;
    if (this.inSubnet(ip, AP_SUBNET)) {
      if (!this.apActive()) return done('', 'unreachable');
      if (!this.laptopOnAp) {
        notes.push(`joined ${this.settings.apSsid}`);
        join = 1_200_000;
      }
      laptopIp = `${AP_SUBNET}.2`;
    } else if (this.staUp() && this.inSubnet(ip, (this.staAp as AccessPoint).subnet)) {
      const ap = this.staAp as AccessPoint;
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
    this.later(join + LAPTOP_TIMEOUT_US, () => finish('timeout'));
    this.later(join, () => {
      if (this.inSubnet(ip, AP_SUBNET)) {
        if (!this.apActive()) return finish('unreachable');
        this.laptopOnAp = true;
      }
      const fromPort = this.laptopPorts++;
      // SYN → board
      this.later(latency, () => {
        if (!this.takeBlock()) return; // the board's driver is stuck: no answer
        this.giveBlock();
        const ours = ip === this.apIp[0] || ip === this.staIp[0];
        const listener = ours ? [...this.socks.values()].find((s) => !s.udp && s.state === S_LISTENING && s.localPort === port && (s.localIp === '0.0.0.0' || s.localIp === ip)) : undefined;
        if (listener && ours && this.webrepl.servesHtml(port)) {
          // webrepl.py's send_html(): not a websocket request
          this.later(2 * latency, () => {
            chunks.push(new TextEncoder().encode(WebReplServer.HTML));
            finish(null);
          });
          return;
        }
        if (!listener) {
          this.later(latency, () => finish('refused'));
          return;
        }
        if (listener.backlog.length >= listener.backlogMax || this.tcpPcbs() >= MAX_TCP_PCBS) return; // SYN dropped
        const c = new Conn(laptopIp, fromPort, port, latency);
        listener.backlog.push(c);
        c.far = {
          data: (bytes) => chunks.push(bytes),
          fin: () => finish(null),
          rst: () => finish('reset'),
        };
        // SYN-ACK → laptop, which then sends its request
        this.later(latency, () => {
          if (c.dead) return finish('reset');
          c.farOut.push(new TextEncoder().encode(request));
          c.farFin = false;
          this.pumpFar(c);
        });
      });
    });
  }

  // ---- DNS ------------------------------------------------------------------------------------

  /** getaddrinfo's lookup: an address string at once, or a query id to poll with {@link dnsResult}. */
  dnsStart(name: string): string | number {
    this.advance();
    if (parseIp(name)) return ipToString(parseIp(name) as number[]);
    const cached = this.dnsCache.get(name.toLowerCase());
    if (cached) return cached;
    const id = this.nextQuery++;
    const q: { state: 0 | 1 | -2; ip: string } = { state: 0, ip: '' };
    this.dnsQueries.set(id, q);
    const key = name.toLowerCase();
    let answered = false;
    const ask = (attempt: number) => {
      const r = this.route(this.dns);
      if (r && r.kind === 'host' && (this.dns === DNS_SERVER || this.dns.endsWith('.1'))) {
        this.later(2 * r.latencyUs, () => {
          if (answered || !this.takeBlock()) return;
          this.giveBlock();
          answered = true;
          const ip = DNS_TABLE[key];
          if (ip) {
            q.state = 1;
            q.ip = ip;
            this.dnsCache.set(key, ip);
          } else q.state = -2; // NXDOMAIN
        });
      }
      this.later(DNS_WAITS_US[attempt] as number, () => {
        if (answered) return;
        if (attempt + 1 < DNS_WAITS_US.length) ask(attempt + 1);
        else {
          answered = true;
          q.state = -2;
        }
      });
    };
    ask(0);
    return id;
  }

  /** A query's answer: the address, null while waiting, or -2 (lwIP's failure, `OSError: -2`). */
  dnsResult(id: number): string | null | number {
    this.advance();
    const q = this.dnsQueries.get(id);
    if (!q) return -2;
    if (q.state === 0) return null;
    this.dnsQueries.delete(id);
    return q.state === 1 ? q.ip : -2;
  }

  // ---- the firmware's functions --------------------------------------------------------------

  /** Functions for `_esp_hal` (Python: `_fw_network.py`, `_fw_socket.py`). Bytes travel as hex. */
  halFunctions(): Record<string, (...args: never[]) => unknown> {
    const hex = (b: Uint8Array) => {
      let s = '';
      for (const x of b) s += x.toString(16).padStart(2, '0');
      return s;
    };
    const unhex = (h: string) => {
      const out = new Uint8Array(h.length >> 1);
      for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
      return out;
    };
    return {
      net_sdk_used: () => this.sdkBytesInUse(),
      net_osdebug: (on: number) => {
        this.osdebug = on === 1;
      },
      net_wait: (us: number) => this.wait(Number(us)),
      net_now_ms: () => Math.floor(this.ctx.nowUs() / 1000),
      // WLAN
      net_active: (ifc: number, v: number) => {
        this.advance();
        const bit = ifc === 0 ? 1 : 2;
        if (v >= 0) this.setOpmode(v ? this.settings.opmode | bit : this.settings.opmode & ~bit);
        return (this.settings.opmode & bit) !== 0 ? 1 : 0;
      },
      net_connect: (ssid: string | null, key: string | null, bssid: string | null) => {
        this.advance();
        if (!this.staActive()) return ssid != null || key != null || bssid != null ? 'Cannot set STA config' : 'Cannot connect to AP';
        if (ssid != null) this.settings.staSsid = String(ssid).slice(0, 32);
        if (key != null) this.settings.staKey = String(key).slice(0, 64);
        if (bssid != null) this.settings.staBssid = String(bssid);
        else if (ssid != null || key != null) this.settings.staBssid = null;
        this.save();
        this.startConnect();
        return '';
      },
      net_disconnect: () => {
        this.advance();
        if (this.staActive()) this.dropStation(STAT_IDLE);
      },
      net_status: (ifc: number) => {
        this.advance();
        return ifc === 0 ? this.staStatus : -1;
      },
      net_rssi: () => {
        this.advance();
        return this.staAp ? this.staAp.rssi + Math.round(Math.sin(this.ctx.nowUs() / 3e6) * 2) : 31;
      },
      net_stations: () => {
        this.advance();
        return this.laptopOnAp && this.apActive() ? JSON.stringify([[hex(Uint8Array.from(LAPTOP_MAC)), `${AP_SUBNET}.2`]]) : '[]';
      },
      net_ap_clients: () => (this.laptopOnAp && this.apActive() ? 1 : 0),
      net_scan_time: () => SCAN_US,
      net_scan: () => {
        this.advance();
        return JSON.stringify(this.scanResults().map(([ssid, bssid, ch, rssi, auth, hidden]) => [hex(new TextEncoder().encode(ssid)), bssid.replace(/:/g, ''), ch, rssi, auth, hidden]));
      },
      net_ifconfig: (ifc: number, set: string | null) => {
        this.advance();
        if (set != null) {
          const [ip, mask, gw, dns] = JSON.parse(set) as string[];
          if (ifc === 0) {
            this.staDhcp = false;
            this.staIp = [ip as string, mask as string, gw as string];
          } else this.apIp = [ip as string, mask as string, gw as string];
          this.dns = dns as string;
          return null;
        }
        const i = ifc === 0 ? this.staIp : this.apIp;
        return JSON.stringify([i[0], i[1], i[2], this.dns]);
      },
      net_dhcp: () => {
        this.staDhcp = true;
        if (this.staUp()) {
          const ap = this.staAp as AccessPoint;
          this.staIp = [`${ap.subnet}.${ap.boardHost}`, '255.255.255.0', `${ap.subnet}.1`];
        }
      },
      net_dns: (set: string | null) => {
        if (set != null) this.dns = String(set);
        return this.dns;
      },
      net_config_get: (ifc: number, key: string) => {
        const st = this.settings;
        switch (key) {
          case 'mac': return hex(Uint8Array.from(ifc === 0 ? STA_MAC : AP_MAC));
          case 'ssid': return JSON.stringify(ifc === 0 ? st.staSsid : st.apSsid);
          case 'hidden': return JSON.stringify(st.apHidden);
          case 'security': return JSON.stringify(st.apAuth);
          case 'channel': return JSON.stringify(this.staAp ? this.staAp.channel : st.apChannel);
          case 'hostname': return JSON.stringify(this.hostname);
          default: return null;
        }
      },
      net_config_set: (ifc: number, key: string, value: string) => {
        const st = this.settings;
        const v = JSON.parse(value) as unknown;
        if (ifc === 1) {
          if (key === 'ssid') st.apSsid = String(v).slice(0, 32);
          else if (key === 'hidden') st.apHidden = !!v;
          else if (key === 'security') st.apAuth = Number(v);
          else if (key === 'key') st.apKey = String(v).slice(0, 63);
        }
        if (key === 'channel') st.apChannel = Number(v);
        if (key === 'hostname') this.hostname = String(v).slice(0, 32);
        this.save();
      },
      net_hostname: (set: string | null) => {
        if (set != null) this.hostname = String(set).slice(0, 32);
        return this.hostname;
      },
      // inisetup.wifi(): the AP named after the AP MAC, WPA/WPA2 with key micropythoN (reference §3.3)
      net_inisetup: () => {
        const tail = AP_MAC.slice(3).map((b) => b.toString(16).padStart(2, '0')).join('');
        this.settings.apSsid = `MicroPython-${tail}`;
        this.settings.apAuth = AUTH_WPA_WPA2_PSK;
        this.settings.apKey = 'micropythoN';
        this.save();
      },
      // sockets
      net_socket: (af: number, type: number) => this.socket(Number(af), Number(type)),
      net_close: (id: number) => this.close(Number(id)),
      net_bind: (id: number, ip: string, port: number) => this.bind(Number(id), String(ip), Number(port)),
      net_listen: (id: number, backlog: number) => this.listen(Number(id), Number(backlog)),
      net_accept: (id: number) => {
        const r = this.accept(Number(id));
        return r === null || typeof r === 'number' ? r : JSON.stringify(r);
      },
      net_connect_tcp: (id: number, ip: string, port: number) => this.connect(Number(id), String(ip), Number(port)),
      net_state: (id: number) => this.state(Number(id)),
      net_send: (id: number, h: string) => this.send(Number(id), unhex(String(h))),
      net_recv: (id: number, n: number, peek: number) => {
        const r = this.recv(Number(id), Number(n), peek === 1);
        return r === null || typeof r === 'number' ? r : hex(r);
      },
      net_sendto: (id: number, h: string, ip: string, port: number) => this.sendto(Number(id), unhex(String(h)), String(ip), Number(port)),
      net_recvfrom: (id: number, n: number) => {
        const r = this.recvfrom(Number(id), Number(n), false);
        return r === null || typeof r === 'number' ? r : JSON.stringify([hex(r.data), r.ip, r.port]);
      },
      net_reuse: (id: number, on: number) => {
        const s = this.socks.get(Number(id));
        if (s) s.reuse = on === 1;
      },
      net_describe: (id: number) => this.describe(Number(id)).join(','),
      net_poll: (id: number) => this.pollFlags(Number(id)),
      net_dns_start: (name: string) => this.dnsStart(String(name)),
      net_dns_result: (id: number) => this.dnsResult(Number(id)),
      net_errno: (err: number) => ERRNO_OF[Number(err)] ?? E.EBADF,
      net_webrepl_start: (id: number, port: number, password: string) => this.webrepl.start(Number(id), Number(port), String(password)),
      net_webrepl_stop: () => this.webrepl.stop(),
    };
  }

  /** For tests and the panel: a summary of what the stack holds. */
  snapshot(): { freeBlocks: number; rxBlocked: boolean; sockets: number; staStatus: number; apSsid: string; opmode: number } {
    return { freeBlocks: this.freeBlocks, rxBlocked: this.rxBlocked, sockets: this.socks.size, staStatus: this.staStatus, apSsid: this.settings.apSsid, opmode: this.settings.opmode };
  }
}

/** How internet services see the board: the router's public address. */
const PUBLIC_SOURCE = '198.51.100.7';
