import { describe, expect, it } from 'vitest';
import { resample } from './serial-line.ts';

const text = (s: string) => new TextEncoder().encode(s);

describe('resample (8N1 line between mismatched baud rates)', () => {
  it('passes bytes through when both ends agree', () => {
    expect([...resample(text('ets'), 74880, 74880)]).toEqual([...text('ets')]);
  });

  it('turns 74880-baud text into garbage at 115200, the same every time', () => {
    const rom = text(' ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n');
    const a = resample(rom, 74880, 115200);
    const b = resample(rom, 74880, 115200);
    expect([...a]).toEqual([...b]);
    expect(a.length).toBeGreaterThan(0);
    expect(new TextDecoder('latin1').decode(a)).not.toContain('ets Jan');
  });

  it('reads a byte correctly when the rates are close (within a few %)', () => {
    expect([...resample(text('U'), 115200, 112000)]).toEqual([0x55]);
  });

  it('rejects a zero baud rate', () => {
    expect(() => resample(text('x'), 0, 115200)).toThrow(RangeError);
  });
});
