/**
 * Peripherals seen from the learner's side: pin IRQs, timers, PWM, ADC, UART0 pads.
 * Semantics: ports/esp8266/machine_pin.c (IRQs are scheduled, soft), machine_timer.c
 * (virtual OS timers), esppwm.c, machine_adc.c; v1.27-surface §7–§11.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pin IRQs', () => {
  it('a falling edge on GPIO0 (the Flash button) runs the handler at the idle prompt', async () => {
    board = await TestBoard.boot();
    await board.line('from machine import Pin; n = [0]; b = Pin(0, Pin.IN)');
    await board.line('def h(p):\r    n[0] += 1\r    print("pressed", p)\r\r');
    await board.line('b.irq(trigger=Pin.IRQ_FALLING, handler=h)');
    board.since();
    board.host.setFlash(true);
    await board.waitFor('pressed Pin(0)\r\n');
    board.host.setFlash(false); // rising edge: not a trigger
    await wait(150);
    expect(await board.line('n[0]')).toContain('\r\n1\r\n');
  });

  it('runs handlers while the program sleeps, and not after irq(handler=None)', async () => {
    board = await TestBoard.boot();
    await board.line('import time; from machine import Pin; seen = []');
    await board.line('Pin(0, Pin.IN).irq(handler=lambda p: seen.append(p.value()))');
    board.type('time.sleep(0.6); len(seen)\r');
    await wait(150);
    board.host.setFlash(true); // falling
    await wait(100);
    board.host.setFlash(false); // rising (default trigger: both edges)
    await board.waitFor('>>> ', 3000);
    expect(board.recent).toContain('\r\n2\r\n');
    await board.line('Pin(0).irq(handler=None)');
    board.host.setFlash(true);
    await wait(100);
    expect(await board.line('len(seen)')).toContain('\r\n2\r\n');
  });

  it('an exception in a handler is printed and the program goes on', async () => {
    board = await TestBoard.boot();
    await board.line('from machine import Pin; Pin(0, Pin.IN).irq(trigger=Pin.IRQ_FALLING, handler=lambda p: 1/0)');
    board.since();
    board.host.setFlash(true);
    await board.waitFor('ZeroDivisionError: divide by zero\r\n');
    expect(board.recent).toContain('Traceback (most recent call last):\r\n');
    expect(await board.line('1+1')).toContain('\r\n2\r\n');
  });
});

describe('machine.Timer (virtual clock)', () => {
  it('a periodic timer fires once per period of virtual time', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    await board.line('import time; from machine import Timer; c = [0]');
    await board.line('t = Timer(-1); t.init(period=100, mode=Timer.PERIODIC, callback=lambda t: c.append(1))');
    expect(await board.line('time.sleep(1); len(c) - 1')).toContain('\r\n10\r\n');
    expect(await board.line('t.deinit(); k = len(c); time.sleep(1); len(c) == k')).toContain('True');
  });

  it('a one-shot timer fires once, also at the idle prompt', async () => {
    board = await TestBoard.boot();
    await board.line('from machine import Timer; t = Timer(-1)');
    board.since();
    await board.line('t.init(period=200, mode=Timer.ONE_SHOT, callback=lambda t: print("ding"))');
    await board.waitFor('ding\r\n', 3000);
    await wait(400);
    expect(board.recent.match(/\r\nding\r\n|^ding\r\n|>>> ding\r\n/g) ?? []).toHaveLength(1);
  });
});

describe('PWM and ADC on the board', () => {
  it('PWM on GPIO13 sets the LED brightness the page sees', async () => {
    board = await TestBoard.boot();
    await board.line('from machine import Pin, PWM; p = PWM(Pin(13), freq=1000, duty=256)');
    await board.waitUntil(() => board!.host.view.duty[13] === 256);
    expect(board.host.view.led).toBe(true);
    expect(board.host.view.ledBrightness).toBeCloseTo(256 / 1023, 2);
    await board.line('p.deinit()');
    await board.waitUntil(() => board!.host.view.duty[13] === null);
    expect(await board.line('p')).toContain('\r\nPWM(13)\r\n');
  });

  it('ADC(0) reads what the host slider sets', async () => {
    board = await TestBoard.boot();
    await board.line('from machine import ADC; a = ADC(0)');
    expect(await board.line('a.read()')).toContain('\r\n0\r\n');
    board.host.setAdc(700);
    await wait(50);
    expect(await board.line('a.read(), a.read_u16()')).toContain('(700, 44799)');
  });
});

describe('UART0 pads', () => {
  it('taking GPIO1 (TX) as a GPIO cuts the REPL output until Reset', async () => {
    board = await TestBoard.boot();
    board.type('from machine import Pin; p = Pin(1, Pin.OUT)\r');
    await wait(300);
    board.type('print("lost")\r');
    await wait(300);
    expect(board.recent).not.toContain('lost');
    board.host.reset();
    await board.waitFor('Type "help()" for more information.\r\n>>> ', 5000);
    expect(await board.line('print("back")')).toContain('\r\nback\r\n');
  });

  it('Pin(1) without a mode leaves UART0 alone', async () => {
    board = await TestBoard.boot();
    expect(await board.line('from machine import Pin; Pin(1), Pin(3)')).toContain('(Pin(1), Pin(3))');
    expect(await board.line('print("still here")')).toContain('still here');
  });
});
