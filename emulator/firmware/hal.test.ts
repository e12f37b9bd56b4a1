/**
 * The firmware calls (hal.ts) seen from the learner's side: machine.Pin, pin IRQs, timers, PWM,
 * ADC, UART0 pads.
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
    // line() adds the last Enter: one more would give a second, empty prompt that the next
    // line() could take for its own, and press the button before the handler is set
    await board.line('def h(p):\r    n[0] += 1\r    print("pressed", p)\r');
    expect(await board.line('b.irq(trigger=Pin.IRQ_FALLING, handler=h)')).toContain('<IRQ>\r\n>>> ');
    board.since();
    board.host.setFlash(true);
    await board.waitFor('pressed Pin(0)\r\n', 10_000); // the fresh-clone CI once needed more than 5 s
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

  it('a hard callback runs with the heap locked: allocating raises a bare MemoryError, printed after its own line (v1.27-surface §11)', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    await board.line('import time; from machine import Timer; n = [0]');
    // no allocation: counting in a preallocated list works
    await board.line('exec("def ok(t):\\n n[0] += 1")');
    await board.line('t = Timer(-1); t.init(period=100, mode=Timer.PERIODIC, callback=ok, hard=True)');
    expect(await board.line('time.sleep(1); t.deinit(); n[0] >= 9')).toContain('\r\nTrue\r\n');
    await board.line('exec("def grow(t):\\n n.append([1, 2, 3])")');
    board.since();
    await board.line('t.init(period=100, mode=Timer.ONE_SHOT, callback=grow, hard=True); time.sleep_ms(300)');
    // with the heap locked the MemoryError gets neither its message nor a traceback: the
    // emergency exception buffer is 0 bytes until alloc_emergency_exception_buf() (py/objexcept.c)
    expect(board.recent).toContain('uncaught exception in timer callback\r\nMemoryError: \r\n');
    // the heap is unlocked again after the callback
    expect(await board.line('len([0] * 100)')).toContain('\r\n100\r\n');
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

  it('ADC(1) reads 65535 with the default init data, and the supply once its byte 107 is 255 and the chip restarted', async () => {
    // machine_adc.c: isvdd → system_get_vdd33(), which reads 65535 unless init data byte 107
    // (vdd33_const) is 255; the SDK takes the init data in at start-up (4 sectors before the end)
    board = await TestBoard.boot();
    expect(await board.line('from machine import ADC; ADC(1).read()')).toContain('\r\n65535\r\n');
    await board.line('import esp; at = esp.flash_size() - 0x4000; d = bytearray(esp.flash_read(at, 128)); d[107] = 255');
    await board.line('esp.flash_erase(at // 4096); esp.flash_write(at, d)');
    expect(await board.line('ADC(1).read()')).toContain('\r\n65535\r\n');
    board.since();
    board.host.reset();
    await board.waitFor('for more information.\r\n>>> ');
    expect(await board.line('from machine import ADC; ADC(1).read(), ADC(1).read_u16()')).toContain('(3379, 216252)');
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

describe('machine.Pin (ports/esp8266/machine_pin.c)', () => {
  it('drives the LED on GPIO13', async () => {
    board = await TestBoard.boot();
    await board.line('from machine import Pin');
    await board.line('led = Pin(13, Pin.OUT)');
    expect(board.host.view.pins[13]).toBe('low');
    await board.line('led.on()');
    await board.waitUntil(() => board!.host.view.led);
    expect(board.host.view.pins[13]).toBe('high');
    expect(await board.line('led.value()')).toBe('led.value()\r\n1\r\n>>> ');
    await board.line('led.off()');
    await board.waitUntil(() => !board!.host.view.led);
    await board.line('led(1)');
    await board.waitUntil(() => board!.host.view.led);
    await board.line('led.value(0)');
    await board.waitUntil(() => !board!.host.view.led);
    expect(await board.line('led')).toBe('led\r\nPin(13)\r\n>>> ');
    expect(await board.line('Pin(13) is led')).toContain('True');
  });

  it('rejects invalid pins with the firmware traceback (no emulator frames)', async () => {
    board = await TestBoard.boot();
    await board.line('from machine import Pin');
    for (const id of [6, 7, 8, 11, 17, -1]) {
      expect(await board.line(`Pin(${id})`)).toBe(
        `Pin(${id})\r\nTraceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nValueError: invalid pin\r\n>>> `,
      );
    }
    expect(await board.line("Pin('x')")).toContain('ValueError: invalid pin');
    for (const id of [0, 1, 2, 3, 4, 5, 9, 10, 12, 13, 14, 15, 16]) {
      expect(await board.line(`Pin(${id})`)).toBe(`Pin(${id})\r\nPin(${id})\r\n>>> `);
    }
  });

  it('has the esp8266 constants and argument errors', async () => {
    board = await TestBoard.boot();
    await board.line('from machine import Pin');
    expect(await board.line('Pin.IN, Pin.OUT, Pin.OPEN_DRAIN, Pin.PULL_UP, Pin.IRQ_RISING, Pin.IRQ_FALLING')).toContain('(0, 1, 2, 1, 1, 2)');
    expect(await board.line('Pin.PULL_DOWN')).toContain("AttributeError: type object 'Pin' has no attribute 'PULL_DOWN'");
    // py/argcheck.c mp_arg_parse_all: "'%q' argument required"
    expect(await board.line('Pin(2).init()')).toContain("TypeError: 'mode' argument required");
    expect(await board.line('Pin(16, Pin.IN, Pin.PULL_UP)')).toContain("ValueError: Pin(16) doesn't support pull");
    expect(await board.line('Pin(2).value(1, 2)')).toContain('TypeError: function expected at most 2 arguments, got 3');
  });

  it('reads the pad: pull-up, open drain, the Flash button on GPIO0', async () => {
    board = await TestBoard.boot();
    await board.line('from machine import Pin');
    expect(await board.line('Pin(12, Pin.IN).value()')).toContain('\r\n0\r\n');
    expect(await board.line('Pin(12, Pin.IN, Pin.PULL_UP).value()')).toContain('\r\n1\r\n');
    expect(await board.line('Pin(0, Pin.IN).value()')).toContain('\r\n1\r\n');
    board.host.setFlash(true);
    expect(await board.line('Pin(0).value()')).toContain('\r\n0\r\n');
    board.host.setFlash(false);
    await board.line('p = Pin(4, Pin.OPEN_DRAIN, value=0)');
    expect(board.host.view.pins[4]).toBe('low');
    await board.line('p.value(1)');
    await board.waitUntil(() => board!.host.view.pins[4] === 'input');
    await board.line('q = Pin(5, Pin.IN); q.value(1)');
    expect(board.host.view.pins[5]).toBe('input');
  });
});
