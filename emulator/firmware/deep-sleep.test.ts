/**
 * machine.RTC, the time module's RTC functions, deep sleep and the lab's clock controls on the
 * virtual ESP-07 (Node, worker thread). Expected behaviour: reference
 * esp8266-micropython-behaviour.md §2.5 (deepsleep, reset causes), §4 (RTC and time), §6.2 (the
 * ROM's rst cause), and MP@v1.27.0:ports/esp8266/{machine_rtc.c, modmachine.c, modesp.c}.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';
import { BOARD_RTC, driftPpmFromSecondsPerMinute } from '../chip/rtc.ts';

const TB = (err: string) => `Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\n${err}\r\n>>> `;
/** The ROM's line for a reset with this cause (reference §6.2). */
const ROM = (cause: number) => `\r\n ets Jan  8 2013,rst cause:${cause}, boot mode:(3,6)\r\n\r\n`;
const HOUR_MS = 3_600_000;

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

/** What a line printed, without its echo and the prompt. */
async function out(b: TestBoard, line: string, timeoutMs = 5000): Promise<string> {
  const got = await b.line(line, '>>> ', timeoutMs);
  return got.slice(line.length + 2, -4).replace(/\r\n$/, '');
}

async function withWire(b: TestBoard, fitted: boolean): Promise<void> {
  b.host.setCircuit({ ...b.host.circuitParts, gpio16ToRst: fitted });
  await new Promise((r) => setTimeout(r, 50)); // the message reaches the emulator thread
}

