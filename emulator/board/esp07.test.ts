import { describe, expect, it } from 'vitest';
import { Esp07Board, LED_GPIO } from './esp07.ts';
import { bootMode } from '../rom/boot-rom.ts';
import { DEFAULT_CIRCUIT } from './circuit.ts';
import { MODE_OUT, MODE_IN } from '../chip/gpio.ts';

describe('Esp07Board wiring', () => {
  it('lights the LED only while GPIO13 drives high', () => {
    const b = new Esp07Board();
    expect(b.ledLit()).toBe(false);
    b.gpio.configure(LED_GPIO, MODE_OUT, false, 1);
    expect(b.ledLit()).toBe(true);
    b.gpio.write(LED_GPIO, 0);
    expect(b.ledLit()).toBe(false);
    b.gpio.write(LED_GPIO, 1);
    b.gpio.configure(LED_GPIO, MODE_IN, false, -1);
    expect(b.ledLit()).toBe(false);
  });

  it('has the strapping resistors: GPIO0 and GPIO2 read high, GPIO15 low', () => {
    const b = new Esp07Board();
    expect(b.gpio.read(0)).toBe(1);
    expect(b.gpio.read(2)).toBe(1);
    expect(b.gpio.read(15)).toBe(0);
  });

  it('the Flash button pulls GPIO0 low while held', () => {
    const b = new Esp07Board();
    b.setFlashButton(true);
    expect(b.gpio.read(0)).toBe(0);
    expect(b.view().flashHeld).toBe(true);
    b.setFlashButton(false);
    expect(b.gpio.read(0)).toBe(1);
  });

  it('PWM on GPIO13 sets the LED brightness; a reset stops it', () => {
    const b = new Esp07Board();
    b.startPwm(13);
    b.pwm.setDuty(13, 512);
    expect(b.ledLit()).toBe(true);
    expect(b.ledBrightness()).toBeCloseTo(512 / 1023);
    expect(b.view().duty[13]).toBe(512);
    b.pwm.setDuty(13, 0);
    expect(b.ledLit()).toBe(false);
    b.resetChip();
    expect(b.view().duty[13]).toBeNull();
    expect(() => b.startPwm(16)).toThrow('PWM not supported on pin 16');
  });

  it('carries the ADC input and the flash', () => {
    const b = new Esp07Board();
    b.adc.setRaw(700);
    expect(b.view().adc).toBe(700);
    expect(b.flash.size).toBe(4 * 1024 * 1024);
  });

  it('a chip reset turns the LED off and keeps the button position', () => {
    const b = new Esp07Board();
    b.gpio.configure(LED_GPIO, MODE_OUT, false, 1);
    b.setFlashButton(true);
    b.resetChip();
    const v = b.view();
    expect(v.led).toBe(false);
    expect(v.pins[LED_GPIO]).toBe('input');
    expect(v.levels[0]).toBe(0);
    expect(v.pins).toHaveLength(17);
  });

});

describe('circuit panel: strapping parts (seeds/blog-getting-started-esp07.md; reference §6.2)', () => {
  it('the working circuit boots from flash (3) and enters download mode with Flash held (1)', () => {
    const b = new Esp07Board();
    expect(bootMode(b.strapLevels())).toBe(3);
    b.setFlashButton(true);
    expect(bootMode(b.strapLevels())).toBe(1);
  });

  it("the blog's first circuit: GPIO15 on the Flash button, no pull-down, no GPIO2 pull-up", () => {
    const b = new Esp07Board();
    b.setCircuit({ gpio2PullUp: false, gpio15PullDown: false, gpio15OnFlash: true });
    // flashing works: Flash pulls GPIO0 and GPIO15 low, GPIO2 floats high
    b.setFlashButton(true);
    expect(b.strapLevels()).toEqual({ gpio15: 0, gpio0: 0, gpio2: 1 });
    expect(bootMode(b.strapLevels())).toBe(1);
    // but a plain reset leaves GPIO15 floating, read high: an SDIO mode, no flash boot
    b.setFlashButton(false);
    expect(b.gpio.floating(15)).toBe(true);
    expect(bootMode(b.strapLevels())).toBe(7);
  });

  it('only the GPIO15 pull-down matters for a flash boot; GPIO2 may float', () => {
    const b = new Esp07Board();
    b.setCircuit({ ...DEFAULT_CIRCUIT, gpio2PullUp: false });
    expect(bootMode(b.strapLevels())).toBe(3);
    b.setCircuit({ ...DEFAULT_CIRCUIT, gpio15PullDown: false });
    expect(bootMode(b.strapLevels())).toBe(7);
    b.setCircuit(DEFAULT_CIRCUIT);
    expect(b.circuit).toEqual(DEFAULT_CIRCUIT);
    expect(b.gpio.read(15)).toBe(0);
  });

  it('a pad the chip drives is not floating, whatever the parts', () => {
    const b = new Esp07Board();
    b.setCircuit({ gpio2PullUp: false, gpio15PullDown: false, gpio15OnFlash: false });
    b.gpio.configure(15, MODE_OUT, false, 0);
    expect(b.gpio.floating(15)).toBe(false);
    expect(b.strapLevels().gpio15).toBe(0);
  });
});
