/**
 * The virtual network's services for lessons: the MQTT broker with `umqtt.simple`, TLS hosts
 * with `tls`/`ssl` and `requests` over HTTPS, WebREPL (`webrepl_setup`, `webrepl.start()`, a
 * session from the laptop).
 * Sources: reference §5.4 (axTLS always on esp8266; no DH/ECC; ~5 KB buffer
 * RT_MAX_PLAIN_LENGTH=1024 + RT_EXTRA=4096; certificates not validated; CERT_NONE default);
 * MP@v1.27.0 extmod/modtls_axtls.c (ssl_raise_error: OSError(code, 'NAME') for axTLS's named
 * codes, bare OSError(code) otherwise); axTLS ssl/tls1.c (a fatal alert is returned as -alert,
 * a record over RT_MAX_PLAIN_LENGTH+RT_EXTRA-5 is SSL_ERROR_RECORD_OVERFLOW -257);
 * micropython-lib umqtt.simple (API, connect() returning the session-present flag, callback
 * with bytes); MQTT 3.1.1 §3; reference §5.5 and micropython-lib webrepl.py / webrepl_setup.py
 * (messages, prompts, boot.py lines, webrepl_cfg.py `PASS = %r`).
 */
import { describe, expect, it } from 'vitest';
import type { TestBoard } from '../node/test-board.ts';
import { CONNECT, error, instantBoards, out } from '../node/net-helpers.ts';

const boot = instantBoards();

describe('MQTT: umqtt.simple and the broker', () => {
  it('publishes and receives its own message through test.mosquitto.org; check_msg is non-blocking', async () => {
    const b = await boot();
    const o = await out(b, `${CONNECT}
from umqtt.simple import MQTTClient
got = []
c = MQTTClient('esp07-lab', 'test.mosquitto.org', keepalive=60)
c.set_callback(lambda t, m: got.append((t, m)))
print(c.connect())
c.subscribe(b'lab/esp07/#')
c.publish(b'lab/esp07/led', b'on')
c.wait_msg()
print(got, c.check_msg())
c.publish('lab/kept', 'kept', retain=True)
c.ping()
print(c.wait_msg())
c.disconnect()
c2 = MQTTClient('esp07-other', 'broker.hivemq.com')
c2.set_callback(lambda t, m: got.append((t, m)))
c2.connect()
c2.subscribe('lab/kept', qos=1)
c2.wait_msg()
print(got[-1])
c2.publish('lab/x', 'y', qos=1)
print('qos1 acked')
c2.disconnect()`);
    expect(o).toBe(`0
[(b'lab/esp07/led', b'on')] None
None
(b'lab/kept', b'kept')
qos1 acked
`);
  });

  it("receives the lab sensor's messages, published by another client", async () => {
    const b = await boot();
    const o = await out(b, `${CONNECT}
import umqtt.simple
got = []
c = umqtt.simple.MQTTClient('esp07', 'test.mosquitto.org')
c.set_callback(lambda t, m: got.append(t))
c.connect()
c.subscribe('lab/greenhouse/+')
c.wait_msg()
print(got)`);
    expect(o).toBe(`[b'lab/greenhouse/temperature']\n`);
  });
});

