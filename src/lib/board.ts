/**
 * The page's one board client: every island (lab, Run buttons, panels) talks to the same virtual
 * ESP-07. The board powers on the first time anything asks for it, with its flash as this
 * browser kept it: files and firmware survive reloads.
 *
 * Where the flash is kept:
 * - a file in the Origin Private File System, written by the emulator thread through a sync
 *   access handle (emulator/link/flash-file.ts): each write is on storage when the firmware call
 *   that made it returns, as on the chip — a reload right after `f.close()` keeps the file.
 *   A record from before (IndexedDB) seeds the file on first use.
 * - IndexedDB (`flash-store.ts`) where there are no sync access handles (plain HTTP to another
 *   computer, older browsers): saved 400 ms after the last write and on `pagehide`, so a reload
 *   right after a write can lose it.
 *
 * One tab at a time: a Web Lock per flash size (`esp8266-lab:board:<size>`). A second tab on
 * the same board does not power it on; it says so ({@link onBoardOwnership}) and can take the
 * board over ({@link takeOverBoard}): the first tab then stops its board (saving it first when
 * it is kept in IndexedDB) and says so. Without Web Locks (not a secure context) each tab runs
 * its own board and the last to save wins, as before.
 */
import type { BoardView } from '../../emulator/board/esp07.ts';
import { BoardHost, type FlashSize, type WorkerLike } from '../../emulator/link/host.ts';
import { clearFlash, loadFlash, saveFlash, type LoadResult } from './flash-store.ts';
import { httpRelayLink, probeRelay } from '../../emulator/link/relay.ts';
import { isReleaseId, type ReleaseId } from '../../emulator/firmware/builds.ts';

/** Serial output kept for views that mount after the board started (bytes). */
const BACKLOG_LIMIT = 64 * 1024;
/** localStorage key of the board option "flash size". */
const SIZE_KEY = 'esp8266-lab:flash-size';
/** localStorage key prefix of the release the board of a flash size last ran (so only its wasm is loaded at start). */
const RELEASE_KEY = 'esp8266-lab:release-';

/** The release the saved board of `size` last ran, or null. */
function lastRelease(size: FlashSize): ReleaseId | null {
  try {
    const v = localStorage.getItem(RELEASE_KEY + size);
    return v && isReleaseId(v) ? v : null;
  } catch {
    return null; // storage blocked
  }
}
/** How long after the last flash write the flash is saved, in ms. */
const SAVE_DELAY_MS = 400;

let board: BoardHost | null = null;
let backlog: { data: Uint8Array; baud: number; echo: boolean }[] = [];
let backlogBytes = 0;
let saveTimer: ReturnType<typeof setTimeout> | null = null;
/** Resolves once the saved flash is loaded and the board started (tests and panels wait on it). */
let started: Promise<void> = Promise.resolve();
let markStarted: () => void = () => undefined;

/**
 * Whether this tab has the board: `here`, `elsewhere` (another tab had it when this one
 * opened), `lost` (another tab took it over; this one stopped its board).
 */
export type BoardOwnership = 'here' | 'elsewhere' | 'lost';
let ownership: BoardOwnership = 'here';
const ownershipListeners = new Set<(o: BoardOwnership) => void>();
/** Lets go of this tab's lock (null: none held). */
let releaseLock: (() => void) | null = null;
/** A queued request that gets the board when the tab that has it closes. */
let waiter: AbortController | null = null;
/** Tabs tell each other they let go of a board (after saving it), on this channel. */
const TAB_CHANNEL = 'esp8266-lab:board';
/** How long a tab taking the board over waits for the other one to let go, in ms. */
const HANDOVER_WAIT_MS = 3000;

function lockName(size: FlashSize): string {
  return `esp8266-lab:board:${size}`;
}

function lockManager(): LockManager | null {
  return typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null;
}

function setOwnership(o: BoardOwnership): void {
  ownership = o;
  for (const fn of ownershipListeners) fn(o);
}

/** Whether this tab has the board now (see {@link BoardOwnership}). */
export function boardOwnership(): BoardOwnership {
  return ownership;
}

/** Subscribes to changes of {@link boardOwnership}. @returns an unsubscribe function */
export function onBoardOwnership(fn: (o: BoardOwnership) => void): () => void {
  ownershipListeners.add(fn);
  return () => ownershipListeners.delete(fn);
}

