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
 * ROM commands: SYNC (8 replies), READ_REG / WRITE_REG (chip-detect magic, eFuse MAC words, UART
 * clock divider, the SPI0 registers esptool-js uses to read the flash JEDEC id), FLASH_BEGIN /
 * FLASH_DATA / FLASH_END, MEM_BEGIN / MEM_DATA / MEM_END.
 *
 * The flasher stub: esptool uploads its stub to IRAM and asks the ROM to run it (MEM_END with an
 * IRAM entry). No Xtensa code runs here; the loader answers `OHAI` and from then on speaks the
 * stub's command set at a high level, as the reference §3 describes (esp-flasher-stub replies:
 * status `[error, 0]`, val 0 except READ_REG): compressed writes (zlib, inflated with pako),
 * SPI_FLASH_MD5, ERASE_FLASH / ERASE_REGION, READ_FLASH streaming, CHANGE_BAUDRATE,
 * RUN_USER_CODE.
 */
import pako from 'pako';
import { md5 } from './md5.ts';
import { SlipDecoder, slipEncode } from './slip.ts';
import type { SpiFlash } from '../chip/flash.ts';

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
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
  ERASE_FLASH: 0xd0,
  ERASE_REGION: 0xd1,
  READ_FLASH: 0xd2,
  RUN_USER_CODE: 0xd3,
} as const;

/** Stub error codes (esp-flasher-stub `src/commands.h`; legacy stub `stub_flasher.h`). */
export const STUB_ERR = {
  BAD_DATA_LEN: 0xc0,
  BAD_DATA_CHECKSUM: 0xc1,
  BAD_BLOCKSIZE: 0xc2,
  INVALID_COMMAND: 0xc3,
  SPI_OP: 0xc4,
  NOT_IN_FLASH_MODE: 0xc6,
  INFLATE: 0xc7,
  NOT_IMPLEMENTED: 0xff,
} as const;

/** The stub's greeting, the LE word 0x4941484F (serial-protocol.rst; esp-flasher-stub main.c). */
export const OHAI = Uint8Array.of(0x4f, 0x48, 0x41, 0x49);

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

/** A request packet: `00 op len:u16 chk:u32 data` (serial-protocol.rst, "Command Packet"). */
interface Request {
  op: number;
  len: number;
  chk: number;
  data: Uint8Array;
  /** The i-th little-endian u32 of the data (0 past its end). */
  word(i: number): number;
}

/** Reads a request, or null for anything that is not one (the ROM and the stub ignore it). */
function parseRequest(p: Uint8Array): Request | null {
  if (p.length < 8 || p[0] !== 0x00) return null;
  const dv = new DataView(p.buffer, p.byteOffset, p.length);
  const data = p.subarray(8);
  return {
    op: p[1]!,
    len: dv.getUint16(2, true),
    chk: dv.getUint32(4, true),
    data,
    word: (i) => (data.length >= i * 4 + 4 ? dv.getUint32(8 + i * 4, true) : 0),
  };
}

/** A response packet: `01 op len:u16 val:u32 data status0 status1`. */
function response(op: number, val: number, data: Uint8Array, status0: number, status1: number): Uint8Array {
  const r = new Uint8Array(8 + data.length + 2);
  const dv = new DataView(r.buffer);
  r[0] = 0x01;
  r[1] = op;
  dv.setUint16(2, data.length + 2, true);
  dv.setUint32(4, val >>> 0, true);
  r.set(data, 8);
  r[8 + data.length] = status0;
  r[9 + data.length] = status1;
  return r;
}

/**
 * The payload of a FLASH_DATA / MEM_DATA / FLASH_DEFL_DATA request (`size seq 0 0 payload`),
 * or why it is refused: its size field disagrees with it, or the checksum (0xEF XOR every payload
 * byte, in the packet's chk field) does not match.
 */
function dataBlock(req: Request): { payload: Uint8Array; seq: number } | 'length' | 'checksum' {
  const payload = req.data.subarray(16);
  if (req.len < 16 || payload.length !== req.word(0)) return 'length';
  let sum = 0xef;
  for (const b of payload) sum ^= b;
  return sum === req.chk ? { payload, seq: req.word(1) } : 'checksum';
}

/** What the loader acts on outside itself. */
export interface LoaderBoard {
  flash: SpiFlash;
  /** eFuse words esptool reads for the MAC (0x3FF00050, 54, 58, 5C). */
  efuse: readonly [number, number, number, number];
  /** Leave the loader and start the firmware in flash (FLASH_END / MEM_END asking to run). */
  runUserCode(): void;
  /** The stub changes the UART's baud (CHANGE_BAUDRATE), after its reply at the old one. */
  setBaud?(baud: number): void;
}

interface StubFlashJob {
  offset: number;
  /** Bytes still to write (uncompressed). */
  remaining: number;
  written: number;
  inflate: pako.Inflate | null;
}

