/**
 * The ESP8266's software (OS) timers as `machine.Timer` uses them: each has a period on the
 * virtual clock and is one-shot or periodic (`ports/esp8266/machine_timer.c`, `os_timer_arm`).
 * Callbacks are not run here: due timers are reported and the firmware runs their callbacks.
 */
export interface TimerState {
  /** Next expiry, virtual µs. */
  dueUs: number;
  /** Period in µs. */
  periodUs: number;
  periodic: boolean;
}

export class OsTimers {
  private readonly timers = new Map<number, TimerState>();

  /**
   * Arms timer `id` to expire `periodUs` after `nowUs`.
   * @throws RangeError for a period that is not a positive finite number
   */
  arm(id: number, nowUs: number, periodUs: number, periodic: boolean): void {
    if (!Number.isFinite(periodUs) || periodUs <= 0) throw new RangeError(`invalid timer period ${periodUs} µs`);
    this.timers.set(id, { dueUs: nowUs + periodUs, periodUs, periodic });
  }

  disarm(id: number): void {
    this.timers.delete(id);
  }

  armed(id: number): boolean {
    return this.timers.has(id);
  }

  /** Earliest expiry among armed timers (virtual µs), or Infinity. */
  nextDueUs(): number {
    let next = Infinity;
    for (const t of this.timers.values()) next = Math.min(next, t.dueUs);
    return next;
  }

  /**
   * Takes the timers due at `nowUs`, in expiry order; periodic ones are re-armed (a late timer
   * fires once, then keeps its phase), one-shot ones disarmed.
   */
  takeDue(nowUs: number): number[] {
    const due = [...this.timers.entries()].filter(([, t]) => t.dueUs <= nowUs).sort((a, b) => a[1].dueUs - b[1].dueUs);
    for (const [id, t] of due) {
      if (t.periodic) {
        const missed = Math.floor((nowUs - t.dueUs) / t.periodUs) + 1;
        t.dueUs += missed * t.periodUs;
      } else {
        this.timers.delete(id);
      }
    }
    return due.map(([id]) => id);
  }

  /** Chip reset: every timer disarmed. */
  reset(): void {
    this.timers.clear();
  }
}