/**
 * Holds the board's lock for `size`: `try` only if no tab has it, `steal` in any case (the tab
 * that had it is told: {@link lostBoard}). Resolves whether it is held (true without Web Locks).
 */
function holdLock(size: FlashSize, mode: 'try' | 'steal'): Promise<boolean> {
  const locks = lockManager();
  if (!locks) return Promise.resolve(true);
  return new Promise((resolve) => {
    let mine: (() => void) | null = null;
    locks
      .request(lockName(size), mode === 'steal' ? { steal: true } : { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve(false);
          return undefined;
        }
        return new Promise<void>((release) => {
          mine = release;
          releaseLock = release;
          resolve(true);
        });
      })
      .catch((e: unknown) => {
        // stolen by another tab
        if (releaseLock === mine && (e as { name?: string } | null)?.name === 'AbortError') void lostBoard(size);
      });
  });
}

/**
 * Waits up to `ms` for the board's lock (the page this tab came from may still be letting go
 * of it while this one starts). Resolves whether it is held.
 */
function holdLockWithin(size: FlashSize, ms: number): Promise<boolean> {
  const locks = lockManager();
  if (!locks) return Promise.resolve(true);
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), ms);
  let mine: (() => void) | null = null;
  return new Promise((resolve) => {
    locks
      .request(lockName(size), { signal: ctl.signal }, () => {
        clearTimeout(timer);
        return new Promise<void>((release) => {
          mine = release;
          releaseLock = release;
          resolve(true);
        });
      })
      .catch(() => {
        resolve(false);
        if (mine && releaseLock === mine) void lostBoard(size);
      });
  });
}

/** How long a starting tab waits for the board's lock before saying another tab has it, in ms. */
const START_WAIT_MS = 700;

/** Queues a request for the board's lock: the board powers on here when the tab that has it closes. */
function waitForLock(size: FlashSize): void {
  const locks = lockManager();
  waiter?.abort();
  if (!locks) return;
  const ctl = new AbortController();
  waiter = ctl;
  let mine: (() => void) | null = null;
  locks
    .request(lockName(size), { signal: ctl.signal }, () => {
      if (waiter !== ctl) return undefined;
      waiter = null;
      return new Promise<void>((release) => {
        mine = release;
        releaseLock = release;
        if (board && board.flashSize === size && ownership !== 'here') powerOnHere(board);
        else release();
      });
    })
    .catch(() => {
      // stolen after it was granted (aborting a queued request lands here too, not granted)
      if (mine && releaseLock === mine) void lostBoard(size);
    });
}

/** Another tab took the board: stop it here, after saving it if IndexedDB keeps it. */
async function lostBoard(size: FlashSize): Promise<void> {
  releaseLock = null;
  const b = board;
  if (!b || b.flashSize !== size || b.isStopped) return;
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = null;
  const save = b.durable === true ? null : b.flashSnapshot();
  b.stop();
  setOwnership('lost');
  b.announce('this board is now open in another tab: it was stopped here');
  if (save) {
    try {
      await saveFlash(size, save);
    } catch {
      // nothing more can be done: the other tab starts from what was saved before
    }
  }
  tabChannel()?.postMessage({ t: 'released', size });
  waitForLock(size);
}

let channel: BroadcastChannel | null | undefined;
function tabChannel(): BroadcastChannel | null {
  if (channel === undefined) channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(TAB_CHANNEL);
  return channel;
}

/** Resolves when the tab that had the board of `size` says it let go, or after {@link HANDOVER_WAIT_MS}. */
function released(size: FlashSize): Promise<void> {
  const ch = tabChannel();
  if (!ch) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      ch.removeEventListener('message', onMsg);
      resolve();
    };
    const onMsg = (e: MessageEvent) => {
      const m = e.data as { t?: unknown; size?: unknown } | null;
      if (m?.t === 'released' && m.size === size) done();
    };
    const timer = setTimeout(done, HANDOVER_WAIT_MS);
    ch.addEventListener('message', onMsg);
  });
}

/**
 * Takes the board over from the tab that has it: that tab stops its board (and says so); this
 * one powers the board on with the flash as that tab left it.
 */
export async function takeOverBoard(): Promise<void> {
  const b = getBoard();
  if (ownership === 'here') return;
  const size = b.flashSize;
  waiter?.abort();
  waiter = null;
  const handover = released(size);
  await holdLock(size, 'steal');
  await handover;
  powerOnHere(b);
}

