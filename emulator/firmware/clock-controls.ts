/**
 * The learner's clock controls on the emulator thread: speed (board/clock.ts scale; 0 pauses),
 * the RTC's drift, and a jump forward. The jump is a fast-forward: every wait (a sleep, the idle
 * prompt up to the next timer, deep sleep) takes its time from it at once, so a program that
 * sleeps and reads the clock in a loop runs through the jumped time pass by pass (and its reads
 * keep the RTC's wrap count). Code that does not wait gets the rest after 50 ms.
 */
import type { ClockSettings } from '../link/protocol.ts';
import type { DeviceCore } from './core.ts';
import type { DeviceOutput } from './output.ts';

/** Code that runs without waiting gets the rest of a jump after this many ms (host time). */
const JUMP_GRACE_MS = 50;

export class ClockControls {
  /** Virtual µs of a clock jump still to pass. */
  private leftUs = 0;
  /** Host time (ms) the jump budget was last used. */
  private at = 0;
  private readonly core: DeviceCore;
  private readonly out: DeviceOutput;

  constructor(core: DeviceCore, out: DeviceOutput) {
    this.core = core;
    this.out = out;
  }

  /** A jump is still passing. */
  get jumping(): boolean {
    return this.leftUs > 0;
  }

  /**
   * Applies the controls, and a jump forward of `jumpMs` ms (sleeps and timers due by then end at
   * their next check). Values that are not finite, a negative scale, or a drift of −100 % or less
   * are ignored.
   */
  apply(c: ClockSettings, jumpMs: number): void {
    const board = this.core.board;
    const clock = board.clock;
    let changed = false;
    if (c.scale !== clock.getScale() && Number.isFinite(c.scale) && c.scale >= 0) {
      clock.setScale(c.scale);
      changed = true;
    }
    if (c.driftPpm !== board.rtc.driftPpm && Number.isFinite(c.driftPpm) && c.driftPpm > -1e6) {
      board.rtc.setDrift(c.driftPpm, clock.nowUs());
    }
    if (jumpMs > 0 && Number.isFinite(jumpMs)) {
      this.leftUs += jumpMs * 1000;
      this.at = performance.now();
      changed = true;
    }
    if (changed) {
      this.out.viewDirty = true;
      this.out.publishView();
      this.core.wakeMessageLoop?.();
    }
  }

  /** Moves the clock toward `toUs` (virtual µs) with the jump budget. */
  fastForward(toUs: number): void {
    const clock = this.core.board.clock;
    const step = Math.min(this.leftUs, Math.max(0, toUs - clock.nowUs()));
    if (step > 0) {
      clock.advance(step);
      this.out.viewDirty = true;
    }
    this.leftUs -= step;
    if (this.leftUs < 0.5) this.leftUs = 0;
    this.at = performance.now();
  }

  /** Running code that does not wait: the whole rest of a jump passes once it is 50 ms old. */
  whileRunning(): void {
    if (this.leftUs > 0 && performance.now() - this.at > JUMP_GRACE_MS) this.fastForward(Infinity);
  }
}
