/**
 * `esp8266-lab board`: the virtual ESP-07 on stdin/stdout as raw bytes, so that a serial tool
 * (picocom, mpremote, esptool through a socat pty) can talk to it. The same emulator as the
 * page's, in a Node worker thread.
 *
 * - stdout carries only the board's UART0 TX bytes; notices and errors go to stderr, and so do the
 *   first-use notes the page shows over its terminal (firmware/unremovable.ts: something the lab
 *   does that a real board does not), each once per run, so tools reading stdout or the pty see
 *   only what the board sent.
 * - A TTY on stdin is put in raw mode: Ctrl-C goes to the board; Ctrl-] quits (as in telnet).
 * - A pipe on stdin: EOF quits once the board has been quiet for `--linger` ms.
 * - Baud: stdout stands for a serial adapter at `--baud` (default 115200). The board's own fixed
 *   rates (the boot ROM's 74880, MicroPython's and the ROM loader's 115200) are decoded as that
 *   adapter would decode them (serial-line.ts), so a 115200 terminal shows the ROM lines as the
 *   same garbage a real board's do. Any other rate can only come from the flasher stub after
 *   esptool's CHANGE_BAUDRATE, and esptool switched its port with it: those bytes pass unchanged.
 *   `--baud any` passes everything unchanged.
 * - `--state FILE` keeps the whole flash in FILE between runs.
 * - `--rfc2217 PORT`: the serial line is an RFC 2217 port on 127.0.0.1:PORT instead of stdio
 *   (rfc2217-port.ts), behind an adapter with the DTR/RTS auto-reset circuit; stdin and stdout
 *   carry nothing then, and the board runs until SIGINT/SIGTERM/SIGHUP.
 * - `--realistic-link`: bytes cross the line at the baud rate, and esptool's erases take the
 *   flash chip's time (link-timing.ts).
 * - `--release 1.28.0|1.27.0`: the MicroPython release a new board comes with (default the
 *   current one, firmware/builds.ts `DEFAULT_RELEASE`). A flash loaded with `--state` or written
 *   with `--firmware` (or by esptool) runs the release of the firmware it holds.
 *
 * Exit codes: 0 after a normal quit, 2 for a usage error (bad option, unreadable or
 * ill-sized file), 1 if the emulator failed (its thread died, or it never came up).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLASH_SIZES } from '../chip/flash.ts';
import { DEFAULT_CIRCUIT } from '../board/circuit.ts';
import { BoardHost, type FlashSize } from '../link/host.ts';
import { spawnNodeDevice } from './spawn.ts';
import { DEFAULT_RELEASE, isReleaseId, RELEASE_IDS, releaseVersion, type ReleaseId } from '../firmware/builds.ts';
import { REPL_BAUD, SerialBridge, toTerminal } from './serial-bridge.ts';
import { Rfc2217Port } from './rfc2217-port.ts';
import { DIFFERENCES_PAGE } from '../firmware/unremovable.ts';

export { toTerminal };

const NAME = 'esp8266-lab';
/** Ctrl-]: quits when stdin is a terminal. */
const ESCAPE = 0x1d;
/** Flash sector: `--firmware` erases whole sectors before writing, as esptool does. */
const SECTOR = 4096;
/** With stdin at its end: how long a board that has not come up may stay silent before the CLI gives up. */
const NO_BOOT_MS = 15_000;

export const HELP = `Usage: ${NAME} board [options]

Runs a virtual ESP-07 (MicroPython ${releaseVersion(DEFAULT_RELEASE)}) on stdin/stdout as raw serial bytes.

Options:
  --flash-size 4M|1M|512K  size of the SPI flash (default 4M)
  --release ${RELEASE_IDS.join('|')}  the MicroPython release a new board comes with (default
                           ${DEFAULT_RELEASE}); a flash from --state or --firmware runs the
                           release of the firmware it holds
  --firmware FILE          write FILE at offset 0 before power-on (erasing the sectors it
                           covers), like "esptool write_flash 0 FILE": on a fresh chip, or on
                           the flash loaded with --state
  --state FILE             load the whole flash from FILE if it exists (its size must match)
                           and save it back after every flash write and on exit
  --hold-gpio0             hold GPIO0 low while the board powers on: it starts in UART
                           download mode (for esptool); released once the ROM is up
  --baud N|any             the terminal side's baud rate (default 115200): output the board
                           sends at 74880 (boot ROM) or 115200 is shown as an adapter at N
                           would decode it; "any" passes every byte through unchanged
  --linger MS              with stdin not a terminal: after its end, quit once the board has
                           been silent for MS milliseconds (default 500)
  --no-escape              do not treat Ctrl-] on a terminal as "quit"
  --rfc2217 PORT           serve the serial line as an RFC 2217 port on 127.0.0.1:PORT
                           (0: any free port) instead of stdin/stdout, with a USB-serial
                           adapter's DTR/RTS auto-reset circuit: esptool --port
                           rfc2217://127.0.0.1:PORT resets the board into the loader and back;
                           runs until SIGINT/SIGTERM (Ctrl-C)
  --realistic-link         bytes cross the line at the baud rate (10 bits a byte), and the
                           erases esptool asks for take the flash chip's time (W25Q32: 45 ms
                           a 4 KB sector, 150 ms a 64 KB block, 10 s the whole chip)
  -h, --help               show this help

Keys (stdin a terminal): Ctrl-C goes to the board; Ctrl-] quits.
Notices go to stderr, as do first-use notes (each once) on what the lab does that a real
ESP8266 does not. Exit status: 0 ok, 1 emulator failure, 2 usage error.
`;

