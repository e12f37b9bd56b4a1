import { describe, expect, it } from 'vitest';
import { CHECKSUM_SEED, encodeImage, imageChecksum, parseImage, romLoadLog, type ImageSegment } from './esp-image.ts';

/** Deterministic segment data (a small LCG), so checksums are not trivially the seed. */
function data(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function flashWith(image: Uint8Array, size = 0x100000) {
  const flash = new Uint8Array(size).fill(0xff);
  flash.set(image);
  return (addr: number, length: number) => {
    const out = new Uint8Array(length).fill(0xff);
    out.set(flash.subarray(addr, Math.min(size, addr + length)));
    return out;
  };
}

// Segment lengths of the MicroPython log in micropython/micropython#1914 (reference §6.4).
const MP1914: ImageSegment[] = [
  { addr: 0x40100000, data: data(30512, 1) },
  { addr: 0x3ffe8000, data: data(924, 2) },
  { addr: 0x3ffe83a0, data: data(26224, 3) },
];
const header = { flashMode: 0, sizeFreq: 0x40, entry: 0x40100004 };

describe('ESP8266 V1 image (esptool bin_image.py; reference §6.5)', () => {
  it('encodes magic, count, mode, size/freq, entry, segments and the checksum as the last byte of a 16-byte block', () => {
    const img = encodeImage(header, [{ addr: 0x40100000, data: Uint8Array.of(1, 2, 3, 4) }]);
    expect([...img.subarray(0, 8)]).toEqual([0xe9, 1, 0, 0x40, 0x04, 0x00, 0x10, 0x40]);
    expect([...img.subarray(8, 16)]).toEqual([0x00, 0x00, 0x10, 0x40, 4, 0, 0, 0]);
    expect(img.length).toBe(32); // 20 bytes of body, padded to 32
    expect(img[31]).toBe(0xef ^ 1 ^ 2 ^ 3 ^ 4);
    expect(imageChecksum([])).toBe(CHECKSUM_SEED);
  });

  it('refuses lengths that are not a multiple of 4 and more than 16 segments, as esptool does', () => {
    expect(() => encodeImage(header, [{ addr: 0, data: new Uint8Array(3) }])).toThrow(RangeError);
    expect(() => encodeImage(header, Array.from({ length: 17 }, () => ({ addr: 0, data: new Uint8Array(4) })))).toThrow(/too many segments/);
  });

  it('parses back what it encodes, with the running checksum per segment', () => {
    const img = encodeImage(header, MP1914);
    const parsed = parseImage(flashWith(img), 0x100000);
    if (!parsed.ok) throw new Error('not parsed');
    expect(parsed.header).toEqual(header);
    expect(parsed.segments.map((s) => [s.addr, s.length, s.fileOffset])).toEqual([
      [0x40100000, 30512, 16],
      [0x3ffe8000, 924, 30536],
      [0x3ffe83a0, 26224, 31468],
    ]);
    expect(parsed.stored).toBe(parsed.computed);
    expect(parsed.segments[2]!.checksumAfter).toBe(imageChecksum(MP1914.map((s) => s.data)));
  });
});

describe('what the boot ROM prints while loading (reference §6.4)', () => {
  it('room/tail per segment match the micropython#1914 log: room 16 tail 0, room 8 tail 4, room 4 tail 12', () => {
    const img = encodeImage(header, MP1914);
    const { text, boots } = romLoadLog(parseImage(flashWith(img), 0x100000));
    expect(boots).toBe(true);
    const lines = text.split('\r\n');
    expect(lines.filter((l) => l.startsWith('load '))).toEqual([
      'load 0x40100000, len 30512, room 16 ',
      'load 0x3ffe8000, len 924, room 8 ',
      'load 0x3ffe83a0, len 26224, room 4 ',
    ]);
    expect(lines.filter((l) => l.startsWith('tail '))).toEqual(['tail 0', 'tail 4', 'tail 12']);
    // the last segment's tail 12 is not followed by an "ho" line: no segment header comes after it
    expect(text).not.toContain('ho 0');
    const sum = imageChecksum(MP1914.map((s) => s.data));
    expect(lines.at(-2)).toBe(`csum 0x${sum.toString(16).padStart(2, '0')}`);
    expect(lines.at(-1)).toBe('');
  });

  it('a segment ending with tail > 8 before another segment gets an "ho" line', () => {
    const img = encodeImage(header, [
      { addr: 0x40100000, data: data(12, 4) }, // data at 16: room 16, tail (12-16) mod 16 = 12
      { addr: 0x3ffe8000, data: data(8, 5) }, // header at 28..36, data at 36: room 12
    ]);
    const { text } = romLoadLog(parseImage(flashWith(img), 0x100000));
    expect(text).toContain('tail 12\r\nchksum ');
    expect(text).toMatch(/chksum 0x[0-9a-f]{2}\r\nho 0 tail 12 room 4\r\nload 0x3ffe8000, len 8, room 12 \r\n/);
  });

  it('a corrupt image prints csum err and ets_main.c, and does not boot', () => {
    const img = encodeImage(header, MP1914);
    img[100] ^= 0x55;
    const { text, boots } = romLoadLog(parseImage(flashWith(img), 0x100000));
    expect(boots).toBe(false);
    expect(text).toMatch(/\r\ncsum 0x[0-9a-f]{2}\r\ncsum err\r\nets_main\.c $/);
  });

  it('erased flash (magic 0xFF) prints only ets_main.c', () => {
    const { text, boots } = romLoadLog(parseImage(flashWith(new Uint8Array(0)), 0x100000));
    expect(boots).toBe(false);
    expect(text).toBe('ets_main.c ');
  });
});
