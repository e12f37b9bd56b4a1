/**
 * The emulated ESP-07 as it runs on the emulator thread (a Web Worker, or a Node worker thread):
 * the board model, the MicroPython interpreter acting as its firmware, and the REPL on UART0.
 *
 * Serial input reaches the REPL one byte at a time, as from a UART. While code runs, the
 * firmware's blocking calls (sleeps, `input()`) and its pin and tick functions look at the
 * serial line, so Ctrl-C interrupts them; a loop that calls nothing is interrupted by the host
 * writing the VM's pending-exception words (see `pokeKeyboardInterrupt`).
 *
 * Boot and reset behaviour follows `ports/esp8266/main.c` (soft reset prints
 * `MPY: soft reboot`, a hard boot starts with a blank line, then the banner).
 */
import { Esp07Board } from './board.ts';
import type { SleepMode } from './clock.ts';
import { ChannelDevice } from './channel.ts';
import type { SerialChunk } from './uart.ts';
import { Interpreter, type PreparedWasm } from './interpreter.ts';
import { OutputFilter } from './output-filter.ts';
import type { DeviceMessage, StartCause } from './protocol.ts';

/** Identity of a MicroPython firmware build, as its banner and `os.uname()` show it. */
export interface FirmwareBuild {
  /** e.g. `v1.27.0 on 2025-12-09` (tag and build date of the official release). */
  version: string;
  /** e.g. `ESP module with ESP8266` (board name `with` MCU). */
  machine: string;
}

/** The official v1.27.0 ESP8266_GENERIC build for 2 MiB+ flash (reference §1.1: real banner). */
export const ESP8266_GENERIC: FirmwareBuild = { version: 'v1.27.0 on 2025-12-09', machine: 'ESP module with ESP8266' };

/** The banner the WebAssembly build prints, which the firmware's replaces. */
const WASM_BANNER = /^MicroPython v[^;]+; JS with Emscripten$/;
/** Directory our firmware's Python sources are loaded from (then removed). */
const FW_DIR = '/_fw';

export interface DeviceOptions {
  wasm: PreparedWasm;
  /** Firmware Python sources by file name (`_fw_init.py`, …). */
  firmware: Record<string, string>;
  /** Shared channel to the host, or null to talk in messages only. */
  channel: ChannelDevice | null;
  post(msg: DeviceMessage, transfer?: Transferable[]): void;
  sleepMode?: SleepMode;
  build?: FirmwareBuild;
}

/** Thrown through the interpreter to abandon it (machine.reset()). */
class HardResetRequest extends Error {}

const TICKS_PERIOD = 2 ** 30; // MICROPY_PY_TIME_TICKS_PERIOD on the esp8266 port (31-bit small ints)
const UNIX_2000_MS = 946_684_800_000;

export class Device {
  readonly board: Esp07Board;
  private interp: Interpreter | null = null;
  private readonly filter: OutputFilter;
  private readonly opts: DeviceOptions;
  private readonly build: FirmwareBuild;
  private readonly channel: ChannelDevice | null;
  private rawMode = false;
  private muted = false;
  private viewDirty = true;
  private lastPoll = 0;
  private outbox: { data: number[]; baud: number } = { data: [], baud: 115200 };
  private lastFlush = 0;
  private readonly messageInput: number[] = [];
  private wakeMessageLoop: (() => void) | null = null;
  private readonly hal: object;

  constructor(opts: DeviceOptions) {
    this.opts = opts;
    this.build = opts.build ?? ESP8266_GENERIC;
    this.channel = opts.channel;
    this.board = new Esp07Board({ sleepMode: opts.sleepMode ?? 'realtime' });
    this.board.uart0.onTransmit((c) => this.sendSerial(c));
    this.board.gpio.onChange(() => { this.viewDirty = true; });
    this.filter = new OutputFilter(
      [
        {
          prefix: 'MicroPython v',
          rewrite: (line) => {
            if (!WASM_BANNER.test(line)) return line;
            this.rawMode = false;
            return `MicroPython ${this.build.version}; ${this.build.machine}`;
          },
        },
        { prefix: `  File "${FW_DIR}/`, rewrite: () => null },
        { prefix: 'raw REPL; CTRL-B to exit', rewrite: (line) => { this.rawMode = true; return line; } },
      ],
      (bytes) => this.board.uart0.transmit(bytes),
    );
    this.hal = guardedModule(this.halFunctions());
  }

  /** Powers the board on (or comes out of reset) and starts serving the REPL. Never resolves. */
  async run(cause: StartCause, flashHeld: boolean): Promise<void> {
    this.board.setFlashButton(flashHeld);
    await this.boot(cause === 'power' || cause === 'reset');
    if (this.channel) await this.sharedLoop(this.channel);
    else await this.messageLoop();
  }