describe('machine.RTC (reference §4.1, machine_rtc.c)', () => {
  it('datetime() set and get: weekday computed, ignored when setting; time.* read the RTC (2000 epoch)', async () => {
    board = await TestBoard.boot();
    await board.line('import machine, time; r = machine.RTC()');
    expect(await out(board, 'r is machine.RTC(), r')).toBe('(True, <RTC>)');
    // power-on: 2000-01-01, a Saturday (weekday 5)
    expect(await out(board, 'r.datetime()[:4]')).toBe('(2000, 1, 1, 5)');
    // a wrong weekday (6) is ignored; 2024-02-29 is a Thursday (3); subseconds are ms
    expect(await out(board, 'r.datetime((2024, 2, 29, 6, 12, 30, 0, 500))')).toBe('');
    expect(await out(board, 'd = r.datetime(); d[:6], 0 <= d[7] < 1000')).toBe('((2024, 2, 29, 3, 12, 30), True)');
    expect(await out(board, 'time.localtime()[:7], time.gmtime()[:3]')).toBe('((2024, 2, 29, 12, 30, 0, 3), (2024, 2, 29))');
    // 2024-02-29 12:30:00 is 762 525 000 s after 2000-01-01 (mktime agrees)
    expect(await out(board, 'time.time() - 762525000 in (0, 1), time.mktime((2024, 2, 29, 12, 30, 0, 0, 0))')).toBe('(True, 762525000)');
    expect(await out(board, 'time.time_ns() // 10**9 - 762525000 in (0, 1)')).toBe('True');
  });

  it('errors as the C code raises them', async () => {
    board = await TestBoard.boot();
    await board.line('import machine; r = machine.RTC()');
    // mp_arg_check_num(n_args, n_kw, 0, 0, false)
    expect(await board.line('machine.RTC(1)')).toBe(`machine.RTC(1)\r\n${TB('TypeError: function takes 0 positional arguments but 1 were given')}`);
    // mp_obj_get_array_fixed_n (NORMAL error reporting)
    expect(await board.line('r.datetime((2024, 1, 1))')).toContain(TB('ValueError: requested length 8 but object has length 3'));
    expect(await board.line('r.datetime(5)')).toContain(TB("TypeError: object 'int' isn't a tuple or list"));
    expect(await board.line('r.memory(bytes(493))')).toContain(TB('ValueError: buffer too long'));
    expect(await board.line('r.alarm(1, 1000)')).toContain(TB('ValueError: invalid alarm'));
    expect(await board.line('r.alarm_left(2)')).toContain(TB('ValueError: invalid alarm'));
    expect(await board.line('r.irq(trigger=1)')).toContain(TB('ValueError: invalid alarm'));
    expect(await board.line('r.irq(0)')).toContain(TB('TypeError: extra positional arguments given'));
  });

  it('help() and dir() as the firmware shows them (v1.27-surface §12.3)', async () => {
    board = await TestBoard.boot();
    await board.line('import machine');
    expect(await out(board, 'dir(machine.RTC)')).toBe("['__class__', '__name__', 'ALARM0', '__bases__', '__dict__', 'alarm', 'alarm_left', 'datetime', 'irq', 'memory']");
    expect(await out(board, 'help(machine.RTC)')).toBe(
      "object <class 'RTC'> is of type type\r\n  datetime -- <function>\r\n  memory -- <function>\r\n  alarm -- <function>\r\n  alarm_left -- <function>\r\n  irq -- <function>\r\n  ALARM0 -- 0",
    );
    expect(await out(board, 'machine.RTC.ALARM0, machine.DEEPSLEEP, machine.DEEPSLEEP_RESET')).toBe('(0, 4, 5)');
  });

  it('memory(): 492 bytes, kept across soft reset, machine.reset() and Reset; lost at power-off', async () => {
    board = await TestBoard.boot();
    await board.line('import machine; machine.RTC().memory(bytes(range(200)) * 2 + bytes(92))');
    expect(await out(board, 'len(machine.RTC().memory())')).toBe('492');
    await board.line("machine.RTC().memory(b'kept')");
    // soft reset (Ctrl-D)
    board.type('\x04');
    await board.waitFor('MPY: soft reboot');
    await board.waitFor('>>> ');
    expect(await out(board, 'import machine; machine.RTC().memory()')).toBe("b'kept'");
    // machine.reset()
    board.type('machine.reset()\r');
    await board.waitFor('Type "help()" for more information.\r\n>>> ', 10_000);
    expect(await out(board, 'import machine; machine.RTC().memory(), machine.reset_cause()')).toBe("(b'kept', 4)");
    // the Reset button (RST pin)
    board.since();
    board.host.reset();
    await board.waitFor('Type "help()" for more information.\r\n>>> ', 10_000);
    expect(await out(board, 'import machine; machine.RTC().memory(), machine.reset_cause()')).toBe("(b'kept', 6)");
    // power-off: the same flash, a new RTC memory (a page reload or a factory reset does this)
    board.since();
    board.host.replaceFlash(board.host.flashSnapshot());
    await board.waitFor('Type "help()" for more information.\r\n>>> ', 10_000);
    expect(await out(board, 'import machine; machine.RTC().memory(), machine.reset_cause()')).toBe("(b'', 0)");
  });

  it('a reset that is not a deep-sleep wake: the counter restarts, only delta survives, the clock jumps back (reference §4.2)', async () => {
    board = await TestBoard.boot();
    board.host.jumpClock(10 * 60_000); // 10 minutes of uptime, then set the clock
    await board.line('import machine, time; machine.RTC().datetime((2024, 2, 29, 0, 12, 0, 0, 0))');
    board.host.jumpClock(HOUR_MS);
    expect(await out(board, 'time.localtime()[3:5]')).toBe('(13, 0)');
    board.type('machine.reset()\r');
    await board.waitFor('Type "help()" for more information.\r\n>>> ', 10_000);
    // back to the time that was set less the 10 minutes (and a little) of uptime it was set at
    const back = Number(await out(board, 'import time; 762523200 - time.time()'));
    expect(back).toBeGreaterThanOrEqual(595);
    expect(back).toBeLessThanOrEqual(601);
  });

  it('alarm(0, ms) and alarm_left() follow the virtual clock', async () => {
    board = await TestBoard.boot();
    await board.line('import machine; r = machine.RTC(); r.alarm(r.ALARM0, 60000)');
    board.host.jumpClock(10_000);
    const left = Number(await out(board, 'r.alarm_left()'));
    expect(left).toBeLessThanOrEqual(50_000);
    expect(left).toBeGreaterThan(49_000);
    board.host.jumpClock(60_000);
    expect(await out(board, 'r.alarm_left(0)')).toBe('0');
  });
});

