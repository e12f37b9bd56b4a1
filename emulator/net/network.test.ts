/**
 * The virtual network (emulator/net/): `network.WLAN`, `socket` (lwIP), the hosts of the virtual
 * internet, the board as a server reached by the lab's laptop, `ntptime`, `requests`, and the
 * vendor stack's receive-buffer deadlock (`LmacRxBlk:1`).
 * Sources: reference §3.3 (fresh board: AP on, STA off, MicroPython-xxxxxx / micropythoN),
 * §4.4 (ntptime), §5.1 (WLAN API, status codes, errors), §5.2 (LmacRxBlk), §5.3 (socket,
 * getaddrinfo's one entry and `OSError: -2`, errno table); MP@v1.27.0 ports/esp8266/network_wlan.c,
 * extmod/modlwip.c (ECONNRESET for a refused connect, ETIMEDOUT/EAGAIN/EINPROGRESS on timeouts,
 * ENOMEM when tcp_new fails, repr `<socket state=%d timeout=%d incoming=%p off=%d>`).
 * Boards run with `sleepMode: 'instant'`, so the seconds of virtual time pass at once.
 */
import { describe, expect, it } from 'vitest';
import { CONNECT, error, instantBoards, out } from '../node/net-helpers.ts';

const boot = instantBoards();

describe('network.WLAN', () => {
  it('a fresh board has its AP on (MicroPython-c1dd42, WPA/WPA2) and its station off', async () => {
    // reference §3.3: inisetup.wifi() names the AP from the AP MAC's last 3 bytes, key micropythoN
    const b = await boot();
    const o = await out(b, `import network
sta = network.WLAN(network.STA_IF); ap = network.WLAN(network.AP_IF)
print(sta.active(), ap.active(), sta, network.WLAN() is sta)
print(ap.config('essid'), ap.config('security'), ap.config('mac'), sta.config('mac'))
print(ap.ifconfig(), sta.ifconfig())
print(sta.status(), ap.status(), sta.isconnected(), ap.isconnected(), network.hostname())`);
    expect(o).toBe(`False True <WLAN> True
MicroPython-c1dd42 4 b'^\\xcf\\x7f\\xc1\\xddB' b'\\\\\\xcf\\x7f\\xc1\\xddB'
('192.168.4.1', '255.255.255.0', '192.168.4.1', '8.8.8.8') ('0.0.0.0', '0.0.0.0', '0.0.0.0', '8.8.8.8')
0 -1 False False mpy-esp8266
`);
  });

  it('connect(): status 1 for about two seconds, then 5 with a DHCP address', async () => {
    // STAT_CONNECTING=1 … STAT_GOT_IP=5 (SDK station_status, reference §5.1); docs' ifconfig shape
    const b = await boot();
    const o = await out(b, `import network, time
sta = network.WLAN(network.STA_IF); sta.active(True)
t0 = time.ticks_ms()
sta.connect('ESP-Lab', 'esp8266lab')
seen = [sta.status()]
while not sta.isconnected():
    time.sleep_ms(100)
    if seen[-1] != sta.status(): seen.append(sta.status())
print(seen, 1500 < time.ticks_diff(time.ticks_ms(), t0) < 3500)
print(sta.ifconfig(), sta.config('essid'), sta.status('rssi') < -40)`);
    expect(o).toBe(`[1, 5] True
('192.168.1.23', '255.255.255.0', '192.168.1.1', '8.8.8.8') ESP-Lab True
`);
  });

  it('a wrong password ends in STAT_WRONG_PASSWORD (2), an unknown network in STAT_NO_AP_FOUND (3)', async () => {
    const b = await boot();
    const o = await out(b, `import network, time
sta = network.WLAN(network.STA_IF); sta.active(True)
def run(ssid, key):
    sta.connect(ssid, key)
    seen = [sta.status()]
    for i in range(100):
        time.sleep_ms(100)
        if seen[-1] != sta.status(): seen.append(sta.status())
    return seen
print(run('ESP-Lab', 'wrong-key'), run('NoSuchNet', 'x'), sta.isconnected())
print(network.STAT_IDLE, network.STAT_CONNECTING, network.STAT_WRONG_PASSWORD, network.STAT_NO_AP_FOUND, network.STAT_CONNECT_FAIL, network.STAT_GOT_IP)
sta.disconnect(); print(sta.status())`);
    expect(o).toBe('[1, 2] [1, 3] False\n0 1 2 3 4 5\n0\n');
  });

  it('scan() lists (ssid, bssid, channel, RSSI, security, hidden); it needs the station active', async () => {
    // network_wlan.c esp_scan: 6-tuples, bytes ssid and bssid; `OSError: STA must be active`
    const b = await boot();
    expect(await error(b, 'import network\nnetwork.WLAN(network.STA_IF).scan()')).toBe('OSError: STA must be active');
    const o = await out(b, `sta = network.WLAN(network.STA_IF); sta.active(True)
for s in sta.scan():
    print(s[0], len(s[1]), s[2], -95 < s[3] < -40, s[4], s[5])`);
    expect(o).toBe("b'ESP-Lab' 6 6 True 3 0\nb'CoffeeShop' 6 1 True 0 0\nb'Garden-Extender' 6 11 True 0 0\n");
  });

  it('interface and config errors are the firmware\'s', async () => {
    const b = await boot();
    expect(await error(b, "import network\nnetwork.WLAN(network.AP_IF).connect('x', 'y')")).toBe('OSError: STA required');
    expect(await error(b, "network.WLAN(network.STA_IF).config('hidden')")).toBe('OSError: AP required');
    expect(await error(b, "network.WLAN(network.AP_IF).config('foo')")).toBe('ValueError: unknown config param');
    expect(await error(b, "network.WLAN(network.AP_IF).config('essid', 'mac')")).toBe('TypeError: can query only one param');
    expect(await error(b, "network.WLAN(network.AP_IF).status('rssi')")).toBe('ValueError: unknown status param');
  });

  it('the STA settings are kept by the SDK: after a hard reset the board reconnects by itself', async () => {
    // reference §3.3: the SDK persists op-mode and credentials and reconnects at the next boot
    const b = await boot();
    await out(b, CONNECT);
    b.since();
    b.host.reset();
    await b.waitFor('>>> ', 8000);
    expect(await out(b, `import network, time
sta = network.WLAN(network.STA_IF)
print(sta.active(), sta.status())
while not sta.isconnected(): time.sleep_ms(50)
print(sta.ifconfig()[0])`)).toBe('True 0\n192.168.1.23\n');
  });
});

