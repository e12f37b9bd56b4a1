/**
 * The ESP-07 board model: the chip's peripherals plus what is soldered around them.
 * This is the single source of truth for pin levels, the LED and the buttons; the page
 * only mirrors what it reports.
 *
 * Wiring (the circuit of the 2017 ESP-07 getting-started post in `shared/seeds/`):
 * - LED from GPIO13 through a resistor to ground: lit while GPIO13 drives high.
 * - Flash button from GPIO0 to ground, with a 10 kΩ pull-up on GPIO0.
 * - 10 kΩ pull-up on GPIO2, 10 kΩ pull-down on GPIO15 (strapping for a flash boot); the circuit
 *   panel can remove them or wire GPIO15 to the Flash button ({@link Circuit}).
 * - Reset button on EN/RST (handled by the host as a hard reset).
 * - UART0 to the terminal at 115200 baud.
 */
import type { Straps } from '../rom/boot-rom.ts';
import { DEFAULT_CIRCUIT, type Circuit } from './circuit.ts';
import { Adc } from '../chip/adc.ts';
import { VirtualClock, type HostNow, type SleepMode } from './clock.ts';
import { SpiFlash } from '../chip/flash.ts';
import { GPIO_COUNT, Gpio, type PadState } from '../chip/gpio.ts';
import { Pwm } from '../chip/pwm.ts';
import { supplyMicroAmps } from './power.ts';
import { RtcCounter } from '../chip/rtc.ts';
import { OsTimers } from '../chip/timers.ts';
import { Uart } from '../chip/uart.ts';

/** GPIO the on-board LED hangs from. */
export const LED_GPIO = 13;
/** GPIO the Flash button pulls to ground. */
export const FLASH_BUTTON_GPIO = 0;


/** A snapshot of everything the board picture shows. */
export interface BoardView {
  /** Per GPIO 0–16: what the chip does to the pad. */
  pins: PadState[];
  /** Per GPIO 0–16: the level on the pad (0/1). */
  levels: number[];
  /** Whether the LED on GPIO13 is lit. */
  led: boolean;
  /** LED brightness 0–1 (the PWM duty when GPIO13 runs PWM). */
  ledBrightness: number;
  /** Per GPIO 0–16: PWM duty 0–1023, or null when no PWM channel runs there. */
  duty: (number | null)[];
  /** The ADC input (TOUT) as a raw reading 0–1024. */
  adc: number;
  /** Whether the Flash button is held down. */
  flashHeld: boolean;
  /** The chip is in deep sleep (`machine.deepsleep()`, `esp.deepsleep()`): only the RTC runs. */
  sleeping: boolean;
  /** The board's virtual time since its last reset (wake), in ms, when the view was made. */
  uptimeMs: number;
  /** Supply current the board draws, in µA (`supplyMicroAmps` in power.ts). */
  supplyUa: number;
}

export interface BoardOptions {
  /** Host time source in ms (default `performance.now`). */
  hostNowMs?: HostNow;
  /** How sleeps spend host time (default `realtime`). */
  sleepMode?: SleepMode;
  /** Flash contents (shared by the host so they outlive the emulator thread); a fresh 4 MB flash when omitted. */
  flashStorage?: ArrayBufferLike;
}

export class Esp07Board {
  readonly clock: VirtualClock;
  readonly gpio = new Gpio();
  readonly uart0 = new Uart(115200);
  readonly pwm = new Pwm();
  readonly adc = new Adc();
  readonly timers = new OsTimers();
  readonly flash: SpiFlash;
  /** The RTC slow clock's tick counter (restarts at every reset, keeps counting in deep sleep). */
  readonly rtc = new RtcCounter();
  /** In deep sleep (set by the device; a reset ends it). */
  sleeping = false;
  private flashHeld = false;

  constructor(options: BoardOptions = {}) {
    this.clock = new VirtualClock(options.hostNowMs, options.sleepMode);
    this.flash = new SpiFlash(options.flashStorage);
    this.gpio.setExternal(FLASH_BUTTON_GPIO, 'weak', 1);
    this.setCircuit(DEFAULT_CIRCUIT);
  }

  private parts: Circuit = { ...DEFAULT_CIRCUIT };

