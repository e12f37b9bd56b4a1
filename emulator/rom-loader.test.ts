/**
 * The ROM loader driven with the packets esptool-js 0.7.0 sends (lib/esploader.js), checked
 * against the replies real ESP8266s give (reference serial-protocols.md §2, issues cited there).
 */
import { describe, expect, it, vi } from 'vitest';
import { FLASH_SIZES, SpiFlash } from './flash.ts';
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
