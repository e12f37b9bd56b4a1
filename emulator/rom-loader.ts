/**
 * The ESP8266 boot ROM's UART download mode ("ROM loader"): the commands esptool sends over
 * SLIP when GPIO0 was low at reset. Sources: esptool docs `serial-protocol.rst` (packet layout,
 * opcodes, ROM status bytes), esptool-js 0.7.0 `lib/esploader.js` and `lib/targets/esp8266.js`
 * (what the host sends and expects), and our reference `serial-protocols.md` §2 (replies seen on
 * real hardware).
 *
 * Requests are `00 op len:u16 chk:u32 data`; replies are `01 op 02 00 val:u32 status error`,
 * two status bytes on the ESP8266 ROM (0 0 = OK; 1 e = failed with ROM error e).
 *
 * Implemented: SYNC (8 replies), READ_REG / WRITE_REG (chip-detect magic, eFuse MAC words, UART
 * clock divider, the SPI0 registers esptool-js uses to read the flash JEDEC id), FLASH_BEGIN /
 * FLASH_DATA / FLASH_END, MEM_BEGIN / MEM_DATA / MEM_END (accepted; uploaded code is not run).
 * Not yet: the flasher stub esptool-js uploads (`OHAI` and the stub command set), so
 * `ESPLoader.main()` cannot finish; the ROM-only path (`detectChip`, uncompressed `writeFlash`
 * without MD5, `after("soft_reset")`) is what works.
 */
import { SlipDecoder, slipEncode } from './slip.ts';
import type { SpiFlash } from './flash.ts';

/** ROM loader opcodes (esptool-js `esploader.js` ESP_* constants). */
export const OP = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
} as const;

/** ROM error codes (serial-protocol.rst, "ESP8266 ROM" status table). */
export const ROM_ERR = { INVALID_MESSAGE: 0x05, BAD_CHECKSUM: 0x07, FLASH_WRITE: 0x08 } as const;

/** `CHIP_DETECT_MAGIC_REG_ADDR` and the ESP8266's value (esptool-js `targets/esp8266.js`). */
export const CHIP_MAGIC_ADDR = 0x40001000;
export const ESP8266_MAGIC = 0xfff0c101;
/** UART0 clock divider register; 0x1C4 is what a 26 MHz ESP8266 reports at 115200 (esptool#397). */
export const UART0_CLKDIV = 0x60000014;
const SPI0_CMD = 0x60000200;
const SPI0_USER2 = 0x60000224;
const SPI0_W0 = 0x60000240;
const SPI_USR = 1 << 18;
/** The SYNC value the ROM puts in its replies and leaves in later ones (reference §2.1). */
const SYNC_VAL = 0x20120707;

/** What the loader acts on outside itself. */
export interface LoaderBoard {
  flash: SpiFlash;
  /** eFuse words esptool reads for the MAC (0x3FF00050, 54, 58, 5C). */
  efuse: readonly [number, number, number, number];
  /** Leave the loader and start the firmware in flash (FLASH_END / MEM_END asking to run). */
  runUserCode(): void;
}

interface FlashJob {
  offset: number;
  blockSize: number;
  blocks: number;
}

export class RomLoader {
  private readonly slip = new SlipDecoder();
  private readonly regs = new Map<number, number>();
  private job: FlashJob | null = null;
  private staleVal = 0;
  private lastOp = 0;

  private readonly board: LoaderBoard;

  constructor(board: LoaderBoard) {
    this.board = board;
    this.regs.set(UART0_CLKDIV, 0x1c4);
  }

  /**
   * Takes bytes from the serial line.
   * @returns the bytes the ROM sends back (SLIP frames), possibly none
   */
  input(bytes: Iterable<number>): Uint8Array {
    const out: number[] = [];
    for (const packet of this.slip.push(bytes)) {
      for (const reply of this.command(packet)) out.push(...slipEncode(reply));
    }
    const after = this.afterReply;
    this.afterReply = null;
    if (after) queueMicrotask(after);
    return Uint8Array.from(out);
  }

  private afterReply: (() => void) | null = null;

  private reply(op: number, val: number, status: 0 | 1 = 0, error = 0): Uint8Array {
    const r = new Uint8Array(10);
    const dv = new DataView(r.buffer);
    r[0] = 0x01;
    r[1] = op;
    dv.setUint16(2, 2, true);
    dv.setUint32(4, val >>> 0, true);
    r[8] = status;
    r[9] = error;
    return r;
  }

  private fail(op: number, error: number): Uint8Array[] {
    return [this.reply(op, this.staleVal, 1, error)];
  }

