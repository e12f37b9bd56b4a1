/**
 * Helpers for the network tests (Node only): run code in the raw REPL and join the lab's WiFi.
 */
import { afterEach, expect } from 'vitest';
import { TestBoard, type TestBoardOptions } from './test-board.ts';

/**
 * Boards for a test file, each disposed after its test; by default in `instant` sleep mode
 * (virtual waits take no host time).
 * @returns a function that boots one, with options over that default
 */
export function instantBoards(): (opts?: TestBoardOptions) => Promise<TestBoard> {
  let board: TestBoard | null = null;
  afterEach(() => {
    board?.dispose();
    board = null;
  });
  return async (opts = {}) => {
    board = await TestBoard.boot({ sleepMode: 'instant', ...opts });
    return board;
  };
}

/** Runs code in the raw REPL and returns stdout with `\n` line ends; fails on a traceback. */
export async function out(b: TestBoard, code: string, timeoutMs = 30000): Promise<string> {
  const r = await b.exec(code, timeoutMs);
  expect(r.err).toBe('');
  return r.out.replace(/\r\n/g, '\n');
}

/** Runs code that should fail; returns the traceback's last line. */
export async function error(b: TestBoard, code: string, timeoutMs = 30000): Promise<string> {
  const r = await b.exec(code, timeoutMs);
  const lines = r.err.split('\r\n').filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

/** Joins the lab's WPA2 network `ESP-Lab` (emulator/net/world.ts) and waits for the lease. */
export const CONNECT = `import network, socket, time
sta = network.WLAN(network.STA_IF)
ap = network.WLAN(network.AP_IF)
sta.active(True)
sta.connect('ESP-Lab', 'esp8266lab')
while not sta.isconnected():
    time.sleep_ms(50)`;
