/**
 * The page's one board client: every island (lab, Run buttons, panels) talks to the same virtual
 * ESP-07. The board powers on the first time anything asks for it, with its flash as this
 * browser last saved it (IndexedDB, `flash-store.ts`): files and firmware survive reloads.
 */
import type { BoardView } from '../../emulator/board/esp07.ts';
import { BoardHost, type FlashSize, type WorkerLike } from '../../emulator/link/host.ts';
import { clearFlash, loadFlash, saveFlash } from './flash-store.ts';
import { httpRelayLink, probeRelay } from '../../emulator/link/relay.ts';

/** Serial output kept for views that mount after the board started (bytes). */
const BACKLOG_LIMIT = 64 * 1024;
/** localStorage key of the board option "flash size". */
const SIZE_KEY = 'esp8266-lab:flash-size';
/** How long after the last flash write the flash is saved, in ms. */
const SAVE_DELAY_MS = 400;

let board: BoardHost | null = null;
let backlog: { data: Uint8Array; baud: number; echo: boolean }[] = [];
let backlogBytes = 0;
let saveTimer: ReturnType<typeof setTimeout> | null = null;
/** Resolves once the saved flash is loaded and the board started (tests and panels wait on it). */
let started: Promise<void> = Promise.resolve();

function spawnBrowserWorker(): WorkerLike {
  const worker = new Worker(new URL('./board.worker.ts', import.meta.url), { type: 'module', name: 'esp-07' });
  return {
    postMessage: (msg, transfer) => worker.postMessage(msg, transfer ?? []),
    terminate: () => worker.terminate(),
    onMessage: (handler) => worker.addEventListener('message', (e) => handler(e.data)),
    onError: (handler) => worker.addEventListener('error', (e) => handler(e.message || 'worker error')),
  };
}

/** The flash size chosen in the board options (default 4 MB, the ESP-07S). */
export function flashSizeSetting(): FlashSize {
  try {
    const v = localStorage.getItem(SIZE_KEY);
    if (v === '512K' || v === '1M' || v === '4M') return v;
  } catch {
    // storage blocked: the default board
  }
  return '4M';
}

function notice(text: string): void {
  board?.announce(text);
}

async function saveNow(): Promise<void> {
  if (!board) return;
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = null;
  try {
    await saveFlash(board.flashSize, board.flashSnapshot());
  } catch (e) {
    notice(`could not save the board in this browser (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** The page's board, started on first use (after its saved flash is read). */
export function getBoard(): BoardHost {
  if (!board) {
    const size = flashSizeSetting();
    const b = new BoardHost({ spawn: spawnBrowserWorker, flashSize: size });
    board = b;
    b.on('serial', (data, baud, echo) => {
      if (backlog.length === 0) performance.mark('lab:first-serial');
      backlog.push({ data: data.slice(), baud, echo });
      backlogBytes += data.length;
      while (backlogBytes > BACKLOG_LIMIT && backlog.length > 1) backlogBytes -= backlog.shift()?.data.length ?? 0;
    });
    b.on('flash', () => {
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(() => void saveNow(), SAVE_DELAY_MS);
    });
    addEventListener('pagehide', () => {
      if (saveTimer) void saveNow();
    });
    // Not cross-origin isolated (plain HTTP to another computer): input reaches running code
    // only through the server's relay, if it has one (the workshop servers do; relay.ts).
    const relay = b.shared ? null : probeRelay(fetch, location.origin).then((ok) => {
      if (ok) b.useRelay(httpRelayLink(fetch, location.origin));
    });
    // the emulator thread starts (and compiles the interpreter) while the saved flash is read
    const saved = Promise.all([loadFlash(size), relay]).then(([found]) => {
      performance.mark('lab:flash-loaded');
      if (found.kind === 'corrupt') notice(`the saved board could not be read (${found.why}); starting a new board`);
      return found.kind === 'saved' ? found.contents : null;
    });
    started = saved.then(() => undefined);
    b.start(saved);
  }
  return board;
}

/** Resolves when the board has been started with its saved flash. */
export function boardStarted(): Promise<void> {
  getBoard();
  return started;
}

/**
 * Factory reset: forgets the saved flash and powers on a new board of the same size with
 * MicroPython flashed (its first boot prints "Performing initial setup").
 */
export async function factoryReset(): Promise<void> {
  const b = getBoard();
  await started;
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = null;
  await clearFlash(b.flashSize);
  b.replaceFlash(null);
}

/**
 * Board option "flash size": saves this board, then powers on the board of the other size as
 * this browser last saved it (or a new one with that size's MicroPython build).
 */
export async function changeFlashSize(size: FlashSize): Promise<void> {
  const b = getBoard();
  await started;
  if (size === b.flashSize) return;
  await saveNow();
  try {
    localStorage.setItem(SIZE_KEY, size);
  } catch {
    // not remembered across visits
  }
  const saved = await loadFlash(size);
  if (saved.kind === 'corrupt') notice(`the saved ${size} board could not be read (${saved.why}); starting a new one`);
  b.replaceFlash(saved.kind === 'saved' ? saved.contents : null, size);
}

/**
 * Subscribes to serial output, first replaying what the board printed before this call.
 * `echo` is true for the REPL's echo of typed or pasted input (BoardHost's 'serial' event).
 * @returns an unsubscribe function
 */
export function onSerial(fn: (data: Uint8Array, baud: number, echo: boolean) => void): () => void {
  const b = getBoard();
  for (const chunk of backlog) fn(chunk.data, chunk.baud, chunk.echo);
  return b.on('serial', fn);
}

export type { BoardView };