  /** Message-mode input (no shared memory). */
  receive(data: Uint8Array): void {
    this.messageInput.push(...data);
    this.wakeMessageLoop?.();
  }

  /** Message-mode Flash button. */
  setFlash(held: boolean): void {
    this.board.setFlashButton(held);
    this.publishView();
  }

  /** Hard reset requested by the host while idle. */
  async hardReset(): Promise<void> {
    await this.boot(true);
  }

  // ---- boot ---------------------------------------------------------------------------------

  private booting: Promise<void> = Promise.resolve();

  /** Boots a fresh interpreter; boots never overlap. */
  private boot(hard: boolean): Promise<void> {
    const next = this.booting.then(() => this.bootNow(hard));
    this.booting = next.catch(() => undefined);
    return next;
  }

  private async bootNow(hard: boolean): Promise<void> {
    const wasRaw = this.rawMode;
    if (hard) {
      this.board.resetChip();
      this.board.setFlashButton(this.channel ? this.channel.flashButtonHeld() : this.board.view().flashHeld);
      this.publishView();
    }
    this.interp = null;
    const interp = await Interpreter.create(this.opts.wasm, {
      stdout: (b) => this.onStdout(b),
      ticksMs: () => this.board.clock.nowMs(),
      unixMs: () => UNIX_2000_MS + this.board.clock.nowMs(),
    });
    this.neutraliseJsBridge();
    this.installFirmware(interp);
    this.interp = interp;
    if (hard) this.uartText('\r\n');
    this.muted = wasRaw && !hard;
    interp.mp.replInit();
    if (this.muted) {
      interp.processChar(0x01);
      this.muted = false;
      this.rawMode = true;
      this.uartText('raw REPL; CTRL-B to exit\r\n>');
    }
    this.filter.flush();
    this.flushMessages(true);
    const memory = interp.memory.buffer instanceof SharedArrayBuffer ? interp.memory.buffer : null;
    this.opts.post({ t: 'ready', wasm: this.opts.wasm.module, memory, layout: memory ? interp.layout : null, utf8Prompt: this.opts.wasm.utf8Prompt });
  }

  private installFirmware(interp: Interpreter): void {
    const { mp } = interp;
    mp.registerJsModule('_esp_hal', this.hal);
    mp.FS.mkdir(FW_DIR);
    const names = Object.keys(this.opts.firmware);
    for (const name of names) mp.FS.writeFile(`${FW_DIR}/${name}`, this.opts.firmware[name] as string);
    try {
      mp.runPython(`import sys\nsys.path.insert(0, '${FW_DIR}')\nimport _fw_init\n`);
    } finally {
      for (const name of names) mp.FS.unlink(`${FW_DIR}/${name}`);
      mp.FS.rmdir(FW_DIR);
    }
  }

  /** The interpreter's `js` module is the thread's global object: give it an empty object instead. */
  private neutraliseJsBridge(): void {
    const refs = (globalThis as { proxy_js_ref?: unknown[] }).proxy_js_ref;
    if (Array.isArray(refs)) refs[0] = Object.freeze(Object.create(null));
  }

  // ---- REPL pump ----------------------------------------------------------------------------

  private async sharedLoop(channel: ChannelDevice): Promise<void> {
    for (;;) {
      const seen = channel.wakeValue();
      this.takeInput(channel);
      if (this.board.uart0.available() > 0) {
        await this.pump();
        continue;
      }
      await channel.waitAsync(seen);
    }
  }

  private async messageLoop(): Promise<void> {
    for (;;) {
      if (this.messageInput.length) this.board.uart0.receive(this.messageInput.splice(0));
      if (this.board.uart0.available() > 0) {
        await this.pump();
        continue;
      }
      this.flushMessages(true);
      await new Promise<void>((resolve) => { this.wakeMessageLoop = resolve; });
      this.wakeMessageLoop = null;
    }
  }

  /** Moves input from the ring to UART0 at the prompt, dropping Ctrl-Cs already delivered. */
  private takeInput(channel: ChannelDevice): void {
    this.syncButtons();
    for (const b of channel.drain()) {
      if (b === 0x03 && !channel.claimCtrlC()) {
        // The host delivered it to code that has finished since: withdraw it if still pending.
        this.interp?.clearPendingInterrupt();
        continue;
      }
      this.board.uart0.receive([b]);
    }
  }