export interface CliOptions {
  flashSize: FlashSize;
  firmware: string | null;
  state: string | null;
  holdGpio0: boolean;
  /** The terminal side's rate; null: pass every byte through. */
  baud: number | null;
  lingerMs: number;
  escape: boolean;
  /** TCP port of the RFC 2217 endpoint (0: any free one), or null for stdio. */
  rfc2217: number | null;
  /** Pace the line at its baud rate and give erases the flash's time. */
  realisticLink: boolean;
  /** The release of a new board's firmware (the factory flash). */
  release: ReleaseId;
}

export class UsageError extends Error {}

/**
 * Parses the command line (without `node` and the script).
 * @returns the options, or `'help'`
 * @throws UsageError for an unknown command or option, or a bad value
 */
export function parseArgs(argv: string[]): CliOptions | 'help' {
  const opts: CliOptions = { flashSize: '4M', firmware: null, state: null, holdGpio0: false, baud: REPL_BAUD, lingerMs: 500, escape: true, rfc2217: null, realisticLink: false, release: DEFAULT_RELEASE };
  const args = [...argv];
  if (args.length === 0) throw new UsageError('missing command (the only one is "board")');
  const first = args[0] as string;
  if (first === '-h' || first === '--help' || first === 'help') return 'help';
  if (first !== 'board') throw new UsageError(`unknown command "${first}" (the only one is "board")`);
  args.shift();
  while (args.length > 0) {
    const raw = args.shift() as string;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const name = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : null;
    const value = (): string => {
      const v = inline ?? args.shift();
      if (v === undefined || v === '') throw new UsageError(`${name} needs a value`);
      return v;
    };
    const flag = () => {
      if (inline !== null) throw new UsageError(`${name} takes no value`);
    };
    switch (name) {
      case '-h':
      case '--help':
        return 'help';
      case '--flash-size': {
        const v = value().toUpperCase();
        if (!(v in FLASH_SIZES)) throw new UsageError(`--flash-size must be 4M, 1M or 512K (got "${v}")`);
        opts.flashSize = v as FlashSize;
        break;
      }
      case '--release': {
        const v = value().replace(/^v/, '');
        if (!isReleaseId(v)) throw new UsageError(`--release must be ${RELEASE_IDS.join(' or ')} (got "${v}")`);
        opts.release = v;
        break;
      }
      case '--firmware':
        opts.firmware = value();
        break;
      case '--state':
        opts.state = value();
        break;
      case '--hold-gpio0':
        flag();
        opts.holdGpio0 = true;
        break;
      case '--baud': {
        const v = value();
        if (v === 'any') opts.baud = null;
        else if (/^\d+$/.test(v) && Number(v) >= 300 && Number(v) <= 5_000_000) opts.baud = Number(v);
        else throw new UsageError(`--baud must be a rate from 300 to 5000000, or "any" (got "${v}")`);
        break;
      }
      case '--linger': {
        const v = value();
        if (!/^\d+$/.test(v)) throw new UsageError(`--linger must be a number of milliseconds (got "${v}")`);
        opts.lingerMs = Number(v);
        break;
      }
      case '--no-escape':
        flag();
        opts.escape = false;
        break;
      case '--rfc2217': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 65535) throw new UsageError(`--rfc2217 must be a TCP port from 0 to 65535 (got "${v}")`);
        opts.rfc2217 = Number(v);
        break;
      }
      case '--realistic-link':
        flag();
        opts.realisticLink = true;
        break;
      default:
        throw new UsageError(raw.startsWith('-') ? `unknown option ${name}` : `unexpected argument "${raw}"`);
    }
  }
  return opts;
}

/**
 * The flash the board powers on with: the state file's, or erased (with `--firmware`), with the
 * firmware written over it; `undefined` for the factory flash (MicroPython already flashed).
 * @throws UsageError for a missing or unreadable file, or one of the wrong size
 */
