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
 * ESP8266_GENERIC release file (≈ 640 KB; the exact sizes are estimates).
 *
 * There is one such file per release and variant ({@link FIRMWARE_BUILDS}); which one is in flash
 * decides, at every boot, which release runs ({@link flashIdentity}, {@link bootBuild}).
 */
import { encodeImage, FLASH_SIZE_CODES, type ImageSegment } from '../rom/esp-image.ts';

/** Offset of the irom0 blob in `firmware.bin` (`esp8266_2MiB.ld`: irom0 at 0x40209000). */
export const IROM_OFFSET = 0x9000;
/** Where makeimg.py stores the file length. */
export const LENGTH_WORD = 0x8ffc;

/**
 * The MicroPython releases a board can run, newest first. Each is the official
 * ESP8266_GENERIC release of that tag as micropython.org offers it (file name date = the
 * autobuild's date of the tagged build, banner date = `MICROPY_BUILD_DATE`), emulated by the
 * official WebAssembly build of the same release (`@micropython/micropython-webassembly-pyscript`).
 * What each release prints and does, with sources: `fidelity/v1.27-surface.md` and, for what
 * v1.28.0 changed, `fidelity/v1.28-changes.md`.
 */
export const RELEASES = {
  '1.28.0': {
    /** The git tag, as the banner shows it. */
    tag: 'v1.28.0',
    /** Build date in the banner (MP@v1.28.0:py/makeversionhdr.py; the tag commit is 2026-04-06 13:12 UTC). */
    date: '2026-04-06',
    /** Release notes of the emulation: what changed since the release before. */
    notes: 'emulator/firmware/fidelity/v1.28-changes.md',
    /** The npm package of the official wasm build (an alias of 1.28.0-6, v1.28.0-6.g974b56afa6). */
    wasmPackage: '@micropython/micropython-webassembly-pyscript-1.28',
  },
  '1.27.0': {
    tag: 'v1.27.0',
    date: '2025-12-09',
    notes: 'emulator/firmware/fidelity/v1.27-surface.md',
    wasmPackage: '@micropython/micropython-webassembly-pyscript',
  },
} as const;

/** A release number, e.g. `1.28.0`. */
export type ReleaseId = keyof typeof RELEASES;

/** The releases, newest first. */
export const RELEASE_IDS = Object.keys(RELEASES) as ReleaseId[];

/** The release a new board comes with, and the firmware list's first: what micropython.org offers today. */
export const DEFAULT_RELEASE: ReleaseId = '1.28.0';

/** Whether a string names one of {@link RELEASES} (e.g. a command-line value). */
export function isReleaseId(s: string): s is ReleaseId {
  return Object.hasOwn(RELEASES, s);
}

/** The banner's version text of a release, e.g. `v1.28.0 on 2026-04-06`. */
export function releaseVersion(release: ReleaseId): string {
  return `${RELEASES[release].tag} on ${RELEASES[release].date}`;
}

/**
 * The release a banner's version text belongs to: `v1.27.0 on 2025-12-09` gives `1.27.0`.
 * @returns null for a version that is none of {@link RELEASES}
 */
export function releaseOfVersion(version: string): ReleaseId | null {
  const m = /^v(\d+\.\d+\.\d+) on (\d{4}-\d{2}-\d{2})/.exec(version);
  if (!m || !isReleaseId(m[1]!)) return null;
  return RELEASES[m[1] as ReleaseId].date === m[2] ? (m[1] as ReleaseId) : null;
}

/** Which MicroPython build a firmware file is. */
export interface FirmwareIdentity {
  /** Board variant name, e.g. `ESP8266_GENERIC`. */
  board: string;
  /** The release it is a build of. */
  release: ReleaseId;
  /** Banner text after "MicroPython ", e.g. `v1.28.0 on 2026-04-06`. */
  version: string;
  /** Banner machine text, e.g. `ESP module with ESP8266`. */
  machine: string;
  /** Flash size code for the header (esptool `--flash_size`), e.g. `4MB`. */
  flashSize: keyof typeof FLASH_SIZE_CODES | string;
  /** Total file size in bytes, MD5 included (≈ the real release file). */
  fileSize: number;
}

