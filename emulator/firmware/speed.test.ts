/**
 * The realistic-speed clock: `time.ticks_us()` around code reads what a real ESP8266 reads,
 * within ±30% (reference §7: an empty `for` loop pass ≈ 46 µs at 80 MHz, 23 µs at 160 MHz;
 * `pin.value(x)` ≈ 34 µs per call, measured as a square wave from `p.value(1); p.value(0)`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

const DEFS = [
  'import time, machine',
  'from machine import Pin',
  'p = Pin(12, Pin.OUT)',
  'def loop(n):',
  '    t = time.ticks_us()',
  '    for i in range(n):',
  '        pass',
  '    return time.ticks_diff(time.ticks_us(), t) / n',
  'def square(n):',
  '    t = time.ticks_us()',
  '    for i in range(n):',
  '        p.value(1); p.value(0); p.value(1); p.value(0); p.value(1); p.value(0); p.value(1); p.value(0); p.value(1); p.value(0)',
  '    return time.ticks_diff(time.ticks_us(), t) / (10 * n)',
].join('\n');

async function measure(b: TestBoard, expr: string): Promise<number> {
  const out = await b.line(expr, '>>> ', 30_000);
  return Number(/\r\n([\d.]+)\r\n/.exec(out)?.[1]);
}

describe('realistic speed', () => {
  it('an empty loop pass reads about 46 µs at 80 MHz and about 23 µs at 160 MHz', async () => {
    board = await TestBoard.boot({ realisticSpeed: true });
    board.since();
    await board.host.run(DEFS);
    await board.waitFor(/=== \r\n>>> $/);
    const at80 = await measure(board, 'loop(5000)');
    expect(at80).toBeGreaterThan(46 * 0.7);
    expect(at80).toBeLessThan(46 * 1.3);
    await board.line('machine.freq(160000000)');
    const at160 = await measure(board, 'loop(5000)');
    expect(at160).toBeGreaterThan(23 * 0.7);
    expect(at160).toBeLessThan(23 * 1.3);
  }, 60_000);

  it('a Pin.value() call reads about 34 µs', async () => {
    board = await TestBoard.boot({ realisticSpeed: true });
    board.since();
    await board.host.run(DEFS);
    await board.waitFor(/=== \r\n>>> $/);
    const us = await measure(board, 'square(500)');
    expect(us).toBeGreaterThan(34 * 0.7);
    expect(us).toBeLessThan(34 * 1.3);
  }, 60_000);

  it('sleeps still take their real time, and the default mode runs as fast as the host', async () => {
    board = await TestBoard.boot({ realisticSpeed: true });
    board.since();
    await board.host.run(DEFS);
    await board.waitFor(/=== \r\n>>> $/);
    const slept = await measure(board, 't = time.ticks_ms(); time.sleep_ms(200); time.ticks_diff(time.ticks_ms(), t)');
    expect(slept).toBeGreaterThanOrEqual(200);
    expect(slept).toBeLessThan(240);
    board.host.setRealisticSpeed(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(await measure(board, 'loop(20000)')).toBeLessThan(10);
  }, 60_000);
});
