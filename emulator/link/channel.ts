/**
 * The shared-memory channel between the host (page, or a Node test) and the emulator thread.
 *
 * One SharedArrayBuffer carries:
 * - control words (Int32);
 * - the serial input ring (terminal → UART0 RX), host writes, emulator reads;
 * - the serial output ring (UART0 TX → terminal), emulator writes, host reads;
 * - the board view: per-GPIO pad state and the LED, written by the emulator.
 *
 * Both directions work while the other side is busy: the emulator reads input inside a sleep
 * (`Atomics.wait`) and the host sees output and pin changes even while the interpreter spins in
 * a tight loop (it waits with `Atomics.waitAsync` on {@link CTL_OUT_SEQ}). Each ring has one
 * producer and one consumer. Without SharedArrayBuffer (a page that is not cross-origin
 * isolated) the same information travels in messages instead; see `protocol.ts`.
 */
import type { BoardView } from '../board/esp07.ts';
import { supplyMicroAmps } from '../board/power.ts';
import type { PadState } from '../chip/gpio.ts';

export const CTL_WAKE = 0;
const CTL_IN_HEAD = 1;
const CTL_IN_TAIL = 2;
/** Number of Ctrl-C bytes the host has written to the input ring. */
export const CTL_INTR_WRITTEN = 3;
/** 1 while the emulator is inside the interpreter (running code or handling input). */
export const CTL_BUSY = 4;
/** Bit 0: the Flash button is held. */
export const CTL_BUTTONS = 5;
/** Bumped by the emulator after writing output or changing the board view. */
export const CTL_OUT_SEQ = 6;
const CTL_OUT_HEAD = 7;
const CTL_OUT_TAIL = 8;
/**
 * 1 once the host has let this emulator thread go (a hard reset, another tab taking the board):
 * it is about to be terminated, and must let go of what another thread will open (the flash
 * file). (The output ring carries baud changes in-band, see ChannelDevice.writeOutput.)
 */
export const CTL_RELEASED = 9;
/**
 * Escape byte in the output ring: 0xFF 0xFF is a literal 0xFF; 0xFF 0x01 b0 b1 b2 b3 sets the
 * baud (LE); 0xFF 0x02 / 0xFF 0x03 start / end the REPL's echo of input (`SerialChunk.echo`).
 */
const ESC = 0xff;
const ESC_BAUD = 0x01;
const ESC_ECHO_ON = 0x02;
const ESC_ECHO_OFF = 0x03;
const CTL_LED = 10;
const CTL_FLASH_HELD = 11;
/** Number of Ctrl-C bytes delivered, by either side; the k-th is claimed by moving it k-1 → k. */
export const CTL_INTR_DELIVERED = 12;
/** The ADC input (TOUT) the host's slider sets, raw 0–1024. */
const CTL_ADC_IN = 13;
/** The ADC value the emulator last published. */
const CTL_ADC_OUT = 14;
/** LED brightness the emulator last published, in 1/1023. */
const CTL_LED_LEVEL = 15;
const CTL_DUTY = 40; // 17 words: PWM duty + 1 (0 = no PWM)
const CTL_PINS = 16; // 17 words: 0 low, 1 high, 2 input (+4 when the pad reads high)
/** The learner's clock speed (host writes), in thousandths: 1000 normal, 0 paused. */
const CTL_CLOCK_SCALE = 57;
/** Virtual ms the learner asked to jump forward, not yet applied (host adds, emulator takes). */
const CTL_CLOCK_JUMP = 58;
/** The RTC slow clock's drift in ppm (host writes). */
const CTL_RTC_DRIFT = 59;
/** 1 while the chip is in deep sleep (emulator publishes). */
const CTL_SLEEPING = 60;
/** The board's virtual uptime in ms when the view was published: low and high 32 bits. */
const CTL_UPTIME_LO = 61;
const CTL_UPTIME_HI = 62;
const CTL_WORDS = 64;
const HEADER_BYTES = CTL_WORDS * 4;
/** Capacity of the serial input ring, in bytes. */
export const IN_RING_BYTES = 1 << 16;
/** Capacity of the serial output ring, in bytes. */
export const OUT_RING_BYTES = 1 << 18;

