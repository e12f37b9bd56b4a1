/**
 * Our stand-in for MicroPython's `firmware.bin`: a file laid out as `ports/esp8266/makeimg.py`
 * lays out the real one, so that the boot ROM, `esp.check_fw()` and (later) esptool see the same
 * structure (reference §6.5):
 *
 * - 0x0000: an ESP8266 V1 image with the RAM segments (IRAM at 0x40100000, DRAM data and rodata
 *   at 0x3FFE8000…), which the ROM loads and checks;
 * - up to 0x9000: 0xFF padding, with the file's length (without the MD5) as u32 LE at 0x8FFC;
 * - 0x9000: the irom0 blob (code the chip runs from flash, mapped at 0x40209000);
 * - at the end: the MD5 of bytes [4, length), which `esp.check_fw()` verifies.
 *
 * The emulator does not execute these bytes (the interpreter is the WebAssembly build), so the
 * segment contents are deterministic filler generated here, carrying the build's identity as
 * text; no byte comes from a real MicroPython binary. Sizes follow the real layout: the V1 part
 * fits in the 36 KB before 0x9000 and the whole file is about as large as a recent
 * ESP8266_GENERIC release file (≈ 640 KB; the exact v1.27.0 size is an estimate).
 */
import { encodeImage, FLASH_SIZE_CODES, type ImageSegment } from '../rom/esp-image.ts';

/** Offset of the irom0 blob in `firmware.bin` (`esp8266_2MiB.ld`: irom0 at 0x40209000). */
export const IROM_OFFSET = 0x9000;
/** Where makeimg.py stores the file length. */
export const LENGTH_WORD = 0x8ffc;

/** Which MicroPython build a firmware file is. */
export interface FirmwareIdentity {
  /** Board variant name, e.g. `ESP8266_GENERIC`. */
  board: string;
  /** Banner text after "MicroPython ", e.g. `v1.27.0 on 2025-12-09`. */
  version: string;
  /** Banner machine text, e.g. `ESP module with ESP8266`. */
  machine: string;
  /** Flash size code for the header (esptool `--flash_size`), e.g. `4MB`. */
  flashSize: keyof typeof FLASH_SIZE_CODES | string;
  /** Total file size in bytes, MD5 included (≈ the real release file). */
  fileSize: number;
}

/** The default board's firmware: v1.27.0 ESP8266_GENERIC for 2 MiB+ flash, on a 4 MB ESP-07. */
export const GENERIC_4M: FirmwareIdentity = {
  board: 'ESP8266_GENERIC',
  version: 'v1.27.0 on 2025-12-09',
  machine: 'ESP module with ESP8266',
  flashSize: '4MB',
  fileSize: 640 * 1024,
};

/**
 * The FLASH_1M variant (`ports/esp8266/boards/ESP8266_GENERIC/mpconfigvariant_FLASH_1M.mk`):
 * littlefs only, irom0 limited to 572 KB by `esp8266_1MiB.ld`, so the file ends before 0x98000;
 * the size is an estimate within that limit. Banner: reference §0.
 */
export const GENERIC_1M: FirmwareIdentity = {
  board: 'ESP8266_GENERIC-FLASH_1M',
  version: 'v1.27.0 on 2025-12-09',
  machine: 'ESP module (1M) with ESP8266',
  flashSize: '1MB',
  fileSize: 600 * 1024,
};

/**
 * The FLASH_512K variant: no filesystem, terse errors; the firmware must end before the
 * `flash_user_start()` of 0x7B000 (reference §2, esp module). The size is an estimate.
 */
export const GENERIC_512K: FirmwareIdentity = {
  board: 'ESP8266_GENERIC-FLASH_512K',
  version: 'v1.27.0 on 2025-12-09',
  machine: 'ESP module (512K) with ESP8266',
  flashSize: '512KB',
  fileSize: 476 * 1024,
};