/** The saved flash of `size` from IndexedDB, reporting a damaged record. */
function savedFlash(size: FlashSize): Promise<Uint8Array | null> {
  return loadFlash(size).then((found: LoadResult) => {
    performance.mark('lab:flash-loaded');
    if (found.kind === 'corrupt') notice(`the saved board could not be read (${found.why}); starting a new board`);
    return found.kind === 'saved' ? found.contents : null;
  });
}

/** Powers the board on in this tab, with its flash as kept. */
function powerOnHere(b: BoardHost): void {
  setOwnership('here');
  const size = b.flashSize;
  b.powerOnStored(size, () => savedFlash(size), lastRelease(size));
  markStarted();
}

function spawnBrowserWorker(): WorkerLike {
  performance.mark('lab:spawn');
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
  if (!board || board.isStopped || board.durable === true) return;
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
    const b = new BoardHost({ spawn: spawnBrowserWorker, flashSize: size, store: true });
    board = b;
    b.on('serial', (data, baud, echo) => {
      if (backlog.length === 0) performance.mark('lab:first-serial');
      backlog.push({ data: data.slice(), baud, echo });
      backlogBytes += data.length;
      while (backlogBytes > BACKLOG_LIMIT && backlog.length > 1) backlogBytes -= backlog.shift()?.data.length ?? 0;
    });
    // the release the board runs, for the next visit's start (lastRelease)
    b.on('ready', () => {
      try {
        if (b.release) localStorage.setItem(RELEASE_KEY + b.flashSize, b.release);
      } catch {
        // not remembered
      }
    });
    // each boot's phases on the page's timeline, as measures `lab:boot:<phase>` (npm run bench)
    b.on('timing', (t) => {
      for (const p of t.phases) {
        const name = `lab:boot:${p.name}`;
        performance.clearMeasures(name);
        performance.measure(name, { start: p.start - performance.timeOrigin, end: p.end - performance.timeOrigin, detail: { kind: t.kind, memoryBytes: t.memoryBytes } });
      }
    });
    b.on('flash', () => {
      // the flash file has every write already; IndexedDB is saved shortly after the last one
      if (b.durable === true) return;
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(() => void saveNow(), SAVE_DELAY_MS);
    });
    b.on('store', (st) => {
      if (st.kind === 'open' && st.damaged) notice(`the saved board could not be read (${st.damaged}); starting a new board`);
      if (st.kind === 'failed') notice(`could not keep the board's flash in this browser's files (${st.why}); it is saved in IndexedDB from now on`);
    });
    addEventListener('pagehide', () => {
      if (saveTimer) void saveNow();
    });
    // Not cross-origin isolated (plain HTTP to another computer): input reaches running code
    // only through the server's relay, if it has one (the workshop servers do; relay.ts).
    const relay = b.shared ? null : probeRelay(fetch, location.origin).then((ok) => {
      if (ok) b.useRelay(httpRelayLink(fetch, location.origin));
    });
    started = new Promise((resolve) => {
      markStarted = resolve;
    });
    // the emulator thread starts (and compiles the interpreter) while the saved flash is read
    void Promise.all([holdLock(size, 'try'), relay]).then(async ([mine]) => {
      if (!mine) mine = await holdLockWithin(size, START_WAIT_MS);
      if (!mine) {
        // another tab has this board: leave its flash alone (BoardTabNotice.tsx says so)
        setOwnership('elsewhere');
        b.stop();
        b.announce('this board is open in another tab: this tab leaves it alone');
        waitForLock(size);
        return;
      }
      b.start(() => savedFlash(size), lastRelease(size));
      markStarted();
    });
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
  if (ownership !== 'here') return;
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
  if (ownership !== 'here') return;
  await started;
  if (size === b.flashSize) return;
  const before = releaseLock;
  if (!(await holdLock(size, 'try'))) {
    releaseLock = before;
    notice(`the ${size} board is open in another tab; this tab keeps the ${b.flashSize} board`);
    return;
  }
  before?.();
  await saveNow();
  try {
    localStorage.setItem(SIZE_KEY, size);
  } catch {
    // not remembered across visits
  }
  b.powerOnStored(size, () => savedFlash(size), lastRelease(size));
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
