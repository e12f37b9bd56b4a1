/**
 * The command-line board run for real, for the tests: the launcher started with the project's
 * pinned Node as a child process, and (with `--rfc2217`) a TCP connection to its port driven by
 * the pyserial-like RFC 2217 client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rfc2217Client, type Rfc2217ClientOptions } from '../clients/rfc2217-client.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = join(ROOT, 'node_modules/.bin/node');
const LAUNCHER = join(ROOT, 'bin/esp8266-lab.mjs');

/** A CLI board serving `--rfc2217 0` (any free port), with the port it reported. */
export interface RfcBoard {
  child: ChildProcess;
  port: number;
  /** Everything the CLI wrote on stderr so far. */
  stderr(): string;
  /** Ends it (SIGTERM, as stopping it from a terminal) and resolves with its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `esp8266-lab board --rfc2217 0 …args` and waits for the port line on stderr.
 * @throws Error if it does not report a port within `timeoutMs`
 */
export function startRfcBoard(args: string[] = [], timeoutMs = 20_000): Promise<RfcBoard> {
  const child = spawn(NODE, [LAUNCHER, 'board', '--rfc2217', '0', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no RFC 2217 port reported; stderr ${err}`));
    }, timeoutMs);
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      const m = /rfc2217:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({
          child,
          port: Number(m[1]),
          stderr: () => err,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    child.on('exit', (code) => reject(new Error(`the CLI exited (${code}); stderr ${err}`)));
  });
}

/** A TCP connection to the port with the RFC 2217 client on it (not opened yet: call `client.open()`). */
export function connectClient(port: number, options?: Rfc2217ClientOptions): Promise<{ socket: Socket; client: Rfc2217Client }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const client = new Rfc2217Client((b) => void socket.write(b), options);
    socket.setNoDelay(true);
    socket.on('data', (b: Buffer) => client.receive(new Uint8Array(b)));
    socket.once('connect', () => resolve({ socket, client }));
    socket.once('error', reject);
  });
}

/** A CLI board on stdio: write to its stdin, watch its stdout with arrival times. */
export interface StdioBoard {
  child: ChildProcess;
  /** stdout so far. */
  out(): Buffer;
  /** Every stdout chunk with the time it arrived (performance.now(), ms). */
  chunks: { at: number; bytes: Buffer }[];
  write(b: Uint8Array | string): void;
  /** Waits until `cond(stdout)` holds. */
  until(cond: (out: Buffer) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<number | null>;
}

/** Starts `esp8266-lab board …args` with pipes on stdin/stdout. */
export function startStdioBoard(args: string[]): StdioBoard {
  const child = spawn(NODE, [LAUNCHER, 'board', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const chunks: { at: number; bytes: Buffer }[] = [];
  let err = '';
  const waiters = new Set<() => void>();
  const out = () => Buffer.concat(chunks.map((c) => c.bytes));
  child.stdout!.on('data', (b: Buffer) => {
    chunks.push({ at: performance.now(), bytes: b });
    for (const w of [...waiters]) w();
  });
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return {
    child,
    out,
    chunks,
    write: (b) => void child.stdin!.write(b),
    until(cond, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!cond(out())) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timeout; stdout ${JSON.stringify(out().toString('latin1').slice(-300))}, stderr ${err}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
