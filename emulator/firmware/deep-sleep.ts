/**
 * Deep sleep (modmachine.c `mp_machine_deepsleep`, modesp.c `esp_deepsleep`): RAM, the
 * interpreter, pins and timers are gone, UART0 is silent (Ctrl-C cannot wake it), only the RTC
 * keeps counting. The RTC timer fires after the asked time as the slow clock counts it; with
 * GPIO16 wired to RST that resets the chip (boot.py and main.py run again, `reset_cause()` is
 * DEEPSLEEP_RESET), without the wire the ROM stops at `ets_main.c` (reference §2.5, §6.2).
 */
import { ROM_BAUD, bootMode, romBanner } from '../rom/boot-rom.ts';
import type { DeviceCore } from './core.ts';
import type { DeviceEvents } from './events.ts';
import type { HeapBudget } from './heap-budget.ts';
import type { DeviceOutput } from './output.ts';

export class DeepSleep {
  /** Deep sleep asked for by the running code (µs, 0: until RST), entered by the next boot. */
  pendingUs: number | null = null;
  /** In deep sleep: when the chip's timer fires (virtual µs), or null (sleeps until RST). */
  private wakeAtUs: number | null = null;
  private readonly core: DeviceCore;
  private readonly out: DeviceOutput;
  private readonly events: DeviceEvents;
  private readonly heap: HeapBudget;

  constructor(core: DeviceCore, out: DeviceOutput, events: DeviceEvents, heap: HeapBudget) {
    this.core = core;
    this.out = out;
    this.events = events;
    this.heap = heap;
  }

  /** When the sleeping chip's timer fires (virtual µs), or Infinity. */
  get wakeUs(): number {
    return this.wakeAtUs ?? Infinity;
  }

  /**
   * The chip goes into deep sleep; the RTC timer fires after `sleepUs` µs as the slow clock
   * counts them (0: never; only RST wakes it).
   */
  enter(sleepUs: number): void {
    const core = this.core;
    this.pendingUs = null;
    core.interp = null;
    this.heap.reset();
    core.rawMode = false;
    this.events.clear();
    const b = core.board;
    b.pwm.reset();
    b.timers.reset();
    b.gpio.reset();
    b.sleeping = true;
    this.wakeAtUs = sleepUs > 0 ? b.clock.nowUs() + b.rtc.virtualUsFor(sleepUs) : null;
    this.out.viewDirty = true;
    this.out.publishView();
    core.stopInRom();
    // the idle loop may be waiting with no timer (deep sleep begun in boot.py/main.py): let it
    // look at the new wake time
    core.wakeIdleLoop();
  }

  /** In deep sleep: whether the chip still sleeps; wakes it when its timer is due. */
  due(): boolean {
    const core = this.core;
    const b = core.board;
    if (!b.sleeping) return false;
    const clock = b.clock;
    if (this.wakeAtUs === null) return true;
    if (clock.sleepMode === 'instant' && !clock.paused) clock.advance(Math.max(0, this.wakeAtUs - clock.nowUs()));
    if (clock.nowUs() < this.wakeAtUs) return true;
    this.wakeAtUs = null;
    b.sleeping = false;
    if (b.circuit.gpio16ToRst) {
      // the timer pulls GPIO16 and so RST low: an external reset for the ROM (rst cause:2), a
      // deep-sleep wake for the SDK (reference §2.5, §6.2); boot.py and main.py run again
      core.restart(5, 2);
      return true;
    }
    // no wire: the timer fires, the ROM reports cause 5 and stops at ets_main.c (reference §6.2)
    b.resetChip();
    core.resetCause = 6;
    core.romCause = 2;
    b.uart0.baud = ROM_BAUD;
    b.uart0.transmit(romBanner(5, bootMode(b.strapLevels())));
    b.uart0.transmit(new TextEncoder().encode('ets_main.c '));
    b.uart0.baud = 115200;
    this.out.viewDirty = true;
    this.out.publishView();
    this.out.flushMessages(true);
    return true;
  }
}