describe('socket', () => {
  it('getaddrinfo gives one entry; an unknown name is OSError: -2', async () => {
    const b = await boot();
    expect(await out(b, `${CONNECT}
print(socket, socket.getaddrinfo('example.com', 80), socket.getaddrinfo('10.1.2.3', 8080))`))
      .toBe("<module 'lwip'> [(2, 1, 0, '', ('203.0.113.10', 80))] [(2, 1, 0, '', ('10.1.2.3', 8080))]\n");
    expect(await error(b, "socket.getaddrinfo('no-such-host.example', 80)")).toBe('OSError: -2');
  });

  it('without WiFi the name lookup fails the same way, after lwIP\'s DNS retries', async () => {
    const b = await boot();
    expect(await error(b, "import socket\nsocket.getaddrinfo('example.com', 80)")).toBe('OSError: -2');
  });

  it('refused (ECONNRESET), unanswered (ETIMEDOUT), too many sockets (ENOMEM), a name instead of an address', async () => {
    const b = await boot();
    await out(b, CONNECT);
    expect(await error(b, "s = socket.socket()\ns.connect(('203.0.113.10', 81))")).toBe('OSError: [Errno 104] ECONNRESET');
    expect(await out(b, 'print(s); s.close()')).toBe('<socket state=-9 timeout=4294967295 incoming=0 off=0>\n');
    expect(await error(b, "s = socket.socket()\ns.settimeout(2)\ns.connect(('203.0.113.99', 80))")).toBe('OSError: [Errno 110] ETIMEDOUT');
    expect(await error(b, 's.close()\nl = [socket.socket() for i in range(5)]\nsocket.socket()')).toBe('OSError: [Errno 12] ENOMEM');
    expect(await out(b, 'for x in l: x.close()\nprint(socket.socket())')).toBe('<socket state=0 timeout=4294967295 incoming=0 off=0>\n');
    expect(await error(b, "socket.socket().connect(('example.com', 80))")).toBe('ValueError: invalid arguments');
    expect(await error(b, 's = socket.socket()\ns.setblocking(False)\ns.bind(("", 8080))\ns.listen(1)\ns.accept()')).toBe('OSError: [Errno 11] EAGAIN');
  });

  it('the echo server sends back what it gets', async () => {
    const b = await boot();
    expect(await out(b, `${CONNECT}
s = socket.socket()
s.connect(socket.getaddrinfo('echo.example.com', 7)[0][-1])
print(s.send(b'hello, echo'), s.recv(100))
s.sendall(b'x' * 5000)
got = 0
while got < 5000: got += len(s.recv(1000))
print(got)
s.close()`)).toBe("11 b'hello, echo'\n5000\n");
  });

  it('HTTP GET with a socket, as the tutorial\'s http_get() does', async () => {
    // docs/esp8266/tutorial/network_tcp.rst: http_get('http://micropython.org/ks/test.html')
    const b = await boot();
    const o = await out(b, `${CONNECT}
def http_get(url):
    _, _, host, path = url.split('/', 3)
    addr = socket.getaddrinfo(host, 80)[0][-1]
    s = socket.socket()
    s.connect(addr)
    s.send(bytes('GET /%s HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n' % (path, host), 'utf8'))
    while True:
        data = s.recv(100)
        if data:
            print(str(data, 'utf8'), end='')
        else:
            break
    s.close()
http_get('http://micropython.org/ks/test.html')`);
    expect(o).toMatch(/^HTTP\/1\.1 200 OK\nServer: lab-virtual-http\nContent-Type: text\/html\nContent-Length: \d+\nConnection: close\n\n<!DOCTYPE html>[^]*It's working if you can read this![^]*<\/html>\n$/);
  });

  it('requests.get() and urequests: status, headers, text and json()', async () => {
    const b = await boot();
    const o = await out(b, `${CONNECT}
import requests, urequests, sys
r = requests.get('http://example.com/api/weather')
print(r.status_code, r.reason, r.headers['Content-Type'], r.json()['city'])
r = urequests.get('http://httpbin.org/get?led=on')
print(r.json()['args'], r.json()['origin'])
r = requests.get('http://example.com/nothing'); print(r.status_code, r.text)
print(urequests.get is requests.get, 'requests' in sys.modules)`);
    expect(o).toBe("200 b'OK' application/json Labville\n{'led': 'on'} 198.51.100.7\n404 Not found: /nothing\n\nTrue True\n");
  });

  it('the board as a server: the laptop fetches http://<board-ip>/ over the LAN and through the board\'s AP', async () => {
    const b = await boot();
    await out(b, `${CONNECT}
s = socket.socket()
s.bind(socket.getaddrinfo('0.0.0.0', 80)[0][-1])
s.listen(1)`);
    const lan = b.host.laptopFetch('http://192.168.1.23/');
    const served = await out(b, `cl, addr = s.accept()
print(addr)
f = cl.makefile('rwb', 0)
while True:
    line = f.readline()
    if not line or line == b'\\r\\n': break
cl.send('HTTP/1.0 200 OK\\r\\nContent-type: text/html\\r\\n\\r\\n<h1>ESP8266 Pins</h1>')
cl.close()`);
    expect(served).toBe("('192.168.1.10', 51234)\n");
    const r = await lan;
    expect(r.error).toBeNull();
    expect(r.response).toBe('HTTP/1.0 200 OK\r\nContent-type: text/html\r\n\r\n<h1>ESP8266 Pins</h1>');
    const viaAp = b.host.laptopFetch('http://192.168.4.1/');
    expect(await out(b, `cl, addr = s.accept()
print(addr, ap.isconnected(), ap.status('stations')[0][1])
cl.recv(1000); cl.send('HTTP/1.0 200 OK\\r\\n\\r\\nhello'); cl.close()`)).toBe("('192.168.4.2', 51235) True 192.168.4.2\n");
    const r2 = await viaAp;
    expect(r2.notes).toEqual(['joined MicroPython-c1dd42']);
    expect(r2.response).toBe('HTTP/1.0 200 OK\r\n\r\nhello');
    // nothing listening on port 8080: refused
    expect((await b.host.laptopFetch('http://192.168.1.23:8080/')).error).toBe('refused');
  });
});

describe('ntptime', () => {
  it('time() and settime() use the virtual NTP server, which serves the host\'s clock (UTC)', async () => {
    // reference §4.4: 2000 epoch, settime() sets the RTC in UTC
    const b = await boot();
    const o = await out(b, `${CONNECT}
import ntptime
print(ntptime.host, ntptime.timeout)
t = ntptime.time()
ntptime.settime()
print(t, time.time())`);
    const [, line] = o.split('\n');
    const [t, after] = (line ?? '').split(' ').map(Number);
    const expected = Math.floor(Date.now() / 1000) - 946_684_800;
    expect(o.startsWith('pool.ntp.org 1\n')).toBe(true);
    expect(Math.abs((t as number) - expected)).toBeLessThan(5);
    expect(Math.abs((after as number) - expected)).toBeLessThan(5);
  });

  it('without WiFi ntptime fails in getaddrinfo: OSError: -2', async () => {
    const b = await boot();
    expect(await error(b, 'import ntptime\nntptime.settime()')).toBe('OSError: -2');
  });
});

describe('the RAM sockets hold', () => {
  it('every open socket takes SDK heap (esp.freemem()) until it is closed', async () => {
    // docs/esp8266/general.rst (reference §5.2): socket instances occupy RAM until closed
    const b = await boot();
    const o = await out(b, `${CONNECT}
import esp
f0 = esp.freemem()
socks = [socket.socket() for i in range(3)]
for s in socks:
    s.connect(socket.getaddrinfo('echo.example.com', 7)[0][-1])
f1 = esp.freemem()
for s in socks:
    s.close()
print(f0 - f1 >= 3 * 200, esp.freemem() == f0)`);
    expect(o).toBe('True True\n');
  });
});

describe('the vendor stack\'s receive buffers (LmacRxBlk)', () => {
  const STREAM = `s = socket.socket()
s.connect(socket.getaddrinfo('towel.blinkenlights.nl', 23)[0][-1])
for i in range(3):
    s.recv(500)`;

  it('a socket left open after an exception fills them: LmacRxBlk:1 again and again, networking stops until a hard reset', async () => {
    // reference §5.2 (docs/esp8266/general.rst: "The only recovery is by a hard reset")
    const b = await boot();
    await out(b, `${CONNECT}\nimport esp\nesp.osdebug(0)`);
    expect(await error(b, `${STREAM}\nraise ValueError('oops')`)).toBe('ValueError: oops');
    const waited = await out(b, 'time.sleep(2)');
    expect(waited).toMatch(/^(LmacRxBlk:1\n){5,}$/);
    const dead = await b.exec("s2 = socket.socket()\ns2.settimeout(2)\ns2.connect(('203.0.113.10', 80))", 20000);
    expect(dead.err).toContain('OSError: [Errno 110] ETIMEDOUT');
    expect(dead.out).toMatch(/^(LmacRxBlk:1\r\n)+$/);
    // closing the socket and a soft reset do not help
    await b.exec('s.close()');
    const fetch = b.host.laptopFetch('http://192.168.1.23/');
    await b.exec('time.sleep_ms(1)\ntime.sleep(12)'); // the first sleep takes the request, the second passes its timeout
    expect((await fetch).error).toBe('timeout');
    b.since();
    b.host.reset();
    await b.waitFor('>>> ', 8000);
    expect(await out(b, `import network, socket, time
sta = network.WLAN(network.STA_IF)
while not sta.isconnected(): time.sleep_ms(50)
s = socket.socket(); s.connect(socket.getaddrinfo('echo.example.com', 7)[0][-1]); s.send(b'back'); print(s.recv(10)); s.close()`)).toBe("b'back'\n");
  });

  it('without esp.osdebug(0) the deadlock is silent', async () => {
    const b = await boot();
    await out(b, CONNECT);
    await error(b, `${STREAM}\nraise ValueError('oops')`);
    expect(await out(b, 'time.sleep(2)')).toBe('');
    expect(await error(b, "s2 = socket.socket()\ns2.settimeout(1)\ns2.connect(('203.0.113.10', 80))")).toBe('OSError: [Errno 110] ETIMEDOUT');
  });

  it('closing the socket in try/finally prevents it', async () => {
    const b = await boot();
    await out(b, `${CONNECT}\nimport esp\nesp.osdebug(0)`);
    expect(await error(b, `try:\n${STREAM.replace(/^/gm, '    ')}\n    raise ValueError('oops')\nfinally:\n    s.close()`)).toBe('ValueError: oops');
    expect(await out(b, `time.sleep(2)
s = socket.socket(); s.connect(socket.getaddrinfo('echo.example.com', 7)[0][-1]); s.send(b'alive'); print(s.recv(10)); s.close()`)).toBe("b'alive'\n");
  });
});

describe('blocking calls and Ctrl-C', () => {
  it('accept() waits in virtual time and stops on Ctrl-C', async () => {
    // modlwip's accept loop polls, so a KeyboardInterrupt ends it
    const b = await boot({ sleepMode: 'realtime' });
    await b.line('import socket');
    await b.line("s = socket.socket(); s.bind(('', 80)); s.listen(1)");
    b.type('s.accept()\r');
    await new Promise((r) => setTimeout(r, 300));
    b.host.write('\x03');
    await b.waitFor('KeyboardInterrupt: \r\n>>> ', 5000);
    expect(b.recent).toBe('s.accept()\r\nTraceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nKeyboardInterrupt: \r\n>>> ');
  });
});

// extmod/modselect.c asks each object through its stream ioctl (MP_STREAM_POLL); modlwip.c
// lwip_socket_ioctl answers RD when data waits, WR while the send buffer has room
describe('select.poll on sockets', () => {
  it('a connected TCP socket is writable, and readable only once the echo comes back', async () => {
    const b = await boot();
    const r = await out(b, `${CONNECT}
import select
s = socket.socket()
s.connect(('203.0.113.7', 7))
p = select.poll()
p.register(s, select.POLLIN | select.POLLOUT)
print(p.poll(0) == [(s, select.POLLOUT)])
s.write(b'hi')
time.sleep_ms(200)
print(p.poll(0) == [(s, select.POLLIN | select.POLLOUT)], s.read(2))
p.modify(s, select.POLLIN)
print(p.poll(0))
s.close()`);
    expect(r).toBe("True\nTrue b'hi'\n[]\n");
  });
});