/**
 * The builds a board can run, by the flash size they are made for, with the release file name
 * micropython.org uses (`<board>-<date>-<version>.bin`).
 */
export const FIRMWARE_BUILDS = [
  { flash: '4M', id: GENERIC_4M, file: 'ESP8266_GENERIC-20251209-v1.27.0.bin' },
  { flash: '1M', id: GENERIC_1M, file: 'ESP8266_GENERIC-FLASH_1M-20251209-v1.27.0.bin' },
  { flash: '512K', id: GENERIC_512K, file: 'ESP8266_GENERIC-FLASH_512K-20251209-v1.27.0.bin' },
] as const satisfies readonly { flash: '4M' | '1M' | '512K'; id: FirmwareIdentity; file: string }[];

/** Identity of a MicroPython firmware build as the running firmware shows it (banner, `os.uname()`). */
export interface FirmwareBuild {
  /** e.g. `v1.27.0 on 2025-12-09` (tag and build date of the official release). */
  version: string;
  /** e.g. `ESP module with ESP8266` (board name `with` MCU). */
  machine: string;
  /**
   * `esp.flash_user_start()`: where the firmware ends and the filesystem region may begin, in
   * bytes (the linker scripts' `_firmware_size`; reference §2 esp module), or null for a build
   * without a filesystem (FLASH_512K: `MICROPY_VFS` off).
   */
  userStart: number;
  /** Whether the build has `vfs`, `flashbdev` and the littlefs filesystem. */
  filesystem: boolean;
}

/** The official v1.27.0 ESP8266_GENERIC build for 2 MiB+ flash (reference §1.1: real banner). */
export const ESP8266_GENERIC: FirmwareBuild = { version: 'v1.27.0 on 2025-12-09', machine: 'ESP module with ESP8266', userStart: 0x100000, filesystem: true };

/** The builds by the board name their image carries ({@link readIdentity}), with their variant's values. */
const RUNNING_BUILDS: Record<string, FirmwareBuild> = {
  ESP8266_GENERIC,
  'ESP8266_GENERIC-FLASH_1M': { version: 'v1.27.0 on 2025-12-09', machine: 'ESP module (1M) with ESP8266', userStart: 0x98000, filesystem: true },
  'ESP8266_GENERIC-FLASH_512K': { version: 'v1.27.0 on 2025-12-09', machine: 'ESP module (512K) with ESP8266', userStart: 0x7b000, filesystem: false },
};

/** The running build for a board name read from flash, or undefined for an unknown one. */
export function runningBuild(board: string): FirmwareBuild | undefined {
  return Object.hasOwn(RUNNING_BUILDS, board) ? RUNNING_BUILDS[board] : undefined;
}

/** Marker text placed at the start of the irom0 blob, from which a firmware's build can be read back. */
export function identityText(id: FirmwareIdentity): string {
  return `MicroPython ${id.version}; ${id.machine}\0${id.board}\0`;
}

/** Deterministic filler (xorshift32) seeded from a string. */
function filler(length: number, seed: string): Uint8Array {
  let x = 2166136261;
  for (const ch of seed) x = Math.imul(x ^ ch.charCodeAt(0), 16777619) >>> 0;
  x ||= 1;
  // 32 bits per step, stored in the host byte order (little-endian wherever this runs); the last word is cut to length
  const words = new Uint32Array(Math.ceil(length / 4));
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return new Uint8Array(words.buffer, 0, length).slice();
}

/**
 * Builds a firmware file for a build, all but its MD5 trailer (left 0xFF: {@link sealFirmware}
 * writes it, so that callers choose when to spend the hashing time).
 * @returns the bytes to write at flash offset 0 (as `esptool write_flash 0 firmware.bin` does) and
 *   `length`, the makeimg.py length: the MD5 covers bytes [4, length) and is stored at `length`
 * @throws RangeError if `fileSize` leaves no room for the irom0 blob
 */
