import { describe, expect, it } from 'vitest';
import { ChannelReader, ChannelWriter, RING_BYTES, createChannelBuffer } from './channel.ts';

describe('serial channel', () => {
  it('carries bytes in order and wakes the reader', () => {
    const buf = createChannelBuffer();
    const w = new ChannelWriter(buf);
    const r = new ChannelReader(buf);
    const seen = r.wakeValue();
    w.write([0x31, 0x2b, 0x31, 0x0d]);
    expect(r.wakeValue()).not.toBe(seen);
    expect(r.drain()).toEqual([0x31, 0x2b, 0x31, 0x0d]);
    expect(r.drain()).toEqual([]);
  });

  it('keeps bytes host-side when the ring is full, then delivers them', () => {
    const buf = createChannelBuffer();
    const w = new ChannelWriter(buf);
    const r = new ChannelReader(buf);
    const big = Array.from({ length: RING_BYTES + 100 }, (_, i) => i & 0xff);
    expect(w.write(big)).toBe(100);
    const first = r.drain();
    expect(first).toHaveLength(RING_BYTES);
    expect(w.flush()).toBe(0);
    const rest = r.drain();
    expect([...first, ...rest]).toEqual(big);
  });

  it('wraps around the ring many times', () => {
    const buf = createChannelBuffer();
    const w = new ChannelWriter(buf);
    const r = new ChannelReader(buf);
    const got: number[] = [];
    for (let round = 0; round < 5; round++) {
      w.write(Array.from({ length: 40_000 }, (_, i) => (i + round) & 0xff));
      got.push(...r.drain());
    }
    expect(got).toHaveLength(200_000);
    expect(got[40_000]).toBe(1);
  });

  it('counts Ctrl-C bytes already delivered through memory exactly once', () => {
    const buf = createChannelBuffer();
    const w = new ChannelWriter(buf);
    const r = new ChannelReader(buf);
    w.notePoked();
    expect(r.consumePoked()).toBe(true);
    expect(r.consumePoked()).toBe(false);
  });

  it('times out a wait when nothing is written, and reports busy', () => {
    const buf = createChannelBuffer();
    const r = new ChannelReader(buf);
    const w = new ChannelWriter(buf);
    const t0 = performance.now();
    r.wait(r.wakeValue(), 20);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(15);
    r.setBusy(true);
    expect(w.busy()).toBe(true);
  });
});
