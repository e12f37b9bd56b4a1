/**
 * The command-line board (`esp8266-lab board`), run for real: the launcher started with the
 * project's pinned Node as a child process, talked to over its stdin/stdout as a serial tool would.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { resample } from '../link/serial-line.ts';
import { SlipDecoder, slipEncode } from '../rom/slip.ts';
import { ESPLoader, Transport } from 'esptool-js';
import { firmwareFile, writeImage } from './esptool.ts';
import { StreamSerialPort } from './stream-serial-port.ts';
import { parseArgs, UsageError } from './cli.ts';
import { bannerLine, firmwareIdentity, GENERIC_4M } from '../firmware/builds.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = join(ROOT, 'node_modules/.bin/node');
const LAUNCHER = join(ROOT, 'bin/esp8266-lab.mjs');
const dir = mkdtempSync(join(tmpdir(), 'esp8266-lab-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs the CLI with `input` piped to it (then EOF); resolves when it exits. */
function runCli(args: string[], input = '', timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [LAUNCHER, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI did not exit; stdout ${JSON.stringify(Buffer.concat(out).toString('latin1'))}, stderr ${err}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.end(input);
  });
}

/** A CLI kept running: write to it, wait for output. */
function openCli(args: string[]) {
  const child = spawn(NODE, [LAUNCHER, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = Buffer.alloc(0);
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (b: Buffer) => {
    out = Buffer.concat([out, b]);
    for (const w of waiters) w();
  });
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return {
    get out() {
      return out;
    },
    get err() {
      return err;
    },
    write: (b: Uint8Array | string) => child.stdin.write(b),
    /** Every stdout chunk from now on; returns an unsubscribe function. */
    onData(fn: (b: Buffer) => void): () => void {
      child.stdout.on('data', fn);
      return () => child.stdout.off('data', fn);
    },
    /** Waits until `cond(stdout)` holds. */
    until(cond: (out: Buffer) => boolean, timeoutMs = 20_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!cond(out)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timeout; stdout ${JSON.stringify(out.toString('latin1'))}, stderr ${err}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    /** Closes stdin (EOF) and waits for the exit code. */
    end: () => {
      child.stdin.end();
      return exited;
    },
    kill: () => child.kill('SIGKILL'),
  };
}

const text = (b: Buffer) => b.toString('latin1');

/**
 * A Web Serial-shaped port on a CLI's stdin/stdout, for esptool-js: what a serial device made by
 * socat from the CLI looks like. Its baud changes and modem lines reach nothing (as on a pty).
 */
class StdioPort extends StreamSerialPort {
  private readonly cli: ReturnType<typeof openCli>;
  constructor(cli: ReturnType<typeof openCli>) {
    super();
    this.cli = cli;
  }
  async open(_options: { baudRate: number }): Promise<void> {
    const cli = this.cli;
    this.attach((push) => cli.onData((b) => push(new Uint8Array(b))), (bytes) => void cli.write(bytes));
  }
  async setSignals(): Promise<void> {}
  async setBaudRate(): Promise<void> {}
}

/** esptool's SYNC request as a SLIP frame (reference: emulator/rom/rom-loader.test.ts). */
function syncFrame(): Uint8Array {
  const data = Uint8Array.from([0x07, 0x07, 0x12, 0x20, ...Array(32).fill(0x55)]);
  const p = new Uint8Array(8 + data.length);
  p[1] = 0x08; // SYNC
  p[2] = data.length;
  p.set(data, 8);
  return slipEncode(p);
}
const SYNC_REPLY = '01080200070712200000';
const hasSyncReply = (out: Buffer) => new SlipDecoder().push(out).some((f) => Buffer.from(f).toString('hex') === SYNC_REPLY);

describe('esp8266-lab board (command-line board)', () => {
  it('answers a piped 1+1 with 2 and the prompt, and exits 0 at the end of input', async () => {
    const r = await runCli(['board'], '1+1\r');
    expect(r.code).toBe(0);
    const out = text(r.stdout);
    expect(out).toContain(bannerLine(GENERIC_4M)); // the default release, v1.28.0
    expect(out).toContain('>>> 1+1\r\n2\r\n>>> ');
    expect(r.stderr).toBe('');
  });

  it('prints a first-use note once, to stderr, never into the serial stream (stdout)', async () => {
    const r = await runCli(['board'], 'print(1/3)\rprint(2/3)\r');
    expect(r.code).toBe(0);
    const out = text(r.stdout);
    expect(out).toContain('0.3333333333333333'); // the lab computes in double precision
    expect(out).not.toContain('Note:');
    const notes = r.stderr.split('single-precision floats').length - 1;
    expect(notes).toBe(1);
    expect(r.stderr).toContain('/en/differences/#floating-point');
  });

  it('prints no note for a program that uses nothing the board lacks', async () => {
    const r = await runCli(['board'], 'print(1+1)\r');
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('Note:');
  });

  it('--release 1.27.0 makes a board with v1.27.0; its --state keeps running v1.27.0 without the option', async () => {
    const state = join(dir, 'state-127.bin');
    const first = await runCli(['board', '--release', '1.27.0', '--state', state, '--linger', '3000'], 'import sys; sys.implementation.version\r');
    expect(first.code).toBe(0);
    expect(text(first.stdout)).toContain(`${bannerLine(firmwareIdentity('4M', '1.27.0'))}\r\n`);
    expect(text(first.stdout)).toContain("sys.implementation.version\r\n(1, 27, 0, '')\r\n>>> ");
    expect(text(first.stdout)).not.toContain('v1.28.0');
    // the firmware in the saved flash decides, as on a board: no option needed
    const second = await runCli(['board', '--state', state, '--linger', '3000'], '1+1\r');
    expect(text(second.stdout)).toContain('MicroPython v1.27.0 on 2025-12-09; ESP module with ESP8266\r\n');
    // the option is about new boards only: the state file's firmware still wins
    const third = await runCli(['board', '--release', '1.28.0', '--state', state, '--linger', '3000'], '1+1\r');
    expect(text(third.stdout)).toContain('MicroPython v1.27.0 on 2025-12-09');
    const fresh = await runCli(['board', '--release=1.28.0', '--flash-size', '1M', '--linger', '3000'], '1+1\r');
    expect(text(fresh.stdout)).toContain(`${bannerLine(firmwareIdentity('1M', '1.28.0'))}\r\n`);
  }, 90_000);

  it('parses --release: 1.28.0 by default, 1.27.0 (or v1.27.0) on request, nothing else', () => {
    expect(parseArgs(['board'])).toMatchObject({ release: '1.28.0' });
    expect(parseArgs(['board', '--release', '1.27.0'])).toMatchObject({ release: '1.27.0' });
    expect(parseArgs(['board', '--release=v1.27.0'])).toMatchObject({ release: '1.27.0' });
    expect(() => parseArgs(['board', '--release', '1.26.1'])).toThrow(UsageError);
    expect(() => parseArgs(['board', '--release'])).toThrow(/--release needs a value/);
  });

  it('keeps the flash in --state FILE between runs', async () => {
    const state = join(dir, 'state.bin');
    const first = await runCli(['board', '--state', state], "import esp; esp.flash_erase(300); esp.flash_write(300*4096, b'abcd')\r");
    expect(first.code).toBe(0);
    expect(text(first.stdout)).toContain("b'abcd')\r\n>>> ");
    const saved = readFileSync(state);
    expect(saved.length).toBe(4 * 1024 * 1024);
    expect(text(saved.subarray(300 * 4096, 300 * 4096 + 4))).toBe('abcd');

    const second = await runCli(['board', '--state', state], 'esp.flash_read(300*4096, 4)\r');
    expect(second.code).toBe(0);
    // a new power-on: `esp` is imported again by the learner, the flash is what was saved
    expect(text(second.stdout)).toContain("NameError: name 'esp' isn't defined");
    const third = await runCli(['board', '--state', state], 'import esp; esp.flash_read(300*4096, 4)\r');
    expect(text(third.stdout)).toContain("esp.flash_read(300*4096, 4)\r\nb'abcd'\r\n>>> ");

    // a state file of another size is refused, naming the size it fits
    const wrong = await runCli(['board', '--state', state, '--flash-size', '1M']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('add --flash-size 4M');
    expect(wrong.stdout.length).toBe(0);
  }, 60_000);

  it('--hold-gpio0 starts in download mode: the ROM line at 74880 baud, and esptool SYNC answered', async () => {
    // --baud any: every byte as sent, so the ROM's 74880-baud line reads as text
    const clear = openCli(['board', '--hold-gpio0', '--baud', 'any']);
    // the default: a 115200-baud terminal decodes the ROM line as a real adapter would
    const terminal = openCli(['board', '--hold-gpio0']);
    try {
      await clear.until((o) => text(o).includes('boot mode:(1,6)'));
      clear.write(syncFrame());
      terminal.write(syncFrame());
      await clear.until(hasSyncReply);
      await terminal.until(hasSyncReply);
      const rom = clear.out.subarray(0, clear.out.indexOf(0xc0));
      expect(text(rom)).toMatch(/^\r\n ets Jan {2}8 2013,rst cause:\d, boot mode:\(1,6\)\r\n/);
      expect(text(rom)).not.toContain('MicroPython');
      const garbled = terminal.out.subarray(0, terminal.out.length - clear.out.length + rom.length);
      expect(text(garbled)).not.toContain('boot mode');
      expect(Buffer.from(garbled).equals(Buffer.from(resample(rom, 74880, 115200)))).toBe(true);
      expect(await clear.end()).toBe(0);
      expect(await terminal.end()).toBe(0);
    } finally {
      clear.kill();
      terminal.kill();
    }
  }, 60_000);

  it('esptool-js flashes through stdin/stdout at 460800 baud and boots the board (--hold-gpio0, --state)', async () => {
    const state = join(dir, 'flashed.bin');
    const cli = openCli(['board', '--hold-gpio0', '--state', state]);
    const quiet = { clean() {}, writeLine() {}, write() {} };
    const transport = new Transport(new StdioPort(cli) as unknown as ConstructorParameters<typeof Transport>[0], false);
    const loader = new ESPLoader({ transport, baudrate: 460800, terminal: quiet });
    try {
      expect(await loader.main('no_reset')).toBe('ESP8266EX');
      const data = new Uint8Array(20_000).map((_, i) => (i * 7) & 0xff);
      await writeImage(loader, data, 0x200000);
      const before = cli.out.length;
      await loader.after('soft_reset');
      await cli.until((o) => text(o.subarray(before)).includes('>>> '));
      await transport.disconnect();
      cli.write('import esp; esp.flash_read(0x200000, 4)\r');
      await cli.until((o) => text(o.subarray(before)).includes("b'\\x00\\x07\\x0e\\x15'\r\n>>> "));
      expect(await cli.end()).toBe(0);
      const saved = readFileSync(state);
      expect(Buffer.from(saved.subarray(0x200000, 0x200000 + data.length)).equals(Buffer.from(data))).toBe(true);
    } finally {
      cli.kill();
    }
  }, 60_000);

  it('--firmware writes the image on an erased flash: a corrupt one stops in the ROM with its error', async () => {
    const corrupt = firmwareFile();
    corrupt[0x100] = (corrupt[0x100] as number) ^ 0xff; // a byte of the first segment: checksum wrong
    const fw = join(dir, 'corrupt.bin');
    writeFileSync(fw, corrupt);
    const r = await runCli(['board', '--firmware', fw, '--baud', 'any'], '1+1\r');
    expect(r.code).toBe(0);
    expect(text(r.stdout)).toContain('csum err\r\nets_main.c ');
    expect(text(r.stdout)).not.toContain('>>> ');

    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, Uint8Array.from({ length: 5000 }, (_, i) => (i * 37 + 11) & 0x7f));
    const j = await runCli(['board', '--firmware', junk, '--baud', 'any']);
    expect(text(j.stdout)).toMatch(/boot mode:\(3,\d\)\r\n\r\nets_main\.c $/);

    const intact = join(dir, 'firmware.bin');
    writeFileSync(intact, firmwareFile());
    const ok = await runCli(['board', '--firmware', intact], '1+1\r');
    expect(text(ok.stdout)).toContain('>>> 1+1\r\n2\r\n>>> ');
  }, 60_000);

  it('refuses bad options, and files that do not fit, with a message and exit code 2', async () => {
    const big = join(dir, 'big.bin');
    writeFileSync(big, new Uint8Array(512 * 1024 + 1));
    const cases: [string[], RegExp][] = [
      [[], /missing command/],
      [['flash'], /unknown command "flash"/],
      [['board', '--frobnicate'], /unknown option --frobnicate/],
      [['board', '--flash-size', '2M'], /--flash-size must be 4M, 1M or 512K/],
      [['board', '--flash-size'], /--flash-size needs a value/],
      [['board', '--baud', 'fast'], /--baud must be/],
      [['board', '--rfc2217', '70000'], /--rfc2217 must be a TCP port/],
      [['board', '--realistic-link=1'], /--realistic-link takes no value/],
      [['board', '--release', '1.29.0'], /--release must be 1\.28\.0 or 1\.27\.0 \(got "1\.29\.0"\)/],
      [['board', '--firmware', join(dir, 'missing.bin')], /cannot read firmware file .*missing\.bin: ENOENT/],
      [['board', '--firmware', big, '--flash-size', '512K'], /does not fit in a 512K flash/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout.length).toBe(0);
    }
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(text(help.stdout)).toContain('--hold-gpio0');
    expect(text(help.stdout)).toContain('--rfc2217 PORT');
    expect(text(help.stdout)).toContain('--release 1.28.0|1.27.0');
    expect(text(help.stdout)).toContain('(MicroPython v1.28.0 on 2026-04-06)');
  }, 60_000);
});
