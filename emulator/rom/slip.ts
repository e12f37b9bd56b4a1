/**
 * SLIP framing as the ESP8266 ROM loader and esptool use it (esptool docs,
 * `docs/en/advanced-topics/serial-protocol.rst`, "Low Level Protocol"): every packet is
 * `C0 … C0`; inside it `C0` is sent as `DB DC` and `DB` as `DB DD`.
 */
export const SLIP_END = 0xc0;
export const SLIP_ESC = 0xdb;
export const SLIP_ESC_END = 0xdc;
export const SLIP_ESC_ESC = 0xdd;

/** Wraps a packet in a SLIP frame. */
export function slipEncode(packet: Uint8Array): Uint8Array {
  const out: number[] = [SLIP_END];
  for (const b of packet) {
    if (b === SLIP_END) out.push(SLIP_ESC, SLIP_ESC_END);
    else if (b === SLIP_ESC) out.push(SLIP_ESC, SLIP_ESC_ESC);
    else out.push(b);
  }
  out.push(SLIP_END);
  return Uint8Array.from(out);
}

/**
 * Collects SLIP frames from a byte stream. Bytes outside a frame are ignored (the ROM skips
 * noise between packets); an escape followed by anything but DC/DD drops the frame.
 */
export class SlipDecoder {
  private frame: number[] | null = null;
  private escaped = false;
  private broken = false;

  /**
   * Takes bytes from the line.
   * @returns the complete packets they finished (possibly none)
   */
  push(bytes: Iterable<number>): Uint8Array[] {
    const done: Uint8Array[] = [];
    for (const b of bytes) {
      if (b === SLIP_END) {
        if (this.frame && this.frame.length > 0 && !this.broken) done.push(Uint8Array.from(this.frame));
        // a C0 both ends a frame and may start the next one
        this.frame = [];
        this.escaped = false;
        this.broken = false;
        continue;
      }
      if (!this.frame) continue;
      if (this.escaped) {
        this.escaped = false;
        if (b === SLIP_ESC_END) this.frame.push(SLIP_END);
        else if (b === SLIP_ESC_ESC) this.frame.push(SLIP_ESC);
        else this.broken = true;
        continue;
      }
      if (b === SLIP_ESC) this.escaped = true;
      else this.frame.push(b);
      if (this.frame.length > 0x10000 + 64) {
        // longer than any command: noise, not a packet
        this.frame = null;
      }
    }
    return done;
  }

  /** Forgets a partial frame (a reset). */
  reset(): void {
    this.frame = null;
    this.escaped = false;
    this.broken = false;
  }
}