describe('the RTC overflow: a read within 7 h keeps time, none for 8 h loses a wrap (reference §4.2)', () => {
  it('jump 8 h with no read in between: the clock is 7 h 45 min behind', async () => {
    board = await TestBoard.boot();
    await board.line('import machine, time; machine.RTC().datetime((2024, 2, 29, 0, 12, 0, 0, 0))');
    board.host.jumpClock(8 * HOUR_MS);
    // 20:00 less one wrap (cal << 20 µs = 26643 × 2^20 µs = 7 h 45 min 37.8 s): 12:14:22
    const wrapS = (BOARD_RTC.cal * 2 ** 20) / 1e6;
    const expected = new Date(Date.UTC(2024, 1, 29, 20, 0, 0) - wrapS * 1000);
    expect(await out(board, 'time.localtime()[3:5]')).toBe(`(${expected.getUTCHours()}, ${expected.getUTCMinutes()})`);
  });

  it('jump 4 h, read, jump 4 h: the read noticed the wrap, the clock says 20:00', async () => {
    board = await TestBoard.boot();
    await board.line('import machine, time; machine.RTC().datetime((2024, 2, 29, 0, 12, 0, 0, 0))');
    board.host.jumpClock(4 * HOUR_MS);
    expect(await out(board, 'time.localtime()[3]')).toBe('16');
    board.host.jumpClock(4 * HOUR_MS);
    expect(await out(board, 'time.localtime()[3:5]')).toBe('(20, 0)');
  });

  it('a jump is a fast-forward: a program that reads the time every hour keeps it through an 8 h jump', async () => {
    board = await TestBoard.boot();
    await board.line('import machine, time; machine.RTC().datetime((2024, 2, 29, 0, 12, 0, 0, 0))');
    // paste mode (Ctrl-E … Ctrl-D), as the Run buttons send code
    board.type('\x05for i in range(8):\r    time.sleep(3600)\r    t = time.time()\r\x04');
    await new Promise((r) => setTimeout(r, 300));
    board.host.jumpClock(8 * HOUR_MS + 60_000);
    await board.waitFor('>>> ', 10_000);
    expect(await out(board, 'time.localtime()[3]')).toBe('20');
  });
});

describe('drift (reference §4.2: "drift may be seconds per minute")', () => {
  it('a board that gains 1 s per minute is 1 s ahead of the tick counter after a minute of virtual time', async () => {
    board = await TestBoard.boot({ rtcDriftPpm: driftPpmFromSecondsPerMinute(1) });
    // real time also passes between the lines (a loaded machine: seconds), so compare the RTC
    // with the tick counter, which does not drift
    await board.line('import machine, time; r = machine.RTC(); r.datetime((2024, 2, 29, 0, 12, 0, 0, 0)); t0 = time.ticks_ms()');
    const since = "d = r.datetime(); (d[5] * 60 + d[6]) * 1000 + d[7] - time.ticks_diff(time.ticks_ms(), t0)";
    board.host.jumpClock(60_000);
    const gained = Number(await out(board, since));
    expect(gained).toBeGreaterThan(900);
    expect(gained).toBeLessThan(1100);
    // the lab's drift control acts at once: another minute gains nothing more
    board.host.setRtcDrift(0);
    board.host.jumpClock(60_000);
    const after = Number(await out(board, since));
    expect(Math.abs(after - gained)).toBeLessThan(100);
  });

  it("the lab board's own drift is its chip's (deterministic): -0.05 s per minute", async () => {
    board = await TestBoard.boot({ rtcDriftPpm: BOARD_RTC.driftPpm });
    expect(board.host.rtcDriftPpm).toBe(-833);
    await board.line('import machine, time; r = machine.RTC(); r.datetime((2024, 2, 29, 0, 12, 0, 0, 0)); t0 = time.ticks_ms()');
    board.host.jumpClock(HOUR_MS);
    // an hour loses 3 s (12:59:57 after exactly an hour), measured against the tick counter
    const lost = Number(await out(board, 'd = r.datetime(); ((d[4] - 12) * 3600 + d[5] * 60 + d[6]) * 1000 + d[7] - time.ticks_diff(time.ticks_ms(), t0)'));
    expect(lost).toBeGreaterThan(-3100);
    expect(lost).toBeLessThan(-2900);
  });
});

