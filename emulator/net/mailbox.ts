/**
 * Requests from the page to the virtual network (the laptop panel), through shared memory: the
 * emulator thread may be inside a blocking call (`s.accept()` waiting for a client), where no
 * message can reach it, so it looks in this mailbox while it waits. One producer (the page), one
 * consumer (the emulator); frames are a 32-bit length and UTF-8 JSON.
 */
const HEAD = 0;
const TAIL = 1;
const HEADER = 8;
export const MAILBOX_BYTES = 1 << 14;

export function createMailbox(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER + MAILBOX_BYTES);
}

export class Mailbox {
  private readonly ctl: Int32Array;
  private readonly bytes: Uint8Array;

  constructor(buffer: SharedArrayBuffer) {
    this.ctl = new Int32Array(buffer, 0, 2);
    this.bytes = new Uint8Array(buffer, HEADER, MAILBOX_BYTES);
  }

  /** Posts one message; false when there is no room. */
  put(message: unknown): boolean {
    const body = new TextEncoder().encode(JSON.stringify(message));
    const head = Atomics.load(this.ctl, HEAD);
    const used = (head - Atomics.load(this.ctl, TAIL)) >>> 0;
    if (used + 4 + body.length > MAILBOX_BYTES) return false;
    const frame = new Uint8Array(4 + body.length);
    new DataView(frame.buffer).setUint32(0, body.length, true);
    frame.set(body, 4);
    for (let i = 0; i < frame.length; i++) this.bytes[(head + i) & (MAILBOX_BYTES - 1)] = frame[i] as number;
    Atomics.store(this.ctl, HEAD, (head + frame.length) | 0);
    return true;
  }

  /** Takes every waiting message (malformed ones are dropped). */
  take(): unknown[] {
    const out: unknown[] = [];
    const head = Atomics.load(this.ctl, HEAD);
    let tail = Atomics.load(this.ctl, TAIL);
    const byte = (k: number) => this.bytes[(tail + k) & (MAILBOX_BYTES - 1)] as number;
    while (((head - tail) >>> 0) >= 4) {
      const len = (byte(0) | (byte(1) << 8) | (byte(2) << 16) | (byte(3) << 24)) >>> 0;
      if (len > MAILBOX_BYTES) {
        tail = head;
        break;
      }
      const body = new Uint8Array(len);
      for (let i = 0; i < len; i++) body[i] = byte(4 + i);
      tail = (tail + 4 + len) | 0;
      try {
        out.push(JSON.parse(new TextDecoder().decode(body)));
      } catch {
        /* dropped */
      }
    }
    Atomics.store(this.ctl, TAIL, tail);
    return out;
  }
}