/** The flash sizes a build is made for (`ESP8266_GENERIC` and its FLASH_1M / FLASH_512K variants). */
export type BuildFlash = '4M' | '1M' | '512K';

/**
 * The variants of ESP8266_GENERIC, the same in both releases (v1.28.0 only dropped the OTA
 * variant, which the lab never offered: MP@v1.28.0:ports/esp8266/boards/ESP8266_GENERIC/board.json).
 * - default: 2 MiB+ flash, on the lab's 4 MB ESP-07; ≈ 640 KB (the exact size is an estimate);
 * - FLASH_1M (`mpconfigvariant_FLASH_1M.mk`): littlefs only, irom0 limited to 572 KB by
 *   `esp8266_1MiB.ld`, so the file ends before 0x98000; the size is an estimate within that limit;
 * - FLASH_512K: no filesystem, terse errors; the firmware must end before the
 *   `flash_user_start()` of 0x7B000 (reference §2, esp module). The size is an estimate.
 * Banners: reference §0.
 */
const VARIANTS: Record<BuildFlash, { board: string; machine: string; flashSize: string; fileSize: number }> = {
  '4M': { board: 'ESP8266_GENERIC', machine: 'ESP module with ESP8266', flashSize: '4MB', fileSize: 640 * 1024 },
  '1M': { board: 'ESP8266_GENERIC-FLASH_1M', machine: 'ESP module (1M) with ESP8266', flashSize: '1MB', fileSize: 600 * 1024 },
  '512K': { board: 'ESP8266_GENERIC-FLASH_512K', machine: 'ESP module (512K) with ESP8266', flashSize: '512KB', fileSize: 476 * 1024 },
};

/**
 * The banner's first line a build prints (MP@v1.28.0:shared/runtime/pyexec.c: name and version,
 * `; `, machine), e.g. `MicroPython v1.28.0 on 2026-04-06; ESP module with ESP8266`.
 */
export function bannerLine(build: { version: string; machine: string }): string {
  return `MicroPython ${build.version}; ${build.machine}`;
}

/** The identity of one build: a release for one flash size. */
export function firmwareIdentity(flash: BuildFlash, release: ReleaseId = DEFAULT_RELEASE): FirmwareIdentity {
  return { ...VARIANTS[flash], release, version: releaseVersion(release) };
}

/** The default board's firmware: the default release's ESP8266_GENERIC for 2 MiB+ flash, on a 4 MB ESP-07. */
export const GENERIC_4M: FirmwareIdentity = firmwareIdentity('4M');
/** The default release's FLASH_1M variant. */
export const GENERIC_1M: FirmwareIdentity = firmwareIdentity('1M');
/** The default release's FLASH_512K variant. */
export const GENERIC_512K: FirmwareIdentity = firmwareIdentity('512K');

/** One firmware file the site offers: a build, with the file name micropython.org gives it. */
export interface FirmwareFile {
  flash: BuildFlash;
  release: ReleaseId;
  id: FirmwareIdentity;
  /** `<board>-<YYYYMMDD>-<tag>.bin`, e.g. `ESP8266_GENERIC-20260406-v1.28.0.bin` (tools/autobuild/autobuild.sh). */
  file: string;
}

/** The file name micropython.org gives a build (MP@v1.28.0:tools/autobuild/autobuild.sh `FW_TAG`). */
export function firmwareFileName(id: FirmwareIdentity): string {
  return `${id.board}-${RELEASES[id.release].date.replaceAll('-', '')}-${RELEASES[id.release].tag}.bin`;
}

/**
 * The builds a board can run, newest release first, each by the flash size it is made for.
 * The first of a flash size is the default release's.
 */
export const FIRMWARE_BUILDS: readonly FirmwareFile[] = RELEASE_IDS.flatMap((release) =>
  (['4M', '1M', '512K'] as const).map((flash) => {
    const id = firmwareIdentity(flash, release);
    return { flash, release, id, file: firmwareFileName(id) };
  }));

/** The firmware file of a flash size and release. */
export function firmwareBuild(flash: BuildFlash, release: ReleaseId = DEFAULT_RELEASE): FirmwareFile {
  return FIRMWARE_BUILDS.find((b) => b.flash === flash && b.release === release) as FirmwareFile;
}