describe('TLS (axTLS policy)', () => {
  it('an RSA host works: ssl.wrap_socket, SSLContext with server_hostname, requests over https', async () => {
    const b = await boot();
    const o = await out(b, `${CONNECT}
import ssl, tls, requests
s = socket.socket()
s.connect(socket.getaddrinfo('example.com', 443)[0][-1])
s = ssl.wrap_socket(s, server_hostname='example.com')
s.write(b'GET /hello.txt HTTP/1.0\\r\\nHost: example.com\\r\\n\\r\\n')
print(s.readline())
s.close()
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
print(ctx.verify_mode == ssl.CERT_NONE, tls.CERT_NONE, tls.PROTOCOL_TLS_CLIENT)
r = requests.get('https://httpbin.org/get?x=1')
print(r.status_code, r.json()['args'])`);
    expect(o).toBe(`b'HTTP/1.1 200 OK\\r\\n'
True 0 0
200 {'x': '1'}
`);
  });

  it('an ECDHE-only host: the handshake fails with the fatal alert 40 (OSError: -40)', async () => {
    const b = await boot();
    const e = await error(b, `${CONNECT}
import ssl
s = socket.socket()
s.connect(socket.getaddrinfo('modern.example.org', 443)[0][-1])
s = ssl.wrap_socket(s, server_hostname='modern.example.org')`);
    expect(e).toBe('OSError: -40');
  });

  it('16 KB records overflow the ~5 KB buffer: OSError: -257 when reading', async () => {
    const b = await boot();
    let e = await error(b, `${CONNECT}
import requests
r = requests.get('https://bigrecords.example.org/big.txt')`);
    expect(e).toBe('OSError: -257');
    // the lesson's version: the handshake works, the first read of the large home page fails
    e = await error(b, `import ssl
s = socket.socket()
s.connect(socket.getaddrinfo('bigrecords.example.org', 443)[0][-1])
s = ssl.wrap_socket(s, server_hostname='bigrecords.example.org')
print('handshake ok')
s.write(b'GET / HTTP/1.0\\r\\nHost: bigrecords.example.org\\r\\n\\r\\n')
s.read(300)`);
    expect(e).toBe('OSError: -257');
  });

  it('an impostor: the certificate is never checked, the board sends it the password', async () => {
    const b = await boot();
    const o = await out(b, `${CONNECT}
import requests
r = requests.post('https://bank.example.com/login', data='user=ada&password=hunter2')
print(r.status_code, r.text)`);
    expect(o).toBe('200 Thanks! We have your details now: user=ada&password=hunter2\n\n');
  });
});

/** Answers webrepl_setup's prompts one by one; returns the whole transcript. */
async function dialog(b: TestBoard, steps: [string, string][]): Promise<string> {
  const start = b.all.length;
  for (const [wait, answer] of steps) {
    await b.waitFor(wait, 15000);
    b.type(`${answer}\r`);
  }
  await b.waitFor('>>> ', 15000);
  return b.all.slice(start).replace(/>>> $/, '');
}

