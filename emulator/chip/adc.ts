/**
 * The ESP8266's ADC: 10 bits on the TOUT pin (A0), 0–1.0 V → 0–1024
 * (MicroPython docs/esp8266/quickref.rst: "input voltages on the ADC pin must be between 0v and 1.0v";
 * `machine.ADC(0).read()` returns 0–1024, reference §2.2). The board's slider sets the voltage.
 */
export const ADC_MAX = 1024;

export class Adc {
  private raw = 0;
  /** Supply voltage in volts, for ADC(1) (VDD33). */
  vdd = 3.3;

  /** Sets the TOUT input as a raw reading 0–1024 (clamped). */
  setRaw(value: number): void {
    this.raw = Math.min(ADC_MAX, Math.max(0, Math.round(value)));
  }

  /** Sets the TOUT input in volts (0–1.0 V maps to 0–1024; higher saturates). */
  setVolts(v: number): void {
    this.setRaw(v * ADC_MAX);
  }

  /** What `ADC(0).read()` returns: 0–1024. */
  read(): number {
    return this.raw;
  }
}