export function initialFlash(opts: CliOptions): Uint8Array | undefined {
  const size = FLASH_SIZES[opts.flashSize];
  let flash: Uint8Array | undefined;
  if (opts.state && existsSync(opts.state)) {
    flash = readFile(opts.state, 'state file');
    if (flash.length !== size) {
      const match = (Object.keys(FLASH_SIZES) as FlashSize[]).find((k) => FLASH_SIZES[k] === flash!.length);
      throw new UsageError(`state file ${opts.state} is ${flash.length} bytes; a ${opts.flashSize} flash holds ${size}`
        + (match ? ` (it was saved from a ${match} board: add --flash-size ${match})` : ''));
    }
  }
  if (opts.firmware) {
    const image = readFile(opts.firmware, 'firmware file');
    if (image.length === 0) throw new UsageError(`firmware file ${opts.firmware} is empty`);
    if (image.length > size) {
      throw new UsageError(`firmware file ${opts.firmware} is ${image.length} bytes: it does not fit in a ${opts.flashSize} flash (${size} bytes)`);
    }
    flash ??= new Uint8Array(size).fill(0xff);
    flash.fill(0xff, 0, Math.min(size, Math.ceil(image.length / SECTOR) * SECTOR));
    flash.set(image, 0);
  }
  return flash;
}

function readFile(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** Runs the board until the user quits or stdin ends; resolves with the exit code. */
export async function runBoard(opts: CliOptions): Promise<number> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const tty = stdin.isTTY === true;
  const flashContents = initialFlash(opts);
  // an emulator thread that dies (a broken install) is reported by the host as a notice; the
  // CLI also needs to know, to leave with status 1 once its input has ended
  let crashed = false;
  const spawnDevice = () => {
    const worker = spawnNodeDevice();
    worker.onError(() => {
      crashed = true;
    });
    return worker;
  };
  const host = new BoardHost({ spawn: spawnDevice, flashSize: opts.flashSize, flashContents, release: opts.release });
  const rfcMode = opts.rfc2217 !== null;
  // an RFC 2217 client is a USB-serial adapter with the auto-reset circuit (esptool resets through it)
  if (rfcMode) host.setCircuit({ ...DEFAULT_CIRCUIT, autoReset: true });

  const say = (text: string) => {
    // raw mode: the terminal does not turn \n into \r\n
    process.stderr.write(tty ? `\r\n[${NAME}] ${text.replace(/\r?\n/g, '\r\n')}\r\n` : `${NAME}: ${text}\n`);
  };

  let booted = false;
  /** When the board last sent a byte, came up, or was given input: the linger counts from it. */
  let lastOutput = Date.now();
  let flashWritten = false;
  let stateFileExists = opts.state !== null && existsSync(opts.state);

  // ---- state file ----------------------------------------------------------------------------
  let saveTimer: ReturnType<typeof setTimeout> | null = null;
  let lastSave = 0;
  const save = () => {
    if (!opts.state) return;
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = null;
    lastSave = Date.now();
    const tmp = `${opts.state}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, host.flashSnapshot());
      renameSync(tmp, opts.state);
      stateFileExists = true;
    } catch (e) {
      say(`could not save the flash to ${opts.state}: ${(e as Error).message}`);
    }
  };
  host.on('flash', () => {
    flashWritten = true;
    if (!opts.state || saveTimer) return;
    // the host reports at most every ~200 ms; a flashing session still need not rewrite
    // the whole file that often
    saveTimer = setTimeout(save, Math.max(0, lastSave + 1000 - Date.now()));
  });

  // ---- input ---------------------------------------------------------------------------------
  // Bytes that come before the board is up (a pipe delivers at once) wait for it, so that
  // `echo 1+1 | esp8266-lab board` works; a real UART would drop them while the chip boots.
  const held: Uint8Array[] = [];
  const send = (bytes: Uint8Array) => {
    if (bytes.length === 0) return;
    if (booted) {
      lastOutput = Date.now(); // the board has something to answer
      host.write(bytes);
    } else held.push(bytes);
  };

  // ---- the line: stdio or RFC 2217 -----------------------------------------------------------
  let rfc: Rfc2217Port | null = null;
  const bridge = new SerialBridge({
    toComputer: (bytes) => (rfc ? rfc.toClient(bytes) : void stdout.write(bytes)),
    toBoard: send,
    termBaud: opts.baud,
    realistic: opts.realisticLink,
    flashBytes: FLASH_SIZES[opts.flashSize],
  });
  if (rfcMode) {
    rfc = new Rfc2217Port({ port: opts.rfc2217 as number, bridge: () => bridge, board: host, say, baud: opts.baud ?? REPL_BAUD });
    let port: number;
    try {
      port = await rfc.listen();
    } catch (e) {
      host.dispose();
      throw new UsageError(`cannot listen on 127.0.0.1:${opts.rfc2217}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    say(`serial port on rfc2217://127.0.0.1:${port} (e.g. esptool --port rfc2217://127.0.0.1:${port} chip_id)`);
  }

  // ---- board output --------------------------------------------------------------------------
  host.on('serial', (data, baud) => {
    lastOutput = Date.now();
    bridge.fromBoard(data, baud);
  });
  host.on('notice', (text) => say(text));
  // the host emits each feature's note once for its life, resets included
  host.on('note', (f) => say(`${f.message} (the lab's differences page: ${DIFFERENCES_PAGE}#${f.anchor})`));
  host.on('ready', () => {
    if (booted) return;
    booted = true;
    // the chip is up but its banner (and the echo of what was held) is still to come: the ROM's
    // lines may be longer ago than --linger when a start-up is slow (a loaded machine)
    lastOutput = Date.now();
    if (opts.holdGpio0) host.setFlash(false); // the button is let go once the ROM has sampled it
    for (const b of held.splice(0)) host.write(b);
  });

  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  let quitting = false;
  const quit = (code = 0) => {
    if (quitting) return;
    quitting = true;
    if (lingerTimer) clearInterval(lingerTimer);
    if (opts.state && (flashWritten || (!stateFileExists && booted))) save();
    if (saveTimer) clearTimeout(saveTimer);
    rfc?.close();
    host.dispose();
    if (tty) {
      try {
        stdin.setRawMode(false);
      } catch {
        // the terminal went away
      }
    }
    restoreOutput();
    stdin.pause();
    stdin.removeAllListeners('data');
    finish(code);
  };

  let lingerTimer: ReturnType<typeof setInterval> | null = null;
  stdin.on('data', (chunk: Buffer) => {
    if (quitting || rfcMode) return;
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength).slice();
    const esc = tty && opts.escape ? bytes.indexOf(ESCAPE) : -1;
    if (esc >= 0) {
      bridge.fromComputer(bytes.subarray(0, esc));
      quit(0);
      return;
    }
    bridge.fromComputer(bytes);
  });
  stdin.on('end', () => {
    if (rfcMode) return; // the board serves its port until a signal
    // quit once the board is up, has taken the input and has been quiet for a while
    // (a board that never comes up gives up after NO_BOOT_MS of silence)
    lingerTimer = setInterval(() => {
      const quiet = Date.now() - lastOutput;
      if (crashed) quit(1);
      else if (booted && quiet >= opts.lingerMs) quit(0);
      else if (!booted && quiet >= Math.max(opts.lingerMs, NO_BOOT_MS)) quit(1);
    }, Math.max(10, Math.min(100, opts.lingerMs / 4)));
  });
  if (tty && !rfcMode) stdin.setRawMode(true);
  // libuv's raw mode keeps output processing (\n → \r\n); a serial line must not
  const restoreOutput = stdout.isTTY ? rawOutput() : () => {};

  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => quit(0));
  stdout.on('error', (e: NodeJS.ErrnoException) => {
    // the reader went away (EPIPE): nobody is listening any more
    if (e.code === 'EPIPE') quit(0);
    else throw e;
  });

  if (opts.holdGpio0) host.setFlash(true);
  host.start();
  stdin.resume();
  if (tty) say(rfcMode ? 'board powered on; Ctrl-C quits' : 'board powered on; Ctrl-] quits');
  return done;
}

