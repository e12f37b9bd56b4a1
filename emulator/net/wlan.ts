/**
 * The SDK's WiFi driver as `network.WLAN` sees it: the operating mode (station, access point or
 * both), the station's connection to an access point of `world.ts` (the SDK's scan, the 4-way
 * handshake, `wifi_station_get_connect_status`'s codes), the soft AP and whether the laptop has
 * joined it, the settings the SDK keeps in flash and restores at every boot, the board's MACs,
 * `WLAN.scan()`, and `os_printf` while `esp.osdebug()` is on.
 *
 * The driver's receive buffers are here too (reference §5.2): every segment or datagram the
 * driver receives stays in one of {@link RX_BLOCKS} buffers until the program reads it (lwIP on
 * the ESP8266 keeps the driver's buffers in its pbuf queues). Data arriving for a socket nobody
 * reads uses them up; then the driver can receive nothing more — `LmacRxBlk:1`, printed over and
 * over when `esp.osdebug(0)` is set, and all networking stops until a hard reset.
 *
 * The station's address (DHCP or static) belongs to the IP layer (`ip.ts`), which this file
 * reaches only through {@link StationAddress}.
 *
 * Sources: MP@v1.27.0 `ports/esp8266/network_wlan.c`, `modnetwork_globals.h`, reference §3.3,
 * §5.1, §5.2.
 */
import { ACCESS_POINTS, AUTH_OPEN, type AccessPoint, macString } from './world.ts';
import type { NetContext } from './context.ts';
import type { Timeline } from './timeline.ts';

/** The board's MACs: STA 5c:cf:7f:c1:dd:42; the SoftAP's has the locally administered bit set. */
export const STA_MAC = [0x5c, 0xcf, 0x7f, 0xc1, 0xdd, 0x42] as const;
export const AP_MAC = [0x5e, 0xcf, 0x7f, 0xc1, 0xdd, 0x42] as const;
/** The laptop's MAC, as `WLAN(AP_IF).status('stations')` lists it once it has joined the AP. */
export const LAPTOP_MAC = [0x3c, 0x22, 0xfb, 0x61, 0x0a, 0x7e] as const;

/** SDK station status (`wifi_station_get_connect_status`, reference §5.1). */
export const STAT_IDLE = 0;
export const STAT_CONNECTING = 1;
export const STAT_WRONG_PASSWORD = 2;
export const STAT_NO_AP_FOUND = 3;
export const STAT_CONNECT_FAIL = 4;
export const STAT_GOT_IP = 5;

/** Receive buffers of the WiFi driver [UNV: the SDK's count is not documented]. */
export const RX_BLOCKS = 8;
/** How often the blocked driver reports `LmacRxBlk:1` [DER: the rate is not documented]. */
const LMAC_REPORT_US = 250_000;
/** A wrong key: the 4-way handshake fails this long after the association starts. */
const HANDSHAKE_FAIL_US = 2_600_000;
/** No AP with that name: the SDK's scans give up after this long [DER]. */
const NO_AP_US = 6_000_000;
/** How long `WLAN.scan()` takes, µs. */
export const SCAN_US = 2_200_000;

// ---- the SDK's saved settings -----------------------------------------------------------------

/** What the SDK keeps in flash: the operating mode and both interfaces' configuration. */
export interface WifiSettings {
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

/** What the station needs from the IP layer (`ip.ts`): its address comes and goes with the association. */
export interface StationAddress {
  /** The station starts joining an AP or leaves it: an address from DHCP goes (a static one stays). */
  release(): void;
  /** Associated with `ap`: the DHCP client gets its lease; `bound` runs once the interface has its address, unless `current()` says the association is over by then. */
  dhcp(ap: AccessPoint, current: () => boolean, bound: () => void): void;
}

// ---- the driver -------------------------------------------------------------------------------

/** The WiFi driver: both interfaces' link state, the saved settings, the receive buffers. */
export class Wlan {
  private readonly ctx: NetContext;
  private readonly time: Timeline;
  private readonly address: StationAddress;
  /** The settings as the SDK holds them (saved to flash by {@link save}). */
  settings: WifiSettings = defaultSettings();
  /** `esp.osdebug()`: the SDK's os_printf goes to UART0. */
  osdebug = false;

  // station
  staStatus = STAT_IDLE;
  /** The AP the station is associated with. */
  staAp: AccessPoint | null = null;
  /** Bumped whenever a connection attempt starts or ends: the older attempt's events do nothing. */
  private connectGen = 0;
  hostname = 'mpy-esp8266';

  // access point
  /** The laptop has joined the board's AP. */
  laptopOnAp = false;

  // receive buffers
  freeBlocks = RX_BLOCKS;
  /** The driver ran out of receive buffers: nothing is received until a hard reset. */
  rxBlocked = false;

  constructor(ctx: NetContext, time: Timeline, address: StationAddress) {
    this.ctx = ctx;
    this.time = time;
    this.address = address;
  }