  private command(p: Uint8Array): Uint8Array[] {
    if (p.length < 8 || p[0] !== 0x00) return []; // not a request: the ROM ignores it
    const dv = new DataView(p.buffer, p.byteOffset, p.length);
    const op = p[1]!;
    const len = dv.getUint16(2, true);
    const chk = dv.getUint32(4, true);
    const data = p.subarray(8);
    const word = (i: number) => (data.length >= i * 4 + 4 ? dv.getUint32(8 + i * 4, true) : 0);
    if (data.length !== len) return this.fail(op, ROM_ERR.INVALID_MESSAGE);
    const previous = this.lastOp;
    this.lastOp = op;
    switch (op) {
      case OP.SYNC: {
        const ok = len === 36 && word(0) === SYNC_VAL && data.subarray(4).every((b) => b === 0x55);
        if (!ok) return this.fail(op, ROM_ERR.INVALID_MESSAGE);
        this.staleVal = SYNC_VAL;
        return Array.from({ length: 8 }, () => this.reply(op, SYNC_VAL));
      }
      case OP.READ_REG:
        if (len !== 4) return this.fail(op, ROM_ERR.INVALID_MESSAGE);
        return [this.reply(op, this.readReg(word(0)))];
      case OP.WRITE_REG: {
        if (len === 0 || len % 16) return this.fail(op, ROM_ERR.INVALID_MESSAGE);
        for (let i = 0; i < len / 16; i++) this.writeReg(word(i * 4), word(i * 4 + 1), word(i * 4 + 2));
        return [this.reply(op, this.staleVal)];
      }
      case OP.FLASH_BEGIN: {
        if (len !== 16 && len !== 20) return this.fail(op, ROM_ERR.INVALID_MESSAGE);
        const [eraseSize, blocks, blockSize, offset] = [word(0), word(1), word(2), word(3)];
        const flash = this.board.flash;
        if (offset + eraseSize > flash.size) return this.fail(op, ROM_ERR.FLASH_WRITE);
        for (let s = Math.floor(offset / 4096); s * 4096 < offset + eraseSize; s++) flash.eraseSector(s);
        this.job = { offset, blockSize, blocks };
        return [this.reply(op, this.staleVal)];
      }
      case OP.FLASH_DATA:
      case OP.MEM_DATA: {
        const size = word(0);
        const seq = word(1);
        const payload = data.subarray(16);
        if (len < 16 || payload.length !== size) return this.fail(op, ROM_ERR.INVALID_MESSAGE);
        let sum = 0xef;
        for (const b of payload) sum ^= b;
        if (sum !== chk) return this.fail(op, ROM_ERR.BAD_CHECKSUM);
        if (op === OP.MEM_DATA) return [this.reply(op, this.staleVal)]; // RAM: kept nowhere (not executed)
        const job = this.job;
        if (!job) return this.fail(op, ROM_ERR.INVALID_MESSAGE);
        const addr = job.offset + seq * job.blockSize;
        if (addr + payload.length > this.board.flash.size) return this.fail(op, ROM_ERR.FLASH_WRITE);
        this.board.flash.program(addr, payload);
        return [this.reply(op, this.staleVal)];
      }
      case OP.FLASH_END: {
        if (len !== 4) return this.fail(op, ROM_ERR.INVALID_MESSAGE);
        this.job = null;
        // flag 0 reboots, 1 runs the user code; either way the firmware in flash starts (a real
        // reboot would latch the straps of the last external reset again: reference §6.2 quirk)
        this.afterReply = () => this.board.runUserCode();
        return [this.reply(op, this.staleVal)];
      }
      case OP.MEM_BEGIN:
        if (len !== 16) return this.fail(op, ROM_ERR.INVALID_MESSAGE);
        return [this.reply(op, this.staleVal)];
      case OP.MEM_END:
        if (len !== 8) return this.fail(op, ROM_ERR.INVALID_MESSAGE);
        return [this.reply(op, this.staleVal)];
      default:
        // Unknown to the ESP8266 ROM (e.g. GET_SECURITY_INFO 0x14, the stub-only commands): the
        // ROM re-uses its previous reply header with status 1, error 0x05, which esptool reads as
        // "unsupported command" because the op differs (reference §2.3 step 3; unverified on
        // hardware, esptool expects this form).
        return [this.reply(previous || op, this.staleVal, 1, ROM_ERR.INVALID_MESSAGE)];
    }
  }

  private readReg(addr: number): number {
    if (addr === CHIP_MAGIC_ADDR) return ESP8266_MAGIC;
    const efuse = [0x3ff00050, 0x3ff00054, 0x3ff00058, 0x3ff0005c].indexOf(addr);
    if (efuse >= 0) return this.board.efuse[efuse]!;
    return this.regs.get(addr) ?? 0;
  }

  private writeReg(addr: number, value: number, mask: number): void {
    const next = ((this.regs.get(addr) ?? 0) & ~mask) | (value & mask);
    if (addr === SPI0_CMD) {
      // a user command: run the opcode in USER2's low byte (0x9F = read JEDEC id into W0)
      if (next & SPI_USR) {
        const cmd = (this.regs.get(SPI0_USER2) ?? 0) & 0xff;
        this.regs.set(SPI0_W0, cmd === 0x9f ? this.board.flash.jedecId() : 0);
      }
      this.regs.set(addr, (next & ~SPI_USR) >>> 0);
      return;
    }
    this.regs.set(addr, next >>> 0);
  }

  /** Back to power-on state (a reset). */
  reset(): void {
    this.slip.reset();
    this.job = null;
    this.staleVal = 0;
    this.lastOp = 0;
  }
}
