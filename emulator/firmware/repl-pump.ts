/**
 * The REPL pump: the firmware's main loop at the prompt. It moves input into UART0, feeds the
 * REPL a byte at a time (answering raw-paste itself: raw-paste.ts), runs due pin IRQ and timer
 * callbacks and WebREPL file transfers while idle, wakes the chip from deep sleep when its timer
 * is due, and restarts the firmware on Ctrl-D (soft reset) or `machine.reset()` (hard reset).
 * Shared mode waits on the channel; message mode on the next message. It also shows a
 * {@link FeatureWatch} what reaches the REPL and what the board prints, so the host hears (a
 * `note` message) the first time a program uses what only the lab's interpreter has.
 */
import type { ChannelDevice } from '../link/channel.ts';
import type { ClockControls } from './clock-controls.ts';
import { HardResetRequest, type DeviceCore } from './core.ts';
import type { Boot } from './boot.ts';
import type { DeepSleep } from './deep-sleep.ts';
import type { DeviceEvents } from './events.ts';
import type { HeapBudget } from './heap-budget.ts';
import type { DeviceInput } from './input.ts';
import type { Interpreter } from './interpreter.ts';
import type { DeviceOutput } from './output.ts';
import type { RealisticSpeed } from './speed.ts';
import { FeatureWatch } from './unremovable.ts';

/**
 * Whether a byte given to the friendly REPL only edits the line being typed, so that all the REPL
 * prints for it is echo: printable characters (UTF-8 bytes included), Tab (completion), Backspace
 * and Delete, Ctrl-N / Ctrl-P and the bytes of escape sequences (history, cursor keys). Enter,
 * Ctrl-D and the other control keys can run code or change mode (shared/py/readline.c and
 * pyexec.c in MicroPython v1.27.0: `readline_process_char`, `pyexec_friendly_repl_process_char`).
 */
export function editsLine(c: number): boolean {
  return c >= 0x20 || c === 0x08 || c === 0x09 || c === 0x0e || c === 0x10 || c === 0x1b;
}

/** A WebREPL file transfer for the firmware to do at the prompt (net/webrepl.ts, _fw_webrepl.py). */
export interface WebReplFileOp {
  op: string;
  name: string;
  hex: string;
  append: boolean;
  done: (ok: boolean, hex: string) => void;
}

/** The parts the REPL pump drives. */
export interface PumpParts {
  core: DeviceCore;
  out: DeviceOutput;
  speed: RealisticSpeed;
  heap: HeapBudget;
  events: DeviceEvents;
  input: DeviceInput;
  clock: ClockControls;
  deepSleep: DeepSleep;
  boot: Boot;
}

export class ReplPump {
  private readonly p: PumpParts;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private idleWake: (() => void) | null = null;
  /** WebREPL file transfers waiting for the idle REPL. */
  private readonly webreplFiles: WebReplFileOp[] = [];
  private webreplResult: [boolean, string] = [false, ''];
  /** First uses of what the ESP8266 build lacks and the lab cannot take out (unremovable.ts). */
  private readonly features: FeatureWatch;
  /** The newline byte (13 or 10) just taken, if the last byte was one that is not a pair's second. */
  private prevNl = 0;
  /** Whether {@link emptyEnter} answered the last byte itself. */
  private prevAnswered = false;

  constructor(parts: PumpParts) {
    this.p = parts;
    this.features = new FeatureWatch((f) => parts.core.opts.post({ t: 'note', feature: f.id }));
    // the REPL's rate only (not the boot ROM's 74880 lines), while MicroPython runs
    parts.core.board.uart0.onTransmit((c) => {
      if (parts.core.interp && c.baud === 115200) this.features.output(c.data, c.echo === true);
    });
    parts.core.wakeIdleLoop = () => {
      this.idleWake?.();
      this.idleWake = null;
      parts.core.wakeMessageLoop?.();
    };
  }

  /** Serves the REPL until the thread ends: on the shared channel, else in messages. Never resolves. */
  run(): Promise<void> {
    const channel = this.p.core.channel;
    return channel ? this.sharedLoop(channel) : this.messageLoop();
  }

