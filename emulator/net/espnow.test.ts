/**
 * ESP-NOW on the virtual radio (espnow.ts) and the esp8266 build's `espnow`/`_espnow` at the REPL
 * (emulator/firmware/python/_fw_espnow.py, _fw_espnow_c.py). Expected behaviour:
 * MP@v1.27.0 ports/esp8266/modespnow.c (the receive buffer: `0x99, len, mac, msg`, dropped when
 * 8 + len does not fit below size − 1 − used; ESP_ERR_ESPNOW_NOT_INIT = 869; 'invalid buffer
 * length'; send's result from the send callbacks), ports/esp8266/modules/espnow.py's ESPNow
 * (irecv's reused bytearrays, (None, None) on a timeout, any()), docs/library/espnow.rst (ESP8266:
 * no get_peers/peers_table, config cannot be read, no keyword arguments to add_peer, add_peer not
 * needed to send, broadcasts not received). The peer is the world's echo node (an ESP32 on
 * channel 1).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Timeline } from './timeline.ts';
import { DEFAULT_RXBUF, ECHO_DELAY_US, ECHO_MAC, EspNowRadio, RETRY_US, SDK_FAIL } from './espnow.ts';
import { STA_MAC, type Wlan } from './wlan.ts';
import { TestBoard } from '../node/test-board.ts';

/** A WiFi driver with the station active and unconnected, on the soft AP's channel 1. */
function fakeWlan(over: Partial<{ sta: boolean; ap: boolean; channel: number }> = {}): Wlan {
  const o = { sta: true, ap: false, channel: 1, ...over };
  return { staAp: null, settings: { apChannel: o.channel }, staActive: () => o.sta, apActive: () => o.ap } as unknown as Wlan;
}

describe('the radio (espnow.ts)', () => {
  it('delivers to the echo node on channel 1, which answers into the receive buffer', () => {
    const time = new Timeline();
    const r = new EspNowRadio(time, fakeWlan());
    expect(r.send(ECHO_MAC, new Uint8Array([1, 2, 3]))).toBe(SDK_FAIL); // not started
    r.setActive(true);
    const t = r.send(ECHO_MAC, new Uint8Array([1, 2, 3]));
    expect(t).toBeGreaterThan(0);
    expect(r.result(t)).toBeNull();
    time.runUntil(ECHO_DELAY_US - 1_000);
    expect(r.result(t)).toBe(true);
    expect(r.available()).toBe(0); // acknowledged, not answered yet
    time.runUntil(ECHO_DELAY_US + 3_000);
    expect(r.available()).toBe(8 + 3);
    const m = r.take()!;
    expect(Array.from(m[0])).toEqual([...ECHO_MAC]);
    expect(Array.from(m[1])).toEqual([1, 2, 3]);
    expect(r.take()).toBeNull();
  });

  it('an unknown MAC fails after the retries; a broadcast is always a success; another channel hears nothing', () => {
    const time = new Timeline();
    const r = new EspNowRadio(time, fakeWlan({ channel: 6 }));
    r.setActive(true);
    const a = r.send([1, 2, 3, 4, 5, 6], new Uint8Array(1));
    const b = r.send(ECHO_MAC, new Uint8Array(1)); // the echo node is on channel 1
    const c = r.send([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], new Uint8Array(1));
    time.runUntil(RETRY_US - 1);
    expect([r.result(a), r.result(b), r.result(c)]).toEqual([null, null, true]);
    time.runUntil(RETRY_US + 50_000);
    expect([r.result(a), r.result(b)]).toEqual([false, false]);
    expect(r.available()).toBe(0);
  });

  it('drops a message that does not fit below the free space, as recv_cb does', () => {
    const time = new Timeline();
    const r = new EspNowRadio(time, fakeWlan());
    expect(DEFAULT_RXBUF).toBe(516);
    r.setActive(true);
    for (let i = 0; i < 3; i++) r.send(ECHO_MAC, new Uint8Array(250).fill(i));
    time.runUntil(100_000);
    // 515 bytes of room: one 258-byte packet fits, the second (258 >= 257 free) is dropped
    expect(r.available()).toBe(258);
    r.take();
    r.rxbuf = 100;
    r.setActive(false);
    r.setActive(true);
    for (let i = 0; i < 10; i++) r.send(ECHO_MAC, new Uint8Array(10));
    time.runUntil(300_000);
    expect(r.available()).toBe(5 * 18); // 99 bytes of room: 18-byte packets while 18 < free
  });

  it('with no interface active the SDK refuses; a reset stops ESP-NOW and forgets the peers', () => {
    const time = new Timeline();
    const r = new EspNowRadio(time, fakeWlan({ sta: false, ap: false }));
    r.setActive(true);
    expect(r.send(ECHO_MAC, new Uint8Array(1))).toBe(SDK_FAIL);
    expect(r.addPeer(ECHO_MAC, false, 0)).toBe(0);
    for (let i = 1; i < 20; i++) expect(r.addPeer([2, 0, 0, 0, 0, i], false, 0)).toBe(0);
    expect(r.addPeer([2, 0, 0, 0, 1, 0], false, 0)).toBe(SDK_FAIL); // 20 peers at most
    r.stop();
    expect(r.active).toBe(false);
    r.setActive(true);
    expect(r.addPeer([2, 0, 0, 0, 1, 0], false, 0)).toBe(0);
    expect(STA_MAC.length).toBe(6);
  });
});

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