describe('WebREPL', () => {
  it('webrepl_setup: too short, too long, mismatch, then a valid password; webrepl_cfg.py and boot.py', async () => {
    const b = await boot();
    await b.waitFor('>>> ', 15000);
    b.type('import webrepl_setup\r');
    const t = await dialog(b, [
      ['> ', 'E'],
      ['New password (4-9 chars): ', 'abc'],
      ['Invalid password length\r\nNew password (4-9 chars): ', 'abcdefghij'],
      ['Invalid password length\r\nNew password (4-9 chars): ', 'lab1234'],
      ['Confirm password: ', 'lab9999'],
      ['Passwords do not match\r\nNew password (4-9 chars): ', 'lab1234'],
      ['Confirm password: ', 'lab1234'],
      ['Would you like to reboot now? (y/n) ', 'n'],
    ]);
    await b.waitFor('n\r\n>>> ', 10000);
    expect((t + b.all.slice(b.all.length - 0)).replace(/\r\n/g, '\n')).toBe(`import webrepl_setup
WebREPL daemon auto-start status: disabled

Would you like to (E)nable or (D)isable it running on boot?
(Empty line to quit)
> E
To enable WebREPL, you must set password for it
New password (4-9 chars): abc
Invalid password length
New password (4-9 chars): abcdefghij
Invalid password length
New password (4-9 chars): lab1234
Confirm password: lab9999
Passwords do not match
New password (4-9 chars): lab1234
Confirm password: lab1234
Changes will be activated after reboot
Would you like to reboot now? (y/n) n
`);
    const o = await out(b, `print(open('webrepl_cfg.py').read())
print(open('boot.py').read())`);
    expect(o).toBe(`PASS = 'lab1234'\n\n`.replace(/\n\n$/, '\n\n') + `# This file is executed on every boot (including wake-boot from deepsleep)
#import esp
#esp.osdebug(None)
import os, machine
#os.dupterm(None, 1) # disable REPL on UART(0)
import gc
import webrepl
webrepl.start()
gc.collect()

`);
  });

  it('webrepl.start() without webrepl_cfg.py, with a too-long password, and with a password', async () => {
    const b = await boot();
    let r = await b.exec('import webrepl\nwebrepl.start()', 20000);
    expect(r.out).toBe("WebREPL is not configured, run 'import webrepl_setup'\r\n");
    expect(r.err.split('\r\n').filter(Boolean).pop()).toBe("TypeError: can't convert 'NoneType' object to str implicitly");
    r = await b.exec("webrepl.start(password='0123456789')", 20000);
    expect(r.err.split('\r\n').filter(Boolean).pop()).toBe('ValueError: ');
    const o = await out(b, `${CONNECT}
webrepl.start(password='lab1234')
webrepl.stop()
with open('webrepl_cfg.py', 'w') as f: f.write("PASS = 'abcd'\\n")

webrepl.start()`);
    expect(o).toBe(`WebREPL server started on http://192.168.4.1:8266/
WebREPL server started on http://192.168.1.23:8266/
Started webrepl in manual override mode
WebREPL server started on http://192.168.4.1:8266/
WebREPL server started on http://192.168.1.23:8266/
Started webrepl in normal mode
`);
  });

  it('a WebREPL session from the laptop: wrong password, right password, a REPL, file put/get', async () => {
    const b = await boot();
    await out(b, `import webrepl\nwebrepl.start(password='lab1234')`);
    await b.waitFor('>>> ', 5000);
    // wrong password
    const events: string[] = [];
    let text = '';
    const bad = b.host.laptopSocket('ws://192.168.4.1:8266/', (e) => {
      events.push(e.ws as string);
      text += e.response;
    });
    await b.waitUntil(() => text.includes('Password: '), 15000, () => text);
    bad.send('nope\r');
    await b.waitUntil(() => events.includes('closed'), 15000, () => JSON.stringify(events));
    expect(text).toBe('Password: \r\nAccess denied\r\n');
    expect(b.all).toContain("\r\nWebREPL connection from: ('192.168.4.2', 54321)\r\n");
    // right password
    let t2 = '';
    const files: string[] = [];
    const good = b.host.laptopSocket('ws://192.168.4.1:8266/', (e) => {
      if (e.ws === 'file') files.push(e.response);
      else t2 += e.response;
    });
    await b.waitUntil(() => t2.includes('Password: '), 15000, () => t2);
    good.send('lab1234\r');
    await b.waitUntil(() => t2.includes('WebREPL connected'), 15000, () => t2);
    expect(t2).toBe('Password: \r\nWebREPL connected\r\n>>> ');
    b.since();
    good.send('1+1\r');
    await b.waitUntil(() => t2.includes('2\r\n>>> '), 15000, () => t2);
    expect(t2.endsWith('>>> 1+1\r\n2\r\n>>> ')).toBe(true);
    expect(b.recent).toContain('1+1\r\n2\r\n>>> '); // the UART sees it too (dupterm)
    // a concurrent client is rejected
    let t3 = '';
    b.host.laptopSocket('ws://192.168.4.1:8266/', (e) => {
      t3 += e.ws === 'closed' ? `closed:${e.error}` : e.response;
    });
    await b.waitUntil(() => t3.includes('closed'), 15000, () => t3);
    expect(b.all).toContain("\r\nConcurrent WebREPL connection from ('192.168.4.2', 54323) rejected\r\n");
    // files: put then get
    good.put('hello.py', new TextEncoder().encode("print('hi from webrepl')\n"));
    await b.waitUntil(() => files.length === 1, 15000, () => 'put');
    good.get('hello.py');
    await b.waitUntil(() => files.length === 2, 15000, () => 'get');
    expect(Buffer.from(files[1] as string, 'hex').toString()).toBe("print('hi from webrepl')\n");
    good.send('import hello\r');
    await b.waitUntil(() => t2.includes('hi from webrepl\r\n>>> '), 15000, () => t2);
    // a 10 KB file goes in parts through the mailbox and arrives whole
    const big = new Uint8Array(10_000).map((_, i) => 65 + (i % 26));
    good.put('big.txt', big);
    await b.waitUntil(() => files.length === 3, 15000, () => 'big put');
    good.send("import os; os.stat('big.txt')[6]\r");
    await b.waitUntil(() => t2.includes('10000\r\n>>> '), 15000, () => t2);
    // Ctrl-C from the WebREPL client stops running code
    good.send('while True: pass\r\r');
    await new Promise((r) => setTimeout(r, 300));
    good.send('\x03');
    await b.waitUntil(() => t2.includes('KeyboardInterrupt: \r\n>>> '), 15000, () => t2);
    // a plain HTTP request gets the page that loads the WebREPL client
    const page = await b.host.laptopFetch('http://192.168.4.1:8266/');
    expect(page.response).toContain('<script src="webrepl_content.js"></script>');
  });
});
