/**
 * BoardHost's `store` option with file storage on the emulator thread (a Node thread keeping the
 * flash in a file, node/fs-sync-file.ts, as the page's thread keeps it in the Origin Private File
 * System): a new board's file gets the factory flash before it boots and the firmware's MD5
 * trailer after the first prompt as one small write, without the thread reading the file back
 * (a compare of the whole 4 MB file held the thread at the first prompt, and input typed then
 * arrived all at once); a file closed at the prompt is in the file when the thread ends right
 * after, and the next board boots from it; a thread the host let go of writes the file no more.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BoardHost } from './host.ts';
import { flashFileName } from './flash-file.ts';
import { spawnNodeDevice } from '../node/spawn.ts';
import { FILE_COUNTERS, FILE_FLUSHES, FILE_READS, FILE_WRITES } from '../node/fs-sync-file.ts';
import { buildFirmware, firmwareBuild } from '../firmware/builds.ts';
import { md5 } from '../rom/md5.ts';
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
  return { until, text: () => text };
}

async function waitFor(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('BoardHost store option with a flash file', () => {
  it('a new board: the file gets the flash before the boot, and the MD5 trailer after the prompt in one write, with no read', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-flash-'));
    dirs.push(dir);
    const counters = new SharedArrayBuffer(FILE_COUNTERS * 4);
    const count = new Int32Array(counters);
    const host = new BoardHost({ spawn: () => spawnNodeDevice({ dir, counters }), store: true, rtcDriftPpm: 0 });
    const states: StoreState[] = [];
    host.on('store', (s) => states.push(s));
    const t = collect(host);
    const file = path.join(dir, flashFileName('4M'));
    const fw = buildFirmware(firmwareBuild('4M').id);
    const trailer = md5(fw.bytes.subarray(4, fw.length));
    const inFile = () => readFileSync(file).subarray(fw.length, fw.length + 16);
    try {
      host.start();
      await t.until((x) => x.includes('Performing initial setup') && x.endsWith('>>> '));
      expect(states).toEqual([{ kind: 'open', contents: null, damaged: null }]);
      expect(host.durable).toBe(true);
      await waitFor(() => Buffer.from(inFile()).equals(Buffer.from(trailer)), 'the trailer in the file');
      // the whole flash once (a new file), the filesystem's first writes, then the trailer
      expect(Atomics.load(count, FILE_READS)).toBe(0);
      const writes = Atomics.load(count, FILE_WRITES);
      const flushes = Atomics.load(count, FILE_FLUSHES);
      expect(writes).toBeLessThan(64);
      expect(flushes).toBeLessThanOrEqual(writes);
      expect(readFileSync(file).length).toBe(4 * 1024 * 1024);
    } finally {
      host.dispose();
    }
  }, 30_000);

  it('a file closed at the prompt is in the flash file when the thread ends at once; the next board boots from it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-flash-'));
    dirs.push(dir);
    const first = new BoardHost({ spawn: () => spawnNodeDevice({ dir }), store: true, rtcDriftPpm: 0 });
    const a = collect(first);
    try {
      first.start();
      await a.until((x) => x.endsWith('>>> '));
      first.write("f=open('kept.txt','w'); f.write('closed before the end'); f.close()\r");
      // f.write's count, then the prompt: f.close() has returned
      await a.until((x) => x.endsWith('\r\n21\r\n>>> '));
    } finally {
      // no save, no wait: the thread ends as a closed tab's does
      first.dispose();
    }
    const second = new BoardHost({ spawn: () => spawnNodeDevice({ dir }), store: true, rtcDriftPpm: 0 });
    const b = collect(second);
    try {
      second.start();
      await b.until((x) => x.endsWith('>>> '));
      expect(b.text()).not.toContain('Performing initial setup');
      second.write("print(open('kept.txt').read())\r");
      await b.until((x) => x.includes('\r\nclosed before the end\r\n>>> '));
    } finally {
      second.dispose();
    }
  }, 30_000);

  it('a thread the host lets go of (a reset, a take-over) stops writing the file at its next firmware call, while its program still runs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lab-flash-'));
    dirs.push(dir);
    const counters = new SharedArrayBuffer(FILE_COUNTERS * 4);
    const count = new Int32Array(counters);
    const host = new BoardHost({ spawn: () => spawnNodeDevice({ dir, counters }), store: true, rtcDriftPpm: 0 });
    const t = collect(host);
    const writes = () => Atomics.load(count, FILE_WRITES);
    const passes = () => (t.text().match(/pass \d+/g) ?? []).length;
    try {
      host.start();
      await t.until((x) => x.endsWith('>>> '));
      await host.run("import time\ni = 0\nwhile True:\n    f = open('w.txt', 'w'); f.write(str(i)); f.close()\n    print('pass', i); i += 1\n    time.sleep_ms(20)");
      await t.until((x) => (x.match(/pass \d+/g) ?? []).length >= 5);
      const before = writes();
      await new Promise((r) => setTimeout(r, 200));
      expect(writes()).toBeGreaterThan(before);
      // what respawn() and stop() do just before terminate(); this thread is not terminated
      (host as unknown as { channel: { release(): void } }).channel.release();
      await new Promise((r) => setTimeout(r, 200));
      const released = writes();
      const running = passes();
      await new Promise((r) => setTimeout(r, 500));
      expect(writes()).toBe(released);
      expect(passes()).toBeGreaterThan(running);
    } finally {
      host.dispose();
    }
  }, 30_000);
});
