/**
 * The ESP8266's real-time clock as MicroPython v1.27.0 uses it (reference
 * esp8266-micropython-behaviour.md §4.2; MP@v1.27.0:ports/esp8266/machine_rtc.c), in two parts:
 *
 * - {@link RtcCounter}, the hardware: a 32-bit counter of the RTC slow clock (an RC oscillator of
 *   roughly 150 kHz, one tick ≈ 6.5 µs) that the SDK reads with `system_get_rtc_time()`. It
 *   restarts at 0 at every reset and deep-sleep wake, and wraps after 2³² ticks (≈ 7 h 45 min).
 *   `system_rtc_clock_cali_proc()` gives the tick period in µs as Q20.12 fixed point (`cal`).
 * - {@link FirmwareRtc}, the firmware's arithmetic over RTC user memory: `delta` (int64 µs, word
 *   64), the saved `cal` (word 66), a magic (word 67), the user data length (word 68) and data
 *   (from word 69), plus `rtc_last_ticks` and the ALARM0 state in RAM. Time is
 *   `(ticks × cal >> 12) + delta`; a wrap is noticed only by a read that finds the counter below
 *   `rtc_last_ticks` (then `delta += cal << 20`), so a clock nobody reads for longer than one wrap
 *   period loses one wrap and jumps back by ≈ 7 h 45 min.
 *
 * RTC memory (768 bytes: the SDK's 64 system words and the 128 user words) belongs to the host,
 * like the flash: it survives resets and deep sleep and is lost at power-off (a new buffer).
 */

/** Bytes of RTC memory modelled: words 0–63 (the SDK's) and the user blocks 64–191. */
export const RTC_MEMORY_BYTES = 192 * 4;
/** `MEM_USER_MAXLEN` of machine_rtc.c: 512 bytes less the 5 words the firmware keeps. */
export const RTC_USER_MAX = 492;
/** Q20.12 `cal` for a 6.5 µs tick (≈ 153.8 kHz): 2³² ticks then take 7 h 45 min 17 s. */
export const NOMINAL_CAL = 26624;

const MEM_MAGIC = 0x75507921;
const MEM_DELTA = 64 * 4;
const MEM_CAL = 66 * 4;
const MEM_USER_MAGIC = 67 * 4;
const MEM_USER_LEN = 68 * 4;
const MEM_USER_DATA = 69 * 4;
const U64 = (1n << 64n) - 1n;
const WRAP = 2 ** 32;

/** `machine.DEEPSLEEP` (`MACHINE_WAKE_DEEPSLEEP`): the wake flag `RTC.irq(wake=…)` records. */
export const WAKE_DEEPSLEEP = 4;

/**
 * One board's slow clock: what its calibration reports (`cal`) and how far its real rate is off
 * from that (drift, in parts per million: +16 667 ppm gains one second per minute).
 * Deterministic per chip id, so a board keeps its character across reloads.
 */
export interface RtcProfile {
  cal: number;
  driftPpm: number;
}

/** The chip id of the lab's board (firmware/hal.ts `CHIP_ID`, MAC 5c:cf:7f:c1:dd:42). */
export const BOARD_CHIP_ID = 0x00c1dd42;

/**
 * A board's slow clock from its chip id: `cal` within ±2 % of {@link NOMINAL_CAL} and a drift
 * between −1 and +1 s per minute in steps of 0.05 s (reference §4.2: "RTC in ESP8266 has very bad
 * accuracy, drift may be seconds per minute", MP@v1.27.0:docs/esp8266/general.rst).
 */
export function rtcProfile(chipId: number): RtcProfile {
  const cal = Math.round(NOMINAL_CAL * (1 + ((chipId % 401) - 200) / 10000));
  const driftPpm = Math.round((((chipId >>> 8) % 41) - 20) / 20 / 60 * 1e6);
  return { cal, driftPpm };
}

/** The lab board's profile (−0.05 s per minute, `cal` 26643: wraps every 7 h 45 min 37 s). */
export const BOARD_RTC: Readonly<RtcProfile> = rtcProfile(BOARD_CHIP_ID);

/** Seconds per minute the clock gains (negative: loses) for a drift in ppm. */
export function driftSecondsPerMinute(ppm: number): number {
  return (ppm / 1e6) * 60;
}

/** The drift in ppm for seconds gained per minute. */
export function driftPpmFromSecondsPerMinute(s: number): number {
  return Math.round((s / 60) * 1e6);
}