/**
 * Turns off output processing on the terminal that is stdout (`stty -opost`), so the board's
 * bytes reach it unchanged. Node has no termios call; stty works on the fd it gets as stdin.
 * @returns a function that puts the previous settings back
 */
function rawOutput(): () => void {
  const stty = (args: string[]) => spawnSync('stty', args, { stdio: [1, 'pipe', 'ignore'], encoding: 'utf8' });
  const saved = stty(['-g']);
  if (saved.status !== 0) return () => {};
  stty(['-opost']);
  return () => void stty([saved.stdout.trim()]);
}

/** The command line: parses `argv` and runs; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  let opts: CliOptions | 'help';
  try {
    opts = parseArgs(argv);
    if (opts === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    return await runBoard(opts);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${NAME}: ${e.message}\nTry "${NAME} --help".\n`);
      return 2;
    }
    process.stderr.write(`${NAME}: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    return 1;
  }
}

/** Runs the command line and exits with its code, once stdout has drained. */
export async function run(argv: string[]): Promise<never> {
  const code = await main(argv);
  // the worker thread is gone, but stdin may keep the event loop alive: leave once the last
  // bytes are out (a pipe may still hold some)
  return new Promise<never>(() => process.stdout.write('', () => process.exit(code)));
}

// `node emulator/node/cli.ts board …` (the launcher, bin/esp8266-lab.mjs, calls run() itself)
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await run(process.argv.slice(2));