  /** Queues a WebREPL file transfer for the idle REPL. */
  queueFile(f: WebReplFileOp): void {
    this.webreplFiles.push(f);
    this.p.core.wakeIdleLoop();
  }

  /** The firmware's answer to the transfer it is doing (`webrepl_file_result`). */
  fileResult(ok: boolean, hex: string): void {
    this.webreplResult = [ok, hex];
  }

  private async sharedLoop(channel: ChannelDevice): Promise<void> {
    const { core, input } = this.p;
    const uart = core.board.uart0;
    for (;;) {
      const seen = channel.wakeValue();
      input.takeShared(channel);
      if (uart.available() > 0) {
        await this.pump();
        continue;
      }
      this.idle();
      if (uart.available() > 0) continue;
      await Promise.race([channel.waitAsync(seen), this.untilNextTimer(), new Promise<void>((resolve) => { this.idleWake = resolve; })]);
    }
  }

  private async messageLoop(): Promise<void> {
    const { core, input, out } = this.p;
    const uart = core.board.uart0;
    for (;;) {
      input.takeMessages();
      if (uart.available() > 0) {
        await this.pump();
        continue;
      }
      this.idle();
      out.flushMessages(true);
      await Promise.race([new Promise<void>((resolve) => { core.wakeMessageLoop = resolve; }), this.untilNextTimer()]);
      core.wakeMessageLoop = null;
    }
  }

  /** Nothing to read at the prompt: due callbacks, WebREPL file transfers, the view to the host. */
  private idle(): void {
    this.serviceAtIdle();
    this.runWebReplFiles();
    this.p.out.publishView();
  }

  /** Resolves when the earliest armed timer (or the deep-sleep wake) is due (host time), or never. */
  private untilNextTimer(): Promise<void> {
    if (this.p.clock.jumping) return Promise.resolve(); // a jump still passing: go on at once
    const board = this.p.core.board;
    const due = Math.min(board.timers.nextDueUs(), this.p.deepSleep.wakeUs);
    if (due === Infinity) return new Promise(() => undefined);
    const clock = board.clock;
    const ms = Math.max(0, clock.hostMsFor(due - clock.nowUs()));
    return new Promise((resolve) => {
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(resolve, Math.min(ms, 2 ** 31 - 1));
    });
  }

  /** At the prompt: runs due timer and pin IRQ callbacks, as the firmware's event loop does. */
  private serviceAtIdle(): void {
    const { core, clock, out } = this.p;
    if (clock.jumping) clock.fastForward(Math.min(core.board.timers.nextDueUs(), this.p.deepSleep.wakeUs));
    if (this.p.deepSleep.due()) return;
    if (!this.p.events.pending() || !core.interp) return;
    core.channel?.setBusy(true);
    try {
      core.interp.mp.runPython('__import__("_fw_machine", None, None, (), -7)._service()');
    } catch (e) {
      if (e instanceof HardResetRequest) core.restartFor(e);
    } finally {
      out.filter.flush();
      core.channel?.setBusy(false);
    }
  }

  private runWebReplFiles(): void {
    const { core, out } = this.p;
    while (this.webreplFiles.length && core.interp) {
      const f = this.webreplFiles.shift() as WebReplFileOp;
      this.webreplResult = [false, ''];
      core.channel?.setBusy(true);
      try {
        core.interp.mp.runPython(`__import__("_fw_webrepl", None, None, (), -7)._file_op(${JSON.stringify(f.op)}, ${JSON.stringify(f.name)}, ${JSON.stringify(f.hex)}, ${f.append ? 1 : 0})`);
      } catch {
        this.webreplResult = [false, ''];
      } finally {
        out.filter.flush();
        core.channel?.setBusy(false);
      }
      f.done(...this.webreplResult);
    }
  }