describe('deep sleep (reference §2.5, §6.2; modmachine.c mp_machine_deepsleep)', () => {
  it('with GPIO16 wired to RST: wakes after the time, ROM rst cause:2, DEEPSLEEP_RESET, RTC memory and time kept, main.py runs again', async () => {
    board = await TestBoard.boot();
    await withWire(board, true);
    await board.exec("f = open('main.py', 'w'); f.write('import machine\\nprint(\"main.py, cause\", machine.reset_cause())\\n'); f.close()");
    await board.line("import machine, time; r = machine.RTC(); r.memory(b'count=1'); r.datetime((2024, 2, 29, 0, 12, 0, 0, 0))");
    const rom = board.textAt(74880).length;
    board.type('machine.deepsleep(1500)\r');
    await board.waitUntil(() => board!.host.view.sleeping);
    // asleep: pads released, LED off, 20 µA (ESP8266EX datasheet, deep-sleep)
    expect(board.host.view.supplyUa).toBe(20);
    expect(board.host.view.pins.every((p) => p === 'input')).toBe(true);
    await board.waitFor('main.py, cause 5\r\n', 8000);
    await board.waitFor('>>> ');
    expect(board.host.view.sleeping).toBe(false);
    expect(board.textAt(74880).slice(rom)).toMatch(new RegExp(`^${ROM(2).replace(/[()]/g, '\\$&')}load 0x40100000`));
    expect(await out(board, 'import machine, time; machine.reset_cause() == machine.DEEPSLEEP_RESET, machine.RTC().memory()')).toBe("(True, b'count=1')");
    // the clock went on through the sleep: 12:00:01.5, plus the real time the boot and these
    // round trips took at ×1 (seconds on a loaded machine), never back to 12:00:00
    const [h, m, sec] = (await out(board, 'time.localtime()[3:6]')).slice(1, -1).split(', ').map(Number);
    expect([h, m]).toEqual([12, 0]);
    expect(sec).toBeGreaterThanOrEqual(1);
    expect(sec).toBeLessThan(15);
  });

  it('without the wire: the timer fires, the ROM prints rst cause:5 and ets_main.c, and nothing boots until Reset', async () => {
    board = await TestBoard.boot();
    await board.line('import machine');
    const rom = board.textAt(74880).length;
    board.type('machine.deepsleep(300)\r');
    await board.waitUntil(() => board!.textAt(74880).endsWith('ets_main.c '), 5000);
    expect(board.textAt(74880).slice(rom)).toBe(`${ROM(5)}ets_main.c `);
    await new Promise((r) => setTimeout(r, 200));
    expect(board.recent).toBe('machine.deepsleep(300)\r\n');
    board.since();
    board.host.reset();
    await board.waitFor('>>> ', 10_000);
    expect(await out(board, 'import machine; machine.reset_cause()')).toBe('6');
  });

  it('deepsleep() with no time sleeps until RST: Ctrl-C and time do not wake it; Reset does (a wake for the SDK)', async () => {
    board = await TestBoard.boot();
    await withWire(board, true);
    await board.line('import machine');
    board.type('machine.deepsleep()\r');
    await board.waitUntil(() => board!.host.view.sleeping);
    board.type('\x03\x03\r');
    board.host.jumpClock(10 * HOUR_MS);
    await new Promise((r) => setTimeout(r, 400));
    expect(board.recent).toBe('');
    expect(board.host.view.sleeping).toBe(true);
    board.host.reset();
    await board.waitFor('>>> ', 10_000);
    // the RST pulse while asleep is what the wire's wake is: the SDK reports a deep-sleep wake [DER]
    expect(await out(board, 'import machine; machine.reset_cause()')).toBe('5');
  });

  it('RTC.irq(wake=DEEPSLEEP) with an alarm sets the sleep length; a jump wakes the board at once', async () => {
    board = await TestBoard.boot();
    await withWire(board, true);
    await board.line('import machine; r = machine.RTC(); r.irq(trigger=r.ALARM0, wake=machine.DEEPSLEEP); r.alarm(r.ALARM0, 3600000)');
    board.type('machine.deepsleep()\r');
    await board.waitUntil(() => board!.host.view.sleeping);
    await new Promise((r) => setTimeout(r, 300));
    expect(board.host.view.sleeping).toBe(true);
    board.host.jumpClock(HOUR_MS);
    await board.waitFor('>>> ', 10_000);
    expect(await out(board, 'import machine; machine.reset_cause()')).toBe('5');
  });

  it('esp.deepsleep(us) sleeps for us µs (modesp.c)', async () => {
    board = await TestBoard.boot();
    await withWire(board, true);
    await board.line('import esp');
    board.type('esp.deepsleep(500000)\r');
    await board.waitUntil(() => board!.host.view.sleeping);
    await board.waitFor('>>> ', 8000);
    expect(await out(board, 'import machine; machine.reset_cause()')).toBe('5');
  });
});

