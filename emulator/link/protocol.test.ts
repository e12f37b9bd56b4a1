import { describe, expect, it } from 'vitest';
import { parseDeviceMessage } from './protocol.ts';

const view = { pins: Array(17).fill('input'), levels: Array(17).fill(0), led: false, ledBrightness: 0, duty: Array(17).fill(null), adc: 0, flashHeld: false, sleeping: false, uptimeMs: 0, supplyUa: 70000 };

describe('parseDeviceMessage (emulator messages are untrusted)', () => {
  it('accepts the documented shapes', () => {
    expect(parseDeviceMessage({ t: 'fault', message: 'x' })).toEqual({ t: 'fault', message: 'x' });
    expect(parseDeviceMessage({ t: 'view', view })).toEqual({ t: 'view', view });
    expect(parseDeviceMessage({ t: 'out', data: new Uint8Array([62]), baud: 115200 })?.t).toBe('out');
  });

  it('rejects forged or malformed messages', () => {
    expect(parseDeviceMessage(null)).toBeNull();
    expect(parseDeviceMessage('<img src=x>')).toBeNull();
    expect(parseDeviceMessage({ t: 'gpio', pin: 2, v: 1 })).toBeNull();
    expect(parseDeviceMessage({ t: 'intr-ack' })).toBeNull();
    expect(parseDeviceMessage({ t: 'view', view: { ...view, led: 'yes' } })).toBeNull();
    expect(parseDeviceMessage({ t: 'view', view: { ...view, pins: ['<b>'] } })).toBeNull();
    expect(parseDeviceMessage({ t: 'view', view: { ...view, sleeping: 'no' } })).toBeNull();
    expect(parseDeviceMessage({ t: 'view', view: { ...view, uptimeMs: -1 } })).toBeNull();
    expect(parseDeviceMessage({ t: 'view', view: { ...view, supplyUa: Infinity } })).toBeNull();
    expect(parseDeviceMessage({ t: 'out', data: '<script>', baud: 115200 })).toBeNull();
    expect(parseDeviceMessage({ t: 'ready', wasm: {}, memory: null, layout: null })).toBeNull();
  });

  it('accepts a boot timing and rejects a malformed one', () => {
    const phases = [{ name: 'create', start: 1000.5, end: 1020.25 }, { name: 'install', start: 1020.25, end: 1100 }];
    expect(parseDeviceMessage({ t: 'timing', kind: 'hard', phases, memoryBytes: 65536 })).toEqual({ t: 'timing', kind: 'hard', phases, memoryBytes: 65536 });
    const extra = parseDeviceMessage({ t: 'timing', kind: 'first', phases: [{ ...phases[0], html: '<b>' }], memoryBytes: 0 });
    expect(extra && extra.t === 'timing' && Object.keys(extra.phases[0]!)).toEqual(['name', 'start', 'end']);
    expect(parseDeviceMessage({ t: 'timing', kind: 'warm', phases, memoryBytes: 0 })).toBeNull();
    expect(parseDeviceMessage({ t: 'timing', kind: 'soft', phases: [{ name: '<img>', start: 0, end: 1 }], memoryBytes: 0 })).toBeNull();
    expect(parseDeviceMessage({ t: 'timing', kind: 'soft', phases: [{ name: 'repl', start: 2, end: 1 }], memoryBytes: 0 })).toBeNull();
    expect(parseDeviceMessage({ t: 'timing', kind: 'soft', phases: [{ name: 'repl', start: 0, end: NaN }], memoryBytes: 0 })).toBeNull();
    expect(parseDeviceMessage({ t: 'timing', kind: 'soft', phases: Array(33).fill(phases[0]), memoryBytes: 0 })).toBeNull();
    expect(parseDeviceMessage({ t: 'timing', kind: 'soft', phases, memoryBytes: -1 })).toBeNull();
  });

  it('truncates fault text', () => {
    const m = parseDeviceMessage({ t: 'fault', message: 'x'.repeat(2000) });
    expect(m && m.t === 'fault' && m.message.length).toBe(500);
  });
});