interface ReadJob {
  addr: number;
  size: number;
  packet: number;
  sent: number;
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
  /** Whether esptool's flasher stub has been "started" (MEM_END into IRAM). */
  private stub = false;
  private memAddr = -1;
  private stubJob: StubFlashJob | null = null;
  private readJob: ReadJob | null = null;
  private pending: Uint8Array[] = [];

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
      const req = this.readJob ? null : parseRequest(packet);
      const replies = this.readJob ? this.readAck(packet) : !req ? [] : this.stub ? this.stubCommand(req) : this.command(req);
      for (const reply of replies) out.push(...slipEncode(reply));
      for (const extra of this.pending.splice(0)) out.push(...slipEncode(extra));
    }
    const after = this.afterReply;
    this.afterReply = null;
    if (after) queueMicrotask(after);
    return Uint8Array.from(out);
  }

  private afterReply: (() => void) | null = null;

  /** A ROM reply: status 0 0 (OK) or 1 e (failed with ROM error e). */
  private reply(op: number, val: number, status: 0 | 1 = 0, error = 0): Uint8Array {
    return response(op, val, new Uint8Array(0), status, error);
  }

  private fail(op: number, error: number): Uint8Array[] {
    return [this.reply(op, this.staleVal, 1, error)];
  }

  private command(req: Request): Uint8Array[] {
    const { op, len, data, word } = req;
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
        this.eraseCovering(offset, eraseSize);
        this.job = { offset, blockSize, blocks };
        return [this.reply(op, this.staleVal)];
      }
      case OP.FLASH_DATA:
      case OP.MEM_DATA: {
        const block = dataBlock(req);
        if (block === 'length') return this.fail(op, ROM_ERR.INVALID_MESSAGE);
        if (block === 'checksum') return this.fail(op, ROM_ERR.BAD_CHECKSUM);
        const { payload, seq } = block;
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
        if (this.memAddr < 0 || word(3) < this.memAddr) this.memAddr = word(3);
        return [this.reply(op, this.staleVal)];
      case OP.MEM_END: {
        if (len !== 8) return this.fail(op, ROM_ERR.INVALID_MESSAGE);
        const entry = word(1);
        // flag 0 = jump to entry: code uploaded to IRAM is esptool's flasher stub, which greets
        if (word(0) === 0 && this.memAddr >= 0 && entry >= 0x40100000 && entry < 0x40110000) {
          this.stub = true;
          this.pending.push(OHAI);
        }
        return [this.reply(op, this.staleVal)];
      }
      default:
        // Unknown to the ESP8266 ROM (e.g. GET_SECURITY_INFO 0x14, the stub-only commands): the
        // ROM re-uses its previous reply header with status 1, error 0x05, which esptool reads as
        // "unsupported command" because the op differs (reference §2.3 step 3; unverified on
        // hardware, esptool expects this form).
        return [this.reply(previous || op, this.staleVal, 1, ROM_ERR.INVALID_MESSAGE)];
    }
  }

  /** A stub reply: status `[error, 0]`, val 0 except READ_REG, data only for SPI_FLASH_MD5. */
  private stubReply(op: number, error = 0, val = 0, data: Uint8Array = new Uint8Array(0)): Uint8Array {
    return response(op, val, data, error, 0);
  }

  /** Erases the 4 KB sectors covering [offset, offset + size). */
  private eraseCovering(offset: number, size: number): void {
    for (let s = Math.floor(offset / 4096); s * 4096 < offset + size; s++) this.board.flash.eraseSector(s);
  }

  /** The stub's command set (reference §3; esp-flasher-stub `command_handler.c`). */
  private stubCommand(req: Request): Uint8Array[] {
    const { op, len, data, word } = req;
    if (data.length !== len) return [this.stubReply(op, STUB_ERR.BAD_DATA_LEN)];
    const flash = this.board.flash;
    switch (op) {
      case OP.SYNC:
        return Array.from({ length: 8 }, () => this.stubReply(op));
      case OP.READ_REG:
        return [this.stubReply(op, 0, this.readReg(word(0)))];
      case OP.WRITE_REG:
        for (let i = 0; i < len / 16; i++) this.writeReg(word(i * 4), word(i * 4 + 1), word(i * 4 + 2));
        return [this.stubReply(op)];
      case OP.SPI_SET_PARAMS:
      case OP.SPI_ATTACH:
      case OP.MEM_BEGIN:
      case OP.MEM_DATA:
      case OP.MEM_END:
        return [this.stubReply(op)];
      case OP.CHANGE_BAUDRATE: {
        const baud = word(0);
        this.afterReply = () => this.board.setBaud?.(baud);
        return [this.stubReply(op)];
      }
      case OP.FLASH_BEGIN:
      case OP.FLASH_DEFL_BEGIN: {
        if (len !== 16 && len !== 20) return [this.stubReply(op, STUB_ERR.BAD_DATA_LEN)];
        const [size, , blockSize, offset] = [word(0), word(1), word(2), word(3)];
        if (blockSize > 0x4000) return [this.stubReply(op, STUB_ERR.BAD_BLOCKSIZE)];
        if (offset + size > flash.size) return [this.stubReply(op, STUB_ERR.SPI_OP)];
        this.eraseCovering(offset, size);
        this.stubJob = { offset, remaining: size, written: 0, inflate: op === OP.FLASH_DEFL_BEGIN ? new pako.Inflate() : null };
        return [this.stubReply(op)];
      }
      case OP.FLASH_DATA:
      case OP.FLASH_DEFL_DATA: {
        const job = this.stubJob;
        const block = dataBlock(req);
        if (block === 'length') return [this.stubReply(op, STUB_ERR.BAD_DATA_LEN)];
        if (block === 'checksum') return [this.stubReply(op, STUB_ERR.BAD_DATA_CHECKSUM)];
        const { payload } = block;
        if (!job || (op === OP.FLASH_DEFL_DATA) !== (job.inflate !== null)) return [this.stubReply(op, STUB_ERR.NOT_IN_FLASH_MODE)];
        const write = (chunk: Uint8Array) => {
          const n = Math.min(chunk.length, job.remaining);
          if (n > 0) flash.program(job.offset + job.written, chunk.subarray(0, n));
          job.written += n;
          job.remaining -= n;
        };
        if (job.inflate) {
          job.inflate.onData = (chunk) => write(chunk as Uint8Array);
          job.inflate.push(payload, false);
          if (job.inflate.err) return [this.stubReply(op, STUB_ERR.INFLATE)];
        } else write(payload);
        return [this.stubReply(op)];
      }
      case OP.FLASH_END:
      case OP.FLASH_DEFL_END: {
        const job = this.stubJob;
        if (!job) return [this.stubReply(op, STUB_ERR.NOT_IN_FLASH_MODE)];
        this.stubJob = null;
        if (job.remaining > 0) return [this.stubReply(op, STUB_ERR.BAD_DATA_LEN)];
        return [this.stubReply(op)]; // the stub stays: RUN_USER_CODE or a reset starts the firmware
      }
      case OP.SPI_FLASH_MD5: {
        const [addr, size] = [word(0), word(1)];
        if (addr + size > flash.size) return [this.stubReply(op, STUB_ERR.SPI_OP)];
        return [this.stubReply(op, 0, 0, md5(flash.read(addr, size)))];
      }
      case OP.ERASE_FLASH:
        flash.eraseAll();
        return [this.stubReply(op)];
      case OP.ERASE_REGION: {
        const [addr, size] = [word(0), word(1)];
        if (addr % 4096 || size % 4096 || addr + size > flash.size) return [this.stubReply(op, STUB_ERR.SPI_OP)];
        this.eraseCovering(addr, size);
        return [this.stubReply(op)];
      }
      case OP.READ_FLASH: {
        const [addr, size, packet] = [word(0), word(1), word(2)];
        if (addr + size > flash.size || packet === 0) return [this.stubReply(op, STUB_ERR.SPI_OP)];
        this.readJob = { addr, size, packet: Math.min(packet, 0x1000), sent: 0 };
        return [this.stubReply(op), ...this.nextReadPacket()];
      }
      case OP.RUN_USER_CODE:
        this.afterReply = () => this.board.runUserCode();
        return []; // no reply (esp-flasher-stub jumps to the firmware)
      case OP.GET_SECURITY_INFO:
        return [this.stubReply(op, STUB_ERR.NOT_IMPLEMENTED)];
      default:
        return [this.stubReply(op, STUB_ERR.INVALID_COMMAND)];
    }
  }

  /** READ_FLASH: one data packet at a time, each acknowledged by the host; then the MD5. */
  private nextReadPacket(): Uint8Array[] {
    const job = this.readJob!;
    if (job.sent >= job.size) {
      this.readJob = null;
      return [md5(this.board.flash.read(job.addr, job.size))]; // of what was sent: nothing wrote meanwhile
    }
    const chunk = this.board.flash.read(job.addr + job.sent, Math.min(job.packet, job.size - job.sent));
    job.sent += chunk.length;
    return [chunk];
  }

  /** During READ_FLASH the host answers each packet with the total it has received (u32 LE). */
  private readAck(p: Uint8Array): Uint8Array[] {
    const job = this.readJob!;
    if (p.length !== 4) return [];
    const got = new DataView(p.buffer, p.byteOffset, 4).getUint32(0, true);
    if (got < job.sent) return [];
    return this.nextReadPacket();
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
    this.stub = false;
    this.memAddr = -1;
    this.stubJob = null;
    this.readJob = null;
    this.pending = [];
    this.staleVal = 0;
    this.lastOp = 0;
  }
}