  private async pump(): Promise<void> {
    const { core, out, clock, heap } = this.p;
    const uart = core.board.uart0;
    if (!core.interp) {
      // no firmware running: the ROM loader takes the bytes (download mode), or nothing does
      if (core.loaderLoading) await core.loaderLoading;
      const bytes: number[] = [];
      for (let c = uart.read(); c !== -1; c = uart.read()) bytes.push(c);
      const reply = core.loader?.input(bytes);
      if (reply && reply.length) uart.transmit(reply);
      out.flushMessages(true);
      return;
    }
    let c: number;
    while (core.interp && (c = uart.read()) !== -1) {
      // a jump made at the prompt has passed (its timers run) before the next byte is taken
      while (clock.jumping && core.interp && !core.board.sleeping) this.serviceAtIdle();
      // raw-paste is answered here: the wasm build's event-driven REPL cannot (raw-paste.ts)
      const step = core.rawPaste.input(c, core.rawMode);
      if (step.reply) uart.transmit(Uint8Array.from(step.reply, (ch) => ch.charCodeAt(0)));
      if (step.dropOk) out.dropNext('OK');
      for (const b of step.feed) {
        if (this.emptyEnter(b)) continue;
        const result = this.feed(core.interp, b);
        heap.afterError();
        if (result === 'soft') {
          core.uartText('MPY: soft reboot\r\n');
          await this.p.boot.boot(false);
          break;
        } else if (result === 'hard') {
          await this.p.boot.boot(true);
          break;
        }
      }
      out.publishView();
    }
    out.flushMessages(true);
  }

  /**
   * Enter at the primary prompt with nothing typed: the esp8266 port's REPL prints a new prompt
   * (MP@v1.28.0:shared/runtime/pyexec.c `pyexec_friendly_repl`: `vstr_len(&line) == 0` →
   * `continue`), but v1.28.0's event-driven REPL of the wasm build compiles the empty line
   * (`pyexec_friendly_repl_process_char` goes to `exec:`) and prints `SyntaxError: invalid
   * syntax` (v1.27.0's compiled it to nothing). On v1.28.0 that Enter is answered here as the
   * board does; the second byte of its `\r\n` or `\n\r` pair goes with it, as readline.c's
   * `process_nl` counts a pair once (after a line the REPL ran, the REPL gets the second byte).
   * @returns true when the byte was answered and must not reach the REPL
   */
  private emptyEnter(c: number): boolean {
    const { core, out } = this.p;
    const nl = c === 0x0d || c === 0x0a;
    const paired = nl && this.prevNl !== 0 && this.prevNl !== c;
    const answeredBefore = this.prevAnswered;
    this.prevNl = nl && !paired ? c : 0;
    this.prevAnswered = false;
    if (paired) return answeredBefore;
    if (!nl || core.rawMode || core.wasm.release === '1.27.0' || !out.atPrimaryPrompt()) return false;
    this.prevAnswered = true;
    out.onStdout(Uint8Array.of(0x0d, 0x0a, 0x3e, 0x3e, 0x3e, 0x20));
    return true;
  }

  private feed(interp: Interpreter, c: number): 'ok' | 'soft' | 'hard' {
    const { core, out, speed } = this.p;
    core.channel?.setBusy(true);
    speed.setExecuting(true);
    // the friendly REPL echoes what it is given; Enter, Ctrl-D … run code (their output is not echo)
    core.echoing = !core.rawMode && editsLine(c);
    this.features.fed(c, core.rawMode);
    try {
      return interp.processChar(c) === 0 ? 'ok' : 'soft';
    } catch (e) {
      if (!(e instanceof HardResetRequest)) {
        core.opts.post({ t: 'fault', message: `interpreter stopped: ${String(e)}` });
      }
      // machine.reset() (SOFT_RESET, SDK REASON_SOFT_RESTART), or the RST pin (HARD_RESET)
      core.resetCause = e instanceof HardResetRequest ? e.resetCause : 4;
      core.romCause = e instanceof HardResetRequest ? e.romCause : 2;
      return 'hard';
    } finally {
      speed.setExecuting(false);
      out.filter.flush();
      core.echoing = false;
      core.channel?.setBusy(false);
    }
  }
}