  /**
   * A hard boot: the driver starts afresh from the settings in flash, and the station reconnects
   * on its own if it was set up (reference §3.3). Call with the timeline at the boot's time.
   */
  powerCycle(): void {
    this.freeBlocks = RX_BLOCKS;
    this.rxBlocked = false;
    this.staStatus = STAT_IDLE;
    this.staAp = null;
    this.laptopOnAp = false;
    this.settings = this.load();
    if ((this.settings.opmode & 1) && this.settings.staSsid) {
      // the SDK's auto-connect with the saved station settings
      this.time.later(300_000, () => this.startConnect());
    }
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

  /** Writes {@link settings} to flash (when the board has a flash large enough). */
  save(): void {
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

  /** The station interface is on (opmode bit 0). */
  staActive(): boolean {
    return (this.settings.opmode & 1) !== 0;
  }

  /** The soft AP is on (opmode bit 1). */
  apActive(): boolean {
    return (this.settings.opmode & 2) !== 0;
  }

  /** The station is associated and has its address. */
  staUp(): boolean {
    return this.staStatus === STAT_GOT_IP && this.staAp !== null;
  }

  /** `WLAN.active()`: bit 0 the station, bit 1 the AP (saved; the station starts connecting when switched on). */
  setOpmode(mode: number): void {
    const was = this.settings.opmode;
    if (mode === was) return;
    this.settings.opmode = mode;
    this.save();
    if ((was & 1) && !(mode & 1)) this.dropStation(STAT_IDLE);
    if ((was & 2) && !(mode & 2)) this.laptopOnAp = false;
    if (!(was & 1) && (mode & 1) && this.settings.staSsid) this.time.later(300_000, () => this.startConnect());
  }

  /** The station leaves its AP: connections over it die, the address goes. */
  dropStation(status: number): void {
    this.connectGen++;
    this.staStatus = status;
    this.staAp = null;
    this.address.release();
  }

  /** The SDK's os_printf: on UART0 while `esp.osdebug()` is on. */
  osPrint(line: string): void {
    if (this.osdebug) this.ctx.print(line.replace(/\n/g, '\r\n'));
  }

  /** `WLAN.connect()` with the saved station settings: scan, association, handshake, then DHCP. */
  startConnect(): void {
    if (!this.staActive() || !this.settings.staSsid) return;
    const g = ++this.connectGen;
    this.staStatus = STAT_CONNECTING;
    this.staAp = null;
    this.address.release();
    const want = this.settings.staSsid;
    const bssid = this.settings.staBssid;
    const ap = ACCESS_POINTS.find((a) => a.ssid === want && (!bssid || macString(a.bssid) === bssid));
    if (!ap) {
      this.time.later(NO_AP_US, () => {
        if (g !== this.connectGen) return;
        this.osPrint('scandone\nno ' + want + ' found, reconnect after 1s\n');
        this.staStatus = STAT_NO_AP_FOUND;
      });
      return;
    }
    const keyOk = ap.authmode === AUTH_OPEN || this.settings.staKey === ap.key;
    if (!keyOk) {
      this.time.later(HANDSHAKE_FAIL_US, () => {
        if (g !== this.connectGen) return;
        this.osPrint('scandone\nstate: 0 -> 2 (b0)\nstate: 2 -> 3 (0)\nstate: 3 -> 0 (2)\n');
        this.staStatus = STAT_WRONG_PASSWORD;
      });
      return;
    }
    this.time.later(ap.associateUs, () => {
      if (g !== this.connectGen) return;
      this.osPrint(`scandone\nstate: 0 -> 2 (b0)\nstate: 2 -> 3 (0)\nstate: 3 -> 5 (10)\nadd 0\naid 1\ncnt \n\nconnected with ${ap.ssid}, channel ${ap.channel}\ndhcp client start...\n`);
      this.staAp = ap;
      this.address.dhcp(ap, () => g === this.connectGen, () => {
        this.staStatus = STAT_GOT_IP;
      });
    });
  }

  /** `WLAN.scan()` results, strongest first as the SDK's list usually is not [DER: order]. */
  scanResults(): [string, string, number, number, number, number][] {
    const jitter = (i: number) => Math.round(Math.sin(this.ctx.nowUs() / 1e6 + i * 7) * 2);
    return ACCESS_POINTS.map((a, i) => [a.ssid, macString(a.bssid), a.channel, a.rssi + jitter(i), a.authmode, a.hidden ? 1 : 0]);
  }

  // ---- receive buffers and the deadlock ---------------------------------------------------------

  /** A frame arrives for the board: it needs a driver buffer. False: dropped. */
  takeBlock(): boolean {
    if (this.rxBlocked) return false;
    if (this.freeBlocks === 0) {
      this.rxBlocked = true;
      this.lmacReport();
      return false;
    }
    this.freeBlocks--;
    return true;
  }

  /** A buffer is free again (its data was read, or its socket closed). */
  giveBlock(): void {
    if (this.freeBlocks < RX_BLOCKS) this.freeBlocks++;
  }

  /** The blocked driver keeps failing to receive (beacons, retransmissions): it says so. */
  private lmacReport(): void {
    this.osPrint('LmacRxBlk:1\n');
    this.time.later(LMAC_REPORT_US, () => this.lmacReport());
  }
}
