/**
 * The ESP8266's PWM as MicroPython drives it: a software PWM running from a timer interrupt
 * (`ports/esp8266/esppwm.c`), with one frequency shared by all channels.
 *
 * - Channels exist only on GPIO 0, 2, 4, 5, 12, 13, 14, 15 (`pin_num[]` in esppwm.c), 8 at most.
 * - Frequency 1–1000 Hz, silently clamped; 500 Hz after `pwm_init` (reference §2.3).
 * - Duty 0–1023, clamped; a new channel starts at duty 0.
 * The pad level at a moment follows the duty over the period, on the virtual clock.
 */
export const PWM_PINS: readonly number[] = [0, 2, 4, 5, 12, 13, 14, 15];
export const PWM_DEFAULT_FREQ = 500;
export const DUTY_MAX = 1023;

export class Pwm {
  private freqHz = PWM_DEFAULT_FREQ;
  private readonly duties = new Map<number, number>();

  /** Whether a PWM channel can run on `pin`. */
  static supports(pin: number): boolean {
    return PWM_PINS.includes(pin);
  }

  /** The shared frequency in Hz. */
  get freq(): number {
    return this.freqHz;
  }

  /** Sets the shared frequency; values outside 1–1000 Hz are clamped (not an error on the chip). */
  setFreq(hz: number): void {
    this.freqHz = Math.min(1000, Math.max(1, Math.trunc(hz)));
  }

  /**
   * Starts a channel on `pin` at duty 0 (keeps the duty of a running one).
   * @throws RangeError for a pin without PWM
   */
  attach(pin: number): void {
    if (!Pwm.supports(pin)) throw new RangeError(`PWM not supported on pin ${pin}`);
    if (!this.duties.has(pin)) this.duties.set(pin, 0);
  }

  /** Stops the channel on `pin`. */
  detach(pin: number): void {
    this.duties.delete(pin);
  }

  /** Whether a channel runs on `pin`. */
  active(pin: number): boolean {
    return this.duties.has(pin);
  }

  /** Duty 0–1023 of the channel on `pin`, or null when none runs. */
  duty(pin: number): number | null {
    return this.duties.get(pin) ?? null;
  }

  /** Sets the duty of a running channel, clamped to 0–1023. */
  setDuty(pin: number, duty: number): void {
    if (!this.duties.has(pin)) this.attach(pin);
    this.duties.set(pin, Math.min(DUTY_MAX, Math.max(0, Math.trunc(duty))));
  }

  /** Pad level of the channel on `pin` at virtual time `us` (µs). */
  level(pin: number, us: number): 0 | 1 {
    const duty = this.duties.get(pin) ?? 0;
    const period = 1e6 / this.freqHz;
    return (us % period) < (duty / 1024) * period ? 1 : 0;
  }

  /** Chip reset: all channels stop, frequency back to 500 Hz. */
  reset(): void {
    this.duties.clear();
    this.freqHz = PWM_DEFAULT_FREQ;
  }
}
