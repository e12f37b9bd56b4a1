/**
 * The start-up phases each boot reports to the host (startup-phases.ts, the `timing` message):
 * which phases, in which order, for which kind of boot. Durations are not checked here (no timed
 * tests: `npm run bench` prints them).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

describe('start-up phases', () => {
  it('a first boot reports the thread, the wasm, the interpreter and the firmware, in order; resets report theirs', async () => {
    board = await TestBoard.boot();
    const b = board;
    await b.waitUntil(() => b.timings.length === 1, 5000, () => 'the first timing');
    const first = b.timings[0]!;
    expect(first.kind).toBe('first');
    const names = first.phases.map((p) => p.name);
    // (Node reads the patched wasm from its cache file, prepared-wasm.ts: no `patch` phase)
    expect(names).toEqual(['worker', 'wasm-fetch', 'compile', 'rom', 'create', 'install', 'frozen', 'scripts', 'repl']);
    expect(names.indexOf('worker')).toBeLessThan(names.indexOf('compile'));
    expect(names.indexOf('compile')).toBeLessThan(names.indexOf('rom'));
    expect(names.slice(-3)).toEqual(['frozen', 'scripts', 'repl']);
    for (const p of first.phases) expect(p.end).toBeGreaterThanOrEqual(p.start);
    for (let i = 1; i < first.phases.length; i++) expect(first.phases[i]!.start).toBeGreaterThanOrEqual(first.phases[i - 1]!.start);
    // the phases are on the absolute clock: the page can place them on its own timeline
    expect(Math.abs(first.phases.at(-1)!.end - (performance.timeOrigin + performance.now()))).toBeLessThan(60_000);
    expect(first.memoryBytes).toBeGreaterThan(1 << 20);

    b.since().type('\x04');
    await b.waitFor('>>> ');
    b.since();
    b.host.reset();
    await b.waitFor('>>> ');
    await b.waitUntil(() => b.timings.length === 3, 5000, () => 'two more timings');
    expect(b.timings.map((t) => t.kind)).toEqual(['first', 'soft', 'hard']);
    for (const t of b.timings.slice(1)) {
      const n = t.phases.map((p) => p.name);
      // no second compile of the wasm, no new thread
      expect(n).not.toContain('worker');
      expect(n).not.toContain('compile');
      // the interpreter's state after our modules' install is restored (modules.ts snapshot)
      expect(n).toEqual(['rom', 'restore', 'frozen', 'scripts', 'repl']);
    }
  });
});
