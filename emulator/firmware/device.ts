/**
 * The emulated ESP-07 as it runs on the emulator thread (a Web Worker, or a Node worker thread):
 * the board model, the MicroPython interpreter acting as its firmware, and the REPL on UART0.
 *
 * Serial input reaches the REPL one byte at a time, as from a UART. While code runs, the
 * firmware's blocking calls (sleeps, `input()`) and its pin and tick functions look at the
 * serial line, so Ctrl-C interrupts them; a loop that calls nothing is interrupted by the host
 * writing the VM's pending-exception words (see `pokeKeyboardInterrupt` in link/vm-interrupt.ts).
 *
 * This file puts the parts together and is what the emulator thread talks to
 * (link/worker-main.ts); each job is a file of its own:
 * - core.ts — what the parts share (board, interpreter, options, REPL flags);
 * - boot.ts — reset to prompt: boot ROM, ROM loader, the firmware's start (`ports/esp8266/main.c`);
 * - repl-pump.ts — the prompt: input to the REPL, idle callbacks, soft and hard reset;
 * - input.ts — serial input and the board's controls, Ctrl-C while code runs, `input()`;
 * - sleep.ts, events.ts — blocking sleeps; pin IRQs and timers waiting to run;
 * - deep-sleep.ts, heap-budget.ts, speed.ts, clock-controls.ts — deep sleep, the 38 KB heap,
 *   the realistic-speed clock, the learner's clock controls;
 * - hal.ts, modules.ts — the firmware calls our Python modules make, and loading those modules;
 * - output.ts — stdout to UART0, and UART0, the view and flash writes to the host.
 */
import type { Circuit } from '../board/circuit.ts';
import type { ClockSettings, StartCause } from '../link/protocol.ts';
import { NetStack } from '../net/stack.ts';
import { Boot } from './boot.ts';
import { ClockControls } from './clock-controls.ts';
import { DeviceCore, type DeviceOptions } from './core.ts';
import { DeepSleep } from './deep-sleep.ts';
import { DeviceEvents } from './events.ts';
import { firmwareCalls } from './hal.ts';
import { HeapBudget } from './heap-budget.ts';
import { DeviceInput } from './input.ts';
import { FirmwareModules } from './modules.ts';
import { DeviceOutput } from './output.ts';
import { ReplPump } from './repl-pump.ts';
import { DeviceSleep } from './sleep.ts';
import { RealisticSpeed } from './speed.ts';

export type { DeviceOptions } from './core.ts';

export class Device {
  private readonly core: DeviceCore;
  private readonly out: DeviceOutput;
  private readonly speed: RealisticSpeed;
  private readonly clockControls: ClockControls;
  private readonly input: DeviceInput;
  private readonly boot: Boot;
  private readonly pump: ReplPump;
  /** The WiFi driver and lwIP, against the virtual network (net/stack.ts). */
  private readonly net: NetStack;

  constructor(opts: DeviceOptions) {
    const core = new DeviceCore(opts);
    this.core = core;
    const board = core.board;
    // input is created after the output it flushes; the output reaches it through this callback
    const out = new DeviceOutput(core, () => this.input.pollSoon());
    this.out = out;
    this.speed = new RealisticSpeed(board.clock);
    this.clockControls = new ClockControls(core, out);
    if (opts.clock) this.clockControls.apply(opts.clock, 0);
    this.input = new DeviceInput(core, out, this.clockControls);
    const events = new DeviceEvents(board);
    board.gpio.onChange((pin) => {
      out.viewDirty = true;
      events.checkIrq(pin);
    });
    const heap = new HeapBudget();
    const deepSleep = new DeepSleep(core, out, events, heap);
    const modules = new FirmwareModules(opts.firmware, heap);
    const common = { core, out, speed: this.speed, events, input: this.input, heap, deepSleep, clock: this.clockControls };
    const sleep = new DeviceSleep({ ...common, net: { advance: () => this.net.advance() } });
    this.net = new NetStack({
      nowUs: () => board.clock.nowUs(),
      sleepUs: (us) => sleep.sleepUs(us),
      print: (text) => {
        out.filter.flush();
        core.uartText(text);
      },
      hostMsFor: (us) => board.clock.hostMsFor(us),
      reply: (reply) => opts.post({ t: 'net', reply }),
      flash: () => board.flash,
      // WebREPL's dupterm and file transfers (net/webrepl.ts)
      termInput: (bytes) => {
        for (const b of bytes) {
          // Ctrl-C from the WebREPL client stops running code, as the serial one does
          if (b === 0x03 && this.speed.executing && core.interp?.interruptChar() === 0x03) core.interp.scheduleKeyboardInterrupt();
          else board.uart0.receive([b]);
        }
        core.wakeIdleLoop();
      },
      onTermOutput: (fn) => board.uart0.onTransmit((chunk) => fn(chunk.data)),
      fileOp: (op, name, hex, append, done) => this.pump.queueFile({ op, name, hex, append, done }),
    });
    const hal = firmwareCalls({ ...common, sleep, modules, netCalls: this.net.halFunctions(), webreplResult: (ok, hex) => this.pump.fileResult(ok, hex) });
    this.boot = new Boot({ ...common, modules, hal, net: this.net });
    this.pump = new ReplPump({ ...common, boot: this.boot });
    core.restart = (resetCause, romCause) => {
      core.resetCause = resetCause;
      core.romCause = romCause;
      void this.boot.boot(true);
    };
  }

