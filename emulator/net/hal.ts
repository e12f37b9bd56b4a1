/**
 * The `net_*` functions of `_esp_hal`, what the firmware's Python modules call: `_fw_network.py`
 * (`network.WLAN`), `_fw_socket.py` (`socket`, `getaddrinfo`) and `_fw_webrepl.py`. Each is a
 * thin call into the part that does the job (`wlan.ts`, `ip.ts`, `tcp-udp.ts`, `webrepl.ts`);
 * bytes travel as hex strings, lists as JSON.
 *
 * Sources: MP@v1.27.0 `ports/esp8266/network_wlan.c` (the config keys, status, scan),
 * `extmod/modlwip.c` (the socket calls), reference §3.3 (inisetup's AP).
 */
import { AUTH_WPA_WPA2_PSK } from './world.ts';
import type { NetContext } from './context.ts';
import { AP_MAC, LAPTOP_MAC, SCAN_US, STA_MAC, STAT_IDLE, type Wlan } from './wlan.ts';
import { AP_SUBNET, type Ip } from './ip.ts';
import { E, ERRNO_OF, type Sockets } from './tcp-udp.ts';
import type { WebReplServer } from './webrepl.ts';
import type { EspNowRadio } from './espnow.ts';

/** The parts the firmware's functions reach, and NetStack's own `advance` and `wait`. */
export interface HalParts {
  ctx: NetContext;
  wlan: Wlan;
  ip: Ip;
  sockets: Sockets;
  webrepl: WebReplServer;
  espnow: EspNowRadio;
  /** Runs the network's due events (NetStack.advance). */
  advance(): void;
  /** A blocking call's wait for the world (NetStack.wait): 0 go on, 1 Ctrl-C, 2 a callback is due. */
  wait(maxUs: number): number;
}

