import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseImage, romLoadLog } from '../rom/esp-image.ts';
import { buildFirmware, GENERIC_4M, IROM_OFFSET, LENGTH_WORD, missingFirmwareCode, readIdentity, sealFirmware } from './builds.ts';

const reader = (bytes: Uint8Array) => (addr: number, length: number) => {
  const out = new Uint8Array(length).fill(0xff);
  out.set(bytes.subarray(addr, Math.min(bytes.length, addr + length)));
  return out;
};

// Layout: MicroPython ports/esp8266/makeimg.py (reference §6.5)
describe('firmware.bin as makeimg.py lays it out', () => {
  const built = buildFirmware(GENERIC_4M);
  const fw = built.bytes;
  const length = new DataView(fw.buffer).getUint32(LENGTH_WORD, true);
  const nodeMd5 = (d: Uint8Array) => new Uint8Array(createHash('md5').update(d).digest());

  it('is a V1 image at 0 that fits before 0x9000, 0xFF padding, the length at 0x8FFC, irom0 at 0x9000', () => {
    expect(fw[0]).toBe(0xe9);
    expect(fw[3]! >> 4).toBe(0x4); // 4MB, as write_flash --flash_size detect leaves it
    const parsed = parseImage(reader(fw), fw.length);
    if (!parsed.ok) throw new Error('no image');
    const last = parsed.segments.at(-1)!;
    expect(last.fileOffset + last.length).toBeLessThan(LENGTH_WORD);
    expect(fw[LENGTH_WORD - 1]).toBe(0xff);
    expect(length).toBe(fw.length - 16);
    expect(fw.length).toBeGreaterThan(600 * 1024);
    expect(fw.length).toBeLessThan(IROM_OFFSET + 988 * 1024); // irom0 region of esp8266_2MiB.ld
  });

  it('ends with the MD5 of bytes [4, length), which esp.check_fw() verifies', () => {
    expect(built.length).toBe(length);
    expect([...fw.subarray(length)].every((b) => b === 0xff)).toBe(true); // not sealed yet
    sealFirmware(fw, built.length, nodeMd5);
    const md5 = createHash('md5').update(fw.subarray(4, length)).digest();
    expect(Buffer.from(fw.subarray(length, length + 16)).equals(md5)).toBe(true);
  });

  it('the ROM loads it: three segments and a matching checksum', () => {
    const { text, boots } = romLoadLog(parseImage(reader(fw), fw.length));
    expect(boots).toBe(true);
    expect(text.match(/^load 0x[0-9a-f]{8}, len \d+, room \d+ $/gm)).toHaveLength(3);
    expect(text).toMatch(/^load 0x40100000, len 28672, room 16 \r\n/);
  });

  it('carries its build identity, and is the same bytes every time', () => {
    expect(readIdentity(reader(fw))).toEqual({ board: 'ESP8266_GENERIC', banner: 'MicroPython v1.27.0 on 2025-12-09; ESP module with ESP8266' });
    expect(readIdentity(reader(new Uint8Array(0)))).toBeNull();
    expect(createHash('sha256').update(buildFirmware(GENERIC_4M).bytes.subarray(0, length)).digest('hex')).toBe(createHash('sha256').update(fw.subarray(0, length)).digest('hex'));
  });
});

// what firmware_start runs into: the irom0 part up to makeimg.py's length (ports/esp8266/makeimg.py)
describe('a firmware cut short', () => {
  const built = buildFirmware(GENERIC_4M);

  it('is whole as built, and misses code from the first erased sector when cut at 100 000 bytes', () => {
    expect(missingFirmwareCode(reader(built.bytes))).toBeNull();
    const cut = built.bytes.slice(0, 100_000);
    expect(missingFirmwareCode(reader(cut))).toBe(Math.ceil(100_000 / 4096) * 4096);
  });

  it('one erased sector in the middle is missing code; an image without the length word is left alone', () => {
    const holed = built.bytes.slice();
    holed.fill(0xff, 0x20000, 0x21000);
    expect(missingFirmwareCode(reader(holed))).toBe(0x20000);
    const other = built.bytes.slice();
    other.fill(0xff, LENGTH_WORD, LENGTH_WORD + 4);
    expect(missingFirmwareCode(reader(other))).toBeNull();
  });
});