  /** The strapping parts fitted now. */
  get circuit(): Circuit {
    return { ...this.parts };
  }

  /**
   * Fits or removes the strapping parts (the circuit panel; the device applies a change at the
   * next reset, when the boot ROM reads the pads: {@link strapLevels}).
   */
  setCircuit(c: Circuit): void {
    this.parts = { ...c };
    this.gpio.setExternal(2, 'weak', c.gpio2PullUp ? 1 : null);
    this.gpio.setExternal(15, 'weak', c.gpio15PullDown ? 0 : null);
    this.setFlashButton(this.flashHeld);
  }

  /**
   * The levels the boot ROM latches on GPIO15, GPIO0 and GPIO2 at reset. A pad nothing drives
   * has no defined level on the real chip; here GPIO0 and GPIO2 read high (the chip's reset-time
   * pull-ups) and GPIO15 reads high, the failure the blog's first circuit (GPIO15 left to the
   * Flash button, no pull-down) met: the board did not boot from flash. Documented on the
   * differences page.
   */
  strapLevels(): Straps {
    const level = (pin: number) => (this.gpio.floating(pin) ? 1 : this.gpio.read(pin));
    return { gpio15: level(15), gpio0: level(0), gpio2: level(2) };
  }

  /** Whether the LED is lit: GPIO13 must drive the pad high (an input pad lights nothing);
   * under PWM, whenever the duty is above 0. */
  ledLit(): boolean {
    const duty = this.pwm.duty(LED_GPIO);
    if (duty !== null && this.gpio.hasPeripheral(LED_GPIO)) return duty > 0;
    return this.gpio.state(LED_GPIO) === 'high';
  }

  /** LED brightness 0–1: the PWM duty under PWM, else 1 when lit. */
  ledBrightness(): number {
    const duty = this.pwm.duty(LED_GPIO);
    if (duty !== null && this.gpio.hasPeripheral(LED_GPIO)) return Math.min(1, duty / 1023);
    return this.ledLit() ? 1 : 0;
  }

  /**
   * Starts PWM on `pin` (the PWM peripheral drives the pad from now on).
   * @throws RangeError for a pin without PWM
   */
  startPwm(pin: number): void {
    this.pwm.attach(pin);
    this.gpio.setPeripheral(pin, () => this.pwm.level(pin, this.clock.nowUs()));
  }

  /** Stops PWM on `pin`; the pad goes back to its GPIO setting. */
  stopPwm(pin: number): void {
    this.pwm.detach(pin);
    this.gpio.setPeripheral(pin, null);
  }

  /**
   * Presses or releases the Flash button (GPIO0 to ground).
   * @param held true while the button is down
   */
  setFlashButton(held: boolean): void {
    this.flashHeld = held;
    this.gpio.setExternal(FLASH_BUTTON_GPIO, 'strong', held ? 0 : null);
    // the blog's first circuit also wired GPIO15 to the button
    this.gpio.setExternal(15, 'strong', held && this.parts.gpio15OnFlash ? 0 : null);
  }

  /** Power-on / reset state of the chip: GPIOs to input, clock to 0, UART queue emptied.
   * Buttons keep their position (they are outside the chip). */
  resetChip(): void {
    this.pwm.reset();
    this.timers.reset();
    this.gpio.reset();
    this.uart0.clear();
    this.uart0.baud = 115200;
    this.clock.reset();
    this.rtc.restart();
    this.sleeping = false;
  }

  /** Everything the board picture needs, for the host. */
  view(): BoardView {
    const pins: PadState[] = [];
    const levels: number[] = [];
    for (let p = 0; p < GPIO_COUNT; p++) {
      pins.push(this.gpio.state(p));
      levels.push(this.gpio.read(p));
    }
    const duty = pins.map((_, p) => (this.gpio.hasPeripheral(p) ? this.pwm.duty(p) : null));
    return { pins, levels, led: this.ledLit(), ledBrightness: this.ledBrightness(), duty, adc: this.adc.read(), flashHeld: this.flashHeld, sleeping: this.sleeping, uptimeMs: this.clock.nowMs(), supplyUa: supplyMicroAmps(this.sleeping) };
  }
}