/** Functions for `_esp_hal` (Python: `_fw_network.py`, `_fw_socket.py`). Bytes travel as hex. */
export function netHalFunctions(p: HalParts): Record<string, (...args: never[]) => unknown> {
  const { ctx, wlan, ip, sockets, webrepl, espnow } = p;
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
    net_sdk_used: () => sockets.sdkBytesInUse(),
    net_osdebug: (on: number) => {
      wlan.osdebug = on === 1;
    },
    net_wait: (us: number) => p.wait(Number(us)),
    net_now_ms: () => Math.floor(ctx.nowUs() / 1000),
    // WLAN
    net_active: (ifc: number, v: number) => {
      p.advance();
      const bit = ifc === 0 ? 1 : 2;
      if (v >= 0) wlan.setOpmode(v ? wlan.settings.opmode | bit : wlan.settings.opmode & ~bit);
      return (wlan.settings.opmode & bit) !== 0 ? 1 : 0;
    },
    net_connect: (ssid: string | null, key: string | null, bssid: string | null) => {
      p.advance();
      if (!wlan.staActive()) return ssid != null || key != null || bssid != null ? 'Cannot set STA config' : 'Cannot connect to AP';
      if (ssid != null) wlan.settings.staSsid = String(ssid).slice(0, 32);
      if (key != null) wlan.settings.staKey = String(key).slice(0, 64);
      if (bssid != null) wlan.settings.staBssid = String(bssid);
      else if (ssid != null || key != null) wlan.settings.staBssid = null;
      wlan.save();
      wlan.startConnect();
      return '';
    },
    net_disconnect: () => {
      p.advance();
      if (wlan.staActive()) wlan.dropStation(STAT_IDLE);
    },
    net_status: (ifc: number) => {
      p.advance();
      return ifc === 0 ? wlan.staStatus : -1;
    },
    net_rssi: () => {
      p.advance();
      return wlan.staAp ? wlan.staAp.rssi + Math.round(Math.sin(ctx.nowUs() / 3e6) * 2) : 31;
    },
    net_stations: () => {
      p.advance();
      return wlan.laptopOnAp && wlan.apActive() ? JSON.stringify([[hex(Uint8Array.from(LAPTOP_MAC)), `${AP_SUBNET}.2`]]) : '[]';
    },
    net_ap_clients: () => (wlan.laptopOnAp && wlan.apActive() ? 1 : 0),
    net_scan_time: () => SCAN_US,
    net_scan: () => {
      p.advance();
      return JSON.stringify(wlan.scanResults().map(([ssid, bssid, ch, rssi, auth, hidden]) => [hex(new TextEncoder().encode(ssid)), bssid.replace(/:/g, ''), ch, rssi, auth, hidden]));
    },
    // addresses
    net_ifconfig: (ifc: number, set: string | null) => {
      p.advance();
      if (set != null) {
        const [addr, mask, gw, dns] = JSON.parse(set) as string[];
        if (ifc === 0) {
          ip.staDhcp = false;
          ip.staIp = [addr as string, mask as string, gw as string];
        } else ip.apIp = [addr as string, mask as string, gw as string];
        ip.dns = dns as string;
        return null;
      }
      const i = ifc === 0 ? ip.staIp : ip.apIp;
      return JSON.stringify([i[0], i[1], i[2], ip.dns]);
    },
    net_dhcp: () => ip.dhcpOn(),
    net_dns: (set: string | null) => {
      if (set != null) ip.dns = String(set);
      return ip.dns;
    },
    net_config_get: (ifc: number, key: string) => {
      const st = wlan.settings;
      switch (key) {
        case 'mac': return hex(Uint8Array.from(ifc === 0 ? STA_MAC : AP_MAC));
        case 'ssid': return JSON.stringify(ifc === 0 ? st.staSsid : st.apSsid);
        case 'hidden': return JSON.stringify(st.apHidden);
        case 'security': return JSON.stringify(st.apAuth);
        case 'channel': return JSON.stringify(wlan.staAp ? wlan.staAp.channel : st.apChannel);
        case 'hostname': return JSON.stringify(wlan.hostname);
        default: return null;
      }
    },
    net_config_set: (ifc: number, key: string, value: string) => {
      const st = wlan.settings;
      const v = JSON.parse(value) as unknown;
      if (ifc === 1) {
        if (key === 'ssid') st.apSsid = String(v).slice(0, 32);
        else if (key === 'hidden') st.apHidden = !!v;
        else if (key === 'security') st.apAuth = Number(v);
        else if (key === 'key') st.apKey = String(v).slice(0, 63);
      }
      if (key === 'channel') st.apChannel = Number(v);
      if (key === 'hostname') wlan.hostname = String(v).slice(0, 32);
      wlan.save();
    },
    net_hostname: (set: string | null) => {
      if (set != null) wlan.hostname = String(set).slice(0, 32);
      return wlan.hostname;
    },
    // inisetup.wifi(): the AP named after the AP MAC, WPA/WPA2 with key micropythoN (reference §3.3)
    net_inisetup: () => {
      const tail = AP_MAC.slice(3).map((b) => b.toString(16).padStart(2, '0')).join('');
      wlan.settings.apSsid = `MicroPython-${tail}`;
      wlan.settings.apAuth = AUTH_WPA_WPA2_PSK;
      wlan.settings.apKey = 'micropythoN';
      wlan.save();
    },
    // sockets
    net_socket: (af: number, type: number) => sockets.socket(Number(af), Number(type)),
    net_close: (id: number) => sockets.close(Number(id)),
    net_bind: (id: number, addr: string, port: number) => sockets.bind(Number(id), String(addr), Number(port)),
    net_listen: (id: number, backlog: number) => sockets.listen(Number(id), Number(backlog)),
    net_accept: (id: number) => {
      const r = sockets.accept(Number(id));
      return r === null || typeof r === 'number' ? r : JSON.stringify(r);
    },
    net_connect_tcp: (id: number, addr: string, port: number) => sockets.connect(Number(id), String(addr), Number(port)),
    net_state: (id: number) => sockets.state(Number(id)),
    net_send: (id: number, h: string) => sockets.send(Number(id), unhex(String(h))),
    net_recv: (id: number, n: number, peek: number) => {
      const r = sockets.recv(Number(id), Number(n), peek === 1);
      return r === null || typeof r === 'number' ? r : hex(r);
    },
    net_sendto: (id: number, h: string, addr: string, port: number) => sockets.sendto(Number(id), unhex(String(h)), String(addr), Number(port)),
    net_recvfrom: (id: number, n: number) => {
      const r = sockets.recvfrom(Number(id), Number(n), false);
      return r === null || typeof r === 'number' ? r : JSON.stringify([hex(r.data), r.ip, r.port]);
    },
    net_reuse: (id: number, on: number) => {
      const s = sockets.socks.get(Number(id));
      if (s) s.reuse = on === 1;
    },
    net_describe: (id: number) => sockets.describe(Number(id)).join(','),
    net_poll: (id: number) => sockets.pollFlags(Number(id)),
    net_dns_start: (name: string) => ip.dnsStart(String(name)),
    net_dns_result: (id: number) => ip.dnsResult(Number(id)),
    net_errno: (err: number) => ERRNO_OF[Number(err)] ?? E.EBADF,
    net_webrepl_start: (id: number, port: number, password: string) => webrepl.start(Number(id), Number(port), String(password)),
    net_webrepl_stop: () => webrepl.stop(),
    // ESP-NOW (espnow.ts; Python: _fw_espnow_c.py): MACs and messages as hex
    net_espnow_active: (v: number) => {
      p.advance();
      if (v >= 0) espnow.setActive(v === 1);
      return espnow.active ? 1 : 0;
    },
    net_espnow_rxbuf: (n: number) => {
      espnow.rxbuf = Number(n);
    },
    net_espnow_send: (mac: string, data: string) => {
      p.advance();
      return espnow.send(Array.from(unhex(String(mac))), unhex(String(data)));
    },
    net_espnow_result: (token: number) => {
      p.advance();
      const r = espnow.result(Number(token));
      return r === null ? null : r ? 1 : 0;
    },
    net_espnow_recv: () => {
      p.advance();
      const m = espnow.take();
      return m ? hex(m[0]) + hex(m[1]) : null;
    },
    net_espnow_avail: () => {
      p.advance();
      return espnow.available();
    },
    net_espnow_add_peer: (mac: string, encrypted: number, channel: number) => espnow.addPeer(Array.from(unhex(String(mac))), encrypted === 1, Number(channel)),
    net_espnow_del_peer: (mac: string) => espnow.delPeer(Array.from(unhex(String(mac)))),
    net_espnow_pmk: () => espnow.setPmk(),
  };
}
