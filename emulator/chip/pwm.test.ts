import { describe, expect, it } from 'vitest';
import { Pwm } from './pwm.ts';

describe('Pwm (esppwm.c)', () => {
  it('runs only on GPIO 0, 2, 4, 5, 12-15', () => {
    const p = new Pwm();
    for (const pin of [0, 2, 4, 5, 12, 13, 14, 15]) expect(() => p.attach(pin)).not.toThrow();
    for (const pin of [1, 3, 9, 10, 16]) expect(() => p.attach(pin)).toThrow(`PWM not supported on pin ${pin}`);
  });

  it('clamps the shared frequency to 1-1000 Hz and duty to 0-1023', () => {
    const p = new Pwm();
    expect(p.freq).toBe(500);
    p.setFreq(0);
    expect(p.freq).toBe(1);
    p.setFreq(2000);
    expect(p.freq).toBe(1000);
    p.attach(13);
    expect(p.duty(13)).toBe(0);
    p.setDuty(13, 5000);
    expect(p.duty(13)).toBe(1023);
    p.setDuty(13, -3);
    expect(p.duty(13)).toBe(0);
  });

  it('the pad level follows the duty over a period', () => {
    const p = new Pwm();
    p.setFreq(1000); // 1000 µs period
    p.setDuty(12, 256); // a quarter
    let high = 0;
    for (let us = 0; us < 1000; us++) high += p.level(12, us);
    expect(high).toBe(250);
    p.detach(12);
    expect(p.active(12)).toBe(false);
    p.reset();
    expect(p.freq).toBe(500);
  });
});