const PAD_CODES: PadState[] = ['low', 'high', 'input'];

/** Allocates the shared buffer for one board. Needs `SharedArrayBuffer` (cross-origin isolation in browsers). */
export function createChannelBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + IN_RING_BYTES + OUT_RING_BYTES);
}

class Ring {
  private readonly bytes: Uint8Array;
  private readonly ctl: Int32Array;
  private readonly headIdx: number;
  private readonly tailIdx: number;
  readonly size: number;

  constructor(buffer: SharedArrayBuffer, ctl: Int32Array, offset: number, size: number, headIdx: number, tailIdx: number) {
    this.bytes = new Uint8Array(buffer, offset, size);
    this.ctl = ctl;
    this.size = size;
    this.headIdx = headIdx;
    this.tailIdx = tailIdx;
  }

  room(): number {
    return this.size - ((Atomics.load(this.ctl, this.headIdx) - Atomics.load(this.ctl, this.tailIdx)) >>> 0);
  }

  /** Writes as many of `src[from..]` as fit; returns how many were written. */
  put(src: ArrayLike<number>, from = 0): number {
    const head = Atomics.load(this.ctl, this.headIdx);
    const n = Math.min(this.room(), src.length - from);
    for (let i = 0; i < n; i++) this.bytes[(head + i) & (this.size - 1)] = src[from + i] as number;
    if (n > 0) Atomics.store(this.ctl, this.headIdx, (head + n) | 0);
    return n;
  }

  take(): Uint8Array {
    const head = Atomics.load(this.ctl, this.headIdx);
    let tail = Atomics.load(this.ctl, this.tailIdx);
    const n = (head - tail) >>> 0;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.bytes[tail & (this.size - 1)] as number;
      tail = (tail + 1) | 0;
    }
    Atomics.store(this.ctl, this.tailIdx, tail);
    return out;
  }
}

function rings(buffer: SharedArrayBuffer, ctl: Int32Array) {
  return {
    input: new Ring(buffer, ctl, HEADER_BYTES, IN_RING_BYTES, CTL_IN_HEAD, CTL_IN_TAIL),
    output: new Ring(buffer, ctl, HEADER_BYTES + IN_RING_BYTES, OUT_RING_BYTES, CTL_OUT_HEAD, CTL_OUT_TAIL),
  };
}