  private async pump(): Promise<void> {
    let c: number;
    while (this.interp && (c = this.board.uart0.read()) !== -1) {
      const result = this.feed(this.interp, c);
      if (result === 'soft') {
        this.uartText('MPY: soft reboot\r\n');
        await this.boot(false);
      } else if (result === 'hard') {
        await this.boot(true);
      }
      this.publishView();
    }
    this.flushMessages(true);
  }

  private feed(interp: Interpreter, c: number): 'ok' | 'soft' | 'hard' {
    this.channel?.setBusy(true);
    try {
      return interp.processChar(c) === 0 ? 'ok' : 'soft';
    } catch (e) {
      if (!(e instanceof HardResetRequest)) {
        this.opts.post({ t: 'fault', message: `interpreter stopped: ${String(e)}` });
      }
      return 'hard';
    } finally {
      this.filter.flush();
      this.channel?.setBusy(false);
    }
  }

  // ---- while code runs ----------------------------------------------------------------------

  /**
   * Looks at the serial line while code runs, as the UART interrupt handler does: Ctrl-C is
   * taken out (interrupting the code), other bytes queue in UART0's receive buffer.
   * @param blocking true inside a blocking call, which then returns early and raises itself
   * @returns whether a Ctrl-C arrived
   */
  private pollInput(blocking: boolean): boolean {
    const channel = this.channel;
    const interp = this.interp;
    if (!channel || !interp) return false;
    this.syncButtons();
    let intr = false;
    for (const b of channel.drain()) {
      if (b === 0x03) {
        if (!channel.claimCtrlC()) {
          // The host already made the VM's KeyboardInterrupt pending; a blocking call raises it itself.
          if (blocking) interp.clearPendingInterrupt();
          intr = true;
          continue;
        }
        if (interp.interruptChar() === 0x03) {
          if (!blocking) interp.scheduleKeyboardInterrupt();
          intr = true;
          continue;
        }
      }
      this.board.uart0.receive([b]);
    }
    return intr;
  }

  private pollSoon(): void {
    const now = performance.now();
    if (now - this.lastPoll < 1) return;
    this.lastPoll = now;
    this.pollInput(false);
  }

  private syncButtons(): void {
    if (!this.channel) return;
    const held = this.channel.flashButtonHeld();
    if (held !== this.board.view().flashHeld) this.board.setFlashButton(held);
  }

  private onStdout(bytes: Uint8Array): void {
    if (this.muted) return;
    this.filter.write(bytes);
    if (bytes.includes(0x0a)) this.pollSoon();
  }

  /** Blocks for `us` virtual µs. Returns 1 if a Ctrl-C cut it short. */
  private sleepUs(us: number): number {
    const clock = this.board.clock;
    this.filter.flush();
    this.flushMessages(true);
    const end = clock.nowUs() + us;
    if (clock.sleepMode === 'instant') {
      clock.advance(us);
      return this.pollInput(true) ? 1 : 0;
    }
    const channel = this.channel;
    for (;;) {
      const seen = channel?.wakeValue() ?? 0;
      if (this.pollInput(true)) return 1;
      const left = end - clock.nowUs();
      if (left <= 0) return 0;
      const waitMs = Math.min(clock.hostMsFor(left), 100);
      if (channel) channel.wait(seen, waitMs);
      else {
        const until = performance.now() + waitMs; // no shared memory: nothing to wait on
        while (performance.now() < until) { /* spin */ }
      }
    }
  }

  /**
   * `input()`: reads a line from UART0, echoing it, as the firmware's `mp_hal_readline` does
   * (Enter ends it, Backspace edits). Returns the line, null for Ctrl-C, false for Ctrl-D at the
   * start of a line. Without shared memory no input can arrive while code runs: returns false.
   */
  private readLine(): string | null | false {
    const channel = this.channel;
    if (!channel) return false;
    this.filter.flush();
    const uart = this.board.uart0;
    const line: number[] = [];
    const echo = (text: string | number[]) => uart.transmit(typeof text === 'string' ? new TextEncoder().encode(text) : Uint8Array.from(text));
    for (;;) {
      const c = uart.read();
      if (c === -1) {
        const seen = channel.wakeValue();
        if (this.pollInput(true)) return null;
        if (uart.available() === 0) channel.wait(seen, 100);
        continue;
      }
      if (c === 0x0d || c === 0x0a) {
        echo('\r\n');
        return new TextDecoder().decode(Uint8Array.from(line));
      }
      if (c === 0x04 && line.length === 0) return false;
      if (c === 0x08 || c === 0x7f) {
        if (line.length === 0) continue;
        while (line.length && ((line.pop() as number) & 0xc0) === 0x80) { /* drop a whole UTF-8 character */ }
        echo('\b \b');
        continue;
      }
      if (c >= 0x20) {
        line.push(c);
        echo([c]);
      }
    }
  }

