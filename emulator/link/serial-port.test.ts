/**
 * The serial port's modem lines and the circuit panel's USB-serial adapter with DTR/RTS
 * auto-reset (reference serial-protocols.md §1.4): esptool-js's classic reset enters download
 * mode without the buttons when the circuit is fitted, and does nothing without it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';
import { esptoolOn, firmwareFile, writeImage } from '../node/esptool.ts';
import { autoResetPulls, BoardSerialPort } from './serial-port.ts';
import { DEFAULT_CIRCUIT } from '../board/circuit.ts';
import { bannerLine, GENERIC_4M } from '../firmware/builds.ts';
import { EnPulseHardReset, hardReset } from '../clients/esptool-reset.ts';
import type { BoardHost } from './host.ts';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

const romLines = (b: TestBoard, mode: string) => b.textAt(74880).split(`boot mode:(${mode})`).length - 1;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DTR/RTS through the two-transistor auto-reset circuit', () => {
  it('pulls EN low only for RTS alone and GPIO0 low only for DTR alone', () => {
    expect(autoResetPulls(false, false)).toEqual({ enLow: false, gpio0Low: false });
    expect(autoResetPulls(false, true)).toEqual({ enLow: true, gpio0Low: false });
    expect(autoResetPulls(true, false)).toEqual({ enLow: false, gpio0Low: true });
    expect(autoResetPulls(true, true)).toEqual({ enLow: false, gpio0Low: false });
  });

  it('keeps a line a call leaves out (Web Serial semantics) and lets both go on close', async () => {
    const calls: { enLow: boolean; gpio0Low: boolean }[] = [];
    const host = { on: () => () => {}, setAdapterLines: (l: { enLow: boolean; gpio0Low: boolean }) => calls.push(l) };
    const port = new BoardSerialPort(host as unknown as BoardHost);
    await port.open({ baudRate: 115200 });
    await port.setSignals({ dataTerminalReady: false, requestToSend: true });
    await port.setSignals({ dataTerminalReady: true });
    await port.setSignals({ requestToSend: false });
    await port.close();
    expect(calls).toEqual([
      { enLow: true, gpio0Low: false },
      { enLow: false, gpio0Low: false }, // both asserted: neither pulled
      { enLow: false, gpio0Low: true },
      { enLow: false, gpio0Low: false }, // closed: released
    ]);
  });
});

describe('realistic line timing (the Flash panel\'s "Real flashing speed")', () => {
  /** A host that records what reaches the board and lets the test play the board's output. */
  function fakeHost() {
    const written: { at: number; n: number }[] = [];
    let serial: ((d: Uint8Array, baud: number) => void) | null = null;
    const host = {
      flashSize: '4M',
      on: (_e: string, fn: (d: Uint8Array, baud: number) => void) => {
        serial = fn;
        return () => { serial = null; };
      },
      write: (b: Uint8Array) => written.push({ at: performance.now(), n: b.length }),
      setAdapterLines: () => {},
    };
    return { host: host as unknown as BoardHost, written, send: (d: Uint8Array, baud: number) => serial?.(d, baud) };
  }
  /** Writes 1152 bytes (0.1 s at 115200 baud) and reads 1152 the board sends at 115200; seconds each took. */
  async function roundTrip(realistic: boolean): Promise<{ out: number; back: number }> {
    const f = fakeHost();
    const port = new BoardSerialPort(f.host, { realistic });
    await port.open({ baudRate: 115200 });
    const t0 = performance.now();
    const writer = port.writable!.getWriter();
    await writer.write(new Uint8Array(1152));
    while (f.written.reduce((n, w) => n + w.n, 0) < 1152) await sleep(2);
    const out = ((f.written.at(-1)?.at ?? t0) - t0) / 1000;
    const reader = port.readable!.getReader();
    const t1 = performance.now();
    f.send(new Uint8Array(1152), 115200);
    let got = 0;
    while (got < 1152) got += (await reader.read()).value?.length ?? 0;
    const back = (performance.now() - t1) / 1000;
    reader.releaseLock();
    writer.releaseLock();
    await port.close();
    return { out, back };
  }

  it('carries bytes at 10 bits a byte both ways with the option (1152 bytes at 115200: 0.1 s), at once without', async () => {
    const line = (1152 * 10) / 115200;
    const slow = await roundTrip(true);
    const fast = await roundTrip(false);
    expect(slow.out).toBeGreaterThan(line * 0.85);
    expect(slow.back).toBeGreaterThan(line * 0.85);
    expect(slow.out).toBeLessThan(line * 2);
    expect(fast.out).toBeLessThan(line * 0.3);
    expect(fast.back).toBeLessThan(line * 0.3);
  });
});

