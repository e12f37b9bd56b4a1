import { it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { TestBoard } from './node/test-board.ts';
it('dbg', async () => {
  const b = await TestBoard.boot();
  const log: string[] = [];
  await b.line('import time; from machine import Pin; p = Pin(12, Pin.OUT)');
  await b.line('def loop(n):\r    t = time.ticks_us()\r    for i in range(n):\r        pass\r    return time.ticks_diff(time.ticks_us(), t)\r\r\r');
  await b.line('def pins(n):\r    t = time.ticks_us()\r    for i in range(n):\r        p.value(1)\r    return time.ticks_diff(time.ticks_us(), t)\r\r\r');
  for (let i = 0; i < 3; i++) { log.push(await b.line('loop(100000)')); log.push(await b.line('pins(20000)')); }
  writeFileSync('/tmp/explore/speed.txt', log.join('\n'));
  b.dispose();
}, 60000);
