/**
 * Serial input on the emulator thread: from the shared ring (or messages, or the relay) into
 * UART0's receive buffer, and the board's controls (Flash button, ADC, clock) read alongside.
 * While code runs, the firmware's blocking calls and its pin and tick functions look at the line
 * as the UART interrupt handler does on the chip (`ports/esp8266/uart.c` `uart0_rx_intr_handler`):
 * Ctrl-C is taken out and interrupts the code, other bytes queue. `input()` reads a line as
 * `mp_hal_readline` does.
 */
import { InputStream } from '../link/relay.ts';
import type { ChannelDevice } from '../link/channel.ts';
import type { ClockControls } from './clock-controls.ts';
import type { DeviceCore } from './core.ts';
import type { Interpreter } from './interpreter.ts';
import type { DeviceOutput } from './output.ts';

/** How often code that runs without waiting looks at the relay for a Ctrl-C, in ms (each look is a request). */
const RELAY_POLL_MS = 50;

export class DeviceInput {
  private readonly core: DeviceCore;
  private readonly out: DeviceOutput;
  private readonly clock: ClockControls;
  /** Message mode: bytes received and not yet in UART0. */
  private readonly messageInput: number[] = [];
  /** Message mode: the input stream's offset, when bytes may come by message and by relay. */
  private readonly inputStream = new InputStream();
  private lastRelayPoll = 0;
  private lastPoll = 0;

  constructor(core: DeviceCore, out: DeviceOutput, clock: ClockControls) {
    this.core = core;
    this.out = out;
    this.clock = clock;
  }

  /**
   * Message-mode input (no shared memory).
   * @param at the offset of `data`'s first byte in this thread's input stream, when the same
   *   bytes may also have come by the relay (those already taken are dropped)
   */
  receive(data: Uint8Array, at?: number): void {
    const fresh = at === undefined ? data : this.inputStream.take(at, data);
    if (fresh.length === 0) return;
    this.messageInput.push(...fresh);
    this.core.wakeMessageLoop?.();
  }

  /** Message mode at the prompt: what came by message goes into UART0. */
  takeMessages(): void {
    if (this.messageInput.length) this.core.board.uart0.receive(this.messageInput.splice(0));
  }

  /**
   * Message mode with a relay: the input that came by it within `ms` ms (0: only look), with
   * what came by message meanwhile first. Empty without a relay.
   */
  private relayInput(ms: number): number[] {
    const bytes = this.messageInput.splice(0);
    const relay = this.core.relay;
    if (!relay) return bytes;
    this.lastRelayPoll = performance.now();
    const got = relay.wait(this.inputStream.consumed, bytes.length ? 0 : ms);
    bytes.push(...this.inputStream.take(got.at, got.data));
    return bytes;
  }

  /** Moves input from the ring to UART0 at the prompt, dropping Ctrl-Cs already delivered. */
  takeShared(channel: ChannelDevice): void {
    // input first, then the controls: whatever the host set before typing (a clock jump, the
    // Flash button) is then seen before the bytes it preceded are handled
    const bytes = channel.drain();
    this.syncButtons();
    for (const b of bytes) {
      if (b === 0x03 && !channel.claimCtrlC()) {
        // The host delivered it to code that has finished since: withdraw it if still pending.
        this.core.interp?.clearPendingInterrupt();
        continue;
      }
      this.core.board.uart0.receive([b]);
    }
  }

  /**
   * Drops the input that has arrived, as a chip in reset or still starting loses it (boot.ts
   * `sdkStart`): the shared ring's bytes (each Ctrl-C among them claimed, so the host does not
   * wait to deliver it), the message-mode bytes, and UART0's receive buffer. The controls (Flash
   * button, ADC, clock) are still read.
   */
  discard(): void {
    const channel = this.core.channel;
    if (channel) {
      for (const b of channel.drain()) if (b === 0x03) channel.claimCtrlC();
      this.syncButtons();
    }
    this.messageInput.length = 0;
    const uart = this.core.board.uart0;
    while (uart.read() !== -1) { /* the receive FIFO is reset */ }
  }