/**
 * The RTC slow clock's 32-bit tick counter, driven by the board's virtual clock (µs since the
 * chip's last reset). It counts `(1 + drift) / (cal / 4096)` ticks per µs, so the firmware, which
 * converts with `cal`, sees time run `1 + drift` times as fast as the virtual clock.
 */
export class RtcCounter {
  /** What `system_rtc_clock_cali_proc()` returns (Q20.12 µs per tick). */
  readonly cal: number;
  private drift: number;
  private anchorUs = 0;
  private anchorTicks = 0;

  constructor(profile: RtcProfile = BOARD_RTC) {
    this.cal = profile.cal;
    this.drift = profile.driftPpm;
  }

  /** The drift now, in ppm. */
  get driftPpm(): number {
    return this.drift;
  }

  /**
   * Changes the oscillator's rate from now on (the counter does not jump).
   * @param ppm drift in parts per million, above −1 000 000
   * @param nowUs the board's virtual time now
   */
  setDrift(ppm: number, nowUs: number): void {
    if (!Number.isFinite(ppm) || ppm <= -1e6) throw new RangeError(`invalid RTC drift ${ppm} ppm`);
    this.anchorTicks = this.exactTicks(nowUs);
    this.anchorUs = nowUs;
    this.drift = ppm;
  }

  /** The counter restarts at 0 (a reset or deep-sleep wake; the virtual clock restarts too). */
  restart(nowUs = 0): void {
    this.anchorUs = nowUs;
    this.anchorTicks = 0;
  }

  private ticksPerUs(): number {
    return ((1 + this.drift / 1e6) * 4096) / this.cal;
  }

  private exactTicks(nowUs: number): number {
    return this.anchorTicks + Math.max(0, nowUs - this.anchorUs) * this.ticksPerUs();
  }

  /** `system_get_rtc_time()`: ticks since the counter restarted, modulo 2³². */
  ticks(nowUs: number): number {
    return Math.floor(this.exactTicks(nowUs)) % WRAP;
  }

  /** Virtual µs the chip really sleeps when its timer is set to `us` (it counts slow-clock ticks). */
  virtualUsFor(us: number): number {
    return us / (1 + this.drift / 1e6);
  }

  /** Virtual µs one wrap of the counter takes (2³² ticks). */
  wrapPeriodUs(): number {
    return WRAP / this.ticksPerUs();
  }
}

/**
 * The firmware's RTC (machine_rtc.c): reads and writes RTC memory exactly as the C code does.
 * `ticks()` is `system_get_rtc_time()`, `caliProc()` is `system_rtc_clock_cali_proc()`.
 */
export class FirmwareRtc {
  private readonly mem: DataView;
  private readonly ticks: () => number;
  private readonly caliProc: () => number;
  /** `rtc_last_ticks` (RAM: lost at every reset, soft ones included). */
  private lastTicks = 0;
  /** `pyb_rtc_alarm0_wake`, `pyb_rtc_alarm0_expiry` (µs since 2000, uint64). */
  private alarmWake = 0;
  private alarmExpiry = 0n;

  constructor(memory: ArrayBufferLike, ticks: () => number, caliProc: () => number) {
    if (memory.byteLength < RTC_MEMORY_BYTES) throw new RangeError(`RTC memory is ${memory.byteLength} bytes, needs ${RTC_MEMORY_BYTES}`);
    this.mem = new DataView(memory, 0, RTC_MEMORY_BYTES);
    this.ticks = ticks;
    this.caliProc = caliProc;
  }

  /** `mp_hal_rtc_init()`: at every boot, soft resets included (`mp_reset` → `mp_hal_init`). */
  init(): void {
    if (this.mem.getUint32(MEM_USER_MAGIC, true) !== MEM_MAGIC) {
      // power-on: RTC memory holds no firmware state; time starts at 2000-01-01 00:00:00
      this.mem.setUint32(MEM_USER_MAGIC, MEM_MAGIC, true);
      this.mem.setUint32(MEM_CAL, this.caliProc(), true);
      this.mem.setBigInt64(MEM_DELTA, 0n, true);
      this.mem.setUint32(MEM_USER_LEN, 0, true);
    }
    this.lastTicks = this.ticks();
    this.alarmWake = 0;
    this.alarmExpiry = 0n;
  }

  /** `pyb_rtc_get_us_since_epoch()`: µs since 2000-01-01 (uint64), noticing at most one wrap. */
  getUs(): bigint {
    const cal = BigInt(this.mem.getUint32(MEM_CAL, true));
    let delta = this.mem.getBigInt64(MEM_DELTA, true);
    const now = this.ticks();
    if (now < this.lastTicks) {
      delta = BigInt.asIntN(64, delta + (cal << 20n));
      this.mem.setBigInt64(MEM_DELTA, delta, true);
    }
    this.lastTicks = now;
    return BigInt.asUintN(64, ((BigInt(now) * cal) >> 12n) + delta);
  }

