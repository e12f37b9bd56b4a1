/**
 * ESP-NOW on the virtual radio: the board's side as the esp8266 build's `_espnow` C module
 * drives the SDK (`ports/esp8266/modespnow.c`: the receive ring buffer, the send callback's
 * counts), and the other ESP-NOW devices in the lab's world, which hear the board when they are
 * on its channel.
 *
 * The board:
 * - `active(True)` allocates the receive buffer (`rxbuf` bytes, 516 by default: two 250-byte
 *   messages with their 8-byte headers) and starts ESP-NOW; `active(False)` and every reset
 *   stop it, and the peers go.
 * - A received frame goes into the ring buffer as `0x99, length, sender MAC, message` unless
 *   `8 + length` does not fit below its free space (`ringbuf_free`: size − 1 − used), when it is
 *   dropped, as `recv_cb` does. Frames come to the station's MAC while the station interface is
 *   active and to the AP's while the AP is, on the radio's channel (the access point's while the
 *   station is connected, else the soft AP's, 1 by default). An ESP8266 does not receive
 *   broadcasts.
 * - A send goes out from the station's MAC (the AP's when only the AP is active) on that
 *   channel. ESP8266 does not require `add_peer()` first. A device with the destination MAC on
 *   that channel acknowledges it; a broadcast needs no acknowledgement; otherwise the SDK gives
 *   up after its retries and the send callback reports a failure. With no interface active, or a
 *   message over 250 bytes, the SDK refuses the send (`OSError: -1` [UNV]). A peer added with a
 *   key gets encrypted frames, which the lab's devices acknowledge but cannot read.
 *
 * The world's devices ({@link ESPNOW_DEVICES}): an echo node (an ESP32 on channel 1) that sends
 * every message it can read back to its sender 20 ms later (its own task answering, our
 * estimate [UNV]; long enough that code run right after a send sees no answer yet even when the
 * host is slow); it also hears broadcasts.
 *
 * Sources: MP@v1.27.0 `ports/esp8266/modespnow.c` (buffer layout and size, the drop rule, the
 * counts), `docs/library/espnow.rst` (ESP8266 notes: no broadcast reception, no add_peer
 * requirement, 20 peers of which 6 encrypted), Espressif's ESP-NOW user guide (acknowledged
 * unicast, unacknowledged broadcast). Air times and the retry time are our estimates [UNV].
 */
import type { Timeline } from './timeline.ts';
import { AP_MAC, STA_MAC, type Wlan } from './wlan.ts';

/** MicroPython's limits for the ESP8266 (`_espnow` constants). */
export const MAX_DATA_LEN = 250;
export const MAX_TOTAL_PEER_NUM = 20;
export const MAX_ENCRYPT_PEER_NUM = 6;
/** `DEFAULT_RECV_BUFFER_SIZE`: 2 × (8 + 250) bytes. */
export const DEFAULT_RXBUF = 2 * (8 + MAX_DATA_LEN);
/** The SDK's refusal (`esp_now_*` returning non-zero), raised as `OSError(-1)` [UNV]. */
export const SDK_FAIL = -1;

/** One ESP-NOW device of the lab's world. */
export interface EspNowDevice {
  mac: readonly number[];
  channel: number;
  /** A message it received (and could read): what it does, given a way to send back. */
  receive(from: readonly number[], data: Uint8Array, send: (to: readonly number[], data: Uint8Array) => void): void;
  /** Whether it hears broadcasts (ESP32s do, ESP8266s do not). */
  broadcasts: boolean;
}

/** The echo node's MAC (an ESP32: Espressif's 24:0a:c4 block). */
export const ECHO_MAC = [0x24, 0x0a, 0xc4, 0xec, 0x40, 0x01] as const;
/** Its channel: an unconnected ESP8266's radio is on its soft AP's channel, 1 by default. */
export const ECHO_CHANNEL = 1;

/** The lab's ESP-NOW devices. */
export const ESPNOW_DEVICES: readonly EspNowDevice[] = [
  {
    mac: ECHO_MAC,
    channel: ECHO_CHANNEL,
    broadcasts: true,
    receive(from, data, send) {
      send(from, data.slice());
    },
  },
];

/** A frame's time on air at 1 Mbit/s: preamble, MAC header and vendor action frame, then the payload, µs [UNV]. */
export function airUs(len: number): number {
  return 192 + 8 * (43 + len);
}
/** The SDK's retries for an unacknowledged unicast, µs [UNV]. */
export const RETRY_US = 12_000;
/** The echo node's delay before it answers, µs [UNV]. */
export const ECHO_DELAY_US = 20_000;
const BROADCAST = 'ffffffffffff';

const hexOf = (mac: readonly number[]): string => mac.map((b) => b.toString(16).padStart(2, '0')).join('');

interface Peer {
  encrypted: boolean;
  channel: number;
}

/** The board's ESP-NOW driver and the air between it and the world's devices. */
export class EspNowRadio {
  private readonly time: Timeline;
  private readonly wlan: Wlan;
  private readonly devices: readonly EspNowDevice[];
  /** The receive buffer's size while active; 0 while not. */
  private size = 0;
  /** `config(rxbuf=…)`: the size the next `active(True)` allocates. */
  rxbuf = DEFAULT_RXBUF;
  private ring: number[] = [];
  private peers = new Map<string, Peer>();
  private tokens = 0;
  /** Sends whose callback has not come: token → result when it comes (true acknowledged). */
  private readonly results = new Map<number, boolean | null>();

