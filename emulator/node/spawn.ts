/**
 * Starts the emulator in a Node worker thread, as a {@link WorkerLike} for {@link BoardHost}.
 * Node ≥ 22.18 runs the TypeScript sources directly (type stripping).
 */
import { Worker } from 'node:worker_threads';
import type { WorkerLike } from '../link/host.ts';

export function spawnNodeDevice(): WorkerLike {
  const worker = new Worker(new URL('./device-worker.ts', import.meta.url));
  return {
    postMessage: (msg, transfer) => worker.postMessage(msg, transfer as never),
    terminate: () => void worker.terminate(),
    onMessage: (handler) => worker.on('message', handler),
    onError: (handler) => worker.on('error', (e) => handler(String(e))),
  };
}
