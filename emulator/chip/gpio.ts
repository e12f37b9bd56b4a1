/**
 * ESP8266 GPIO block: 17 pads numbered as the chip numbers them (GPIO0–GPIO16).
 *
 * Models what MicroPython's esp8266 port does to the registers
 * (`ports/esp8266/machine_pin.c`: `pin_set`, `pin_get`, `mp_hal_pin_*`):
 * - mode 0 (IN): output driver off; writes are ignored (the latch keeps its old value).
 * - mode 1 (OUT): output driver on, pad follows the latch.
 * - mode 2 (OPEN_DRAIN): writing 0 drives low, writing 1 releases the pad.
 * - `read` returns the pad level (the GPIO_IN register), even in output mode.
 * - pull-ups exist on GPIO0–15 only; there are no pull-downs (ESP8266EX datasheet §4.1,
 *   "GPIO": pull-down removed from the SDK since 1.1.0).
 *
 * Things outside the chip (buttons, resistors, LEDs) drive pads through {@link Gpio.setExternal}.
 */
export const GPIO_COUNT = 17;

/** Pin ids MicroPython's esp8266 `Pin` accepts (6, 7, 8, 11 are flash pins and absent). */
export const VALID_PINS: readonly number[] = [0, 1, 2, 3, 4, 5, 9, 10, 12, 13, 14, 15, 16];

/** Pin modes, with the values of `machine.Pin.IN/OUT/OPEN_DRAIN`. */
export const MODE_IN = 0;
export const MODE_OUT = 1;
export const MODE_OPEN_DRAIN = 2;

/** What the board picture shows for a pad: driven high, driven low, or not driven by the chip. */
export type PadState = 'high' | 'low' | 'input';

/** Strength of an external driver: `strong` (a button to ground) beats the chip's pull-up,
 * `weak` (a 10 kΩ strapping resistor) loses to it. */
export type DriveStrength = 'strong' | 'weak';

interface Pad {
  mode: number;
  latch: 0 | 1;
  pullUp: boolean;
  strong: 0 | 1 | null;
  weak: 0 | 1 | null;
  /** A peripheral driving the pad instead of the GPIO latch (PWM), or null. */
  peripheral: (() => 0 | 1) | null;
}

export class Gpio {
  private readonly pads: Pad[] = [];
  private readonly listeners = new Set<(pin: number) => void>();

  constructor() {
    for (let i = 0; i < GPIO_COUNT; i++) {
      this.pads.push({ mode: MODE_IN, latch: 0, pullUp: false, strong: null, weak: null, peripheral: null });
    }
  }

  /** Whether `pin` is an id MicroPython accepts. */
  static isValid(pin: number): boolean {
    return VALID_PINS.includes(pin);
  }

  /**
   * Configures a pad as `machine.Pin.init` does.
   * @param pin chip GPIO number 0–16
   * @param mode MODE_IN, MODE_OUT or MODE_OPEN_DRAIN (other values are stored and leave the driver as is)
   * @param pullUp enable the internal pull-up (not available on GPIO16)
   * @param value initial level to write, or -1 to keep the latch
   * @throws RangeError for a pin outside 0–16, or a pull-up on GPIO16
   */
  configure(pin: number, mode: number, pullUp: boolean, value: number): void {
    const pad = this.pad(pin);
    if (pin === 16 && pullUp) throw new RangeError("Pin(16) doesn't support pull");
    pad.mode = mode;
    pad.pullUp = pullUp;
    this.write(pin, value);
  }

  /**
   * Writes a level as `pin_set` does: ignored in input mode, releases an open-drain pad on 1.
   * @param value 0, 1, or -1 (only (re)applies the mode's driver setting)
   */
  write(pin: number, value: number): void {
    const pad = this.pad(pin);
    if (value === 0 || value === 1) {
      if (pad.mode !== MODE_IN) pad.latch = value;
    }
    this.emit(pin);
  }

  /** Whether nothing drives the pad: no chip output, no pull-up, no external part. */
  floating(pin: number): boolean {
    const pad = this.pad(pin);
    return this.chipDrive(pad) === null && pad.strong === null && pad.weak === null && !pad.pullUp;
  }

  /** The level on the pad (GPIO_IN): 0 or 1. A pad nothing drives reads 0. */
  read(pin: number): 0 | 1 {
    const pad = this.pad(pin);
    const driven = this.chipDrive(pad);
    if (driven !== null) return driven;
    if (pad.strong !== null) return pad.strong;
    if (pad.pullUp) return 1;
    if (pad.weak !== null) return pad.weak;
    return 0;
  }

  /** What the chip does to the pad: 'high'/'low' when its output driver is on, else 'input'. */
  state(pin: number): PadState {
    const driven = this.chipDrive(this.pad(pin));
    return driven === null ? 'input' : driven ? 'high' : 'low';
  }

  /** The stored mode number of a pad (MODE_IN after reset). */
  mode(pin: number): number {
    return this.pad(pin).mode;
  }

  /**
   * Sets or removes an external driver on a pad (board wiring, buttons).
   * @param level 0 or 1, or null to remove the driver of that strength
   */
  setExternal(pin: number, strength: DriveStrength, level: 0 | 1 | null): void {
    const pad = this.pad(pin);
    if (strength === 'strong') pad.strong = level;
    else pad.weak = level;
    this.emit(pin);
  }

  /**
   * Lets a peripheral (PWM) drive the pad, or gives it back to the GPIO latch with null.
   * @param level returns the level the peripheral puts on the pad now
   */
  setPeripheral(pin: number, level: (() => 0 | 1) | null): void {
    this.pad(pin).peripheral = level;
    this.emit(pin);
  }

  /** Whether a peripheral drives the pad. */
  hasPeripheral(pin: number): boolean {
    return this.pad(pin).peripheral !== null;
  }

  /** Chip reset: every pad back to input, latch 0, no pull-up, no peripheral. External drivers stay. */
  reset(): void {
    this.pads.forEach((pad, pin) => {
      pad.mode = MODE_IN;
      pad.latch = 0;
      pad.pullUp = false;
      pad.peripheral = null;
      this.emit(pin);
    });
  }

  /** Calls `fn(pin)` after any change that may alter a pad's level or state. Returns an unsubscribe function. */
  onChange(fn: (pin: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private chipDrive(pad: Pad): 0 | 1 | null {
    if (pad.peripheral) return pad.peripheral();
    if (pad.mode === MODE_OUT) return pad.latch;
    if (pad.mode === MODE_OPEN_DRAIN && pad.latch === 0) return 0;
    return null;
  }

  private pad(pin: number): Pad {
    const pad = this.pads[pin];
    if (!Number.isInteger(pin) || pad === undefined) throw new RangeError(`no GPIO${pin}`);
    return pad;
  }

  private emit(pin: number): void {
    for (const fn of this.listeners) fn(pin);
  }
}
