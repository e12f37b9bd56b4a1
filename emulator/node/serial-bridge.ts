/**
 * The command-line board's serial line between the board's UART0 and the computer's side (stdio,
 * or an RFC 2217 client): the adapter's decoding of the board's fixed rates at the terminal's baud
 * (serial-line.ts), and with `realistic` the line's speed and the flash's erase times
 * (link-timing.ts).
 */
import { ROM_BAUD } from '../rom/boot-rom.ts';
import { resample } from '../link/serial-line.ts';
import { EraseTimer, PacedLine, realClock, type Clock } from '../link/link-timing.ts';

/** The rate MicroPython and the ROM loader use (the board's other fixed rate is the ROM's 74880). */
export const REPL_BAUD = 115200;

/**
 * What an adapter at `termBaud` receives of `data` sent at `baud`: the board's fixed rates (the
 * boot ROM's 74880, MicroPython's and the ROM loader's 115200) decoded as that adapter would;
 * any other rate can only come from the flasher stub after esptool's CHANGE_BAUDRATE, and
 * esptool switched its port with it: those bytes pass unchanged.
 * @param termBaud the terminal side's rate, or null to pass everything through
 */
export function toTerminal(data: Uint8Array, baud: number, termBaud: number | null): Uint8Array {
  if (termBaud === null || baud === termBaud) return data;
  if (baud === ROM_BAUD || baud === REPL_BAUD) return resample(data, baud, termBaud);
  return data;
}

export interface SerialBridgeOptions {
  /** Bytes for the computer (stdout, or the RFC 2217 client). */
  toComputer: (bytes: Uint8Array) => void;
  /** Bytes for the board's UART0 RX. */
  toBoard: (bytes: Uint8Array) => void;
  /** The terminal side's rate; null passes every byte unchanged (`--baud any`). */
  termBaud: number | null;
  /** Pace bytes at the baud rate both ways and hold answers for the flash's erase times. */
  realistic: boolean;
  /** The flash size in bytes (the time of a chip erase). */
  flashBytes: number;
  clock?: Clock;
}

export class SerialBridge {
  private readonly o: SerialBridgeOptions;
  private termBaud: number | null;
  private readonly out: PacedLine | null;
  private readonly inbound: PacedLine | null;
  private readonly erase: EraseTimer;
  private readonly clock: Clock;
  private suspended: Uint8Array[] | null = null;

  constructor(opts: SerialBridgeOptions) {
    this.o = opts;
    this.termBaud = opts.termBaud;
    this.clock = opts.clock ?? realClock;
    this.erase = new EraseTimer(opts.flashBytes, this.clock);
    this.out = opts.realistic ? new PacedLine((b) => this.emit(b), this.clock) : null;
    this.inbound = opts.realistic
      ? new PacedLine((b) => {
        const s = this.erase.push(b);
        // the chip answers once the erase is over: what the board sends from now on waits
        if (s > 0) this.out?.holdUntil(this.clock.now() + s * 1000);
        this.o.toBoard(b);
      }, this.clock)
      : null;
  }

  /** The terminal side's rate (null: pass-through). */
  get baud(): number | null {
    return this.termBaud;
  }

  /** The computer changed its port's rate (an RFC 2217 SET-BAUDRATE); ignored with pass-through. */
  setTermBaud(baud: number): void {
    if (this.termBaud !== null) this.termBaud = baud;
  }

  /** Board output (a host `serial` event). */
  fromBoard(data: Uint8Array, baud: number): void {
    const bytes = toTerminal(data, baud, this.termBaud);
    if (this.out) this.out.push(bytes, baud, data.length);
    else if (bytes.length) this.emit(bytes);
  }

  /** Bytes from the computer for the board. */
  fromComputer(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.inbound) this.inbound.push(bytes, this.termBaud ?? REPL_BAUD);
    else this.o.toBoard(bytes);
  }

  /** Empties the bytes on their way (RFC 2217 PURGE-DATA): `receive` from the board, `transmit` to it. */
  purge(receive: boolean, transmit: boolean): void {
    if (receive) {
      this.out?.clear();
      if (this.suspended) this.suspended = [];
    }
    if (transmit) this.inbound?.clear();
  }

  /** Stops (true) or resumes sending to the computer (RFC 2217 FLOWCONTROL-SUSPEND/-RESUME). */
  suspend(on: boolean): void {
    if (on) {
      this.suspended ??= [];
      return;
    }
    const held = this.suspended ?? [];
    this.suspended = null;
    for (const b of held) this.o.toComputer(b);
  }

  private emit(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.suspended) this.suspended.push(bytes);
    else this.o.toComputer(bytes);
  }
}
