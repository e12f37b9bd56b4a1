/**
 * asyncio in the lab, in Chromium: a small program pasted at the REPL (paste mode, Ctrl-E) runs
 * two tasks over gather on the board's clock, as the frozen asyncio of the 4 MB build does
 * (MP@v1.28.0 docs/library/asyncio.rst; emulator/firmware/python/_fw_asyncio.py), and Ctrl-C
 * stops a sleeping asyncio.run with the board's traceback. Before, `import asyncio` failed with
 * "no module named 'js'" (the WebAssembly build's own asyncio).
 */
import { expect, test } from '@playwright/test';
import { lastLine, openLessonAndBoot, typeLine, waitForTerminal } from './helpers';

const PROGRAM = [
  'import asyncio, time',
  'async def blink(name, ms, n):',
  '    for i in range(n):',
  "        print(name, 'on', i)",
  '        await asyncio.sleep_ms(ms)',
  '    return name',
  'async def main():',
  '    t0 = time.ticks_ms()',
  "    r = await asyncio.gather(blink('led1', 300, 3), blink('led2', 500, 2))",
  "    print(r, time.ticks_diff(time.ticks_ms(), t0), 'ms')",
  'asyncio.run(main())',
];

test('an asyncio program pasted at the REPL interleaves its tasks; Ctrl-C stops asyncio.run', async ({ page }) => {
  await openLessonAndBoot(page);
  await page.locator('.xterm').click();
  await page.keyboard.press('Control+E');
  for (const line of PROGRAM) {
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  }
  await page.keyboard.press('Control+D');
  const done = await waitForTerminal(page, (t) => t.includes("['led1', 'led2']") && lastLine(t) === '>>>', 'the program ends', 15_000);
  // led1 wakes at 0, 300, 600 ms, led2 at 0 and 500: the board's order; gather ends after 1 s
  expect(done).toContain('led1 on 0\nled2 on 0\nled1 on 1\nled2 on 1\nled1 on 2\n');
  // 1000 ms of sleeps; the code between them takes the host's time too (more on a loaded machine)
  const ms = Number(/\['led1', 'led2'\] (\d+) ms\n>>>$/.exec(done)?.[1]);
  expect(ms).toBeGreaterThanOrEqual(1000);
  expect(ms).toBeLessThan(1500);
  expect(done).not.toContain("no module named 'js'");

  await page.keyboard.press('Control+E');
  for (const line of ['async def nap():', '    await asyncio.sleep(60)']) {
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  }
  await page.keyboard.press('Control+D');
  await waitForTerminal(page, (t) => lastLine(t) === '>>>', 'nap defined');
  await typeLine(page, 'asyncio.run(nap())');
  await page.waitForTimeout(500);
  await page.keyboard.press('Control+C');
  const stopped = await waitForTerminal(page, (t) => t.endsWith('KeyboardInterrupt:\n>>>'), 'Ctrl-C ends it');
  expect(stopped).toContain(
    'asyncio.run(nap())\nTraceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n' +
      '  File "asyncio/core.py", line 1, in run\n  File "asyncio/core.py", line 1, in run_until_complete\n' +
      '  File "asyncio/core.py", line 1, in wait_io_event\nKeyboardInterrupt:\n>>>',
  );
  for (const [w, h, name] of [[1280, 800, 'desktop'], [1366, 768, 'laptop'], [390, 844, 'phone']] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.locator('.xterm').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `screenshots/asyncio-repl-${name}.png` });
  }
});
