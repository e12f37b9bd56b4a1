/**
 * The ROM loader driven with the packets esptool-js 0.7.0 sends (lib/esploader.js), checked
 * against the replies real ESP8266s give (reference serial-protocols.md §2, issues cited there).
 */
import { describe, expect, it, vi } from 'vitest';
import { FLASH_SIZES, SpiFlash } from '../chip/flash.ts';
import { OP, RomLoader } from './rom-loader.ts';
import { SlipDecoder, slipEncode } from './slip.ts';

function request(op: number, data: Uint8Array = new Uint8Array(0), chk = 0): Uint8Array {
  const p = new Uint8Array(8 + data.length);
  const dv = new DataView(p.buffer);
  p[1] = op;
  dv.setUint16(2, data.length, true);
  dv.setUint32(4, chk, true);
  p.set(data, 8);
  return slipEncode(p);
}
const words = (...w: number[]) => new Uint8Array(Uint32Array.from(w).buffer);
const SYNC = Uint8Array.from([0x07, 0x07, 0x12, 0x20, ...Array(32).fill(0x55)]);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function setup() {
  const flash = new SpiFlash(SpiFlash.createStorage(FLASH_SIZES['4M'], false));
  const runUserCode = vi.fn();
  const loader = new RomLoader({ flash, efuse: [0x5a000000, 0x00001234, 0, 0], runUserCode });
  const frames = (bytes: Uint8Array) => new SlipDecoder().push(loader.input(bytes));
  return { flash, loader, frames, runUserCode };
}

describe('ESP8266 ROM loader', () => {
  it('answers SYNC eight times with val 0x20120707 (mongoose-os#67 log)', () => {
    const { frames } = setup();
    const r = frames(request(OP.SYNC, SYNC));
    expect(r).toHaveLength(8);
    expect(r.map(hex)).toEqual(Array(8).fill('01080200070712200000'));
  });

  it('reads the chip-detect magic as real hardware does (esptool#620: 010a020001c1f0ff0000)', () => {
    const { frames } = setup();
    expect(frames(request(OP.READ_REG, words(0x40001000))).map(hex)).toEqual(['010a020001c1f0ff0000']);
  });

  it('answers GET_SECURITY_INFO (0x14) as unsupported: another op, status 1, error 5', () => {
    const { frames } = setup();
    frames(request(OP.SYNC, SYNC));
    const [r] = frames(request(0x14));
    expect(r![1]).not.toBe(0x14);
    expect([...r!.subarray(8)]).toEqual([1, 5]);
  });

  it('reads the flash JEDEC id through SPI0 user commands as esptool-js does', () => {
    const { frames, flash } = setup();
    const write = (addr: number, value: number) => frames(request(OP.WRITE_REG, words(addr, value, 0xffffffff, 0)));
    write(0x60000200, 23); // esptool-js's MISO-length quirk lands in SPI_CMD: harmless
    write(0x6000021c, 0x90000000);
    write(0x60000224, 0x7000009f);
    write(0x60000240, 0);
    write(0x60000200, 1 << 18);
    const [cmd] = frames(request(OP.READ_REG, words(0x60000200)));
    expect(new DataView(cmd!.buffer, cmd!.byteOffset).getUint32(4, true) & (1 << 18)).toBe(0);
    const [w0] = frames(request(OP.READ_REG, words(0x60000240)));
    expect(new DataView(w0!.buffer, w0!.byteOffset).getUint32(4, true)).toBe(flash.jedecId());
  });

  it('writes flash: FLASH_BEGIN erases, FLASH_DATA checks the checksum and programs, FLASH_END runs the firmware', async () => {
    const { frames, flash, runUserCode } = setup();
    flash.program(0x10000, Uint8Array.of(0, 0, 0, 0)); // old contents to be erased
    expect(frames(request(OP.FLASH_BEGIN, words(0x4000, 1, 0x4000, 0x10000, 0))).map(hex)).toEqual(['01020200000000000000']);
    const block = new Uint8Array(0x4000).fill(0xff);
    block.set([1, 2, 3, 4]);
    let chk = 0xef;
    for (const b of block) chk ^= b;
    const bad = frames(request(OP.FLASH_DATA, Uint8Array.from([...words(0x4000, 0, 0, 0), ...block]), chk ^ 1));
    expect([...bad[0]!.subarray(8)]).toEqual([1, 7]); // checksum error, as the ROM reports it
    const ok = frames(request(OP.FLASH_DATA, Uint8Array.from([...words(0x4000, 0, 0, 0), ...block]), chk));
    expect([...ok[0]!.subarray(8)]).toEqual([0, 0]);
    expect([...flash.read(0x10000, 6)]).toEqual([1, 2, 3, 4, 0xff, 0xff]);
    expect(runUserCode).not.toHaveBeenCalled();
    frames(request(OP.FLASH_END, words(1)));
    await Promise.resolve();
    expect(runUserCode).toHaveBeenCalledOnce();
  });

  it('ignores junk packets, rejects a length that does not match the data, and writes past the flash', () => {
    const { frames } = setup();
    expect(frames(Uint8Array.of(0xc0, 0x41, 0xc0, 0xc0, 0x01, 0x08, 0, 0, 0, 0, 0, 0, 0xc0))).toEqual([]);
    const p = request(OP.READ_REG, words(0x40001000));
    p[3] = 9; // claims 9 bytes of data: byte 3 is the length's high byte inside the frame
    expect([...frames(p)[0]!.subarray(8)]).toEqual([1, 5]);
    expect([...frames(request(OP.FLASH_BEGIN, words(0x2000, 1, 0x4000, 0x3ff000)))[0]!.subarray(8)]).toEqual([1, 8]);
  });
});