/** Host side of the channel. */
export class ChannelHost {
  readonly buffer: SharedArrayBuffer;
  readonly ctl: Int32Array;
  private readonly input: Ring;
  private readonly output: Ring;
  private readonly pending: number[] = [];

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.ctl = new Int32Array(buffer, 0, CTL_WORDS);
    ({ input: this.input, output: this.output } = rings(buffer, this.ctl));
  }

  /**
   * Queues serial bytes for the emulator and wakes it. Bytes that do not fit wait host-side
   * until {@link flushInput} finds room.
   * @returns the number of bytes still waiting host-side
   */
  write(bytes: Iterable<number>): number {
    for (const b of bytes) this.pending.push(b & 0xff);
    return this.flushInput();
  }

  /** Moves waiting input into the ring as far as room allows; returns how many still wait. */
  flushInput(): number {
    if (this.pending.length === 0) return 0;
    const n = this.input.put(this.pending);
    this.pending.splice(0, n);
    if (n > 0) this.wake();
    return this.pending.length;
  }

  /** Bumps the wake counter so an emulator blocked in `Atomics.wait` returns. */
  wake(): void {
    Atomics.add(this.ctl, CTL_WAKE, 1);
    Atomics.notify(this.ctl, CTL_WAKE);
  }

  /**
   * Lets the emulator thread go before it is terminated: it lets go of the flash file at its
   * next look at the channel (a sleep, a pin or tick call, output, reading input), and a sleep
   * wakes for it. A browser stops a busy worker only up to 2 s after `terminate()` (Chromium),
   * and keeps its files open until then; a new thread would wait that long for the flash file.
   */
  release(): void {
    Atomics.store(this.ctl, CTL_RELEASED, 1);
    this.wake();
  }

  /** Counts a Ctrl-C about to be written to the ring; returns its number (1, 2, …). */
  noteCtrlC(): number {
    return Atomics.add(this.ctl, CTL_INTR_WRITTEN, 1) + 1;
  }

  /**
   * Claims the oldest written but undelivered Ctrl-C for delivery by the host.
   * @returns its number, or 0 if every written Ctrl-C is delivered or claimed
   */
  claimCtrlC(): number {
    const delivered = Atomics.load(this.ctl, CTL_INTR_DELIVERED);
    if (delivered >= Atomics.load(this.ctl, CTL_INTR_WRITTEN)) return 0;
    return Atomics.compareExchange(this.ctl, CTL_INTR_DELIVERED, delivered, delivered + 1) === delivered ? delivered + 1 : 0;
  }

  /** Whether every Ctrl-C written so far has been delivered. */
  ctrlCDelivered(): boolean {
    return Atomics.load(this.ctl, CTL_INTR_DELIVERED) >= Atomics.load(this.ctl, CTL_INTR_WRITTEN);
  }

  /** Whether the emulator is inside the interpreter right now. */
  busy(): boolean {
    return Atomics.load(this.ctl, CTL_BUSY) === 1;
  }

  /** Sets the Flash button position (read by the emulator on every GPIO read). */
  setFlashButton(held: boolean): void {
    Atomics.store(this.ctl, CTL_BUTTONS, held ? 1 : 0);
    this.wake();
  }

  private outBaud = 115200;
  private outEcho = false;
  private escape: number[] | null = null;

  /**
   * Takes everything in the output ring (UART0 TX bytes), as runs of bytes sent at one baud rate
   * and either all echo of input or none (`echo` true only for the REPL's echo).
   */
  takeOutput(): { data: Uint8Array; baud: number; echo: boolean }[] {
    const raw = this.output.take();
    if (raw.length) Atomics.notify(this.ctl, CTL_OUT_TAIL); // room for a blocked writer
    const runs: { data: Uint8Array; baud: number; echo: boolean }[] = [];
    let cur: number[] = [];
    const close = () => {
      if (cur.length) runs.push({ data: Uint8Array.from(cur), baud: this.outBaud, echo: this.outEcho });
      cur = [];
    };
    for (const b of raw) {
      if (this.escape) {
        this.escape.push(b);
        const e = this.escape;
        if (e[0] === ESC) {
          cur.push(ESC);
          this.escape = null;
        } else if (e[0] === ESC_BAUD && e.length === 5) {
          close();
          this.outBaud = ((e[1] as number) | ((e[2] as number) << 8) | ((e[3] as number) << 16) | ((e[4] as number) << 24)) >>> 0;
          this.escape = null;
        } else if (e[0] === ESC_ECHO_ON || e[0] === ESC_ECHO_OFF) {
          close();
          this.outEcho = e[0] === ESC_ECHO_ON;
          this.escape = null;
        } else if (e[0] !== ESC_BAUD) {
          this.escape = null; // unknown escape: dropped
        }
        continue;
      }
      if (b === ESC) this.escape = [];
      else cur.push(b);
    }
    close();
    return runs;
  }

  /** The board view the emulator last published. */
  view(): BoardView {
    const pins: PadState[] = [];
    const levels: number[] = [];
    for (let p = 0; p < 17; p++) {
      const code = Atomics.load(this.ctl, CTL_PINS + p);
      pins.push(PAD_CODES[code & 3] ?? 'input');
      levels.push(code & 4 ? 1 : 0);
    }
    const duty = pins.map((_, p) => {
      const d = Atomics.load(this.ctl, CTL_DUTY + p);
      return d === 0 ? null : d - 1;
    });
    return {
      pins,
      levels,
      led: Atomics.load(this.ctl, CTL_LED) === 1,
      ledBrightness: Atomics.load(this.ctl, CTL_LED_LEVEL) / 1023,
      duty,
      adc: Atomics.load(this.ctl, CTL_ADC_OUT),
      flashHeld: Atomics.load(this.ctl, CTL_FLASH_HELD) === 1,
      sleeping: Atomics.load(this.ctl, CTL_SLEEPING) === 1,
      uptimeMs: (Atomics.load(this.ctl, CTL_UPTIME_HI) >>> 0) * 2 ** 32 + (Atomics.load(this.ctl, CTL_UPTIME_LO) >>> 0),
      supplyUa: supplyMicroAmps(Atomics.load(this.ctl, CTL_SLEEPING) === 1),
    };
  }

  /**
   * Sets the learner's clock controls: speed (0 pauses) and the RTC drift. Read by the emulator
   * between instructions of its own (sleeps, pin and tick calls, the idle loop), so they act on
   * running code too.
   */
  setClock(scale: number, driftPpm: number): void {
    Atomics.store(this.ctl, CTL_CLOCK_SCALE, Math.round(scale * 1000));
    Atomics.store(this.ctl, CTL_RTC_DRIFT, Math.round(driftPpm));
    this.wake();
  }

  /** Asks the emulator to move its clock forward by `ms` (wakes sleeps that become due). */
  jumpClock(ms: number): void {
    Atomics.add(this.ctl, CTL_CLOCK_JUMP, Math.max(0, Math.round(ms)));
    this.wake();
  }

  /** Sets the ADC input (the board's slider), raw 0–1024. */
  setAdc(raw: number): void {
    Atomics.store(this.ctl, CTL_ADC_IN, Math.min(1024, Math.max(0, Math.round(raw))));
    this.wake();
  }

  /** The output sequence number, for {@link waitOutput}. */
  outSeq(): number {
    return Atomics.load(this.ctl, CTL_OUT_SEQ);
  }

  /** Resolves when the emulator publishes output or a view change after `seen`. */
  async waitOutput(seen: number): Promise<void> {
    const r = Atomics.waitAsync(this.ctl, CTL_OUT_SEQ, seen);
    if (r.async) await r.value;
  }
}

