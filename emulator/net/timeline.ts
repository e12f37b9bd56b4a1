/**
 * Virtual time for the network: the events the WiFi driver, lwIP, the services, WebREPL and the
 * laptop schedule (a frame arriving, an ACK, a DHCP lease, a DNS retry), run in order as the
 * board's virtual clock passes them. `stack.ts` drives it from `NetStack.advance()`; a power cycle
 * drops what was pending.
 *
 * Sources: none outside the lab — the emulator's own scheduler (moved from `stack.ts`).
 */

interface NetEvent {
  at: number;
  seq: number;
  gen: number;
  fn: () => void;
}

/** The queue of the network's events, ordered by virtual time (µs). */
export class Timeline {
  private queue: NetEvent[] = [];
  private seq = 0;
  /** Bumped at every power cycle: events of the old power-on are dropped. */
  private gen = 0;
  /** Virtual time of the event being run (or of the last advance), µs. */
  t = 0;

  /** Runs `fn` `us` µs after {@link t} (a negative delay counts as 0); events due at the same time run in the order they were scheduled. */
  later(us: number, fn: () => void): void {
    const at = this.t + Math.max(0, us);
    const e = { at, seq: this.seq++, gen: this.gen, fn };
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1] as { at: number }).at > at) i--;
    this.queue.splice(i, 0, e);
  }

  /** Runs every event due by `nowUs` (virtual µs), each with {@link t} at its own time; then {@link t} is `nowUs`. */
  runUntil(nowUs: number): void {
    while (this.queue.length && (this.queue[0] as { at: number }).at <= nowUs) {
      const e = this.queue.shift() as { at: number; gen: number; fn: () => void };
      if (e.gen !== this.gen) continue;
      this.t = e.at;
      e.fn();
    }
    this.t = nowUs;
  }

  /** When the next event is due, virtual µs (Infinity: nothing is pending). */
  nextAt(): number {
    return this.queue.length ? (this.queue[0] as { at: number }).at : Infinity;
  }

  /** A power cycle: every pending event is dropped ({@link t} is left as it is). */
  clear(): void {
    this.gen++;
    this.queue = [];
  }
}