describe('the flasher stub, emulated at a high level (reference §3)', () => {
  /** Uploads "a stub" as esptool-js runStub does: MEM_BEGIN/MEM_DATA to IRAM, MEM_END(0, entry). */
  function startStub(frames: (b: Uint8Array) => Uint8Array[]) {
    frames(request(OP.SYNC, SYNC));
    frames(request(OP.MEM_BEGIN, words(16, 1, 0x1800, 0x4010c500)));
    const code = new Uint8Array(16).fill(0x11);
    let chk = 0xef;
    for (const b of code) chk ^= b;
    frames(request(OP.MEM_DATA, Uint8Array.from([...words(16, 0, 0, 0), ...code]), chk));
    return frames(request(OP.MEM_END, words(0, 0x4010c504)));
  }
  const status = (r: Uint8Array) => [r[r.length - 2], r[r.length - 1]];
  const dataBlock = (seq: number, payload: Uint8Array) => {
    let chk = 0xef;
    for (const b of payload) chk ^= b;
    return { data: Uint8Array.from([...words(payload.length, seq, 0, 0), ...payload]), chk };
  };

  it('MEM_END into IRAM replies, then the stub says OHAI; SYNC then answers with val 0', () => {
    const { frames } = setup();
    const r = startStub(frames);
    // the ROM's MEM_END reply (stale SYNC val), then the stub's first frame
    expect(r.map(hex)).toEqual(['01060200070712200000', '4f484149']);
    const sync = frames(request(OP.SYNC, SYNC));
    expect(sync.map(hex)).toEqual(Array(8).fill('01080200000000000000'));
    // GET_SECURITY_INFO: same op, NOT_IMPLEMENTED (reference §3)
    expect(frames(request(0x14)).map(hex)).toEqual(['0114020000000000ff00']);
  });

  it('writes a zlib-compressed image and verifies it with SPI_FLASH_MD5, as writeFlash({compress:true}) does', async () => {
    const { frames, flash } = setup();
    startStub(frames);
    const image = new Uint8Array(50_000).map((_, i) => (i * 7) & 0xff);
    const { deflate } = await import('pako');
    const z = deflate(image, { level: 9 });
    const blocks = Math.ceil(z.length / 0x4000);
    expect(status(frames(request(OP.FLASH_DEFL_BEGIN, words(image.length, blocks, 0x4000, 0x1000)))[0]!)).toEqual([0, 0]);
    for (let i = 0; i < blocks; i++) {
      const { data, chk } = dataBlock(i, z.subarray(i * 0x4000, (i + 1) * 0x4000));
      expect(status(frames(request(OP.FLASH_DEFL_DATA, data, chk))[0]!)).toEqual([0, 0]);
    }
    expect(status(frames(request(OP.FLASH_DEFL_END, words(1)))[0]!)).toEqual([0, 0]);
    expect(Buffer.from(flash.read(0x1000, image.length)).equals(Buffer.from(image))).toBe(true);
    const [md5] = frames(request(OP.SPI_FLASH_MD5, words(0x1000, image.length, 0, 0)));
    const { createHash } = await import('node:crypto');
    expect(hex(md5!.subarray(8, 24))).toBe(createHash('md5').update(image).digest('hex'));
    expect(status(md5!)).toEqual([0, 0]);
  });

  it('stub errors: bad checksum C1, data without FLASH_BEGIN C6, block size over 16 KB C2, unknown op C3', () => {
    const { frames } = setup();
    startStub(frames);
    const { data, chk } = dataBlock(0, Uint8Array.of(1, 2, 3, 4));
    expect(status(frames(request(OP.FLASH_DATA, data, chk))[0]!)).toEqual([0xc6, 0]);
    expect(status(frames(request(OP.FLASH_BEGIN, words(4, 1, 0x8000, 0)))[0]!)).toEqual([0xc2, 0]);
    frames(request(OP.FLASH_BEGIN, words(4, 1, 0x4000, 0)));
    expect(status(frames(request(OP.FLASH_DATA, data, chk ^ 0xff))[0]!)).toEqual([0xc1, 0]);
    expect(status(frames(request(0x55))[0]!)).toEqual([0xc3, 0]);
  });

  it('READ_FLASH streams packets, each acknowledged by the host, then the MD5', async () => {
    const { frames, flash, loader } = setup();
    startStub(frames);
    flash.program(0x2000, Uint8Array.of(9, 8, 7, 6));
    const first = frames(request(OP.READ_FLASH, words(0x2000, 0x1800, 0x1000, 1024)));
    expect(status(first[0]!)).toEqual([0, 0]);
    expect(first[1]!.length).toBe(0x1000);
    expect([...first[1]!.subarray(0, 4)]).toEqual([9, 8, 7, 6]);
    const ack = (n: number) => new SlipDecoder().push(loader.input(slipEncode(words(n))));
    const second = ack(0x1000);
    expect(second[0]!.length).toBe(0x800);
    const last = ack(0x1800);
    const { createHash } = await import('node:crypto');
    expect(hex(last[0]!)).toBe(createHash('md5').update(flash.read(0x2000, 0x1800)).digest('hex'));
    // then ordinary commands again
    expect(frames(request(OP.READ_REG, words(0x40001000))).length).toBe(1);
  });

  it('CHANGE_BAUDRATE replies first, then switches; RUN_USER_CODE sends nothing and starts the firmware', async () => {
    const flash = new SpiFlash(SpiFlash.createStorage(FLASH_SIZES['4M'], false));
    const runUserCode = vi.fn();
    const setBaud = vi.fn();
    const loader = new RomLoader({ flash, efuse: [0, 0, 0, 0], runUserCode, setBaud });
    const frames = (b: Uint8Array) => new SlipDecoder().push(loader.input(b));
    startStub(frames);
    expect(frames(request(OP.CHANGE_BAUDRATE, words(460800, 115200))).length).toBe(1);
    await Promise.resolve();
    expect(setBaud).toHaveBeenCalledWith(460800);
    expect(frames(request(OP.RUN_USER_CODE))).toEqual([]);
    await Promise.resolve();
    expect(runUserCode).toHaveBeenCalledOnce();
  });
});