  /**
   * Looks at the serial line while code runs, as the UART interrupt handler does: Ctrl-C is
   * taken out (interrupting the code), other bytes queue in UART0's receive buffer.
   * @param blocking true inside a blocking call, which then returns early and raises itself
   * @param relayMs message mode with a relay: how long a blocking call may wait on it, in ms
   * @returns whether a Ctrl-C arrived
   */
  poll(blocking: boolean, relayMs = 0): boolean {
    const channel = this.core.channel;
    const interp = this.core.interp;
    if (!interp) return false;
    if (!channel) return this.pollRelay(interp, blocking, relayMs);
    const bytes = channel.drain();
    this.syncButtons();
    // a jump while code runs without waiting: it takes effect after 50 ms
    if (!blocking) this.clock.whileRunning();
    let intr = false;
    for (const b of bytes) {
      if (b === 0x03) {
        if (!channel.claimCtrlC()) {
          // The host already made the VM's KeyboardInterrupt pending; a blocking call raises it itself.
          if (blocking) interp.clearPendingInterrupt();
          intr = true;
          continue;
        }
        if (interp.interruptChar() === 0x03) {
          if (!blocking) interp.scheduleKeyboardInterrupt();
          intr = true;
          continue;
        }
      }
      this.core.board.uart0.receive([b]);
    }
    return intr;
  }

  /**
   * {@link poll} in message mode: the relay's bytes while code runs (a running loop looks
   * every {@link RELAY_POLL_MS}; a blocking call waits up to `ms`). Ctrl-C interrupts as the
   * UART interrupt does; other bytes queue in UART0.
   */
  private pollRelay(interp: Interpreter, blocking: boolean, ms: number): boolean {
    if (!this.core.relay) return false;
    if (!blocking && performance.now() - this.lastRelayPoll < RELAY_POLL_MS) return false;
    if (blocking) {
      // the program waits: what it printed, and its pins, are seen meanwhile
      this.out.flushAll();
      this.out.publishView();
    }
    let intr = false;
    for (const b of this.relayInput(blocking ? ms : 0)) {
      if (b === 0x03 && interp.interruptChar() === 0x03) {
        if (!blocking) interp.scheduleKeyboardInterrupt();
        intr = true;
        continue;
      }
      this.core.board.uart0.receive([b]);
    }
    return intr;
  }

  /** {@link poll} from running code, at most once a millisecond. */
  pollSoon(): void {
    const now = performance.now();
    if (now - this.lastPoll < 1) return;
    this.lastPoll = now;
    this.poll(false);
  }

  /** Shared mode: the clock controls, the Flash button and the ADC input as the host set them. */
  syncButtons(): void {
    const channel = this.core.channel;
    if (!channel) return;
    const c = channel.clockControls();
    this.clock.apply(c, c.jumpMs);
    const board = this.core.board;
    const held = channel.flashButtonHeld();
    if (held !== this.core.flashHeldNow) {
      this.core.flashHeldNow = held;
      board.setFlashButton(held);
    }
    const adc = channel.adcInput();
    if (adc !== board.adc.read()) {
      board.adc.setRaw(adc);
      this.out.viewDirty = true;
    }
  }

  /**
   * Waits for the next byte on UART0 while code runs, as the firmware's `mp_hal_stdin_rx_chr`
   * does (ports/esp8266/esp_mphal.c: it loops on the UART's ring buffer, running pending events,
   * so Ctrl-C raises KeyboardInterrupt). Returns the byte, null for Ctrl-C, or false when no
   * input can arrive while code runs (message mode without a relay).
   */
  readByte(): number | null | false {
    const channel = this.core.channel;
    if (!channel && !this.core.relay) return false;
    this.out.filter.flush();
    const uart = this.core.board.uart0;
    for (;;) {
      const c = uart.read();
      if (c !== -1) return c;
      if (!channel) {
        if (this.poll(true, 100) || this.core.interp?.takePendingInterrupt()) return null;
        continue;
      }
      const seen = channel.wakeValue();
      if (this.poll(true) || this.core.interp?.takePendingInterrupt()) return null;
      if (uart.available() === 0) channel.wait(seen, 100);
    }
  }

  /**
   * `input()`: reads a line from UART0, echoing it, as the firmware's `mp_hal_readline` does
   * (Enter ends it, Backspace edits). Returns the line, null for Ctrl-C, false for Ctrl-D at the
   * start of a line. Without shared memory, input arrives while code runs only by a relay;
   * without one as well, returns false.
   */
  readLine(): string | null | false {
    const uart = this.core.board.uart0;
    const line: number[] = [];
    const echo = (text: string | number[]) => uart.transmit(typeof text === 'string' ? new TextEncoder().encode(text) : Uint8Array.from(text));
    for (;;) {
      const c = this.readByte();
      if (c === null || c === false) return c;
      if (c === 0x0d || c === 0x0a) {
        echo('\r\n');
        return new TextDecoder().decode(Uint8Array.from(line));
      }
      if (c === 0x04 && line.length === 0) return false;
      if (c === 0x08 || c === 0x7f) {
        if (line.length === 0) continue;
        while (line.length && ((line.pop() as number) & 0xc0) === 0x80) { /* drop a whole UTF-8 character */ }
        echo('\b \b');
        continue;
      }
      if (c >= 0x20) {
        line.push(c);
        echo([c]);
      }
    }
  }
}
