import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseImage, romLoadLog } from '../rom/esp-image.ts';
import {
  bannerLine, bootBuild, buildFirmware, DEFAULT_RELEASE, ESP8266_GENERIC, FIRMWARE_BUILDS, firmwareBuild, firmwareIdentity, flashIdentity, GENERIC_4M, IROM_OFFSET,
  isReleaseId, LENGTH_WORD, missingFirmwareCode, readIdentity, releaseOfVersion, RELEASE_IDS, runningBuild, scanIdentity, sealFirmware,
} from './builds.ts';

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
    expect(readIdentity(reader(fw))).toEqual({ board: 'ESP8266_GENERIC', banner: 'MicroPython v1.28.0 on 2026-04-06; ESP module with ESP8266', release: '1.28.0' });
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

// The releases: micropython.org's ESP8266_GENERIC downloads of v1.28.0 (2026-04-06) and v1.27.0
// (2025-12-09), tools/autobuild/autobuild.sh's <board>-<YYYYMMDD>-<tag>.bin names; banners as the
// boards print them (MP@v1.28.0:shared/runtime/pyexec.c, py/mpconfig.h MICROPY_BANNER_*)
describe('releases', () => {
  it('v1.28.0 is the default; both releases are offered for each flash size, newest first', () => {
    expect(DEFAULT_RELEASE).toBe('1.28.0');
    expect(RELEASE_IDS).toEqual(['1.28.0', '1.27.0']);
    expect(FIRMWARE_BUILDS.map((b) => b.file)).toEqual([
      'ESP8266_GENERIC-20260406-v1.28.0.bin',
      'ESP8266_GENERIC-FLASH_1M-20260406-v1.28.0.bin',
      'ESP8266_GENERIC-FLASH_512K-20260406-v1.28.0.bin',
      'ESP8266_GENERIC-20251209-v1.27.0.bin',
      'ESP8266_GENERIC-FLASH_1M-20251209-v1.27.0.bin',
      'ESP8266_GENERIC-FLASH_512K-20251209-v1.27.0.bin',
    ]);
    // a board of a flash size gets the first build of that size: the default release's
    expect(FIRMWARE_BUILDS.find((b) => b.flash === '1M')?.release).toBe('1.28.0');
    expect(firmwareBuild('512K', '1.27.0').file).toBe('ESP8266_GENERIC-FLASH_512K-20251209-v1.27.0.bin');
  });

  it('banners per release and variant', () => {
    expect(bannerLine(GENERIC_4M)).toBe('MicroPython v1.28.0 on 2026-04-06; ESP module with ESP8266');
    expect(bannerLine(firmwareIdentity('4M', '1.27.0'))).toBe('MicroPython v1.27.0 on 2025-12-09; ESP module with ESP8266');
    expect(bannerLine(firmwareIdentity('1M', '1.28.0'))).toBe('MicroPython v1.28.0 on 2026-04-06; ESP module (1M) with ESP8266');
    expect(bannerLine(runningBuild('ESP8266_GENERIC-FLASH_512K', '1.27.0')!)).toBe('MicroPython v1.27.0 on 2025-12-09; ESP module (512K) with ESP8266');
    expect(bannerLine(ESP8266_GENERIC)).toBe(bannerLine(GENERIC_4M));
  });

  it('a version text names its release only with the release\'s own date', () => {
    expect(releaseOfVersion('v1.27.0 on 2025-12-09')).toBe('1.27.0');
    expect(releaseOfVersion('v1.28.0 on 2026-04-06; ESP module with ESP8266')).toBe('1.28.0');
    expect(releaseOfVersion('v1.28.0 on 2026-04-07')).toBeNull(); // a later build of the tag
    expect(releaseOfVersion('v1.26.1 on 2025-09-11')).toBeNull();
    expect(isReleaseId('1.27.0') && isReleaseId('1.28.0')).toBe(true);
    expect(isReleaseId('1.29.0')).toBe(false);
  });

  it('the image in flash decides the release the board boots', () => {
    const old = buildFirmware(firmwareIdentity('1M', '1.27.0')).bytes;
    const id = flashIdentity(reader(old));
    expect(id).toEqual({ board: 'ESP8266_GENERIC-FLASH_1M', banner: 'MicroPython v1.27.0 on 2025-12-09; ESP module (1M) with ESP8266', release: '1.27.0' });
    expect(bootBuild(id)).toEqual({ release: '1.27.0', version: 'v1.27.0 on 2025-12-09', machine: 'ESP module (1M) with ESP8266', userStart: 0x98000, filesystem: true });
    expect(bootBuild(flashIdentity(reader(buildFirmware(GENERIC_4M).bytes))).release).toBe('1.28.0');
    expect(bootBuild(null)).toBe(ESP8266_GENERIC); // no firmware of ours: the default build
  });

  it('each release is different code; v1.27.0 files are the bytes they were before v1.28.0 came', () => {
    const a = buildFirmware(firmwareIdentity('4M', '1.27.0')).bytes;
    const b = buildFirmware(firmwareIdentity('4M', '1.28.0')).bytes;
    expect(Buffer.from(a.subarray(0x10000, 0x10100)).equals(Buffer.from(b.subarray(0x10000, 0x10100)))).toBe(false);
    // sha256 of the 4 MB v1.27.0 build as builds.ts made it before there were two releases
    expect(createHash('sha256').update(a).digest('hex')).toBe('931bba5066ea3690f5005cb98dfdd766540ed23183d6e0e973e9769ff834e437');
  });

  it('a real image (no marker of ours) is known by its banner strings', () => {
    // what micropython.org's file holds: the banner's two C strings among other code
    const real = new Uint8Array(0xa0000).fill(0x5a);
    const put = (at: number, s: string) => real.set(new TextEncoder().encode(`${s}\0`), at);
    put(0x3a100, 'MicroPython v1.27.0 on 2025-12-09');
    put(0x3a124, '; ESP module (1M) with ESP8266');
    expect(readIdentity(reader(real))).toBeNull();
    expect(scanIdentity(reader(real))).toEqual({ board: 'ESP8266_GENERIC-FLASH_1M', banner: 'MicroPython v1.27.0 on 2025-12-09; ESP module (1M) with ESP8266', release: '1.27.0' });
    put(0x3a100, 'MicroPython v1.22.2 on 2024-02-22');
    expect(bootBuild(flashIdentity(reader(real))).release).toBe(DEFAULT_RELEASE); // a release the lab has no interpreter of
    expect(scanIdentity(reader(new Uint8Array(0x1000).fill(0x4d)))).toBeNull();
  });
});
