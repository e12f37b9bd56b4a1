/**
 * The shared-memory channel between the host (page, or a Node test) and the emulator thread.
 *
 * One SharedArrayBuffer carries, in order:
 * - control words (Int32): a wake counter the emulator waits on with `Atomics.wait`, the
 *   input ring's head and tail, a count of Ctrl-C bytes the host already delivered straight
 *   into the interpreter's memory, and a "busy" flag the emulator raises while it runs code;
 * - a byte ring of serial input (terminal → UART0 RX), written by the host, read by the emulator.
 *
 * All serial input goes through the ring, so it stays in order and reaches the emulator even
 * while it is blocked in a sleep. Single producer (host), single consumer (emulator).
 */
export const CTL_WAKE = 0;
export const CTL_HEAD = 1;
export const CTL_TAIL = 2;
/** Ctrl-C bytes the host already delivered by writing the VM's pending-exception words. */
export const CTL_INTR_POKED = 3;
/** 1 while the emulator is inside the interpreter (running code or processing input). */
export const CTL_BUSY = 4;
const CTL_WORDS = 16;
const HEADER_BYTES = CTL_WORDS * 4;
/** Capacity of the serial input ring, in bytes (a power of two). */
export const RING_BYTES = 1 << 16;

/** Allocates the shared buffer for one board. Needs `SharedArrayBuffer` (cross-origin isolation in browsers). */
export function createChannelBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + RING_BYTES);
}

/** Host side of the channel. */
export class ChannelWriter {
  readonly ctl: Int32Array;
  private readonly ring: Uint8Array;
  private readonly pending: number[] = [];

  readonly buffer: SharedArrayBuffer;

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.ctl = new Int32Array(buffer, 0, CTL_WORDS);
    this.ring = new Uint8Array(buffer, HEADER_BYTES, RING_BYTES);
  }

  /**
   * Queues serial bytes for the emulator and wakes it. Bytes that do not fit in the ring
   * wait in a host-side queue until {@link flush} finds room.
   * @returns the number of bytes still waiting host-side
   */
  write(bytes: Iterable<number>): number {
    for (const b of bytes) this.pending.push(b & 0xff);
    return this.flush();
  }

  /** Moves waiting bytes into the ring as far as room allows; returns how many still wait. */
  flush(): number {
    if (this.pending.length === 0) return 0;
    const head = Atomics.load(this.ctl, CTL_HEAD);
    const tail = Atomics.load(this.ctl, CTL_TAIL);
    const room = RING_BYTES - ((head - tail) >>> 0);
    const n = Math.min(room, this.pending.length);
    for (let i = 0; i < n; i++) this.ring[(head + i) & (RING_BYTES - 1)] = this.pending[i] as number;
    this.pending.splice(0, n);
    if (n > 0) {
      Atomics.store(this.ctl, CTL_HEAD, (head + n) | 0);
      this.wake();
    }
    return this.pending.length;
  }

  /** Bumps the wake counter so an emulator blocked in `Atomics.wait` returns. */
  wake(): void {
    Atomics.add(this.ctl, CTL_WAKE, 1);
    Atomics.notify(this.ctl, CTL_WAKE);
  }

  /** Records that one Ctrl-C in the ring was already delivered through the VM's memory. */
  notePoked(): void {
    Atomics.add(this.ctl, CTL_INTR_POKED, 1);
  }

  /** Whether the emulator is inside the interpreter right now. */
  busy(): boolean {
    return Atomics.load(this.ctl, CTL_BUSY) === 1;
  }
}

/** Emulator side of the channel. */
export class ChannelReader {
  readonly ctl: Int32Array;
  private readonly ring: Uint8Array;
  private pokedHandled = 0;

  readonly buffer: SharedArrayBuffer;

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.ctl = new Int32Array(buffer, 0, CTL_WORDS);
    this.ring = new Uint8Array(buffer, HEADER_BYTES, RING_BYTES);
  }

  /** Takes every byte waiting in the ring. */
  drain(): number[] {
    const head = Atomics.load(this.ctl, CTL_HEAD);
    let tail = Atomics.load(this.ctl, CTL_TAIL);
    const out: number[] = [];
    while (tail !== head) {
      out.push(this.ring[tail & (RING_BYTES - 1)] as number);
      tail = (tail + 1) | 0;
    }
    Atomics.store(this.ctl, CTL_TAIL, tail);
    return out;
  }

  /** The wake counter's current value, to pass to {@link wait}. */
  wakeValue(): number {
    return Atomics.load(this.ctl, CTL_WAKE);
  }

  /**
   * Blocks the thread until the host writes or `timeoutMs` passes.
   * @param seen the wake value read before checking for input (avoids a lost wake-up)
   * @param timeoutMs longest wait in ms (Infinity allowed)
   */
  wait(seen: number, timeoutMs: number): void {
    Atomics.wait(this.ctl, CTL_WAKE, seen, timeoutMs);
  }

  /** Non-blocking wait for the event loop (idle REPL). Resolves on the next write. */
  async waitAsync(seen: number): Promise<void> {
    const r = Atomics.waitAsync(this.ctl, CTL_WAKE, seen);
    if (r.async) await r.value;
  }

  /**
   * Called for each Ctrl-C byte taken from the ring: true if the host already delivered it
   * through the VM's memory (so it must not be acted upon again).
   */
  consumePoked(): boolean {
    if (Atomics.load(this.ctl, CTL_INTR_POKED) > this.pokedHandled) {
      this.pokedHandled++;
      return true;
    }
    return false;
  }

  /** Raises or lowers the busy flag the host watches. */
  setBusy(busy: boolean): void {
    Atomics.store(this.ctl, CTL_BUSY, busy ? 1 : 0);
  }
}
