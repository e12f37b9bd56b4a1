/**
 * The RFC 2217 server (rfc2217.ts) against the pyserial-like client (clients/rfc2217-client.ts):
 * in memory for the protocol, and end to end on the command-line board (`--rfc2217`), where
 * esptool's classic reset must put the board in its ROM loader and its hard reset boot it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { Rfc2217Client } from '../clients/rfc2217-client.ts';
import { SlipDecoder, slipEncode } from '../rom/slip.ts';
import { MAX_SUBNEGOTIATION, Rfc2217Server, type Rfc2217Handler } from './rfc2217.ts';
import { connectClient, startRfcBoard, type RfcBoard } from './cli-spawn.ts';
import { AutoResetLines } from './rfc2217-port.ts';
import { StreamSerialPort } from './stream-serial-port.ts';

const IAC = 255;

/** A server and a client joined in memory; what the server's handler saw is recorded. */
function pair(clientOpts = {}) {
  const seen = { data: [] as number[], bauds: [] as number[], lines: [] as [boolean, boolean][], purges: [] as [boolean, boolean][], wire: [] as number[] };
  let client!: Rfc2217Client;
  const handler: Rfc2217Handler = {
    send: (b) => {
      seen.wire.push(...b);
      queueMicrotask(() => client.receive(b));
    },
    data: (b) => seen.data.push(...b),
    baud: (r) => seen.bauds.push(r),
    lines: (d, r) => seen.lines.push([d, r]),
    purge: (rx, tx) => seen.purges.push([rx, tx]),
    suspend: () => {},
  };
  const server = new Rfc2217Server(handler);
  client = new Rfc2217Client((b) => queueMicrotask(() => server.receive(b)), clientOpts);
  return { server, client, seen };
}

/** A server alone, its output collected. */
function lone() {
  const out: number[] = [];
  const data: number[] = [];
  const server = new Rfc2217Server({ send: (b) => out.push(...b), data: (b) => data.push(...b), baud() {}, lines() {}, purge() {}, suspend() {} });
  return { server, out, data };
}

