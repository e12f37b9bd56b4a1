/**
 * The page's one board client: every island (lab, Run buttons) talks to the same virtual ESP-07.
 * The board powers on the first time anything asks for it.
 */
import type { BoardView } from '../../emulator/board.ts';
import { BoardHost, type WorkerLike } from '../../emulator/host.ts';

/** Serial output kept for views that mount after the board started (bytes). */
const BACKLOG_LIMIT = 64 * 1024;

let board: BoardHost | null = null;
let backlog: { data: Uint8Array; baud: number }[] = [];
let backlogBytes = 0;

function spawnBrowserWorker(): WorkerLike {
  const worker = new Worker(new URL('./board.worker.ts', import.meta.url), { type: 'module', name: 'esp-07' });
  return {
    postMessage: (msg, transfer) => worker.postMessage(msg, transfer ?? []),
    terminate: () => worker.terminate(),
    onMessage: (handler) => worker.addEventListener('message', (e) => handler(e.data)),
    onError: (handler) => worker.addEventListener('error', (e) => handler(e.message || 'worker error')),
  };
}

/** The page's board, started on first use. */
export function getBoard(): BoardHost {
  if (!board) {
    board = new BoardHost({ spawn: spawnBrowserWorker });
    board.on('serial', (data, baud) => {
      backlog.push({ data: data.slice(), baud });
      backlogBytes += data.length;
      while (backlogBytes > BACKLOG_LIMIT && backlog.length > 1) backlogBytes -= backlog.shift()?.data.length ?? 0;
    });
    board.start();
  }
  return board;
}

/**
 * Subscribes to serial output, first replaying what the board printed before this call.
 * @returns an unsubscribe function
 */
export function onSerial(fn: (data: Uint8Array, baud: number) => void): () => void {
  const b = getBoard();
  for (const chunk of backlog) fn(chunk.data, chunk.baud);
  return b.on('serial', fn);
}

export type { BoardView };