const E = (type: string, msg: string): string =>
  `Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n${type}: ${msg}\n`;

describe('espnow at the REPL', () => {
  it('sends to the echo node and receives its answers: recv, irecv, any, iteration, select.poll', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    const o = await board.session([
      'import network, espnow, _espnow, sys, select',
      "'espnow' in sys.modules, dir(_espnow), espnow.MAX_DATA_LEN, espnow.ADDR_LEN, espnow.KEY_LEN, espnow.MAX_TOTAL_PEER_NUM, espnow.MAX_ENCRYPT_PEER_NUM",
      'sta = network.WLAN(network.WLAN.IF_STA); sta.active(True); sta.disconnect()',
      'e = espnow.ESPNow(); e.active(), e.active(True), e.active(), e is espnow.ESPNow()',
      "echo = b'\\x24\\x0a\\xc4\\xec\\x40\\x01'; e.add_peer(echo)",
      "e.send(echo, b'hello'), e.any()",
      'e.recv(100), e.any()',
      "e.send(echo, 'x' * 250); m = e.irecv(100); m is e.irecv(0) and False, type(m[1]), len(m[1])",
      "e.send(echo, b'one'); e.send(echo, b'two'); p = select.poll(); p.register(e, select.POLLIN); len(p.poll(50))",
      "e.config(timeout_ms=10); [bytes(next(e)[1]) for i in range(2)], next(e)",
      "e.send(b'\\xff' * 6, b'to all'), e.recv(50)",
      "e.send(b'\\x11\\x22\\x33\\x44\\x55\\x66', b'anyone?'), e.send(b'\\x11\\x22\\x33\\x44\\x55\\x66', b'x', False)",
      "e.add_peer(echo, b'0123456789abcdef'); e.send(echo, b'secret'), e.recv(50)",
      'e.del_peer(echo); e.del_peer(bytes(6)); e.recv()',
    ]);
    expect(o[1]).toBe("(True, ['__class__', '__name__', 'ADDR_LEN', 'ESPNowBase', 'KEY_LEN', 'MAX_DATA_LEN', 'MAX_ENCRYPT_PEER_NUM', 'MAX_TOTAL_PEER_NUM', '__dict__'], 250, 6, 16, 20, 6)\n");
    expect(o[3]).toBe('(False, True, True, False)\n'); // ESPNow() is a new object over the one driver
    expect(o[4]).toBe('');
    expect(o[5]).toBe('(True, False)\n'); // acknowledged at once; the echo comes 20 ms later
    expect(o[6]).toBe("([b'$\\n\\xc4\\xec@\\x01', b'hello'], False)\n");
    expect(o[7]).toBe("True\n(False, <class 'bytearray'>, 250)\n");
    expect(o[8]).toBe('True\nTrue\n1\n');
    // iteration gives irecv()'s answers; after the two messages, a timeout: (None, None)
    expect(o[9]).toBe("([b'one', b'two'], (None, None))\n");
    expect(o[10]).toBe("(True, [b'$\\n\\xc4\\xec@\\x01', b'to all'])\n"); // the echo node hears broadcasts
    expect(o[11]).toBe('(False, True)\n'); // nobody acknowledges; not waiting, send says True
    expect(o[12]).toBe('(True, (None, None))\n'); // encrypted: acknowledged, but the echo node has no key
    expect(o[13]).toBe('(None, None)\n'); // del_peer never fails, even for a MAC that is no peer
  });

  it.each(['1.27.0', '1.28.0'] as const)("raises modespnow.c's errors; the ESP32-only methods are absent (%s)", async (release) => {
    board = await TestBoard.boot({ sleepMode: 'instant', release });
    const o = await board.session([
      'import espnow, network',
      'e = espnow.ESPNow()',
      "e.send(b'\\x24\\x0a\\xc4\\xec\\x40\\x01', b'hi')",
      'e.recv(0)',
      'e.active(True)',
      "network.WLAN(network.WLAN.IF_AP).active(False); e.send(b'\\x24\\x0a\\xc4\\xec\\x40\\x01', b'no interface')",
      "network.WLAN(network.WLAN.IF_STA).active(True); e.send(b'\\x24\\x0a\\xc4\\xec\\x40\\x01', b'x' * 251)",
      "e.send(b'\\x01', b'x')",
      "e.send(b'x')",
      "e.send(None, b'x')",
      "e.add_peer(b'\\x24\\x0a\\xc4\\xec\\x40\\x01', b'short')",
      "e.add_peer(b'\\x24\\x0a\\xc4\\xec\\x40\\x01', channel=1)",
      "e.config('rxbuf')",
      'e.recvinto([bytearray(6)])',
      'e.recvinto((bytearray(6), bytearray(250)))',
      'e.recvinto([bytearray(6), bytearray(10)])',
      'e.get_peers()',
      'e.peers_table',
      'e.stats()',
    ]);
    expect(o.slice(2)).toEqual([
      E('OSError', '869'), // ESP_ERR_ESPNOW_NOT_INIT
      E('OSError', '869'),
      'True\n',
      E('OSError', '-1'), // no WLAN interface active
      E('OSError', '-1'), // over 250 bytes
      E('ValueError', 'invalid buffer length'),
      E('TypeError', 'function missing 1 required positional arguments'), // ESPNow.send(msg) is ESP32-only
      E('TypeError', 'object with buffer protocol required'),
      E('ValueError', 'invalid buffer length'),
      E('TypeError', "function doesn't take keyword arguments"),
      E('TypeError', 'extra positional arguments given'),
      release === '1.27.0' ? E('ValueError', 'ESPNow.recvinto(): Invalid argument') : E('ValueError', ''),
      release === '1.27.0' ? E('ValueError', 'ESPNow.recvinto(): Invalid argument') : E('TypeError', ''),
      E('ValueError', 'invalid buffer length'),
      E('AttributeError', "'ESPNow' object has no attribute 'get_peers'"),
      E('AttributeError', "'ESPNow' object has no attribute 'peers_table'"),
      E('AttributeError', "'ESPNow' object has no attribute 'stats'"),
    ]);
  });

  it('a soft reset stops ESP-NOW; connected to ESP-Lab (channel 6) the echo node on channel 1 does not answer', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    await board.session(['import espnow, network', 'e = espnow.ESPNow(); e.active(True)']);
    board.type('\x04');
    await board.waitFor('MPY: soft reboot');
    await board.waitFor('>>> ');
    const o = await board.session(['import espnow, network, time', 'e = espnow.ESPNow(); e.active()']);
    const r = await board.exec("sta = network.WLAN(network.WLAN.IF_STA); sta.active(True); sta.connect('ESP-Lab', 'esp8266lab')\nwhile not sta.isconnected():\n    time.sleep_ms(100)\ne.active(True)\nprint(sta.config('channel'), e.send(b'\\x24\\x0a\\xc4\\xec\\x40\\x01', b'hi'))", 20000);
    expect(r.err).toBe('');
    expect(r.out).toBe('6 False\r\n');
    expect(o[1]).toBe('False\n');
  });

  it('is not in the 512K build', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant', flashSize: '512K' });
    const o = await board.session(['import espnow', 'import _espnow']);
    expect(o[0]).toContain("ImportError: no module named 'espnow'");
    expect(o[1]).toContain("ImportError: no module named '_espnow'");
  });
});