describe('RFC 2217 server: negotiation and sub-negotiations', () => {
  it('opens a pyserial-style session: options agreed, settings and control lines acknowledged', async () => {
    const { server, client, seen } = pair({ baud: 460800 });
    server.start();
    await client.open();
    // our offers (RFC 2217 §2) and the answer to the client's WILL COM-PORT-OPTION
    expect(client.negotiations).toContainEqual([253, 44]); // DO COM-PORT-OPTION
    expect(client.negotiations).toContainEqual([251, 44]); // WILL COM-PORT-OPTION
    expect(client.negotiations).toContainEqual([253, 0]); // DO BINARY
    expect(server.comPortActive).toBe(true);
    expect(server.clientBinary).toBe(true);
    expect(seen.bauds).toEqual([460800]);
    expect(server.baudRate).toBe(460800);
    // answers are the command + 100 with the value in effect (RFC 2217 §3)
    expect(client.answers).toContainEqual([101, 0x00, 0x07, 0x08, 0x00]);
    expect(client.answers).toContainEqual([102, 8]);
    expect(client.answers).toContainEqual([105, 1]); // no flow control
    expect(client.answers).toContainEqual([105, 8]); // DTR on
    expect(client.answers).toContainEqual([105, 11]); // RTS on
    expect(client.answers).toContainEqual([112, 1]);
    expect(client.answers).toContainEqual([112, 2]);
    expect(seen.lines).toEqual([[true, false], [true, true]]);
    expect(seen.purges).toEqual([[true, false], [false, true]]);
    // the unasked first modem-state notification: CTS/DSR/RI/CD are not wired
    expect(client.modemState).toBe(0);
  });

  it('refuses what an ESP8266 UART cannot do, and options it does not know, without loops', async () => {
    const { server, client } = pair();
    server.start();
    await client.open();
    client.subnegotiate(2, [7]); // SET-DATASIZE 7
    client.subnegotiate(3, [3]); // SET-PARITY EVEN
    client.subnegotiate(5, [3]); // hardware flow control
    client.subnegotiate(1, [0, 0, 0, 0]); // baud query
    client.subnegotiate(0, []); // signature request
    await client.until(() => client.answers.some((a) => a[0] === 100), 'the signature');
    expect(client.answers).toContainEqual([102, 8]);
    expect(client.answers).toContainEqual([103, 1]);
    expect(client.answers.filter((a) => a[0] === 105).at(-1)).toEqual([105, 1]);
    expect(client.answers.filter((a) => a[0] === 101).at(-1)).toEqual([101, 0, 1, 0xc2, 0]); // 115200
    expect(String.fromCharCode(...(client.answers.find((a) => a[0] === 100) as number[]).slice(1))).toBe(Rfc2217Server.SIGNATURE);

    const s = lone();
    s.server.receive(Uint8Array.of(IAC, 251, 24)); // WILL TERMINAL-TYPE
    s.server.receive(Uint8Array.of(IAC, 253, 31)); // DO NAWS
    expect(s.out).toEqual([IAC, 254, 24, IAC, 252, 31]);
    s.out.length = 0;
    // an option already on is not acknowledged again (RFC 1143)
    s.server.receive(Uint8Array.of(IAC, 251, 44, IAC, 251, 44));
    expect(s.out.filter((b, i) => b === 253 && s.out[i + 1] === 44)).toHaveLength(1);
  });

  it('doubles 255 in data both ways, and drops the NUL of CR NUL from a non-binary client', async () => {
    const { server, client, seen } = pair();
    server.start();
    await client.open();
    seen.wire.length = 0;
    client.write(Uint8Array.of(0x41, 0xff, 0x42, 0xff, 0xff));
    server.sendData(Uint8Array.of(0xff, 0x00, 0xff));
    await client.until(() => client.data.length === 3, 'the data');
    expect(seen.data).toEqual([0x41, 0xff, 0x42, 0xff, 0xff]);
    expect(seen.wire).toEqual([0xff, 0xff, 0x00, 0xff, 0xff]);
    expect([...client.data]).toEqual([0xff, 0x00, 0xff]);
    // a 255 inside a sub-negotiation's value is doubled too (SET-BAUDRATE 0x0000FFFF = 65535)
    await client.setBaud(65535);
    expect(server.baudRate).toBe(65535);

    const s = lone(); // no BINARY from this one (a plain telnet)
    s.server.receive(Uint8Array.of(0x31, 13, 0, 0x32, 0));
    expect(s.data).toEqual([0x31, 13, 0x32, 0]);
  });

  it('survives garbage: stray commands, an endless sub-negotiation, random bytes', () => {
    const s = lone();
    s.server.start();
    s.server.receive(Uint8Array.of(IAC, 241, IAC, 246, IAC, 240, 0x61)); // NOP, AYT, stray SE, 'a'
    expect(s.data).toEqual([0x61]);
    const endless = new Uint8Array(MAX_SUBNEGOTIATION + 50).fill(0x20);
    s.server.receive(Uint8Array.of(IAC, 250, 44, 1));
    s.server.receive(endless);
    s.server.receive(new TextEncoder().encode('OK'));
    expect(String.fromCharCode(...s.data.slice(-2))).toBe('OK');
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    for (let i = 0; i < 200; i++) expect(() => s.server.receive(Uint8Array.from({ length: 64 }, rnd))).not.toThrow();
    // short and malformed sub-negotiations are ignored, not answered with nonsense
    s.out.length = 0;
    s.server.receive(Uint8Array.of(IAC, 250, 44, 1, 7, IAC, 240, IAC, 250, IAC, 240, IAC, 250, 44, IAC, 240));
    expect(s.out).toEqual([]);
  });
});

