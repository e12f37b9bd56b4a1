import { describe, expect, it } from 'vitest';
import { FLASH_SIZES, SECTOR_BYTES, SpiFlash } from './flash.ts';

describe('SpiFlash (NOR semantics)', () => {
  it('starts erased: every byte reads 0xFF', () => {
    const f = new SpiFlash();
    expect(f.size).toBe(4 * 1024 * 1024);
    expect([...f.read(0, 8)]).toEqual(Array(8).fill(0xff));
  });

  it('programming only clears bits; erase sets the sector back to 0xFF', () => {
    const f = new SpiFlash();
    f.program(100, Uint8Array.of(0x0f, 0xaa));
    expect([...f.read(100, 2)]).toEqual([0x0f, 0xaa]);
    f.program(100, Uint8Array.of(0xf0, 0xff)); // cannot set bits back to 1
    expect([...f.read(100, 2)]).toEqual([0x00, 0xaa]);
    f.eraseSector(0);
    expect([...f.read(100, 2)]).toEqual([0xff, 0xff]);
  });

  it('erases exactly one 4 KB sector', () => {
    const f = new SpiFlash();
    f.program(SECTOR_BYTES - 1, Uint8Array.of(0, 0));
    f.eraseSector(1);
    expect([...f.read(SECTOR_BYTES - 1, 2)]).toEqual([0x00, 0xff]);
  });

  it('reports Winbond-style JEDEC ids by size and rejects accesses outside the chip', () => {
    expect(new SpiFlash().jedecId()).toBe(0x1640ef);
    expect(new SpiFlash(SpiFlash.createStorage(FLASH_SIZES['1M'], false)).jedecId()).toBe(0x1440ef);
    const f = new SpiFlash(SpiFlash.createStorage(FLASH_SIZES['512K'], true));
    expect(f.read(0, 1)[0]).toBe(0xff);
    expect(() => f.read(f.size - 1, 2)).toThrow(RangeError);
    expect(() => f.eraseSector(128)).toThrow(RangeError);
    expect(() => new SpiFlash(new ArrayBuffer(1000))).toThrow(RangeError);
  });
});