describe('the lab clock: pause, speed and jumps drive ticks, sleeps and timers', () => {
  it('a jump moves ticks_ms and wakes a sleep that becomes due', async () => {
    board = await TestBoard.boot();
    await board.line('import time; t0 = time.ticks_ms()');
    board.host.jumpClock(HOUR_MS);
    const d = Number(await out(board, 'time.ticks_diff(time.ticks_ms(), t0)'));
    expect(d).toBeGreaterThanOrEqual(HOUR_MS);
    expect(d).toBeLessThan(HOUR_MS + 2000);
    board.type('time.sleep(3600); print("woke")\r');
    await new Promise((r) => setTimeout(r, 300));
    expect(board.recent).not.toContain('woke\r\n');
    board.host.jumpClock(HOUR_MS);
    await board.waitFor('woke\r\n>>> ', 3000);
  });

  it('pause freezes ticks and sleeps; ×1 lets them go on', async () => {
    board = await TestBoard.boot();
    await board.line('import time');
    board.host.setClockRate(0);
    await board.line('t0 = time.ticks_us()');
    await new Promise((r) => setTimeout(r, 300));
    expect(await out(board, 'time.ticks_diff(time.ticks_us(), t0) < 100000')).toBe('True');
    board.type('time.sleep_ms(100); print("done")\r');
    await new Promise((r) => setTimeout(r, 600));
    expect(board.recent).not.toContain('done\r\n');
    board.host.setClockRate(1);
    await board.waitFor('done\r\n>>> ', 2000);
  });

  it('×60 makes a one-minute sleep take a second; the host estimates the uptime', async () => {
    board = await TestBoard.boot();
    await board.line('import time');
    board.host.setClockRate(60);
    const t = Date.now();
    await board.line('time.sleep(60)', '>>> ', 15000);
    // at ×1 it would take 60 s; at ×60 about one, plus the round trip on a busy machine
    expect(Date.now() - t).toBeLessThan(12000);
    expect(board.host.uptimeMs()).toBeGreaterThan(60_000);
  });

  it('without shared memory (message mode) a jump and the RTC memory work between commands', async () => {
    board = await TestBoard.boot({ shared: false });
    await board.line("import machine, time; t0 = time.ticks_ms(); machine.RTC().memory(b'm')");
    board.host.jumpClock(HOUR_MS);
    await new Promise((r) => setTimeout(r, 100));
    expect(Number(await out(board, 'time.ticks_diff(time.ticks_ms(), t0)'))).toBeGreaterThanOrEqual(HOUR_MS);
    expect(await out(board, 'machine.RTC().memory()')).toBe("b'm'");
  });

  it('a periodic Timer runs through a jump callback by callback', async () => {
    board = await TestBoard.boot();
    await board.exec('import machine\nn = 0\ndef tick(t):\n    global n\n    n += 1\ntm = machine.Timer(-1)\ntm.init(period=1000, callback=tick)');
    board.host.setClockRate(0); // no real time passes meanwhile: exactly the jumped minute counts
    board.host.jumpClock(60_000);
    const n = Number(await out(board, 'tm.deinit(); n'));
    board.host.setClockRate(1);
    expect(n).toBeGreaterThanOrEqual(60);
    expect(n).toBeLessThan(63);
  });

  it('deep sleep from main.py during boot wakes too: a board that counts its wake-ups in RTC memory', async () => {
    // the deep-sleep lesson's exercise; the idle loop must see the wake time set during boot
    board = await TestBoard.boot();
    board.host.setCircuit({ ...board.host.circuitParts, gpio16ToRst: true });
    await board.exec(`with open('main.py', 'w') as f: f.write(${JSON.stringify("import machine\nrtc = machine.RTC()\nraw = rtc.memory()\ncount = int(raw) if raw else 0\ncount += 1\nrtc.memory(str(count).encode())\nprint('wake number', count)\nif count < 3:\n    machine.deepsleep(500)\n")})`);
    board.since();
    board.host.reset();
    await board.waitFor('wake number 3\r\n', 10_000);
    expect(board.recent.startsWith('wake number 1\r\nwake number 2\r\nwake number 3\r\n')).toBe(true);
  });
});

describe('the lab says why a sleeping board does not answer', () => {
  it('without the wire: asleep, then stopped at ets_main.c — each explained once, on the first input', async () => {
    board = await TestBoard.boot();
    await board.line('import machine');
    board.type('machine.deepsleep(60000)\r');
    await board.waitUntil(() => board!.host.view.sleeping);
    expect(board.notices).toEqual([]);
    board.type('print(1)\r');
    board.type('print(2)\r');
    expect(board.notices).toHaveLength(1);
    expect(board.notices[0]).toContain('GPIO16 is not wired to RST');
    board.host.jumpClock(61_000);
    await board.waitUntil(() => board!.textAt(74880).endsWith('ets_main.c '), 5000);
    board.type('print(3)\r');
    board.type('print(4)\r');
    expect(board.notices).toHaveLength(2);
    expect(board.notices[1]).toContain('stopped at "ets_main.c"');
    // after Reset the board answers again: no more explanations
    board.host.reset();
    await board.waitFor('>>> ', 10_000);
    expect(await board.line('print(5)')).toContain('5\r\n>>> ');
    expect(board.notices).toHaveLength(2);
  });

  it('with the wire: a write during the sleep says it wakes by itself', async () => {
    board = await TestBoard.boot();
    await withWire(board, true);
    await board.line('import machine');
    board.type('machine.deepsleep(60000)\r');
    await board.waitUntil(() => board!.host.view.sleeping);
    board.type('x');
    expect(board.notices.at(-1)).toContain('until its timer wakes it');
  });
});