  /** The board model (pins, UART0, flash, clock) of this thread. */
  get board(): DeviceCore['board'] {
    return this.core.board;
  }

  /** Powers the board on (or comes out of reset) and starts serving the REPL. Never resolves. */
  async run(cause: StartCause, flashHeld: boolean): Promise<void> {
    const core = this.core;
    core.board.setFlashButton(flashHeld);
    core.flashHeldNow = flashHeld;
    core.resetCause = cause === 'power' ? 0 : 6; // PWRON_RESET / HARD_RESET (reference §2.5)
    core.romCause = cause === 'power' ? 1 : 2;
    await this.boot.boot(cause === 'power' || cause === 'reset');
    await this.pump.run();
  }

  /**
   * Message-mode input (no shared memory).
   * @param at the offset of `data`'s first byte in this thread's input stream, when the same
   *   bytes may also have come by the relay (those already taken are dropped)
   */
  receive(data: Uint8Array, at?: number): void {
    this.input.receive(data, at);
  }

  /** Message-mode Flash button. */
  setFlash(held: boolean): void {
    this.core.board.setFlashButton(held);
    this.out.publishView();
  }

  /** Fits the circuit panel's strapping parts (read by the ROM at the next reset). */
  setCircuit(c: Circuit): void {
    this.core.board.setCircuit(c);
  }

  /** The GPIO16→RST wire fitted or removed: it matters at once (a deep-sleep wake, GPIO16 driven low). */
  setWire16(fitted: boolean): void {
    const board = this.core.board;
    board.setCircuit({ ...board.circuit, gpio16ToRst: fitted });
  }

  /** Hard reset requested by the host while idle (the Reset button), with the circuit as it is now. */
  async hardReset(circuit?: Circuit): Promise<void> {
    const core = this.core;
    if (circuit) core.board.setCircuit(circuit);
    // HARD_RESET: the RST pin; while asleep the SDK reports it as a wake (the wire's pulse is the same RST)
    core.resetCause = core.board.sleeping ? 5 : 6;
    core.romCause = 2;
    await this.boot.boot(true);
    // message mode: what the boot printed waits in the outbox, and the idle loop in its await
    this.out.flushMessages(true);
    core.wakeMessageLoop?.();
  }

  /** Message-mode ADC input (raw 0–1024). */
  setAdc(raw: number): void {
    this.core.board.adc.setRaw(raw);
    this.out.viewDirty = true;
    this.out.publishView();
  }

  /**
   * Turns the realistic-speed clock on or off (speed.ts): while code runs, virtual time advances
   * by the work the interpreter does, and firmware calls cost their ESP8266 time.
   */
  setRealisticSpeed(on: boolean): void {
    this.core.opts.realisticSpeed = on;
    this.speed.set(on);
  }

  /**
   * The learner's clock controls: speed (clock.ts scale; 0 pauses), the RTC's drift, and a jump
   * forward of `jumpMs` ms (clock-controls.ts).
   */
  setClockControls(c: ClockSettings, jumpMs: number): void {
    this.clockControls.apply(c, jumpMs);
  }

  /** The page's mailbox for the laptop panel's requests (shared memory). */
  setNetMailbox(buffer: SharedArrayBuffer | null): void {
    this.net.setMailbox(buffer);
  }

  /** A laptop-panel request in message mode (no shared memory). */
  netRequest(raw: unknown): void {
    this.net.request(raw);
  }
}
