/**
 * Blocking sleeps of running code (`time.sleep`, `sleep_ms`, `sleep_us`, and the waits inside
 * sockets): virtual time passes (at once with the `instant` sleep mode), the WiFi stack runs on,
 * a Ctrl-C ends the sleep and a due callback interrupts it so the firmware can run it and resume
 * (`ports/esp8266/esp_mphal.c` `mp_hal_delay_us` runs `ets_loop_iter` and the scheduler).
 */
import type { ClockControls } from './clock-controls.ts';
import type { DeviceCore } from './core.ts';
import type { DeviceEvents } from './events.ts';
import type { DeviceInput } from './input.ts';
import type { DeviceOutput } from './output.ts';
import type { RealisticSpeed } from './speed.ts';

/** The parts a sleep needs. */
export interface SleepParts {
  core: DeviceCore;
  out: DeviceOutput;
  speed: RealisticSpeed;
  input: DeviceInput;
  events: DeviceEvents;
  clock: ClockControls;
  /** The WiFi stack, which runs on while the program sleeps (net/stack.ts). */
  net: { advance(): void };
}

/** The longest a sleep waits on the host before it looks again, in ms. */
const MAX_WAIT_MS = 100;

/** What a sleep ended with: done, a Ctrl-C cut it short, or a callback is due. */
export const SLEEP_DONE = 0;
export const SLEEP_INTERRUPTED = 1;
export const SLEEP_EVENT = 2;

export class DeviceSleep {
  private readonly p: SleepParts;
  /** Where the sleep an event cut short was to end (virtual µs). */
  private endUs = 0;

  constructor(parts: SleepParts) {
    this.p = parts;
  }

  /**
   * Blocks for `us` virtual µs (or, with us < 0, until the end of the sleep an event cut short).
   * @returns {@link SLEEP_DONE}, {@link SLEEP_INTERRUPTED} (Ctrl-C) or {@link SLEEP_EVENT} (the
   *   firmware runs the callback and resumes with -1)
   */
  sleepUs(us: number): number {
    const { core, out, speed } = this.p;
    const clock = core.board.clock;
    out.flushAll();
    speed.waitBegin();
    const end = us < 0 ? this.endUs : clock.nowUs() + us;
    this.endUs = end;
    // a Ctrl-C already turned into a pending KeyboardInterrupt (by a poll or by the host) ends the sleep now
    if (core.interp?.takePendingInterrupt()) return SLEEP_INTERRUPTED;
    speed.waitRealTime();
    try {
      return this.loop(end);
    } finally {
      speed.waitEnd();
    }
  }

  private loop(end: number): number {
    const { core, input, events, net } = this.p;
    const board = core.board;
    const clock = board.clock;
    if (clock.sleepMode === 'instant' && !clock.paused) {
      if (input.poll(true)) return SLEEP_INTERRUPTED;
      const due = board.timers.nextDueUs();
      if (due < end) {
        clock.advance(Math.max(0, due - clock.nowUs()));
        if (events.pending()) return SLEEP_EVENT;
      }
      clock.advance(Math.max(0, end - clock.nowUs()));
      net.advance(); // the WiFi stack ran on meanwhile
      return events.pending() ? SLEEP_EVENT : SLEEP_DONE;
    }
    const channel = core.channel;
    let relayWait = 0;
    for (;;) {
      const seen = channel?.wakeValue() ?? 0;
      net.advance(); // the WiFi stack runs on while the program sleeps
      if (input.poll(true, relayWait) || core.interp?.takePendingInterrupt()) return SLEEP_INTERRUPTED;
      relayWait = 0;
      if (events.pending()) return SLEEP_EVENT;
      const left = end - clock.nowUs();
      if (left <= 0) return SLEEP_DONE;
      const toTimer = board.timers.nextDueUs() - clock.nowUs();
      if (this.p.clock.jumping) {
        this.p.clock.fastForward(clock.nowUs() + Math.min(left, toTimer));
        continue;
      }
      const waitMs = Math.max(0, Math.min(clock.hostMsFor(Math.min(left, toTimer)), MAX_WAIT_MS));
      if (channel) channel.wait(seen, waitMs);
      else if (core.relay && core.interp) relayWait = waitMs; // the next poll waits on the relay
      else {
        const until = performance.now() + waitMs; // no shared memory: nothing to wait on
        while (performance.now() < until) { /* spin */ }
      }
    }
  }
}
