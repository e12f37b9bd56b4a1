/**
 * The virtual world the emulated ESP-07 can reach by WiFi, entirely offline: access points, the
 * DHCP and DNS they provide, and the hosts on the virtual internet. Nothing here touches a real
 * network; every "server" is a few lines of TypeScript answering in virtual time.
 *
 * The world is data plus services (`services.ts`); the board's side (its WiFi driver and lwIP)
 * is `stack.ts`. Addresses of internet hosts are in TEST-NET-3 (203.0.113.0/24, RFC 5737), so
 * they can never be mistaken for real ones. TLS hosts are in {@link TLS_HOSTS} (services: `tls.ts`),
 * the MQTT broker in `mqtt.ts`.
 */

/** SDK `AUTH_MODE` values (network.AUTH_*; reference §5.1). */
export const AUTH_OPEN = 0;
export const AUTH_WPA2_PSK = 3;
export const AUTH_WPA_WPA2_PSK = 4;

export interface AccessPoint {
  ssid: string;
  bssid: readonly number[];
  channel: number;
  /** Signal at the board, dBm (scan results wander ±2 around it). */
  rssi: number;
  authmode: number;
  /** WPA key; '' for an open network. */
  key: string;
  hidden: boolean;
  /** The LAN behind it: the board's DHCP lease, the router, the laptop. */
  subnet: string; // "192.168.1"
  boardHost: number; // the board's lease: subnet.boardHost
  /** Extra one-way delay over this link, µs (a weak, far AP is slower). */
  extraLatencyUs: number;
  /** Time from connect() to the association, µs (scan, auth, assoc). */
  associateUs: number;
}

/** The lab's access points: one WPA2 (key in the lessons), one open, one weak and far. */
export const ACCESS_POINTS: readonly AccessPoint[] = [
  { ssid: 'ESP-Lab', bssid: [0xc8, 0x3a, 0x35, 0x0e, 0x51, 0x10], channel: 6, rssi: -52, authmode: AUTH_WPA2_PSK, key: 'esp8266lab', hidden: false, subnet: '192.168.1', boardHost: 23, extraLatencyUs: 0, associateUs: 1_300_000 },
  { ssid: 'CoffeeShop', bssid: [0x00, 0x1d, 0x7e, 0x4a, 0x22, 0x91], channel: 1, rssi: -67, authmode: AUTH_OPEN, key: '', hidden: false, subnet: '10.0.0', boardHost: 57, extraLatencyUs: 3_000, associateUs: 1_500_000 },
  { ssid: 'Garden-Extender', bssid: [0x50, 0xc7, 0xbf, 0x13, 0x77, 0x06], channel: 11, rssi: -89, authmode: AUTH_OPEN, key: '', hidden: false, subnet: '192.168.8', boardHost: 104, extraLatencyUs: 40_000, associateUs: 5_500_000 },
];

/** The DNS server every router hands out by DHCP (the docs' ifconfig shows 8.8.8.8, reference §5.1). */
export const DNS_SERVER = '8.8.8.8';
/** The laptop's host number on every LAN (the board's own AP gives it 192.168.4.2). */
export const LAPTOP_HOST = 10;

/** Hosts on the virtual internet: name → address. Unknown names get NXDOMAIN (`OSError: -2`). */
export const DNS_TABLE: Readonly<Record<string, string>> = {
  'example.com': '203.0.113.10',
  'www.example.com': '203.0.113.10',
  'micropython.org': '203.0.113.80',
  'httpbin.org': '203.0.113.81',
  'echo.example.com': '203.0.113.7',
  'towel.blinkenlights.nl': '203.0.113.23',
  'pool.ntp.org': '203.0.113.123',
  'time.google.com': '203.0.113.124',
  'test.mosquitto.org': '203.0.113.83',
  'broker.hivemq.com': '203.0.113.83',
  'modern.example.org': '203.0.113.90',
  'bigrecords.example.org': '203.0.113.91',
  // mip's github: names (package-index.ts githubRawRoutes)
  'raw.githubusercontent.com': '203.0.113.85',
  // the CoffeeShop lesson's poisoned name: the impostor answers for it
  'bank.example.com': '203.0.113.66',
};