export function buildFirmware(id: FirmwareIdentity): { bytes: Uint8Array; length: number } {
  const text = new TextEncoder().encode(identityText(id));
  const rodata = filler(4928, `${id.board}/rodata`);
  rodata.set(text.subarray(0, Math.min(text.length, rodata.length)));
  const segments: ImageSegment[] = [
    { addr: 0x40100000, data: filler(28672, `${id.board}/iram`) },
    { addr: 0x3ffe8000, data: filler(1152, `${id.board}/data`) },
    { addr: 0x3ffe8480, data: rodata },
  ];
  // elf2image's header, with the size byte as `write_flash --flash_size detect` leaves it
  const image = encodeImage({ flashMode: 0, sizeFreq: FLASH_SIZE_CODES[id.flashSize] ?? 0x40, entry: 0x40100004 }, segments);
  const length = id.fileSize - 16;
  if (length <= IROM_OFFSET + text.length) throw new RangeError(`firmware size ${id.fileSize} leaves no room for irom0`);
  const out = new Uint8Array(id.fileSize).fill(0xff);
  out.set(image, 0);
  new DataView(out.buffer).setUint32(LENGTH_WORD, length, true);
  const irom = filler(length - IROM_OFFSET, `${id.board}/irom0`);
  irom.set(text);
  out.set(irom, IROM_OFFSET);
  return { bytes: out, length };
}

/**
 * Writes the MD5 trailer of a firmware in place (`esp.check_fw()` compares it).
 * @param image the firmware bytes (or the flash holding them at offset 0)
 * @param length the makeimg.py length from {@link buildFirmware}
 * @param md5 returns the 16-byte MD5 digest of its input
 */
export function sealFirmware(image: Uint8Array, length: number, md5: (data: Uint8Array) => Uint8Array): void {
  image.set(md5(image.subarray(4, length)), length);
}

/**
 * Reads which build a firmware in flash is, from the marker {@link buildFirmware} puts at 0x9000.
 * @param read returns `length` bytes at flash offset `addr`
 * @returns the board name and banner text, or null when the flash holds no firmware of ours
 */
export function readIdentity(read: (addr: number, length: number) => Uint8Array): { board: string; banner: string } | null {
  const bytes = read(IROM_OFFSET, 160);
  const text = new TextDecoder('latin1').decode(bytes);
  const m = /^MicroPython ([^\0]+)\0([A-Z0-9_-]+)\0/.exec(text);
  return m ? { banner: `MicroPython ${m[1]}`, board: m[2]! } : null;
}

/** The largest firmware `esp.check_fw()` accepts, in bytes (modesp.c: "Invalid size" above 1 MB). */
const MAX_FIRMWARE_BYTES = 1024 * 1024;

/**
 * Where the firmware in flash lacks code: the first erased 4 KB sector of its irom0 part
 * [0x9000, length), the length being makeimg.py's word at 0x8FFC. The ROM checks only the V1
 * part before 0x9000; a firmware cut short (written over an erased flash) starts, then runs
 * into code that is not there. `esp.check_fw()` (ports/esp8266/modesp.c) would also catch a
 * firmware whose bytes changed; that is not looked for here (the factory image's MD5 trailer is
 * written after the first boot, and changed code need not crash).
 * @param read returns `length` bytes at flash offset `addr` (past the end: 0xFF)
 * @returns the flash offset of the missing code, or null when none is missing or the length
 *   word is not a makeimg.py one (another image: started as our firmware, as before)
 */
export function missingFirmwareCode(read: (addr: number, length: number) => Uint8Array): number | null {
  const word = read(LENGTH_WORD, 4);
  const length = new DataView(word.buffer, word.byteOffset, 4).getUint32(0, true);
  if (length <= IROM_OFFSET || length > MAX_FIRMWARE_BYTES) return null;
  for (let at = IROM_OFFSET; at < length; at += 4096) {
    if (read(at, Math.min(4096, length - at)).every((b) => b === 0xff)) return at;
  }
  return null;
}
