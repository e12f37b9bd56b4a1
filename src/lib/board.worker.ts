/**
 * Browser entry of the emulator thread (a module Web Worker). Everything else is in
 * `emulator/`, shared with Node.
 */
import { wasmFile } from './wasm-releases';
import { serveDevice } from '../../emulator/link/worker-main.ts';
import type { HostMessage } from '../../emulator/link/protocol.ts';
import { RELAY_PATH, xhrSyncRelay, type RelayEndpoint, type SyncRelay } from '../../emulator/link/relay.ts';
import type { SyncFile } from '../../emulator/link/flash-file.ts';

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

/** How long opening the flash file waits for another thread (a tab's board stopping) to let go of it, in ms. */
const FILE_WAIT_MS = 8000;

/**
 * Opens the board's flash file in the Origin Private File System with a sync access handle
 * (Chromium, Firefox 111+, Safari 17+; dedicated workers only; secure contexts only). The
 * handle is exclusive: while the emulator thread of another tab, or the one this tab just
 * replaced, still holds it, opening is retried until it lets go.
 * @throws Error when the storage does not exist here, or the file stays locked
 */
async function openFlashFile(name: string): Promise<SyncFile> {
  const storage = (navigator as { storage?: StorageManager }).storage;
  if (!storage?.getDirectory) throw new Error('no origin private file system here');
  const dir = await storage.getDirectory();
  const handle = await dir.getFileHandle(name, { create: true });
  const open = (handle as unknown as { createSyncAccessHandle?: () => Promise<SyncFile> }).createSyncAccessHandle;
  if (typeof open !== 'function') throw new Error('no sync access handles in this browser');
  const deadline = performance.now() + FILE_WAIT_MS;
  for (;;) {
    try {
      return await open.call(handle);
    } catch (e) {
      if (!(e instanceof DOMException && e.name === 'NoModificationAllowedError') || performance.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
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
  // the flash file is open already (openFlashFile): the rest of the origin's storage stays out of reach
  for (const name of ['storage', 'locks']) {
    try {
      Object.defineProperty(navigator, name, { value: undefined, configurable: false, writable: false });
    } catch {
      /* not defined in this browser */
    }
  }
}

serveDevice(
  {
    post: (msg, transfer) => post(msg, { transfer: transfer ?? [] }),
    onMessage: (handler) => scope.addEventListener('message', (e) => handler(e.data)),
  },
  {
    wasm: (release) => wasmFile(release, realFetch),
    firmware,
    lockDown,
    openRelay,
    openFlashFile,
  },
);
