/**
 * Start-up: the page puts each boot's phases on its timeline as `lab:boot:<phase>` measures
 * (src/lib/board.ts, from the emulator thread's `timing` message), which `npm run bench` reads;
 * and a board that is reset again and again keeps coming back to a working prompt.
 */
import { expect, test, type Page } from '@playwright/test';
import { openLessonAndBoot, typeLine, waitForTerminal } from './helpers';

/** The `lab:boot:*` measures on the page: phase name → { kind of boot, start, end }. */
async function bootMeasures(page: Page): Promise<Record<string, { kind: string; start: number; end: number }>> {
  return page.evaluate(() =>
    Object.fromEntries(
      performance.getEntriesByType('measure').filter((e) => e.name.startsWith('lab:boot:')).map((e) => [
        e.name.slice(9),
        { kind: ((e as PerformanceMeasure).detail as { kind: string }).kind, start: e.startTime, end: e.startTime + e.duration },
      ]),
    ),
  );
}

test('each boot puts its phases on the page timeline, and the board works after resets', async ({ page }) => {
  await openLessonAndBoot(page);
  await page.waitForFunction(() => performance.getEntriesByName('lab:boot:repl').length === 1);
  const first = await bootMeasures(page);
  for (const name of ['worker', 'wasm-fetch', 'compile', 'rom', 'create', 'install', 'frozen', 'scripts', 'repl']) expect(first[name]?.kind, name).toBe('first');
  // the wasm was patched when the site was built (src/integrations/prepared-wasm.mjs)
  expect(first.patch).toBeUndefined();
  const activate = await page.evaluate(() => performance.getEntriesByName('lab:activate')[0]!.startTime);
  const prompt = await page.evaluate(() => performance.getEntriesByName('lab:prompt')[0]!.startTime);
  // on the page's own timeline: after the lab started, ending by the time the prompt is shown (+ the message's way)
  expect(first.worker!.start).toBeGreaterThanOrEqual(activate - 1);
  expect(first.repl!.end).toBeLessThanOrEqual(prompt + 1);
  expect(await page.evaluate(() => performance.getEntriesByName('lab:spawn').length)).toBe(1);

  await typeLine(page, 'x = 42');
  for (let i = 1; i <= 3; i++) {
    const clicked = await page.evaluate(() => performance.now());
    await page.getByRole('button', { name: /^reset/i }).first().click();
    await page.waitForFunction((t) => performance.getEntriesByName('lab:boot:repl').some((e) => e.startTime > t), clicked);
    const m = await bootMeasures(page);
    expect(m.repl!.start).toBeGreaterThan(clicked);
    expect(['hard', 'first']).toContain(m.repl!.kind);
    // an idle board resets in its thread: the interpreter's snapshot after our modules' install
    // is restored instead of installing them again (emulator/firmware/modules.ts)
    if (m.repl!.kind === 'hard') expect(m.restore!.start).toBeGreaterThan(clicked);
  }
  await waitForTerminal(page, (t) => t.trimEnd().endsWith('>>>'), 'the prompt after the resets');
  await typeLine(page, 'print(x if "x" in dir() else "gone", 6 * 7)');
  await waitForTerminal(page, (t) => t.includes('gone 42'), 'variables gone, the interpreter answers');
});
