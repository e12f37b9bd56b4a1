/**
 * Pin IRQs and timer callbacks waiting to run. The firmware's Python side runs them
 * (`_fw_machine._service()`) between bytecodes of running code — a blocking call or a pin read
 * tells it one is due — or at the prompt, as the port's event loop does (`ports/esp8266`
 * machine_pin.c `pin_intr_handler` and machine_timer.c schedule them with `mp_sched_schedule`).
 */
import type { Esp07Board } from '../board/esp07.ts';

/** Event codes handed to the firmware's `_service()`: a pin number for an IRQ, TIMER_EVENT + id for a timer. */
export const TIMER_EVENT = 1000;

export class DeviceEvents {
  /** Pin IRQ triggers by GPIO (bit 0 rising, bit 1 falling; 4 low level, 5 high level). */
  private readonly irqTriggers = new Map<number, number>();
  private readonly irqLevels = new Map<number, number>();
  private readonly queue: number[] = [];
  private readonly board: Esp07Board;

  constructor(board: Esp07Board) {
    this.board = board;
  }

  /** A reset or deep sleep: no IRQ is armed, nothing waits. */
  clear(): void {
    this.irqTriggers.clear();
    this.irqLevels.clear();
    this.queue.length = 0;
  }

  /** Queues an IRQ event when a pad with an IRQ sees its trigger (edges, or a level). */
  checkIrq(pin: number): void {
    const trigger = this.irqTriggers.get(pin);
    if (trigger === undefined) return;
    const level = this.board.gpio.read(pin);
    const before = this.irqLevels.get(pin);
    this.irqLevels.set(pin, level);
    const rising = before === 0 && level === 1;
    const falling = before === 1 && level === 0;
    const fire = (trigger & 3) !== 0 && trigger < 4
      ? ((trigger & 1) !== 0 && rising) || ((trigger & 2) !== 0 && falling)
      : (trigger === 4 && level === 0 && before !== 0) || (trigger === 5 && level === 1 && before !== 1);
    if (fire && !this.queue.includes(pin)) this.queue.push(pin);
  }

  /** `Pin.irq()`: sets (trigger 0: removes) a pin's IRQ; an event already queued for it is dropped. */
  configIrq(pin: number, trigger: number): void {
    if (trigger === 0) this.irqTriggers.delete(pin);
    else this.irqTriggers.set(pin, trigger);
    this.irqLevels.set(pin, this.board.gpio.read(pin));
    this.drop(pin);
  }

  /** `Timer.init()`: arms OS timer `id` now (µs period); an event already queued for it is dropped. */
  armTimer(id: number, periodUs: number, periodic: boolean): void {
    this.board.timers.arm(id, this.board.clock.nowUs(), periodUs, periodic);
    this.drop(TIMER_EVENT + id);
  }

  /** `Timer.deinit()`. */
  disarmTimer(id: number): void {
    this.board.timers.disarm(id);
    this.drop(TIMER_EVENT + id);
  }

  private drop(event: number): void {
    this.queue.splice(0, this.queue.length, ...this.queue.filter((e) => e !== event));
  }

  private collectTimers(): void {
    for (const id of this.board.timers.takeDue(this.board.clock.nowUs())) {
      if (!this.queue.includes(TIMER_EVENT + id)) this.queue.push(TIMER_EVENT + id);
    }
  }

  /** Whether a callback is due (timers due by now are queued first). */
  pending(): boolean {
    this.collectTimers();
    return this.queue.length > 0;
  }

  /** The next event for `_service()`, or -1. */
  next(): number {
    this.collectTimers();
    return this.queue.shift() ?? -1;
  }
}