describe('the auto-reset lines behind the port', () => {
  /** A board that records what the circuit pulls; `ready()` stands for the restarted chip running. */
  function fakeBoard() {
    const calls: string[] = [];
    const readies = new Set<() => void>();
    return {
      calls,
      ready: () => [...readies].forEach((f) => f()),
      board: {
        setAdapterLines: (l: { enLow: boolean; gpio0Low: boolean }) => calls.push(`EN${l.enLow ? '↓' : '↑'} IO0${l.gpio0Low ? '↓' : '↑'}`),
        on: (_e: 'ready', fn: () => void) => {
          readies.add(fn);
          return () => readies.delete(fn);
        },
      },
    };
  }

  it('classic reset one line at a time: EN stays low through "both asserted", GPIO0 stays low until the chip runs', () => {
    const f = fakeBoard();
    const lines = new AutoResetLines(f.board);
    lines.set(true, true); // pyserial's open: both asserted, nothing pulled
    lines.set(false, true); // D0: EN low
    lines.set(true, true); // D1: both asserted (a local adapter passes through this in µs)
    lines.set(true, false); // R0: GPIO0 low, EN released: the chip restarts into the loader
    lines.set(false, false); // D0, 50 ms later: the emulator has not sampled GPIO0 yet
    expect(f.calls).toEqual(['EN↓ IO0↑', 'EN↑ IO0↓']);
    f.ready();
    expect(f.calls).toEqual(['EN↓ IO0↑', 'EN↑ IO0↓', 'EN↑ IO0↑']);
  });

  it('hard reset (RTS pulse with DTR off) releases EN with GPIO0 high; a "both asserted" that lasts lets EN go', async () => {
    const f = fakeBoard();
    const lines = new AutoResetLines(f.board, 30);
    lines.set(false, true);
    lines.set(false, false);
    expect(f.calls).toEqual(['EN↓ IO0↑', 'EN↑ IO0↑']);
    lines.set(false, true);
    lines.set(true, true);
    expect(f.calls).toHaveLength(3); // still in reset
    await new Promise((r) => setTimeout(r, 60));
    expect(f.calls.at(-1)).toBe('EN↑ IO0↑');
    lines.set(true, false);
    lines.release();
    expect(f.calls.slice(-2)).toEqual(['EN↑ IO0↓', 'EN↑ IO0↑']); // no reset: GPIO0 let go at once
  });
});

/** esptool's SYNC request as a SLIP frame (reference: emulator/rom/rom-loader.test.ts). */
function syncFrame(): Uint8Array {
  const data = Uint8Array.from([0x07, 0x07, 0x12, 0x20, ...Array(32).fill(0x55)]);
  const p = new Uint8Array(8 + data.length);
  p[1] = 0x08;
  p[2] = data.length;
  p.set(data, 8);
  return slipEncode(p);
}
const SYNC_REPLY = '01080200070712200000';
const hasSyncReply = (c: Rfc2217Client) => new SlipDecoder().push(c.data).some((f) => Buffer.from(f).toString('hex') === SYNC_REPLY);
const text = (c: Rfc2217Client) => Buffer.from(c.data).toString('latin1');

/** Connects and opens at 115200 once the board has booted (its prompt answers), then switches to `baud`. */
async function openRunning(port: number, baud: number, ignoreSetControl = false) {
  const { socket, client } = await connectClient(port, { baud: 115200, ignoreSetControl });
  await client.open();
  await client.waitFor('>>> ', 20_000).catch(async () => {
    client.write('\r');
    await client.waitFor('>>> ');
  });
  if (baud !== 115200) await client.setBaud(baud);
  client.clear();
  return { socket, client };
}

