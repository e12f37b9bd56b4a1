/**
 * The RTC's mechanism (emulator/chip/rtc.ts) against reference esp8266-micropython-behaviour.md §4.1
 * and §4.2, and MP@v1.27.0:ports/esp8266/machine_rtc.c, without a board: the counter is driven by a
 * plain number standing for the board's virtual clock.
 */
import { describe, expect, it } from 'vitest';
import { BOARD_RTC, FirmwareRtc, NOMINAL_CAL, RTC_MEMORY_BYTES, RTC_USER_MAX, RtcCounter, WAKE_DEEPSLEEP, driftPpmFromSecondsPerMinute, driftSecondsPerMinute, rtcProfile } from './rtc.ts';

const H = 3600e6; // µs in an hour
const S = 1e6;

/** A board's RTC: its counter, the firmware over a fresh (power-on) RTC memory, and a clock. */
function rig(driftPpm = 0, cal = NOMINAL_CAL, memory: ArrayBufferLike = new ArrayBuffer(RTC_MEMORY_BYTES)) {
  const counter = new RtcCounter({ cal, driftPpm });
  const t = { us: 0 };
  const fw = new FirmwareRtc(memory, () => counter.ticks(t.us), () => counter.cal);
  fw.init();
  /** Seconds since 2000 the firmware reads (each call is a read: it may notice a wrap). */
  const read = () => Number(fw.getUs()) / S;
  return { counter, fw, t, memory, read };
}

describe('the slow-clock counter (reference §4.2: 32-bit ticks, cal in Q20.12, ~7 h 45 min wrap)', () => {
  it('counts 4096/cal ticks per µs and wraps after 2^32 ticks', () => {
    const c = new RtcCounter({ cal: NOMINAL_CAL, driftPpm: 0 });
    expect(c.ticks(6.5)).toBe(1); // 26624 / 4096 = 6.5 µs per tick
    expect(c.ticks(6.5e6)).toBe(1_000_000);
    // 2^32 × 6.5 µs = 27 917.3 s = 7 h 45 min 17 s
    expect(c.wrapPeriodUs() / S).toBeCloseTo(27917.29, 1);
    expect(c.ticks(c.wrapPeriodUs() + 65)).toBe(10);
  });

  it("the lab board's profile is fixed by its chip id (deterministic), within the reference's range", () => {
    expect(rtcProfile(0x00c1dd42)).toEqual(BOARD_RTC);
    expect(Math.abs(BOARD_RTC.cal - NOMINAL_CAL) / NOMINAL_CAL).toBeLessThan(0.02);
    // "drift may be seconds per minute" (reference §4.2, docs/esp8266/general.rst)
    expect(Math.abs(driftSecondsPerMinute(BOARD_RTC.driftPpm))).toBeLessThanOrEqual(1);
    expect(driftPpmFromSecondsPerMinute(1)).toBe(16667);
  });

  it('restarts at 0 (reset or deep-sleep wake: "system_get_rtc_time() is always 0 after reset/deepsleep")', () => {
    const c = new RtcCounter({ cal: NOMINAL_CAL, driftPpm: 0 });
    expect(c.ticks(H)).toBeGreaterThan(0);
    c.restart();
    expect(c.ticks(0)).toBe(0);
  });
});

describe('machine_rtc.c arithmetic (reference §4.2)', () => {
  it('power-on: the clock starts at 2000-01-01 00:00:00 (no magic in RTC memory: delta 0)', () => {
    const r = rig();
    expect(r.read()).toBe(0);
    r.t.us = 90 * S;
    expect(r.read()).toBeCloseTo(90, 4);
  });

  it('setting the time stores delta = wanted − (ticks × cal >> 12); reading adds it back', () => {
    const r = rig();
    r.t.us = 10 * S;
    r.fw.setUs(762_523_200n * 1_000_000n); // 2024-02-29 12:00:00
    r.t.us = 70 * S;
    expect(r.read()).toBeCloseTo(762_523_260, 4);
  });

  it('a read within 7 h keeps the time right across a wrap: the read notices it and adds cal << 20', () => {
    const r = rig();
    r.fw.setUs(762_523_200n * 1_000_000n);
    r.t.us = 7 * H;
    expect(r.read()).toBeCloseTo(762_523_200 + 7 * 3600, 3);
    r.t.us = 14 * H; // the counter wrapped once since the last read
    expect(r.read()).toBeCloseTo(762_523_200 + 14 * 3600, 3);
    r.t.us = 16 * H;
    expect(r.read()).toBeCloseTo(762_523_200 + 16 * 3600, 3);
  });

  it('no read for 8 h (more than one wrap period): one wrap is lost and the clock is 7 h 45 min behind', () => {
    const r = rig();
    r.fw.setUs(762_523_200n * 1_000_000n);
    r.t.us = 8 * H;
    const wrapS = (NOMINAL_CAL * 2 ** 20) / S; // delta's correction: cal << 20 µs = 27 917 s
    expect(r.read()).toBeCloseTo(762_523_200 + 8 * 3600 - wrapS, 3);
    // later reads go on from there: the loss is permanent
    r.t.us = 9 * H;
    expect(r.read()).toBeCloseTo(762_523_200 + 9 * 3600 - wrapS, 3);
  });

  it('drift: the slow clock runs (1 + drift) as fast as the board clock, and the firmware trusts cal', () => {
    const r = rig(driftPpmFromSecondsPerMinute(1)); // gains 1 s per minute
    r.t.us = 60 * S;
    expect(r.read()).toBeCloseTo(61, 3);
    // changing the drift (temperature) acts from then on, without a jump
    r.counter.setDrift(driftPpmFromSecondsPerMinute(-0.5), r.t.us);
    r.t.us = 120 * S;
    expect(r.read()).toBeCloseTo(61 + 59.5, 3);
  });

  it('a non-deep-sleep reset: the counter restarts, delta is kept, so the clock jumps back by the uptime at setting', () => {
    const r = rig();
    r.t.us = 100 * S;
    r.fw.setUs(762_523_200n * 1_000_000n); // set 100 s after boot
    r.t.us = 3600 * S;
    expect(r.read()).toBeCloseTo(762_523_200 + 3500, 3);
    // machine.reset(), RST, WDT: the chip restarts; RTC memory survives
    r.counter.restart();
    r.t.us = 0;
    r.fw.init();
    expect(r.read()).toBeCloseTo(762_523_200 - 100, 3);
  });

  it('deep sleep: delta = now + sleep_us before sleeping, so the clock continues after the wake', () => {
    const r = rig();
    r.fw.setUs(762_523_200n * 1_000_000n);
    r.t.us = 50 * S;
    expect(r.fw.machineDeepSleep(10_000)).toBe(10 * S);
    r.counter.restart();
    r.t.us = 0;
    r.fw.init();
    expect(r.read()).toBeCloseTo(762_523_200 + 60, 3);
  });
});