  private halFunctions(): Record<string, (...args: never[]) => unknown> {
    const gpio = this.board.gpio;
    const clock = this.board.clock;
    const afterPinChange = () => {
      this.publishView();
      this.pollSoon();
    };
    return {
      sleep_us: (us: number) => this.sleepUs(Number(us)),
      ticks_ms: () => { this.pollSoon(); return Math.floor(clock.nowUs() / 1000) % TICKS_PERIOD; },
      ticks_us: () => { this.pollSoon(); return Math.floor(clock.nowUs()) % TICKS_PERIOD; },
      ticks_cpu: () => Math.floor(clock.nowUs() * 80) % TICKS_PERIOD,
      rtc_ms: () => clock.nowMs(),
      pin_config: (pin: number, mode: number, pull: number, value: number) => {
        gpio.configure(pin, mode, pull === 1, value);
        afterPinChange();
      },
      pin_write: (pin: number, value: number) => {
        gpio.write(pin, value ? 1 : 0);
        afterPinChange();
      },
      pin_toggle: (pin: number) => {
        gpio.write(pin, gpio.state(pin) === 'high' ? 0 : 1);
        afterPinChange();
      },
      pin_read: (pin: number) => {
        this.pollSoon();
        return gpio.read(pin);
      },
      readline: () => this.readLine(),
      reset: () => {
        throw new HardResetRequest('machine.reset()');
      },
      identity: (key: string) => (key === 'machine' ? this.build.machine : key === 'version' ? this.build.version : ''),
    };
  }

  // ---- to the host --------------------------------------------------------------------------

  private uartText(text: string): void {
    this.board.uart0.transmit(new TextEncoder().encode(text));
  }

  private sendSerial(chunk: SerialChunk): void {
    if (this.channel) {
      this.channel.writeOutput(chunk.data, chunk.baud);
      return;
    }
    if (chunk.baud !== this.outbox.baud) this.flushMessages(true);
    this.outbox.baud = chunk.baud;
    for (const b of chunk.data) this.outbox.data.push(b);
    this.flushMessages(false);
  }

  private publishView(): void {
    if (!this.viewDirty) return;
    this.viewDirty = false;
    const view = this.board.view();
    if (this.channel) this.channel.publishView(view);
    else this.opts.post({ t: 'view', view });
  }

  /** Message mode: sends buffered output at most every 16 ms, or at once when `now`. */
  private flushMessages(now: boolean): void {
    if (this.channel || this.outbox.data.length === 0) return;
    const t = performance.now();
    if (!now && t - this.lastFlush < 16 && this.outbox.data.length < 8192) return;
    this.lastFlush = t;
    this.opts.post({ t: 'out', data: Uint8Array.from(this.outbox.data), baud: this.outbox.baud });
    this.outbox.data = [];
  }
}

/**
 * Wraps functions for the interpreter's JS bridge so that Python sees only these names: no
 * prototype chain (`.constructor` and the like are absent), no exceptions leaking JS objects.
 * The bridge calls methods as `f.call(self, ...args)`, so `call` is the one property served.
 */
function guardedModule(fns: Record<string, (...args: never[]) => unknown>): object {
  const wrapped = new Map<string, unknown>();
  for (const [name, fn] of Object.entries(fns)) {
    const invoke = (args: unknown[]): unknown => {
      try {
        const r = (fn as (...a: unknown[]) => unknown)(...args);
        return r === undefined ? null : r;
      } catch (e) {
        if (e instanceof HardResetRequest) throw e;
        return null;
      }
    };
    const call = new Proxy(() => undefined, {
      apply: (_t, _this, args: unknown[]) => invoke(args.slice(1)),
      get: () => undefined,
      has: () => false,
    });
    wrapped.set(name, new Proxy(() => undefined, {
      apply: (_t, _this, args: unknown[]) => invoke(args),
      get: (_t, key) => (key === 'call' ? call : undefined),
      has: () => false,
    }));
  }
  return new Proxy(Object.create(null) as object, {
    get: (_t, key) => (typeof key === 'string' ? wrapped.get(key) : undefined),
    has: (_t, key) => typeof key === 'string' && wrapped.has(key),
    ownKeys: () => [...wrapped.keys()],
    getOwnPropertyDescriptor: (_t, key) =>
      typeof key === 'string' && wrapped.has(key) ? { value: wrapped.get(key), enumerable: true, configurable: true, writable: false } : undefined,
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
    getPrototypeOf: () => null,
  });
}
