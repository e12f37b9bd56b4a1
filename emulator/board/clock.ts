/**
 * The board's virtual clock: the single time base for every sleep, tick counter and timer
 * of the emulated ESP-07 (the interpreter's own `ticks_ms`/`time` imports are routed here too).
 *
 * Virtual time is kept in microseconds (µs) as a float (exact up to 2^53 µs ≈ 285 years).
 * It follows a host time source at a rate (1 = real time, 0 = paused, 60 = one virtual minute
 * per host second) and can also be advanced instantly (`advance`) — used by sleeps in
 * `instant` mode and by "jump" controls.
 *
 * Runs unchanged in a Web Worker and in Node: the host time source is injected.
 */
export type HostNow = () => number;

/** How sleeps spend host time. `realtime`: a sleep waits the host time it represents
 * (scaled by the rate). `instant`: a sleep advances virtual time at once (tests, fast-forward). */
export type SleepMode = 'realtime' | 'instant';

export class VirtualClock {
  private baseUs = 0;
  private anchorMs: number;
  private rate = 1;
  /**
   * The learner's clock control (the lab's pause, ×1, ×60, ×3600): multiplies {@link rate}, which
   * the emulator itself sets (the realistic-speed clock stops it while code runs).
   */
  private scale = 1;
  private readonly hostNowMs: HostNow;
  /** How sleeps spend host time; see {@link SleepMode}. */
  sleepMode: SleepMode;

  /**
   * @param hostNowMs host monotonic time source in milliseconds (`performance.now` by default)
   * @param sleepMode see {@link SleepMode}
   */
  constructor(hostNowMs: HostNow = () => performance.now(), sleepMode: SleepMode = 'realtime') {
    this.hostNowMs = hostNowMs;
    this.anchorMs = hostNowMs();
    this.sleepMode = sleepMode;
  }

  /** Virtual time since power-on, in µs (float). Never decreases from one read to the next. */
  nowUs(): number {
    const t = this.baseUs + (this.hostNowMs() - this.anchorMs) * 1000 * this.rate * this.scale;
    if (t > this.lastReadUs) this.lastReadUs = t;
    return this.lastReadUs;
  }

  private lastReadUs = 0;

  /**
   * Takes back `us` µs of virtual time that has not been read yet (the realistic-speed clock uses
   * it to remove host overhead it counted). Reads stay monotonic: the clock never goes below its
   * last read.
   * @throws RangeError if us is negative or not finite
   */
  credit(us: number): void {
    if (!Number.isFinite(us) || us < 0) throw new RangeError(`cannot credit ${us} µs`);
    this.baseUs -= us;
  }

  /** Virtual time since power-on, in whole ms. */
  nowMs(): number {
    return Math.floor(this.nowUs() / 1000);
  }

  /** Current rate: virtual seconds per host second (0 = paused). */
  getRate(): number {
    return this.rate;
  }

  /**
   * Changes how fast virtual time follows host time.
   * @param rate virtual seconds per host second; 0 pauses the clock
   * @throws RangeError if rate is negative or not finite
   */
  setRate(rate: number): void {
    if (!Number.isFinite(rate) || rate < 0) throw new RangeError(`invalid clock rate ${rate}`);
    this.rebase();
    this.rate = rate;
  }

  /**
   * The learner's speed control: virtual time runs `scale` times as fast as it otherwise would
   * (0 pauses it: ticks, sleeps, timers and the RTC all stop).
   * @throws RangeError if scale is negative or not finite
   */
  setScale(scale: number): void {
    if (!Number.isFinite(scale) || scale < 0) throw new RangeError(`invalid clock scale ${scale}`);
    this.rebase();
    this.scale = scale;
  }

  /** The learner's speed control (1 normal, 0 paused). */
  getScale(): number {
    return this.scale;
  }

  /** Whether the learner paused the clock (the realistic-speed clock must not advance it either). */
  get paused(): boolean {
    return this.scale === 0;
  }

  /**
   * Moves virtual time forward at once.
   * @param us microseconds to add
   * @throws RangeError if us is negative or not finite (virtual time never runs backwards)
   */
  advance(us: number): void {
    if (!Number.isFinite(us) || us < 0) throw new RangeError(`cannot advance the clock by ${us} µs`);
    this.baseUs += us;
  }

  /**
   * Host milliseconds that correspond to `us` virtual microseconds at the current rate;
   * `Infinity` while paused.
   */
  hostMsFor(us: number): number {
    const r = this.rate * this.scale;
    return r === 0 ? Infinity : us / 1000 / r;
  }

  /** Restarts virtual time at 0 (power-on). Rate, scale and sleep mode are kept. */
  reset(): void {
    this.baseUs = 0;
    this.lastReadUs = 0;
    this.anchorMs = this.hostNowMs();
  }

  private rebase(): void {
    const now = this.hostNowMs();
    this.baseUs += (now - this.anchorMs) * 1000 * this.rate * this.scale;
    this.anchorMs = now;
  }
}
