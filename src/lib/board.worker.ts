/**
 * Browser entry of the emulator thread (a module Web Worker). Everything else is in
 * `emulator/`, shared with Node.
 */
import wasmUrl from '@micropython/micropython-webassembly-pyscript/micropython.wasm?url';
import { serveDevice } from '../../emulator/link/worker-main.ts';
import type { HostMessage } from '../../emulator/link/protocol.ts';
import { RELAY_PATH, xhrSyncRelay, type RelayEndpoint, type SyncRelay } from '../../emulator/link/relay.ts';

const sources = import.meta.glob('../../emulator/firmware/python/*.py', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const firmware: Record<string, string> = {};
for (const [path, source] of Object.entries(sources)) firmware[path.slice(path.lastIndexOf('/') + 1)] = source;

/** What this module uses of the dedicated worker's global scope. */
interface WorkerScope {
  postMessage(message: unknown, options?: StructuredSerializeOptions): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<HostMessage>) => void): void;
  fetch: typeof fetch;
}
const scope = self as unknown as WorkerScope;
const post = scope.postMessage.bind(scope);
const realFetch = scope.fetch.bind(scope);
/** Kept for the relay only (message mode), before lockDown takes XMLHttpRequest away. */
const RelayXhr = (self as unknown as { XMLHttpRequest?: new () => XMLHttpRequest }).XMLHttpRequest;

/** This thread's side of the page's relay: only ever the page's own server's relay path. */
function openRelay(endpoint: RelayEndpoint): SyncRelay | null {
  if (endpoint.kind !== 'http' || !RelayXhr) return null;
  let url: URL;
  try {
    url = new URL(endpoint.url);
  } catch {
    return null;
  }
  if (url.origin !== self.location.origin || !url.pathname.startsWith(`${RELAY_PATH}/`) || url.search) return null;
  return xhrSyncRelay(RelayXhr, url.href);
}

/**
 * Takes network and storage APIs away from this thread once the interpreter is compiled: the
 * learner's code runs here, and nothing it does may leave the page. (The loader's own request
 * for the wasm gets a promise that never settles; it is given the compiled module instead.)
 */
function lockDown(): void {
  const g = globalThis as Record<string, unknown>;
  for (const name of ['XMLHttpRequest', 'WebSocket', 'EventSource', 'importScripts', 'indexedDB', 'caches', 'BroadcastChannel', 'Worker', 'SharedWorker', 'WebTransport']) {
    try {
      Object.defineProperty(g, name, { value: undefined, configurable: false, writable: false });
    } catch {
      /* not defined in this browser */
    }
  }
  Object.defineProperty(g, 'fetch', { value: () => new Promise(() => undefined), configurable: false, writable: false });
}

serveDevice(
  {
    post: (msg, transfer) => post(msg, { transfer: transfer ?? [] }),
    onMessage: (handler) => scope.addEventListener('message', (e) => handler(e.data)),
  },
  {
    wasmUrl,
    loadWasm: async () => new Uint8Array(await (await realFetch(wasmUrl)).arrayBuffer()),
    firmware,
    lockDown,
    openRelay,
  },
);
