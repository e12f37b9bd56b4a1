import { describe, expect, it } from 'vitest';
import { OsTimers } from './timers.ts';

describe('OsTimers', () => {
  it('fires a one-shot timer once', () => {
    const t = new OsTimers();
    t.arm(1, 0, 1000, false);
    expect(t.takeDue(999)).toEqual([]);
    expect(t.takeDue(1000)).toEqual([1]);
    expect(t.takeDue(5000)).toEqual([]);
    expect(t.armed(1)).toBe(false);
  });

  it('re-arms a periodic timer, keeping its phase after a late check', () => {
    const t = new OsTimers();
    t.arm(7, 0, 100, true);
    expect(t.takeDue(100)).toEqual([7]);
    expect(t.nextDueUs()).toBe(200);
    expect(t.takeDue(450)).toEqual([7]);
    expect(t.nextDueUs()).toBe(500);
  });

  it('orders due timers by expiry and rejects bad periods', () => {
    const t = new OsTimers();
    t.arm(1, 0, 300, false);
    t.arm(2, 0, 100, false);
    expect(t.takeDue(1000)).toEqual([2, 1]);
    expect(() => t.arm(3, 0, 0, false)).toThrow(RangeError);
    t.arm(4, 0, 10, true);
    t.reset();
    expect(t.nextDueUs()).toBe(Infinity);
  });
});