  constructor(time: Timeline, wlan: Wlan, devices: readonly EspNowDevice[] = ESPNOW_DEVICES) {
    this.time = time;
    this.wlan = wlan;
    this.devices = devices;
  }

  /** Whether `active(True)` holds (the receive buffer exists). */
  get active(): boolean {
    return this.size > 0;
  }

  /** `active(flag)`: starts (with the configured buffer size) or stops ESP-NOW; the peers go with it. */
  setActive(on: boolean): void {
    if (on && !this.active) {
      this.size = Math.max(1, this.rxbuf);
      this.ring = [];
    } else if (!on) this.stop();
  }

  /** A soft or hard reset: the firmware de-initialises ESP-NOW (main.c calls espnow_deinit). */
  stop(): void {
    this.size = 0;
    this.ring = [];
    this.peers.clear();
    this.results.clear();
  }

  /** The radio's channel: the access point's while the station is connected, else the soft AP's. */
  channel(): number {
    return this.wlan.staAp ? this.wlan.staAp.channel : this.wlan.settings.apChannel;
  }

  /** Bytes waiting in the receive buffer. */
  available(): number {
    return this.ring.length;
  }

  /** Takes the next message: [sender MAC, message], or null when the buffer is empty. */
  take(): [Uint8Array, Uint8Array] | null {
    if (this.ring.length < 8) return null;
    const len = this.ring[1] as number;
    const mac = Uint8Array.from(this.ring.slice(2, 8));
    const msg = Uint8Array.from(this.ring.slice(8, 8 + len));
    this.ring.splice(0, 8 + len);
    return [mac, msg];
  }

  /** `add_peer(mac, lmk?, channel?)`: 0, or the SDK's refusal. */
  addPeer(mac: readonly number[], encrypted: boolean, channel: number): number {
    const key = hexOf(mac);
    const others = [...this.peers].filter(([k]) => k !== key);
    if (!this.active || others.length >= MAX_TOTAL_PEER_NUM) return SDK_FAIL;
    if (encrypted && others.filter(([, p]) => p.encrypted).length >= MAX_ENCRYPT_PEER_NUM) return SDK_FAIL;
    this.peers.set(key, { encrypted, channel });
    return 0;
  }

  /** `del_peer(mac)` (the C module ignores the SDK's answer). */
  delPeer(mac: readonly number[]): void {
    this.peers.delete(hexOf(mac));
  }

  /** `set_pmk(key)`: 0, or the SDK's refusal before ESP-NOW is started. */
  setPmk(): number {
    if (!this.active) return SDK_FAIL;
    return 0;
  }

  /** Our MAC on the air: the station's while its interface is active, else the AP's; null with neither. */
  private ourMac(): readonly number[] | null {
    if (this.wlan.staActive()) return STA_MAC;
    if (this.wlan.apActive()) return AP_MAC;
    return null;
  }

  /**
   * `esp_now_send(mac, data)`: a token for the send callback's result ({@link result}), or the
   * SDK's refusal.
   */
  send(mac: readonly number[], data: Uint8Array): number {
    const from = this.ourMac();
    if (!this.active || !from || data.length > MAX_DATA_LEN) return SDK_FAIL;
    const token = ++this.tokens;
    this.results.set(token, null);
    const to = hexOf(mac);
    const ch = this.channel();
    const encrypted = this.peers.get(to)?.encrypted ?? false;
    const air = airUs(data.length);
    const hearers = this.devices.filter((d) => d.channel === ch && (hexOf(d.mac) === to || (to === BROADCAST && d.broadcasts)));
    const acked = to === BROADCAST || hearers.length > 0;
    this.time.later(acked ? air + 100 : RETRY_US, () => {
      if (this.results.has(token)) this.results.set(token, acked);
    });
    this.time.later(air, () => {
      for (const d of hearers) {
        if (encrypted) continue; // no key: acknowledged, not readable
        d.receive(from, data, (back, reply) => this.time.later(ECHO_DELAY_US, () => this.arrive(d, back, reply)));
      }
    });
    return token;
  }

  /** The send callback's result for `token`: true acknowledged, false failed, null not yet. */
  result(token: number): boolean | null {
    const r = this.results.get(token);
    if (r === undefined) return true;
    if (r !== null) this.results.delete(token);
    return r;
  }

  /** A device's frame reaches the board (after its air time). */
  private arrive(d: EspNowDevice, to: readonly number[], data: Uint8Array): void {
    this.time.later(airUs(data.length), () => {
      const dest = hexOf(to);
      const listening = d.channel === this.channel() && ((dest === hexOf(STA_MAC) && this.wlan.staActive()) || (dest === hexOf(AP_MAC) && this.wlan.apActive()));
      if (!listening || !this.active || data.length > MAX_DATA_LEN) return;
      // recv_cb: dropped when the packet does not fit below the free space
      const free = this.size - 1 - this.ring.length;
      if (8 + data.length >= free) return;
      this.ring.push(0x99, data.length, ...d.mac, ...data);
    });
  }
}