describe('esp8266-lab board --rfc2217: the board behind an auto-reset adapter', () => {
  let board: RfcBoard | null = null;
  let sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets = [];
    await board?.stop();
    board = null;
  });

  it('esptool classic reset enters download mode (ROM line at 74880, SYNC answered); hard reset boots MicroPython', async () => {
    board = await startRfcBoard();
    const { socket, client } = await openRunning(board.port, 74880);
    sockets.push(socket);
    await client.classicReset();
    await client.waitFor('boot mode:(1,6)');
    expect(text(client)).toMatch(/ets Jan {2}8 2013,rst cause:\d, boot mode:\(1,6\)/);
    await client.setBaud(115200);
    client.clear();
    client.write(syncFrame());
    await client.until(() => hasSyncReply(client), 'the SYNC reply', 5000);

    // hard reset (RTS pulse, DTR off): the firmware boots; at 74880 the ROM line shows boot mode (3,x)
    await client.setBaud(74880);
    client.clear();
    await client.hardReset();
    await client.waitFor('boot mode:(3,');
    await client.setBaud(115200);
    client.clear();
    client.write('\r');
    await client.waitFor('>>> ');
    client.write('1+1\r');
    await client.waitFor('1+1\r\n2\r\n>>> ');
    expect(board.stderr()).toContain('client connected');
  }, 60_000);

  it('also with ?ign_set_control timing (100 ms per SET-CONTROL), and a 0xFF from the board arrives as one byte', async () => {
    board = await startRfcBoard();
    const { socket, client } = await openRunning(board.port, 74880, true);
    sockets.push(socket);
    await client.classicReset();
    await client.waitFor('boot mode:(1,6)');
    await client.hardReset();
    await client.waitFor('boot mode:(3,');
    await client.setBaud(115200);
    client.write('\r');
    await client.waitFor('>>> ');
    client.clear();
    client.write("import sys; sys.stdout.buffer.write(b'<\\xff\\xfe>')\r");
    // the bytes and the `4` write() returns may come in separate chunks: wait for all of it
    await client.waitFor('<\xff\xfe>4\r\n>>> ');
    expect(text(client)).toContain('<\xff\xfe>4\r\n>>> ');
  }, 60_000);

  it('two EN pulses 930 ms apart are two flash boots, not three (the first reset\'s wait must not restart the second)', async () => {
    board = await startRfcBoard();
    const { socket, client } = await openRunning(board.port, 74880);
    sockets.push(socket);
    // RTS alone pulls EN low; each SET-CONTROL is answered once the lines are applied
    await client.setDTR(false);
    await client.setRTS(true);
    await client.setRTS(false);
    const t0 = performance.now();
    await client.setRTS(true);
    await new Promise((r) => setTimeout(r, Math.max(0, 930 - (performance.now() - t0))));
    await client.setRTS(false);
    await new Promise((r) => setTimeout(r, 2000)); // past both resets' 1 s waits
    expect(text(client).split('boot mode:(3,').length - 1).toBe(2);
  }, 60_000);

  it('garbage on the connection does not end the board; a second client waits its turn', async () => {
    board = await startRfcBoard();
    const first = await connectClient(board.port);
    sockets.push(first.socket);
    await first.client.open();
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    // random bytes without 0x03 / 0x01 … would still be keys for the REPL: that is what a real UART gets
    first.client.writeRaw(Uint8Array.from({ length: 4000 }, rnd));
    first.client.writeRaw(Uint8Array.of(IAC, 250, 44, 5)); // an unfinished SET-CONTROL
    const second = await connectClient(board.port);
    sockets.push(second.socket);
    await new Promise<void>((resolve) => second.socket.once('close', () => resolve()));
    expect(board.stderr()).toContain('refused a second connection');
    first.socket.destroy();
    await new Promise((r) => setTimeout(r, 300));
    const third = await connectClient(board.port);
    sockets.push(third.socket);
    await third.client.open();
    third.client.write('\r\x03\x03\r\x02\r');
    await third.client.waitFor('>>> ', 15_000);
    third.client.clear();
    third.client.write('6*7\r');
    await third.client.waitFor('6*7\r\n42\r\n>>> ');
    expect(board.child.exitCode).toBe(null);
  }, 60_000);
});

