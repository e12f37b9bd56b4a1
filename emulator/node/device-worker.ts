/**
 * Node worker-thread entry of the emulator (tests, the command-line board): the same device as
 * in the browser, with the wasm and the firmware sources read from disk.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import type { HostMessage } from '../link/protocol.ts';
import { serveDevice } from '../link/worker-main.ts';
import { memorySyncRelay } from './memory-relay.ts';
import { RELEASES, type ReleaseId } from '../firmware/builds.ts';

const require = createRequire(import.meta.url);
/** Each release's `micropython.wasm`, from its npm package (builds.ts `RELEASES`). */
const wasmPath = (release: ReleaseId): string => require.resolve(`${RELEASES[release].wasmPackage}/micropython.wasm`);
const pyDir = new URL('../firmware/python/', import.meta.url);
const firmware: Record<string, string> = {};
for (const name of readdirSync(pyDir)) {
  if (name.endsWith('.py')) firmware[name] = readFileSync(new URL(name, pyDir), 'utf8');
}

const port = parentPort;
if (!port) throw new Error('device-worker must run in a worker thread');
serveDevice(
  {
    post: (msg, transfer) => port.postMessage(msg, transfer as never),
    onMessage: (handler) => port.on('message', (m: HostMessage) => handler(m)),
  },
  {
    wasm: (release) => ({ url: wasmPath(release), load: async () => new Uint8Array(readFileSync(wasmPath(release))) }),
    firmware,
    openRelay: (endpoint) => (endpoint.kind === 'memory' ? memorySyncRelay(endpoint.buffer) : null),
  },
);
