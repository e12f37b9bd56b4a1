/**
 * The ESP8266 "V1" firmware image the boot ROM loads from flash offset 0, and what the ROM prints
 * while loading it (reference §6.4–§6.5; esptool `esptool/bin_image.py` `ESP8266ROMFirmwareImage`).
 *
 * Layout: an 8-byte header (magic 0xE9, segment count, flash mode, size/frequency byte, entry point
 * u32 LE), then each segment as load address u32 LE, length u32 LE and its bytes, then 0 padding
 * so that the checksum byte is the last byte of a 16-byte block. The checksum is the XOR of every
 * segment data byte, seeded with 0xEF.
 *
 * The device's boot (firmware/boot.ts `bootNow`) parses the image at flash offset 0 with {@link parseImage}
 * and prints {@link romLoadLog}; a new board's flash holds the stand-in image of firmware.ts.
 */

/** Image magic byte (esptool `ESPLoader.ESP_IMAGE_MAGIC`). */
export const IMAGE_MAGIC = 0xe9;
/** Seed of the image checksum (esptool `ESPLoader.ESP_CHECKSUM_MAGIC`). */
export const CHECKSUM_SEED = 0xef;
/** Most segments esptool accepts in an image. */
export const MAX_SEGMENTS = 16;

/** Flash size codes of header byte 3's high nibble (esptool `targets/esp8266.py` FLASH_SIZES). */
export const FLASH_SIZE_CODES: Readonly<Record<string, number>> = {
  '512KB': 0x00, '256KB': 0x10, '1MB': 0x20, '2MB': 0x30, '4MB': 0x40, '2MB-c1': 0x50, '4MB-c1': 0x60, '8MB': 0x80, '16MB': 0x90,
};

export interface ImageSegment {
  /** Load address in the chip's memory map, e.g. 0x40100000 (IRAM) or 0x3FFE8000 (DRAM). */
  addr: number;
  data: Uint8Array;
}

export interface ImageHeader {
  /** 0 qio, 1 qout, 2 dio, 3 dout. */
  flashMode: number;
  /** Header byte 3: flash size code (high nibble) | frequency code (low nibble). */
  sizeFreq: number;
  /** Entry point address. */
  entry: number;
}

/** XOR checksum of segment data, seeded with 0xEF. */
export function imageChecksum(segments: readonly Uint8Array[]): number {
  let c = CHECKSUM_SEED;
  for (const data of segments) for (const b of data) c ^= b;
  return c;
}

/**
 * Encodes a V1 image.
 * @throws RangeError when there are more than 16 segments or a length is not a multiple of 4
 *   (esptool refuses both)
 */
export function encodeImage(header: ImageHeader, segments: readonly ImageSegment[]): Uint8Array {
  if (segments.length > MAX_SEGMENTS) throw new RangeError(`too many segments: ${segments.length} (at most ${MAX_SEGMENTS})`);
  for (const s of segments) {
    if (s.data.length % 4) throw new RangeError(`segment at 0x${s.addr.toString(16)} has length ${s.data.length}, not a multiple of 4`);
  }
  const body = 8 + segments.reduce((n, s) => n + 8 + s.data.length, 0);
  const total = (Math.floor(body / 16) + 1) * 16; // padding, with the checksum as the last byte
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out[0] = IMAGE_MAGIC;
  out[1] = segments.length;
  out[2] = header.flashMode;
  out[3] = header.sizeFreq;
  view.setUint32(4, header.entry >>> 0, true);
  let p = 8;
  for (const s of segments) {
    view.setUint32(p, s.addr >>> 0, true);
    view.setUint32(p + 4, s.data.length, true);
    out.set(s.data, p + 8);
    p += 8 + s.data.length;
  }
  out[total - 1] = imageChecksum(segments.map((s) => s.data));
  return out;
}

/** A segment as the ROM finds it: where it loads, how long, and where its data starts in flash. */
export interface ParsedSegment {
  addr: number;
  length: number;
  fileOffset: number;
  /** The running checksum after this segment's data (seeded 0xEF). */
  checksumAfter: number;
}

export type ParsedImage =
  | { ok: true; header: ImageHeader; segments: ParsedSegment[]; stored: number; computed: number }
  | { ok: false; reason: 'no-image'; magic: number };

/**
 * Reads an image the way the boot ROM does, from a flash reader.
 * @param read returns `length` bytes at flash offset `addr` (reads past the end give 0xFF)
 * @param flashSize bytes of flash, to stop a corrupt length from reading forever
 */
export function parseImage(read: (addr: number, length: number) => Uint8Array, flashSize: number): ParsedImage {
  const head = read(0, 8);
  if (head[0] !== IMAGE_MAGIC) return { ok: false, reason: 'no-image', magic: head[0] ?? 0xff };
  const dv = new DataView(head.buffer, head.byteOffset, 8);
  const header: ImageHeader = { flashMode: head[2]!, sizeFreq: head[3]!, entry: dv.getUint32(4, true) };
  const segments: ParsedSegment[] = [];
  let computed = CHECKSUM_SEED;
  let p = 8;
  for (let i = 0; i < head[1]!; i++) {
    const sh = read(p, 8);
    const sv = new DataView(sh.buffer, sh.byteOffset, 8);
    const addr = sv.getUint32(0, true);
    const length = Math.min(sv.getUint32(4, true), Math.max(0, flashSize - p - 8));
    for (const b of read(p + 8, length)) computed ^= b;
    segments.push({ addr, length, fileOffset: p + 8, checksumAfter: computed });
    p += 8 + length;
  }
  const checksumAt = (Math.floor(p / 16) + 1) * 16 - 1;
  const stored = read(checksumAt, 1)[0] ?? 0xff;
  return { ok: true, header, segments, stored, computed };
}

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(2, '0')}`;
const addrHex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/**
 * What the boot ROM prints (at 74880 baud, after its first line) while loading an image, as text
 * with `\r\n` line ends (the ROM's putc turns `\n` into `\r\n`). Rules derived from six real logs
 * (reference §6.4): per segment `load <addr>, len <n>, room <r> ` (trailing space),
 * `tail <t>`, `chksum <running>`; `room` is 16 − (data offset mod 16) with 0 shown as 16,
 * `tail` is (len − room) mod 16, and a segment ending with tail > 8 is followed, before the next
 * `load`, by `ho 0 tail <t> room <16−t>`. Then `csum <computed>`, and on a mismatch `csum err`
 * and `ets_main.c ` (the ROM halts). Flash without an image prints `ets_main.c ` only.
 * @returns the text and whether the ROM goes on to run the image
 */
export function romLoadLog(image: ParsedImage): { text: string; boots: boolean } {
  if (!image.ok) return { text: 'ets_main.c ', boots: false };
  const lines: string[] = [];
  image.segments.forEach((s, i) => {
    const room = 16 - (s.fileOffset % 16);
    const tail = (((s.length - room) % 16) + 16) % 16;
    lines.push(`load ${addrHex(s.addr)}, len ${s.length}, room ${room} `, `tail ${tail}`, `chksum ${hex(s.checksumAfter)}`);
    if (tail > 8 && i < image.segments.length - 1) lines.push(`ho 0 tail ${tail} room ${16 - tail}`);
  });
  lines.push(`csum ${hex(image.computed)}`);
  if (image.computed !== image.stored) return { text: `${lines.join('\r\n')}\r\ncsum err\r\nets_main.c `, boots: false };
  return { text: `${lines.join('\r\n')}\r\n`, boots: true };
}
