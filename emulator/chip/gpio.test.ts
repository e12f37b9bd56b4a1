import { describe, expect, it } from 'vitest';
import { Gpio, MODE_IN, MODE_OPEN_DRAIN, MODE_OUT } from './gpio.ts';

// Semantics follow MicroPython ports/esp8266/machine_pin.c (pin_set / pin_get).
describe('Gpio', () => {
  it('starts with every pad as an input reading low', () => {
    const g = new Gpio();
    for (let p = 0; p < 17; p++) {
      expect(g.state(p)).toBe('input');
      expect(g.read(p)).toBe(0);
    }
  });

  it('drives an output pad from the latch and reads the pad back', () => {
    const g = new Gpio();
    g.configure(13, MODE_OUT, false, -1);
    expect(g.state(13)).toBe('low');
    g.write(13, 1);
    expect(g.state(13)).toBe('high');
    expect(g.read(13)).toBe(1);
  });

  it('ignores writes in input mode, keeping the old latch', () => {
    const g = new Gpio();
    g.configure(12, MODE_OUT, false, 1);
    g.configure(12, MODE_IN, false, -1);
    g.write(12, 0);
    expect(g.state(12)).toBe('input');
    g.configure(12, MODE_OUT, false, -1);
    expect(g.read(12)).toBe(1);
  });

  it('open drain drives low on 0 and releases on 1', () => {
    const g = new Gpio();
    g.configure(4, MODE_OPEN_DRAIN, true, 0);
    expect(g.state(4)).toBe('low');
    g.write(4, 1);
    expect(g.state(4)).toBe('input');
    expect(g.read(4)).toBe(1); // the pull-up wins once released
  });

  it('resolves external drivers: strong beats pull-up, pull-up beats weak', () => {
    const g = new Gpio();
    g.setExternal(0, 'weak', 1);
    expect(g.read(0)).toBe(1);
    g.setExternal(15, 'weak', 0);
    g.configure(15, MODE_IN, true, -1);
    expect(g.read(15)).toBe(1);
    g.setExternal(0, 'strong', 0);
    expect(g.read(0)).toBe(0);
    g.setExternal(0, 'strong', null);
    expect(g.read(0)).toBe(1);
  });

  it('rejects a pull-up on GPIO16 and pins outside 0-16', () => {
    const g = new Gpio();
    expect(() => g.configure(16, MODE_IN, true, -1)).toThrow("Pin(16) doesn't support pull");
    expect(() => g.read(17)).toThrow(RangeError);
  });

  it('a peripheral drives the pad instead of the latch until released', () => {
    const g = new Gpio();
    g.configure(13, MODE_OUT, false, 0);
    let level: 0 | 1 = 1;
    g.setPeripheral(13, () => level);
    expect(g.read(13)).toBe(1);
    level = 0;
    expect(g.state(13)).toBe('low');
    g.setPeripheral(13, null);
    expect(g.hasPeripheral(13)).toBe(false);
    expect(g.read(13)).toBe(0);
  });

  it('reset returns pads to input and notifies listeners', () => {
    const g = new Gpio();
    const seen: number[] = [];
    g.configure(13, MODE_OUT, false, 1);
    g.onChange((p) => seen.push(p));
    g.reset();
    expect(g.state(13)).toBe('input');
    expect(seen).toHaveLength(17);
  });
});
