/**
 * Node worker-thread entry of the emulator (tests, the command-line board): the same device as
 * in the browser, with the wasm and the firmware sources read from disk. Given a directory
 * (`workerData.flashFiles`, spawn.ts), it keeps the flash in a file there as the page keeps it in
 * the Origin Private File System (fs-sync-file.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { HostMessage } from '../link/protocol.ts';
import { serveDevice } from '../link/worker-main.ts';
import { memorySyncRelay } from './memory-relay.ts';
import { fsSyncFile } from './fs-sync-file.ts';
import type { NodeFlashFiles } from './spawn.ts';
import { patchedWasmFile } from './prepared-wasm.ts';
import type { PatchedWasm } from '../firmware/wasm-prepare.ts';
import { RELEASES, type ReleaseId } from '../firmware/builds.ts';

const require = createRequire(import.meta.url);
/** Each release's `micropython.wasm`, from its npm package (builds.ts `RELEASES`). */
const wasmPath = (release: ReleaseId): string => require.resolve(`${RELEASES[release].wasmPackage}/micropython.wasm`);
const pyDir = new URL('../firmware/python/', import.meta.url);
const firmware: Record<string, string> = {};
for (const name of readdirSync(pyDir)) {
  if (name.endsWith('.py')) firmware[name] = readFileSync(new URL(name, pyDir), 'utf8');
}

const files = (workerData as { flashFiles?: NodeFlashFiles } | null)?.flashFiles ?? null;
/** Each release's patched interpreter, once read. */
const patched = new Map<ReleaseId, PatchedWasm>();

const port = parentPort;
if (!port) throw new Error('device-worker must run in a worker thread');
serveDevice(
  {
    post: (msg, transfer) => port.postMessage(msg, transfer as never),
    onMessage: (handler) => port.on('message', (m: HostMessage) => handler(m)),
  },
  {
    wasm: (release) => {
      let made = patched.get(release);
      if (!made) {
        // patched once per wasm and version of the patches, then read from the cache file (prepared-wasm.ts)
        made = patchedWasmFile(new Uint8Array(readFileSync(wasmPath(release))));
        patched.set(release, made);
      }
      const { bytes, info } = made;
      return { url: wasmPath(release), load: async () => bytes, patched: info };
    },
    firmware,
    openRelay: (endpoint) => (endpoint.kind === 'memory' ? memorySyncRelay(endpoint.buffer) : null),
    ...(files
      ? { openFlashFile: async (name: string) => fsSyncFile(join(files.dir, basename(name)), files.counters ? new Int32Array(files.counters) : undefined) }
      : {}),
  },
);
