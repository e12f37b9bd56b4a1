/**
 * The IP layer between the WiFi driver (`wlan.ts`) and the sockets (`tcp-udp.ts`): the
 * interfaces' addresses (the station's DHCP lease or a static `ifconfig`, the soft AP's
 * 192.168.4.1, the DNS server), lwIP's routing — which interface reaches an address and whether
 * anything answers there (what ARP would find on a LAN: the router, the laptop, or nobody) — the
 * source address a packet leaves with, and the DNS client behind `getaddrinfo` (lwIP 1.4's
 * retries, its cache, and a failure as `OSError: -2`).
 *
 * Sources: MP@v1.27.0 `ports/esp8266/network_wlan.c` (ifconfig, the DHCP client),
 * `extmod/modlwip.c` (getaddrinfo), lwIP 1.4 `dns.c` (as cited below), reference §5.1–§5.3.
 */
import {
  DNS_SERVER, DNS_TABLE, INTERNET_LATENCY_US, LAN_LATENCY_US, LAPTOP_HOST,
  type AccessPoint, ipToString, parseIp,
} from './world.ts';
import { TCP_SERVICES, UDP_SERVICES } from './registry.ts';
import type { Timeline } from './timeline.ts';
import type { StationAddress, Wlan } from './wlan.ts';

/** The soft AP's subnet: the board is .1, the laptop that joins it .2. */
export const AP_SUBNET = '192.168.4';
/** DHCP after the association, µs. */
const DHCP_US = 900_000;
/** lwIP 1.4 DNS: 4 tries, waiting 1, 2, 4 and 8 s (dns.c DNS_MAX_RETRIES, `tmr = 1 << retries`) [DER]. */
const DNS_WAITS_US = [1_000_000, 2_000_000, 4_000_000, 8_000_000];

/** Where a packet from the board to `ip` goes. */
export interface Route {
  latencyUs: number;
  /** 'host': something answers there; 'none': nothing does; 'laptop': the laptop. */
  kind: 'host' | 'none' | 'laptop';
}

/** Whether the address `ip` is in the /24 `subnet` (given as its first three numbers). */
export function inSubnet(ip: string, subnet: string): boolean {
  return ip.startsWith(subnet + '.');
}

/** The lease the AP's DHCP server gives the board: [ip, mask, gateway]. */
function leaseFrom(ap: AccessPoint): [string, string, string] {
  return [`${ap.subnet}.${ap.boardHost}`, '255.255.255.0', `${ap.subnet}.1`];
}

/** The interfaces' addresses, routing and the DNS client. */
export class Ip implements StationAddress {
  private readonly time: Timeline;
  private readonly wlan: Wlan;
  private readonly advance: () => void;
  /** The station's [ip, mask, gateway]. */
  staIp: [string, string, string] = ['0.0.0.0', '0.0.0.0', '0.0.0.0'];
  /** The station takes its address from DHCP (false after a static `ifconfig`). */
  staDhcp = true;
  /** The DNS server's address. */
  dns = DNS_SERVER;
  /** The soft AP's [ip, mask, gateway]. */
  apIp: [string, string, string] = ['192.168.4.1', '255.255.255.0', '192.168.4.1'];
  private dnsCache = new Map<string, string>();
  private dnsQueries = new Map<number, { state: 0 | 1 | -2; ip: string }>();
  private nextQuery = 1;

  /** `advance` runs the network's due events (NetStack.advance). */
  constructor(time: Timeline, wlan: Wlan, advance: () => void) {
    this.time = time;
    this.wlan = wlan;
    this.advance = advance;
  }

  /** A hard boot: the default addresses, DHCP on, the DNS cache and queries gone. */
  powerCycle(): void {
    this.dnsCache.clear();
    this.dnsQueries.clear();
    this.staIp = ['0.0.0.0', '0.0.0.0', '0.0.0.0'];
    this.staDhcp = true;
    this.dns = DNS_SERVER;
    this.apIp = ['192.168.4.1', '255.255.255.0', '192.168.4.1'];
  }

  // ---- addresses -------------------------------------------------------------------------------

  release(): void {
    if (this.staDhcp) this.staIp = ['0.0.0.0', '0.0.0.0', '0.0.0.0'];
  }

  dhcp(ap: AccessPoint, current: () => boolean, bound: () => void): void {
    this.time.later(DHCP_US + ap.extraLatencyUs * 4, () => {
      if (!current()) return;
      if (this.staDhcp) {
        this.staIp = leaseFrom(ap);
        this.dns = DNS_SERVER;
      }
      this.wlan.osPrint(`ip:${this.staIp[0]},mask:${this.staIp[1]},gw:${this.staIp[2]}\n`);
      bound();
    });
  }

  /** `WLAN.ifconfig('dhcp')`: back to DHCP, with the current AP's lease at once if the station is up. */
  dhcpOn(): void {
    this.staDhcp = true;
    if (this.wlan.staUp()) this.staIp = leaseFrom(this.wlan.staAp as AccessPoint);
  }

  // ---- routing -------------------------------------------------------------------------------

  /** lwIP's ip_route (null: no interface is up, ERR_RTE). */
  route(ip: string): Route | null {
    const wlan = this.wlan;
    if (wlan.apActive() && inSubnet(ip, AP_SUBNET)) {
      return { latencyUs: LAN_LATENCY_US, kind: wlan.laptopOnAp && ip === `${AP_SUBNET}.2` ? 'laptop' : 'none' };
    }
    if (wlan.staUp()) {
      const ap = wlan.staAp as AccessPoint;
      const lan = LAN_LATENCY_US + ap.extraLatencyUs;
      if (inSubnet(ip, ap.subnet)) {
        if (ip === `${ap.subnet}.${LAPTOP_HOST}`) return { latencyUs: lan, kind: 'laptop' };
        return { latencyUs: lan, kind: ip === `${ap.subnet}.1` ? 'host' : 'none' };
      }
      const known = ip === DNS_SERVER || ip in TCP_SERVICES || ip in UDP_SERVICES;
      return { latencyUs: lan + INTERNET_LATENCY_US, kind: known ? 'host' : 'none' };
    }
    // not connected: lwIP still sends out of the AP's interface, where nobody answers
    if (wlan.apActive()) return { latencyUs: LAN_LATENCY_US, kind: 'none' };
    return null;
  }

  /** The board's address on the interface that reaches `ip`. */
  sourceIp(ip: string): string {
    if (inSubnet(ip, AP_SUBNET) && this.wlan.apActive()) return this.apIp[0];
    return this.staIp[0];
  }

  /** Whether `ip` is one of the board's own addresses (the AP's or the station's). */
  isOurs(ip: string): boolean {
    return ip === this.apIp[0] || ip === this.staIp[0];
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
        this.time.later(2 * r.latencyUs, () => {
          if (answered || !this.wlan.takeBlock()) return;
          this.wlan.giveBlock();
          answered = true;
          const ip = DNS_TABLE[key];
          if (ip) {
            q.state = 1;
            q.ip = ip;
            this.dnsCache.set(key, ip);
          } else q.state = -2; // NXDOMAIN
        });
      }
      this.time.later(DNS_WAITS_US[attempt] as number, () => {
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
}