describe('RTC.memory() (reference §4.1: 492 bytes, kept across resets and deep sleep, lost on power loss)', () => {
  it('stores up to 492 bytes and refuses more', () => {
    const r = rig();
    expect(r.fw.readMemory()).toEqual(new Uint8Array(0));
    const data = Uint8Array.from({ length: RTC_USER_MAX }, (_, i) => i & 0xff);
    r.fw.writeMemory(data);
    expect(r.fw.readMemory()).toEqual(data);
    expect(() => r.fw.writeMemory(new Uint8Array(493))).toThrow('buffer too long');
    r.fw.writeMemory(Uint8Array.of(1, 2, 3));
    expect(r.fw.readMemory()).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('survives a re-init (soft or hard reset, deep-sleep wake) but not a power-off (a blank memory)', () => {
    const r = rig();
    r.fw.writeMemory(Uint8Array.of(7, 8));
    r.fw.init();
    expect(r.fw.readMemory()).toEqual(Uint8Array.of(7, 8));
    const again = rig(0, NOMINAL_CAL, r.memory);
    expect(again.fw.readMemory()).toEqual(Uint8Array.of(7, 8));
    const powered = rig(0, NOMINAL_CAL, new ArrayBuffer(RTC_MEMORY_BYTES));
    expect(powered.fw.readMemory()).toEqual(new Uint8Array(0));
  });
});

describe('ALARM0 and the deep-sleep length (machine_rtc.c, modmachine.c mp_machine_deepsleep)', () => {
  it('alarm(0, ms) and alarm_left(): ms left, 0 once passed', () => {
    const r = rig();
    r.fw.alarm(5000);
    r.t.us = 2 * S;
    expect(r.fw.alarmLeft()).toBe(3000);
    r.t.us = 6 * S;
    expect(r.fw.alarmLeft()).toBe(0);
  });

  it('deepsleep length: the alarm with irq(wake=DEEPSLEEP), capped by ms; 1 µs for a passed alarm; 0 = until RST', () => {
    // each case on a fresh board: machineDeepSleep() also prepares the RTC for the sleep
    const sleep = (alarmMs: number | null, wake: boolean, ms: number | null, nowUs = 0) => {
      const r = rig();
      if (alarmMs !== null) r.fw.alarm(alarmMs);
      if (wake) r.fw.irq(WAKE_DEEPSLEEP);
      r.t.us = nowUs;
      return r.fw.machineDeepSleep(ms);
    };
    expect(sleep(null, false, null)).toBe(0); // neither: sleeps until RST
    expect(sleep(30_000, false, null)).toBe(0); // an alarm without the wake flag does nothing
    expect(sleep(30_000, true, null)).toBe(30 * S);
    expect(sleep(30_000, true, 10_000)).toBe(10 * S); // min(ms, alarm)
    expect(sleep(30_000, true, 60_000)).toBe(30 * S);
    expect(sleep(30_000, true, null, 31 * S)).toBe(1); // "alarm already expired so wake immediately"
  });

  it('deepsleep(ms): ms <= 0 counts as 1; ms * 1000 is computed in 32 bits', () => {
    const r = rig();
    expect(r.fw.machineDeepSleep(0)).toBe(1000);
    expect(r.fw.machineDeepSleep(-5)).toBe(1000);
    expect(r.fw.machineDeepSleep(4_294_967)).toBe(4_294_967_000);
    expect(r.fw.machineDeepSleep(5_000_000)).toBe((5_000_000_000 % 2 ** 32));
  });

  it('esp.deepsleep(us): us as uint32, 0 until RST', () => {
    const r = rig();
    expect(r.fw.espDeepSleep(0)).toBe(0);
    expect(r.fw.espDeepSleep(3_000_000)).toBe(3_000_000);
    expect(r.fw.espDeepSleep(-1)).toBe(0xffffffff);
  });
});
