/**
 * The realistic-speed clock: while code runs, virtual time advances by the work the interpreter
 * does, counted in runtime calls (emscripten's `invoke_*` trampolines; an empty loop pass makes 3
 * and costs 46 µs on an ESP8266 at 80 MHz), and firmware calls cost their fixed ESP8266 time;
 * sleeps and the prompt run in real time. At 160 MHz everything costs half. Counting, not host
 * timing, keeps the figures the same on every computer.
 */
import type { VirtualClock } from '../board/clock.ts';
import type { Interpreter } from './interpreter.ts';

/**
 * ESP8266 timings the realistic-speed clock reproduces, in µs at 80 MHz (half at 160 MHz):
 * an empty `for` loop pass (~46 µs: 460 ms for 10 000 iterations, reference §7) and a
 * `Pin.value()` call (~34 µs per call in a `while True: p.value(1); p.value(0)` loop, reference §7;
 * the loop's own share is not part of this fixed cost).
 */
export const ESP_LOOP_US = 46;
export const ESP_PIN_CALL_US = 34;
export const ESP_TICKS_CALL_US = 8;
/** Runtime calls (invoke_* trampolines) the VM makes per empty loop pass, `for` or `while` (counted). */
const CALLS_PER_LOOP_PASS = 3;
/** ESP8266 µs per runtime call at 80 MHz: an empty loop pass costs ESP_LOOP_US. */
const ESP_US_PER_CALL = ESP_LOOP_US / CALLS_PER_LOOP_PASS;

export class RealisticSpeed {
  /** Realistic speed is on. */
  realistic = false;
  /** Code is running (not at the prompt, not waiting in the ROM). */
  executing = false;
  private cpuMhz = 80;
  /** Runtime calls counted so far, and those already turned into virtual time. */
  private calls = 0;
  private callsApplied = 0;
  /** Inside a firmware call: its runtime calls are not ESP8266 time (its fixed cost is). */
  private inFirmware = false;
  /** Runtime calls a firmware pin call makes before it can stop counting (counted at boot), or -1. */
  private pinCallPrefix = -1;
  private readonly clock: VirtualClock;

  constructor(clock: VirtualClock) {
    this.clock = clock;
  }

  /** Whether the pin-call prefix is still to be counted (once per thread, see {@link countPinCallPrefix}). */
  get uncalibrated(): boolean {
    return this.pinCallPrefix < 0;
  }

  /**
   * One runtime call made by the interpreter.
   * @returns true every 16 384th call while code runs (the caller looks at its input then)
   */
  countCall(): boolean {
    return (++this.calls & 0x3fff) === 0 && this.executing;
  }

  /** Turns realistic speed on or off (see the file's header). */
  set(on: boolean): void {
    this.realistic = on;
    this.callsApplied = this.calls;
    this.applyRate();
  }

  /** A new boot: realistic speed as the options say; a hard reset sets the CPU back to 80 MHz. */
  boot(on: boolean, hard: boolean): void {
    this.realistic = on;
    if (hard) this.cpuMhz = 80;
    this.applyRate();
  }

  /** `machine.freq(mhz)`: 80 or 160. */
  setFreq(mhz: number): void {
    this.syncCalls();
    this.cpuMhz = mhz === 160 ? 160 : 80;
  }

  private applyRate(): void {
    if (this.clock.sleepMode === 'instant' && !this.realistic) return;
    this.clock.setRate(this.realistic && this.executing ? 0 : 1);
  }

  /** Code starts or stops running: while it runs the clock is driven by counting (rate 0). */
  setExecuting(on: boolean): void {
    if (this.realistic && !on) this.syncCalls();
    this.inFirmware = false;
    this.executing = on;
    if (this.realistic) {
      if (on) this.callsApplied = this.calls;
      this.clock.setRate(on ? 0 : 1);
    }
  }

  /** Turns the runtime calls counted since the last sync into virtual time. */
  syncCalls(): void {
    if (!this.realistic || !this.executing) return;
    const n = this.inFirmware || this.clock.paused ? 0 : this.calls - this.callsApplied;
    this.callsApplied = this.calls;
    if (n > 0) this.clock.advance(n * ESP_US_PER_CALL * (80 / this.cpuMhz));
  }

  /** A firmware call begins: its own runtime calls are not ESP8266 time. */
  fwEnter(): void {
    if (!this.realistic || !this.executing) return;
    this.syncCalls();
    this.inFirmware = true;
  }

  /**
   * A firmware call ends: it costs `espUs` µs (at 80 MHz) of ESP8266 time, less the runtime
   * calls the interpreter made to get into it (already counted).
   */
  fwLeave(espUs: number): void {
    if (!this.realistic || !this.executing) return;
    this.inFirmware = false;
    this.callsApplied = this.calls;
    if (this.clock.paused) return;
    const scale = 80 / this.cpuMhz;
    const prefixUs = Math.max(0, this.pinCallPrefix) * ESP_US_PER_CALL;
    if (espUs >= prefixUs) this.clock.advance((espUs - prefixUs) * scale);
    else this.clock.credit((prefixUs - espUs) * scale);
  }

  /** A blocking call is entered: the work so far becomes virtual time. */
  waitBegin(): void {
    this.syncCalls();
    this.inFirmware = false;
  }

  /** The blocking call waits: waiting is real time (until {@link waitEnd}). */
  waitRealTime(): void {
    if (this.realistic && this.executing) this.clock.setRate(1);
  }

  /** The wait is over: counting again. */
  waitEnd(): void {
    if (this.realistic && this.executing) {
      this.clock.setRate(0);
      this.callsApplied = this.calls;
    }
  }

  /**
   * Counts the runtime calls a `Pin.value()` call makes before the firmware stops counting
   * (the interpreter's call into our Python method): it is part of the pin call's fixed cost,
   * not extra. GPIO16 is written in input mode, where writes change nothing.
   */
  countPinCallPrefix(interp: Interpreter): void {
    const m = 100;
    interp.mp.runPython(`def _cal():\n    p = __import__('_fw_machine', None, None, (), -7).Pin(16)\n    for i in range(${m}):\n        p.value(0)\n`);
    const wasRealistic = this.realistic;
    this.realistic = true;
    this.executing = true;
    this.pinCallPrefix = 0;
    this.callsApplied = this.calls;
    const v0 = this.clock.nowUs();
    this.clock.setRate(0);
    let counted = 0;
    try {
      interp.mp.runPython('_cal()');
      this.syncCalls();
      counted = (this.clock.nowUs() - v0) / ESP_US_PER_CALL;
    } finally {
      this.executing = false;
      this.realistic = wasRealistic;
      interp.mp.runPython('del _cal');
    }
    // per pass: the loop's own calls, then the pin call's prefix, then its fixed cost
    const perPass = counted / m;
    const fixed = ESP_PIN_CALL_US / ESP_US_PER_CALL;
    this.pinCallPrefix = Math.max(0, Math.round(perPass - CALLS_PER_LOOP_PASS - fixed));
    this.clock.setRate(1);
  }
}
