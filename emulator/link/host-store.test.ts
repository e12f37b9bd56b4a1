/**
 * BoardHost's `store` option where the emulator thread has no file storage (a Node worker thread,
 * like a browser without sync access handles): the board says so and runs as before, the host
 * keeping the flash (link/host.ts, src/lib/board.ts falls back to IndexedDB on it); `stop()`
 * powers the board off for good (another tab has it) until it is started again.
 */
import { describe, expect, it } from 'vitest';
import { BoardHost } from './host.ts';
import { spawnNodeDevice } from '../node/spawn.ts';
import type { StoreState } from './protocol.ts';

function collect(host: BoardHost) {
  let text = '';
  host.on('serial', (d, baud) => {
    if (baud === 115200) text += new TextDecoder().decode(d);
  });
  const until = async (pred: (t: string) => boolean, ms = 20_000) => {
    const end = Date.now() + ms;
    while (!pred(text)) {
      if (Date.now() > end) throw new Error(`timed out; got: ${text.slice(-300)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { until, text: () => text, clear: () => void (text = '') };
}

describe('BoardHost store option without file storage', () => {
  it('reports unavailable, boots, and keeps the flash on the host (flash events, snapshot)', async () => {
    const host = new BoardHost({ spawn: spawnNodeDevice, store: true, rtcDriftPpm: 0 });
    const states: StoreState[] = [];
    host.on('store', (s) => states.push(s));
    let flashEvents = 0;
    host.on('flash', () => flashEvents++);
    const t = collect(host);
    try {
      expect(host.durable).toBeNull();
      host.start();
      await t.until((x) => x.endsWith('>>> '));
      expect(states).toEqual([{ kind: 'unavailable', why: 'no file storage on this thread' }]);
      expect(host.durable).toBe(false);
      host.write("f=open('h.txt','w'); f.write('on the host'); f.close()\r");
      await t.until((x) => x.endsWith('>>> ') && x.includes('f.close()'));
      const end = Date.now() + 3000;
      while (flashEvents === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(flashEvents).toBeGreaterThan(0);
      const snap = new TextDecoder('latin1').decode(host.flashSnapshot());
      expect(snap).toContain('on the host');
    } finally {
      host.dispose();
    }
  }, 30_000);

  it('stop() powers the board off: Reset does nothing, start() powers it on again', async () => {
    const host = new BoardHost({ spawn: spawnNodeDevice, store: true, rtcDriftPpm: 0 });
    const t = collect(host);
    try {
      host.start();
      await t.until((x) => x.endsWith('>>> '));
      host.stop();
      expect(host.isStopped).toBe(true);
      t.clear();
      host.reset();
      host.write('print(1)\r');
      await new Promise((r) => setTimeout(r, 800));
      expect(t.text()).toBe('');
      host.start();
      await t.until((x) => x.includes('MicroPython') && x.endsWith('>>> '));
      expect(host.isStopped).toBe(false);
    } finally {
      host.dispose();
    }
  }, 30_000);
});
