/**
 * Sleeps on the virtual clock (sleep.ts): instant and real-time sleep modes, the 2000 epoch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

describe('time on the virtual clock', () => {
  it('sleeps advance ticks by exactly the asked time in instant mode', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    await board.line('import time');
    const ms = Number(/\r\n(\d+)\r\n/.exec(await board.line('t = time.ticks_ms(); time.sleep_ms(1500); time.ticks_diff(time.ticks_ms(), t)'))?.[1]);
    expect(ms).toBeGreaterThanOrEqual(1500);
    expect(ms).toBeLessThan(1550); // instant mode: the sleep adds exactly 1500 ms; host time still flows
    // instant mode: sleeps add exactly their time; host time still flows (so busy-waits end)
    const us = Number(/\r\n(\d+)\r\n/.exec(await board.line('t = time.ticks_us(); time.sleep_us(250); time.ticks_diff(time.ticks_us(), t)'))?.[1]);
    expect(us).toBeGreaterThanOrEqual(250);
    expect(us).toBeLessThan(250 + 50_000);
    expect(await board.line('t = time.time(); time.sleep(2); time.time() - t')).toContain('\r\n2\r\n');
    expect(await board.line('time.ticks_add(time.ticks_ms(), 0) < 2**30')).toContain('True');
    expect(await board.line('time.sleep_ms(1.5)')).toContain("TypeError: can't convert float to int");
  });

  it('uses the 2000 epoch', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    expect(await board.line('import time; time.gmtime(0)')).toContain('(2000, 1, 1, 0, 0, 0, 5, 1)');
    expect(await board.line('time.mktime((2024, 2, 29, 12, 0, 0, 0, 0))')).toContain('\r\n762523200\r\n');
    expect(await board.line('time.localtime(762523200)')).toContain('(2024, 2, 29, 12, 0, 0, 3, 60)');
  });

  it('real-time sleeps take host time', async () => {
    board = await TestBoard.boot();
    const t0 = Date.now();
    await board.line('import time; time.sleep_ms(300)');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
  });
});
