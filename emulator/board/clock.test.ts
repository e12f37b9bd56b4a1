import { describe, expect, it } from 'vitest';
import { VirtualClock } from './clock.ts';

function fakeHost() {
  let t = 1000;
  return { now: () => t, step: (ms: number) => { t += ms; } };
}

describe('VirtualClock', () => {
  it('starts at 0 and follows host time at rate 1', () => {
    const h = fakeHost();
    const c = new VirtualClock(h.now);
    expect(c.nowUs()).toBe(0);
    h.step(250);
    expect(c.nowUs()).toBe(250_000);
    expect(c.nowMs()).toBe(250);
  });

  it('pauses at rate 0 and scales at rate 60', () => {
    const h = fakeHost();
    const c = new VirtualClock(h.now);
    h.step(10);
    c.setRate(0);
    h.step(1000);
    expect(c.nowMs()).toBe(10);
    c.setRate(60);
    h.step(1000);
    expect(c.nowMs()).toBe(10 + 60_000);
    expect(c.hostMsFor(60_000_000)).toBe(1000);
  });

  it("the learner's scale multiplies the emulator's rate; 0 pauses (the lab's clock controls)", () => {
    const h = fakeHost();
    const c = new VirtualClock(h.now);
    c.setScale(3600);
    h.step(1000);
    expect(c.nowMs()).toBe(3_600_000);
    c.setRate(0); // the realistic-speed clock stops it while code runs
    h.step(1000);
    expect(c.nowMs()).toBe(3_600_000);
    c.setRate(1);
    c.setScale(0);
    expect(c.paused).toBe(true);
    h.step(5000);
    expect(c.nowMs()).toBe(3_600_000);
    expect(c.hostMsFor(1000)).toBe(Infinity);
    c.setScale(60);
    expect(c.hostMsFor(60_000_000)).toBe(1000);
    expect(() => c.setScale(-1)).toThrow(RangeError);
  });

  it('advances instantly and never backwards', () => {
    const h = fakeHost();
    const c = new VirtualClock(h.now);
    c.advance(3_600_000_000);
    expect(c.nowMs()).toBe(3_600_000);
    expect(() => c.advance(-1)).toThrow(RangeError);
    expect(() => c.setRate(-2)).toThrow(RangeError);
  });

  it('credit takes back unread time but reads never go backwards', () => {
    const h = fakeHost();
    const c = new VirtualClock(h.now);
    c.advance(1000);
    expect(c.nowUs()).toBe(1000);
    c.advance(500);
    c.credit(400);
    expect(c.nowUs()).toBe(1100);
    c.credit(300);
    expect(c.nowUs()).toBe(1100); // below the last read: held
    h.step(0.2); // 200 µs of host time: 1000, still below the last read
    expect(c.nowUs()).toBe(1100);
    h.step(0.2);
    expect(c.nowUs()).toBeCloseTo(1200, 6);
    expect(() => c.credit(-1)).toThrow(RangeError);
  });

  it('reset returns to power-on time', () => {
    const h = fakeHost();
    const c = new VirtualClock(h.now);
    h.step(500);
    c.advance(1e6);
    c.reset();
    expect(c.nowUs()).toBe(0);
    expect(c.hostMsFor(1000)).toBe(1);
  });
});
