import { describe, expect, it } from 'vitest';
import { Esp07Board } from '../board/esp07.ts';
import { ChannelDevice, ChannelHost, IN_RING_BYTES, OUT_RING_BYTES, createChannelBuffer } from './channel.ts';
import { MODE_OUT } from '../chip/gpio.ts';

function pair() {
  const buf = createChannelBuffer();
  return { host: new ChannelHost(buf), dev: new ChannelDevice(buf) };
}

describe('serial channel', () => {
  it('release(): the device is told once, at its next look at the channel, and a wait wakes for it', () => {
    const { host, dev } = pair();
    let told = 0;
    dev.onRelease = () => told++;
    dev.drain();
    dev.writeOutput(Uint8Array.of(0x41), 115200);
    expect(told).toBe(0);
    const seen = dev.wakeValue();
    host.release();
    expect(dev.wakeValue()).not.toBe(seen);
    const t = performance.now();
    // a sleep that started before the release: returns at once (the wake value moved), told
    dev.wait(seen, 5000);
    expect(performance.now() - t).toBeLessThan(1000);
    expect(told).toBe(1);
    dev.drain();
    dev.writeOutput(Uint8Array.of(0x42), 115200);
    dev.wait(dev.wakeValue(), 1);
    expect(told).toBe(1);
    // each look tells a thread that was not told yet
    const other = new ChannelDevice(dev.buffer);
    let otherTold = 0;
    other.onRelease = () => otherTold++;
    other.drain();
    expect(otherTold).toBe(1);
  });

  it('carries input bytes in order and wakes the device', () => {
    const { host, dev } = pair();
    const seen = dev.wakeValue();
    host.write([0x31, 0x2b, 0x31, 0x0d]);
    expect(dev.wakeValue()).not.toBe(seen);
    expect([...dev.drain()]).toEqual([0x31, 0x2b, 0x31, 0x0d]);
    expect(dev.drain().length).toBe(0);
  });

  it('keeps input host-side when the ring is full, then delivers it in order', () => {
    const { host, dev } = pair();
    const big = Array.from({ length: IN_RING_BYTES + 100 }, (_, i) => i & 0xff);
    expect(host.write(big)).toBe(100);
    const first = [...dev.drain()];
    expect(first).toHaveLength(IN_RING_BYTES);
    expect(host.flushInput()).toBe(0);
    expect([...first, ...dev.drain()]).toEqual(big);
  });

  it('wraps the input ring around many times', () => {
    const { host, dev } = pair();
    const got: number[] = [];
    for (let round = 0; round < 5; round++) {
      host.write(Array.from({ length: 40_000 }, (_, i) => (i + round) & 0xff));
      got.push(...dev.drain());
    }
    expect(got).toHaveLength(200_000);
    expect(got[40_000]).toBe(1);
  });

  it('carries output with its baud and bumps the output sequence', () => {
    const { host, dev } = pair();
    const seq = host.outSeq();
    expect(dev.writeOutput(new TextEncoder().encode('>>> '), 115200)).toBe(0);
    expect(host.outSeq()).not.toBe(seq);
    const [out] = host.takeOutput();
    expect(new TextDecoder().decode(out!.data)).toBe('>>> ');
    expect(out!.baud).toBe(115200);
  });

  it('keeps each run of output with the baud it was sent at, 0xFF bytes included', () => {
    const { host, dev } = pair();
    dev.writeOutput(Uint8Array.of(0x20, 0xff, 0x65), 74880);
    dev.writeOutput(Uint8Array.of(0x0d, 0x0a), 115200);
    dev.writeOutput(Uint8Array.of(0x3e), 115200);
    expect(host.takeOutput().map((r) => ({ data: [...r.data], baud: r.baud }))).toEqual([
      { data: [0x20, 0xff, 0x65], baud: 74880 },
      { data: [0x0d, 0x0a, 0x3e], baud: 115200 },
    ]);
  });

  it('drops output that finds no room within the wait, and reports how much', () => {
    const { dev, host } = pair();
    const big = new Uint8Array(OUT_RING_BYTES + 10);
    expect(dev.writeOutput(big, 115200, 5)).toBe(10);
    expect(host.takeOutput()[0]!.data.length).toBe(OUT_RING_BYTES);
  });

  it('publishes the board view', () => {
    const { host, dev } = pair();
    const b = new Esp07Board();
    b.gpio.configure(13, MODE_OUT, false, 1);
    b.setFlashButton(true);
    b.adc.setRaw(321);
    b.startPwm(12);
    b.pwm.setDuty(12, 100);
    const published = { ...b.view(), sleeping: true, uptimeMs: 2 ** 33 + 5, supplyUa: 20 };
    dev.publishView(published);
    const { ledBrightness, ...rest } = host.view();
    const { ledBrightness: expected, ...want } = published;
    expect(rest).toEqual(want);
    expect(ledBrightness).toBeCloseTo(expected, 3);
    host.setAdc(2000);
    expect(dev.adcInput()).toBe(1024);
  });

  it('carries the clock controls: speed, drift, and a jump taken once', () => {
    const { host, dev } = pair();
    host.setClock(60, -833);
    host.jumpClock(3_600_000);
    host.jumpClock(1000);
    expect(dev.clockControls()).toEqual({ scale: 60, driftPpm: -833, jumpMs: 3_601_000 });
    expect(dev.clockControls().jumpMs).toBe(0);
    host.setClock(0, 0);
    expect(dev.clockControls()).toEqual({ scale: 0, driftPpm: 0, jumpMs: 0 });
  });

  it('lets exactly one side deliver each Ctrl-C, in order', () => {
    const { host, dev } = pair();
    expect(host.claimCtrlC()).toBe(0); // none written
    host.noteCtrlC();
    host.noteCtrlC();
    expect(host.claimCtrlC()).toBe(1); // the host delivers the first
    expect(dev.claimCtrlC()).toBe(false); // ... so the emulator drops that byte
    expect(dev.claimCtrlC()).toBe(true); // and delivers the second itself
    expect(host.claimCtrlC()).toBe(0);
    expect(host.ctrlCDelivered()).toBe(true);
  });

  it('carries buttons and busy', () => {
    const { host, dev } = pair();
    host.setFlashButton(true);
    expect(dev.flashButtonHeld()).toBe(true);
    dev.setBusy(true);
    expect(host.busy()).toBe(true);
  });

  it('times out a wait when nothing is written', () => {
    const { dev } = pair();
    const t0 = performance.now();
    dev.wait(dev.wakeValue(), 20);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(15);
  });
});