/**
 * A Web Serial-shaped port on the RFC 2217 client, for esptool-js: what pyserial's rfc2217 port
 * is to esptool.py. Modem lines become SET-CONTROL, baud changes SET-BAUDRATE; closing keeps the
 * TCP connection (esptool-js closes and reopens the port to change the baud).
 */
class Rfc2217WebSerialPort extends StreamSerialPort {
  private readonly socket: Socket;
  private readonly client: Rfc2217Client;
  constructor(socket: Socket, client: Rfc2217Client) {
    super();
    this.socket = socket;
    this.client = client;
  }
  async open(options: { baudRate: number }): Promise<void> {
    await this.client.setBaud(options.baudRate);
    const client = this.client;
    // the client's data buffer is drained into the stream as it fills
    this.attach((push) => {
      const h = () => {
        const d = client.data;
        if (d.length) {
          client.clear();
          push(d);
        }
      };
      this.socket.on('data', h);
      return () => this.socket.off('data', h);
    }, (bytes) => client.write(bytes));
  }
  async setSignals(s: { dataTerminalReady?: boolean; requestToSend?: boolean }): Promise<void> {
    if (s.dataTerminalReady !== undefined) await this.client.setDTR(s.dataTerminalReady);
    if (s.requestToSend !== undefined) await this.client.setRTS(s.requestToSend);
  }
  async setBaudRate(baud: number): Promise<void> {
    await this.client.setBaud(baud);
  }
}

describe('esptool-js through rfc2217:// (default_reset, write, hard reset), with --realistic-link', () => {
  let board: RfcBoard | null = null;
  let socket: Socket | null = null;
  afterEach(async () => {
    socket?.destroy();
    await board?.stop();
    board = null;
  });

  it('resets into the loader by itself, flashes 20 KB at 460800 in no less than the line and erase time, and hard reset boots', async () => {
    const { ESPLoader, Transport } = await import('esptool-js');
    const { hardReset } = await import('../clients/esptool-reset.ts');
    const { writeImage } = await import('./esptool.ts');
    board = await startRfcBoard(['--realistic-link']);
    const c = await openRunning(board.port, 115200);
    socket = c.socket;
    const port = new Rfc2217WebSerialPort(c.socket, c.client);
    const transport = new Transport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
    const quiet = { clean() {}, writeLine() {}, write() {} };
    const loader = new ESPLoader({ transport, baudrate: 460800, terminal: quiet, resetConstructors: { hardReset } });
    expect(await loader.main('default_reset')).toBe('ESP8266EX');
    let x = 2463534242;
    const data = Uint8Array.from({ length: 20_000 }, () => {
      // xorshift32: bytes deflate cannot shrink, so the compressed write is ~20 KB on the line
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) & 0xff;
    });
    const t0 = performance.now();
    await writeImage(loader, data, 0x200000);
    const s = (performance.now() - t0) / 1000;
    // 5 sectors erased (0.225 s) and at least the data itself at 460800 baud
    const floor = 5 * 0.045 + (data.length * 10) / 460800 * 0.9;
    console.log(`esptool-js wrote 20 000 bytes through rfc2217:// with --realistic-link in ${s.toFixed(3)} s (floor ${floor.toFixed(3)} s)`);
    expect(s).toBeGreaterThan(floor);
    await loader.after('hard_reset');
    await transport.disconnect();
    c.client.clear();
    await c.client.setBaud(115200);
    c.client.write('\r');
    await c.client.waitFor('>>> ', 20_000);
    c.client.clear();
    c.client.write('import esp, binascii; binascii.hexlify(esp.flash_read(0x200000, 8))\r');
    const hex = Buffer.from(data.subarray(0, 8)).toString('hex');
    await c.client.waitFor(`b'${hex}'\r\n>>> `);
  }, 90_000);
});