/** Emulator side of the channel. */
export class ChannelDevice {
  readonly buffer: SharedArrayBuffer;
  readonly ctl: Int32Array;
  private readonly input: Ring;
  private readonly output: Ring;
  private ctrlCSeen = 0;
  private outBaud = 115200;
  private outEcho = false;
  /**
   * Called once, at the first look at the channel after the host let this thread go
   * ({@link ChannelHost.release}): a look is taking input, waiting for it, or writing output.
   */
  onRelease: (() => void) | null = null;

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.ctl = new Int32Array(buffer, 0, CTL_WORDS);
    ({ input: this.input, output: this.output } = rings(buffer, this.ctl));
  }

  private lookedReleased = false;
  private checkRelease(): void {
    if (this.lookedReleased || Atomics.load(this.ctl, CTL_RELEASED) !== 1) return;
    this.lookedReleased = true;
    this.onRelease?.();
  }

  /** Takes every byte waiting in the input ring. */
  drain(): Uint8Array {
    this.checkRelease();
    return this.input.take();
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
    this.checkRelease();
    Atomics.wait(this.ctl, CTL_WAKE, seen, timeoutMs);
    this.checkRelease();
  }

  /** Non-blocking wait for the event loop (idle REPL): resolves on the next host write. */
  async waitAsync(seen: number): Promise<void> {
    const r = Atomics.waitAsync(this.ctl, CTL_WAKE, seen);
    if (r.async) await r.value;
  }

  /**
   * For each Ctrl-C byte taken from the ring, in order: claims its delivery for the emulator.
   * @returns false if the host already delivered it (through the VM's memory)
   */
  claimCtrlC(): boolean {
    const k = ++this.ctrlCSeen;
    return Atomics.compareExchange(this.ctl, CTL_INTR_DELIVERED, k - 1, k) === k - 1;
  }

  /** Raises or lowers the busy flag the host watches. */
  setBusy(busy: boolean): void {
    Atomics.store(this.ctl, CTL_BUSY, busy ? 1 : 0);
  }

  /** Whether the host holds the Flash button. */
  flashButtonHeld(): boolean {
    return (Atomics.load(this.ctl, CTL_BUTTONS) & 1) === 1;
  }

  /** The learner's clock controls: speed (0 paused), RTC drift (ppm), and a jump (ms) taken now. */
  clockControls(): { scale: number; driftPpm: number; jumpMs: number } {
    return {
      scale: Atomics.load(this.ctl, CTL_CLOCK_SCALE) / 1000,
      driftPpm: Atomics.load(this.ctl, CTL_RTC_DRIFT),
      jumpMs: Atomics.load(this.ctl, CTL_CLOCK_JUMP) === 0 ? 0 : Atomics.exchange(this.ctl, CTL_CLOCK_JUMP, 0),
    };
  }

  /** The ADC input the host's slider sets, raw 0–1024. */
  adcInput(): number {
    return Atomics.load(this.ctl, CTL_ADC_IN);
  }

  /**
   * Appends UART0 TX bytes to the output ring and tells the host. When the ring is full the
   * writer waits for the host to read (backpressure, like a real UART's FIFO), at most
   * `maxWaitMs` in total; bytes that still do not fit are dropped.
   * @param echo the bytes are the REPL's echo of input (`SerialChunk.echo`)
   * @returns the number of bytes dropped
   */
  writeOutput(bytes: Uint8Array, baud: number, maxWaitMs = 1000, echo = false): number {
    this.checkRelease();
    const enc: number[] = [];
    if (baud !== this.outBaud) {
      enc.push(ESC, ESC_BAUD, baud & 0xff, (baud >> 8) & 0xff, (baud >> 16) & 0xff, (baud >>> 24) & 0xff);
      this.outBaud = baud;
    }
    if (echo !== this.outEcho) {
      enc.push(ESC, echo ? ESC_ECHO_ON : ESC_ECHO_OFF);
      this.outEcho = echo;
    }
    for (const b of bytes) {
      if (b === ESC) enc.push(ESC, ESC);
      else enc.push(b);
    }
    const data = Uint8Array.from(enc);
    let done = 0;
    const deadline = performance.now() + maxWaitMs;
    for (;;) {
      done += this.output.put(data, done);
      this.bumpSeq();
      if (done >= data.length) return 0;
      const left = deadline - performance.now();
      if (left <= 0) return Math.ceil((data.length - done) * (bytes.length / Math.max(1, data.length)));
      Atomics.wait(this.ctl, CTL_OUT_TAIL, Atomics.load(this.ctl, CTL_OUT_TAIL), Math.min(left, 50));
    }
  }

  /** Publishes the board view for the host. */
  publishView(view: BoardView): void {
    for (let p = 0; p < 17; p++) {
      const code = PAD_CODES.indexOf(view.pins[p] ?? 'input') | (view.levels[p] ? 4 : 0);
      Atomics.store(this.ctl, CTL_PINS + p, code);
    }
    for (let p = 0; p < 17; p++) {
      const d = view.duty[p];
      Atomics.store(this.ctl, CTL_DUTY + p, d === null || d === undefined ? 0 : d + 1);
    }
    Atomics.store(this.ctl, CTL_LED, view.led ? 1 : 0);
    Atomics.store(this.ctl, CTL_LED_LEVEL, Math.round(view.ledBrightness * 1023));
    Atomics.store(this.ctl, CTL_ADC_OUT, view.adc);
    Atomics.store(this.ctl, CTL_FLASH_HELD, view.flashHeld ? 1 : 0);
    Atomics.store(this.ctl, CTL_SLEEPING, view.sleeping ? 1 : 0);
    Atomics.store(this.ctl, CTL_UPTIME_LO, view.uptimeMs % 2 ** 32);
    Atomics.store(this.ctl, CTL_UPTIME_HI, Math.floor(view.uptimeMs / 2 ** 32));
    this.bumpSeq();
  }

  private bumpSeq(): void {
    Atomics.add(this.ctl, CTL_OUT_SEQ, 1);
    Atomics.notify(this.ctl, CTL_OUT_SEQ);
  }
}
