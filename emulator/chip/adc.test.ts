import { describe, expect, it } from 'vitest';
import { Adc } from './adc.ts';

describe('Adc (TOUT, 0-1.0 V -> 0-1024)', () => {
  it('maps volts to 0-1024 and saturates', () => {
    const a = new Adc();
    expect(a.read()).toBe(0);
    a.setVolts(0.5);
    expect(a.read()).toBe(512);
    a.setVolts(3.3);
    expect(a.read()).toBe(1024);
    a.setRaw(-4);
    expect(a.read()).toBe(0);
  });
});