/** Identity of a MicroPython firmware build as the running firmware shows it (banner, `os.uname()`). */
export interface FirmwareBuild {
  /** The release: which interpreter (wasm) runs it, and `sys.implementation.version`. */
  release: ReleaseId;
  /** e.g. `v1.28.0 on 2026-04-06` (tag and build date of the official release). */
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

/** What the variants give the running firmware, by the board name their image carries ({@link readIdentity}). */
const RUNNING_VARIANTS: Record<string, Omit<FirmwareBuild, 'release' | 'version'>> = {
  ESP8266_GENERIC: { machine: 'ESP module with ESP8266', userStart: 0x100000, filesystem: true },
  'ESP8266_GENERIC-FLASH_1M': { machine: 'ESP module (1M) with ESP8266', userStart: 0x98000, filesystem: true },
  'ESP8266_GENERIC-FLASH_512K': { machine: 'ESP module (512K) with ESP8266', userStart: 0x7b000, filesystem: false },
};

/** The board name of a banner's machine text (`ESP module (1M) with ESP8266` → `ESP8266_GENERIC-FLASH_1M`), or null. */
export function boardOfMachine(machine: string): string | null {
  return Object.keys(RUNNING_VARIANTS).find((b) => RUNNING_VARIANTS[b]!.machine === machine) ?? null;
}

/**
 * The running build for a board name read from flash and a release.
 * @returns undefined for an unknown board name
 */
export function runningBuild(board: string, release: ReleaseId = DEFAULT_RELEASE): FirmwareBuild | undefined {
  const variant = Object.hasOwn(RUNNING_VARIANTS, board) ? RUNNING_VARIANTS[board] : undefined;
  return variant && { release, version: releaseVersion(release), ...variant };
}

/** The default release's ESP8266_GENERIC build for 2 MiB+ flash (reference §1.1: real banner). */
export const ESP8266_GENERIC: FirmwareBuild = runningBuild('ESP8266_GENERIC') as FirmwareBuild;

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
 * The seed of a build's filler: v1.27.0's are the board name alone (so its files stay the bytes
 * they were before there were two releases: a board saved then still holds exactly the site's
 * v1.27.0 file), later releases add their number, so each release is different code.
 */
function seedOf(id: FirmwareIdentity): string {
  return id.release === '1.27.0' ? id.board : `${id.board}@${id.release}`;
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
  const seed = seedOf(id);
  const rodata = filler(4928, `${seed}/rodata`);
  rodata.set(text.subarray(0, Math.min(text.length, rodata.length)));
  const segments: ImageSegment[] = [
    { addr: 0x40100000, data: filler(28672, `${seed}/iram`) },
    { addr: 0x3ffe8000, data: filler(1152, `${seed}/data`) },
    { addr: 0x3ffe8480, data: rodata },
  ];
  // elf2image's header, with the size byte as `write_flash --flash_size detect` leaves it
  const image = encodeImage({ flashMode: 0, sizeFreq: FLASH_SIZE_CODES[id.flashSize] ?? 0x40, entry: 0x40100004 }, segments);
  const length = id.fileSize - 16;
  if (length <= IROM_OFFSET + text.length) throw new RangeError(`firmware size ${id.fileSize} leaves no room for irom0`);
  const out = new Uint8Array(id.fileSize).fill(0xff);
  out.set(image, 0);
  new DataView(out.buffer).setUint32(LENGTH_WORD, length, true);
  const irom = filler(length - IROM_OFFSET, `${seed}/irom0`);
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

/** Which build a firmware in flash is, as read from its bytes. */
export interface FlashIdentity {
  /** Board variant name, e.g. `ESP8266_GENERIC-FLASH_1M`. */
  board: string;
  /** The banner's first line, e.g. `MicroPython v1.28.0 on 2026-04-06; ESP module with ESP8266`. */
  banner: string;
  /** The release its version is, or null for a version none of {@link RELEASES} is. */
  release: ReleaseId | null;
}

/**
 * Reads which build a firmware in flash is, from the marker {@link buildFirmware} puts at 0x9000.
 * @param read returns `length` bytes at flash offset `addr`
 * @returns the board name, banner text and release, or null when the flash holds no firmware of ours
 */
export function readIdentity(read: (addr: number, length: number) => Uint8Array): FlashIdentity | null {
  const bytes = read(IROM_OFFSET, 160);
  const text = new TextDecoder('latin1').decode(bytes);
  const m = /^MicroPython ([^\0]+)\0([A-Z0-9_-]+)\0/.exec(text);
  return m ? { banner: `MicroPython ${m[1]}`, board: m[2]!, release: releaseOfVersion(m[1]!) } : null;
}

/** `MicroPython v` in ASCII: the start of a real image's banner string. */
const BANNER_START = new TextEncoder().encode('MicroPython v');

/**
 * Reads which build a real MicroPython image is (a file from micropython.org written with
 * esptool): its banner is two C strings in the image, `"MicroPython " MICROPY_GIT_TAG " on "
 * MICROPY_BUILD_DATE` and `"; " MICROPY_BANNER_MACHINE` (MP@v1.28.0:py/mpconfig.h,
 * shared/runtime/pyexec.c prints them one after the other). Looks through the first MB of flash
 * (the largest firmware `esp.check_fw()` accepts).
 * @param read returns `length` bytes at flash offset `addr`
 * @returns null when no ESP8266_GENERIC banner is found
 */
export function scanIdentity(read: (addr: number, length: number) => Uint8Array): FlashIdentity | null {
  const bytes = read(0, MAX_FIRMWARE_BYTES);
  const latin1 = new TextDecoder('latin1');
  let version: string | null = null;
  for (let at = bytes.indexOf(BANNER_START[0]!); at >= 0 && at < bytes.length; at = bytes.indexOf(BANNER_START[0]!, at + 1)) {
    if (!BANNER_START.every((b, i) => bytes[at + i] === b)) continue;
    const end = bytes.indexOf(0, at);
    const m = /^MicroPython (v\d+\.\d+\.\d+(?:-[\w.-]+)? on \d{4}-\d{2}-\d{2})$/.exec(latin1.decode(bytes.subarray(at, end < 0 ? at + 64 : Math.min(end, at + 64))));
    if (m) {
      version = m[1]!;
      break;
    }
  }
  if (!version) return null;
  for (const board of Object.keys(RUNNING_VARIANTS)) {
    const machine = new TextEncoder().encode(`; ${RUNNING_VARIANTS[board]!.machine}\0`);
    for (let at = bytes.indexOf(machine[0]!); at >= 0; at = bytes.indexOf(machine[0]!, at + 1)) {
      if (machine.every((b, i) => bytes[at + i] === b)) {
        return { board, banner: `MicroPython ${version}; ${RUNNING_VARIANTS[board]!.machine}`, release: releaseOfVersion(version) };
      }
    }
  }
  return null;
}

/**
 * Which build the firmware in flash is: our image's marker, else a real image's banner.
 * @param read returns `length` bytes at flash offset `addr` (past the end: 0xFF)
 */
export function flashIdentity(read: (addr: number, length: number) => Uint8Array): FlashIdentity | null {
  return readIdentity(read) ?? scanIdentity(read);
}

/**
 * A reader over flash contents as {@link flashIdentity} takes it: `length` bytes at `addr`,
 * 0xFF past the end (erased).
 */
export function flashReader(bytes: Uint8Array): (addr: number, length: number) => Uint8Array {
  return (addr, length) => {
    const out = new Uint8Array(length).fill(0xff);
    if (addr < bytes.length) out.set(bytes.subarray(addr, Math.min(bytes.length, addr + length)));
    return out;
  };
}

/**
 * The build the firmware starts as, from what {@link flashIdentity} found: its board and
 * release; an unknown release runs as `fallback`'s, and an unknown board (or no identity) is `fallback`.
 */
export function bootBuild(id: FlashIdentity | null, fallback: FirmwareBuild = ESP8266_GENERIC): FirmwareBuild {
  return (id && runningBuild(id.board, id.release ?? fallback.release)) || fallback;
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
