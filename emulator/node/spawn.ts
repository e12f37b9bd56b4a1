/**
 * Starts the emulator in a Node worker thread, as a {@link WorkerLike} for {@link BoardHost}.
 * Node ≥ 22.18 runs the TypeScript sources directly (type stripping).
 */
import { Worker } from 'node:worker_threads';
import type { WorkerLike } from '../link/host.ts';

/** Where a Node emulator thread keeps the flash (BoardHost's `store` option), and what it counts. */
export interface NodeFlashFiles {
  /** An existing directory: the flash of each size is a file in it (link/flash-file.ts `flashFileName`). */
  dir: string;
  /** Shared words the thread bumps at each read, write and flush of the file (fs-sync-file.ts). */
  counters?: SharedArrayBuffer;
}

/**
 * @param files keep the flash in files there (without: the thread has no file storage, and a
 *   host with `store` keeps the flash itself)
 */
export function spawnNodeDevice(files?: NodeFlashFiles): WorkerLike {
  const worker = new Worker(new URL('./device-worker.ts', import.meta.url), files ? { workerData: { flashFiles: files } } : {});
  return {
    postMessage: (msg, transfer) => worker.postMessage(msg, transfer as never),
    terminate: () => void worker.terminate(),
    onMessage: (handler) => worker.on('message', handler),
    onError: (handler) => worker.on('error', (e) => handler(String(e))),
  };
}