/**
 * TLS hosts (port 443 and MQTT over TLS on 8883), modelled at the handshake-policy level by
 * `tls.ts` (no real cryptography). Keyed by address; `service` names the plain service behind it.
 */
export interface TlsHost {
  name: string;
  /** Key exchanges the server accepts ('RSA': RSA key transport, what axTLS offers; 'ECDHE'). */
  kex: readonly string[];
  /** Bytes of the server's first flight (ServerHello + certificate chain + Done) as one record. */
  certChainBytes: number;
  /** Largest application-data record the server sends (TLS allows 16384). */
  recordBytes: number;
  certSubject: string;
  certIssuer: string;
}

export const TLS_HOSTS: Readonly<Record<string, TlsHost>> = {
  // an RSA certificate and small records: works on the ESP8266
  '203.0.113.10': { name: 'example.com', kex: ['RSA', 'ECDHE'], certChainBytes: 2900, recordBytes: 1024, certSubject: 'CN=example.com', certIssuer: 'CN=Lab Virtual CA' },
  // the package index mip installs from (https://micropython.org/pi/v2; package-index.ts) [UNV: the
  // real host's TLS settings are not checked here; this one accepts axTLS's RSA key exchange]
  '203.0.113.80': { name: 'micropython.org', kex: ['RSA', 'ECDHE'], certChainBytes: 2800, recordBytes: 1024, certSubject: 'CN=micropython.org', certIssuer: 'CN=Lab Virtual CA' },
  '203.0.113.85': { name: 'raw.githubusercontent.com', kex: ['RSA', 'ECDHE'], certChainBytes: 3200, recordBytes: 1024, certSubject: 'CN=*.githubusercontent.com', certIssuer: 'CN=Lab Virtual CA' },
  '203.0.113.81': { name: 'httpbin.org', kex: ['RSA', 'ECDHE'], certChainBytes: 3100, recordBytes: 1024, certSubject: 'CN=httpbin.org', certIssuer: 'CN=Lab Virtual CA' },
  // a modern server: ECDHE suites only (axTLS has no DH or ECC, reference §5.4)
  '203.0.113.90': { name: 'modern.example.org', kex: ['ECDHE'], certChainBytes: 2600, recordBytes: 16384, certSubject: 'CN=modern.example.org', certIssuer: 'CN=Lab Virtual CA' },
  // RSA, but full-size 16 KB records: over the ESP8266's ~5 KB buffer
  '203.0.113.91': { name: 'bigrecords.example.org', kex: ['RSA', 'ECDHE'], certChainBytes: 3000, recordBytes: 16384, certSubject: 'CN=bigrecords.example.org', certIssuer: 'CN=Lab Virtual CA' },
  // an impostor: a self-signed certificate for someone else's name; axTLS never checks it
  '203.0.113.66': { name: 'bank.example.com', kex: ['RSA'], certChainBytes: 1200, recordBytes: 1024, certSubject: 'CN=totally-not-a-bank.example', certIssuer: 'CN=totally-not-a-bank.example' },
};

/** Round-trip-free one-way delay from the router to an internet host, µs. */
export const INTERNET_LATENCY_US = 15_000;
/** One-way delay over a WiFi LAN hop, µs. */
export const LAN_LATENCY_US = 2_000;

export function ipToString(b: readonly number[]): string {
  return b.join('.');
}

/** Parses dotted IPv4; null when it is not one (then it is a name for DNS). */
export function parseIp(s: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

/** "5c:cf:7f:c1:dd:42" style. */
export function macString(mac: readonly number[]): string {
  return mac.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