  /** `pyb_rtc_set_us_since_epoch()`: a fresh `cal` and `delta`, saved in RTC memory. */
  setUs(us: bigint): void {
    const cal = this.caliProc();
    this.lastTicks = this.ticks();
    const delta = BigInt.asIntN(64, BigInt.asUintN(64, us) - ((BigInt(this.lastTicks) * BigInt(cal)) >> 12n));
    this.mem.setUint32(MEM_CAL, cal, true);
    this.mem.setBigInt64(MEM_DELTA, delta, true);
  }

  /** `rtc_prepare_deepsleep()`: the counter restarts at the wake, so `delta` becomes the wake time. */
  prepareDeepSleep(sleepUs: number): void {
    this.mem.setBigInt64(MEM_DELTA, BigInt.asIntN(64, this.getUs() + BigInt(sleepUs)), true);
  }

  /** `RTC.memory()`: the user bytes. */
  readMemory(): Uint8Array {
    const len = Math.min(this.mem.getUint32(MEM_USER_LEN, true), RTC_USER_MAX);
    return new Uint8Array(this.mem.buffer.slice(MEM_USER_DATA, MEM_USER_DATA + len));
  }

  /**
   * `RTC.memory(buf)`: stores up to {@link RTC_USER_MAX} bytes (rounded up to whole words, as
   * `system_rtc_mem_write` writes them).
   * @throws RangeError beyond {@link RTC_USER_MAX} (the firmware's `ValueError: buffer too long`)
   */
  writeMemory(data: Uint8Array): void {
    if (data.length > RTC_USER_MAX) throw new RangeError('buffer too long');
    this.mem.setUint32(MEM_USER_LEN, data.length, true);
    const words = (data.length + 3) & ~3;
    for (let i = 0; i < words; i++) this.mem.setUint8(MEM_USER_DATA + i, i < data.length ? (data[i] as number) : 0);
  }

  /** `RTC.alarm(0, ms)`: ALARM0 expires `ms` from now (`ms` as mp_int_t, cast to uint64). */
  alarm(ms: number): void {
    this.alarmExpiry = BigInt.asUintN(64, this.getUs() + BigInt.asUintN(64, BigInt(Math.trunc(ms))) * 1000n);
  }

  /** `RTC.alarm_left()`: ms until ALARM0, 0 once it passed (converted to a 32-bit mp_int_t). */
  alarmLeft(): number {
    const now = this.getUs();
    if (this.alarmExpiry <= now) return 0;
    return Number(BigInt.asIntN(32, (this.alarmExpiry - now) / 1000n));
  }

  /** `RTC.irq(trigger=ALARM0, wake=…)`: only the wake flag is kept. */
  irq(wake: number): void {
    this.alarmWake = wake;
  }

  /**
   * `machine.deepsleep([ms])`'s sleep length in µs (modmachine.c `mp_machine_deepsleep`), with
   * `rtc_prepare_deepsleep` done: the ALARM0 time if `irq(wake=DEEPSLEEP)` was set (1 µs if it
   * passed), at most `ms` (≤ 0 counts as 1; `ms * 1000` in 32 bits, as the C code computes it).
   * 0 means "until RST".
   */
  machineDeepSleep(maxMs: number | null): number {
    let sleepUs = 0;
    if (this.alarmWake & WAKE_DEEPSLEEP) {
      const t = this.getUs();
      if (this.alarmExpiry <= t) sleepUs = 1;
      else {
        const d = this.alarmExpiry - t;
        sleepUs = d <= 0xffffffffn ? Number(d) : 0xffffffff;
      }
    }
    if (maxMs !== null) {
      const ms = maxMs <= 0 ? 1 : maxMs | 0;
      const maxUs = Math.imul(ms, 1000) >>> 0;
      if (sleepUs === 0 || maxUs < sleepUs) sleepUs = maxUs;
    }
    this.prepareDeepSleep(sleepUs);
    return sleepUs;
  }

  /** `esp.deepsleep(us)`: `us` as uint32 (0: until RST), with `rtc_prepare_deepsleep` done. */
  espDeepSleep(us: number): number {
    const sleepUs = Number(BigInt.asUintN(32, BigInt(Math.trunc(us))));
    this.prepareDeepSleep(sleepUs);
    return sleepUs;
  }
}