describe('esptool-js 0.7.0 with the auto-reset option', () => {
  it('fitted: connects with no button pressed, writes, and hard_reset boots the new firmware', async () => {
    board = await TestBoard.boot({}, 30_000); // a cold worker under load
    board.host.setCircuit({ ...DEFAULT_CIRCUIT, autoReset: true });
    const { transport, loader } = esptoolOn(board.host, 460800, { hardReset });
    expect(await loader.main('default_reset')).toBe('ESP8266EX');
    expect(romLines(board, '1,6')).toBe(1);
    expect(board.host.view.flashHeld).toBe(false); // nothing keeps GPIO0 low afterwards
    await writeImage(loader, firmwareFile(), 0, 'detect');
    board.since();
    const flashBoots = romLines(board, '3,6');
    await loader.after('hard_reset');
    await transport.disconnect();
    await board.waitFor('>>> ', 10_000);
    expect(romLines(board, '3,6')).toBe(flashBoots + 1);
    expect(board.recent).toContain(bannerLine(GENERIC_4M));
  }, 60_000);

  it('fitted: connects while a program runs (busy board)', async () => {
    board = await TestBoard.boot({}, 30_000); // a cold worker under load
    board.host.setCircuit({ ...DEFAULT_CIRCUIT, autoReset: true });
    board.type('while True: pass\r');
    await sleep(200);
    const { transport, loader } = esptoolOn(board.host, 115200);
    expect(await loader.main('default_reset')).toBe('ESP8266EX');
    await transport.disconnect();
  }, 60_000);

  // The EN pulse came within 1 s of the classic reset's: the first reset's wait for an answer
  // (BoardHost.reset) found the second under way and replaced the emulator, a second flash boot.
  it("fitted: esptool-js's own HardReset leaves the chip in the stub (stale DTR, §1.4); an EN pulse boots it", async () => {
    board = await TestBoard.boot({}, 30_000); // a cold worker under load
    board.host.setCircuit({ ...DEFAULT_CIRCUIT, autoReset: true });
    const { transport, loader } = esptoolOn(board.host, 115200);
    expect(await loader.main('default_reset')).toBe('ESP8266EX');
    const flashBoots = romLines(board, '3,6');
    await loader.after('hard_reset');
    await sleep(400);
    expect(romLines(board, '3,6')).toBe(flashBoots);
    expect(board.host.view.flashHeld).toBe(true); // DTR re-sent as asserted: GPIO0 held low
    board.since();
    await new EnPulseHardReset(transport).reset();
    await board.waitFor('>>> ', 10_000);
    await transport.disconnect();
    expect(romLines(board, '3,6')).toBe(flashBoots + 1);
    expect(board.host.view.flashHeld).toBe(false);
  }, 60_000);

  it('fitted: two EN pulses 930 ms apart are two boots, not three (the first reset\'s 1 s wait must not restart the second)', async () => {
    board = await TestBoard.boot({}, 30_000); // a cold worker under load
    board.host.setCircuit({ ...DEFAULT_CIRCUIT, autoReset: true });
    const port = new BoardSerialPort(board.host);
    await port.open({ baudRate: 115200 });
    const pulse = async () => {
      await port.setSignals({ dataTerminalReady: false, requestToSend: true });
      await port.setSignals({ requestToSend: false });
    };
    const before = romLines(board, '3,6');
    const t0 = performance.now();
    await pulse();
    await sleep(930 - (performance.now() - t0));
    board.since();
    await pulse();
    await board.waitFor('>>> ', 10_000);
    await sleep(1500); // past both resets' waits
    await port.close();
    expect(romLines(board, '3,6')).toBe(before + 2);
  }, 60_000);

  it('not fitted: the classic reset does nothing, so main() fails on a running board', async () => {
    board = await TestBoard.boot({}, 30_000); // a cold worker under load
    const { transport, loader } = esptoolOn(board.host, 115200);
    await expect(loader.main('default_reset')).rejects.toThrow('Failed to connect with the device');
    await transport.disconnect();
    expect(romLines(board, '1,6')).toBe(0);
    expect(board.textAt(74880).split('rst cause').length - 1).toBe(1); // only the power-on boot
  }, 60_000);

  it('not fitted: with Flash held at reset, the same connect succeeds', async () => {
    board = await TestBoard.boot({}, 30_000); // a cold worker under load
    await board.enterDownloadMode();
    const { transport, loader } = esptoolOn(board.host, 115200);
    expect(await loader.main('default_reset')).toBe('ESP8266EX');
    await transport.disconnect();
  }, 60_000);

  it('taking the circuit out releases what it pulled', async () => {
    board = await TestBoard.boot({}, 30_000); // a cold worker under load
    board.host.setCircuit({ ...DEFAULT_CIRCUIT, autoReset: true });
    const port = new BoardSerialPort(board.host);
    await port.open({ baudRate: 115200 });
    await port.setSignals({ dataTerminalReady: true, requestToSend: false });
    expect(board.host.view.flashHeld).toBe(true);
    board.host.setCircuit({ ...DEFAULT_CIRCUIT });
    expect(board.host.view.flashHeld).toBe(false);
    await port.close();
  });
});
