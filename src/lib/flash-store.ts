/**
 * Keeps the virtual board's flash (firmware, filesystem, everything) in the browser's IndexedDB,
 * one record per flash size, so files written on the board survive page reloads like they
 * survive a power cycle on the real one. Nothing leaves the browser.
 *
 * A record that cannot be read, or is not a flash image of the right size, is reported and
 * replaced by a new board; IndexedDB being unavailable (some private modes) means the board
 * simply starts new on every visit.
 */
import type { FlashSize } from '../../emulator/link/host.ts';
import { FLASH_SIZES } from '../../emulator/chip/flash.ts';

const DB_NAME = 'esp8266-lab';
const STORE = 'flash';
const DB_VERSION = 1;

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') return reject(new Error('IndexedDB is not available'));
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB open failed'));
    req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
  });
}

function request<T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return openDb().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const req = fn(tx.objectStore(STORE));
        tx.oncomplete = () => {
          db.close();
          resolve(req.result);
        };
        tx.onerror = tx.onabort = () => {
          db.close();
          reject(tx.error ?? new Error('IndexedDB transaction failed'));
        };
      }),
  );
}

/** What loading found. */
export type LoadResult =
  | { kind: 'saved'; contents: Uint8Array }
  | { kind: 'none' }
  /** The record existed but was unusable (it has been deleted); `why` says what was wrong. */
  | { kind: 'corrupt'; why: string }
  | { kind: 'unavailable'; why: string };

/** Loads the saved flash for a board of `size`. Never throws. */
export async function loadFlash(size: FlashSize): Promise<LoadResult> {
  let value: unknown;
  try {
    value = await request('readonly', (s) => s.get(size));
  } catch (e) {
    return { kind: 'unavailable', why: e instanceof Error ? e.message : String(e) };
  }
  if (value === undefined) return { kind: 'none' };
  const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : value instanceof Uint8Array ? value : null;
  if (!bytes || bytes.length !== FLASH_SIZES[size]) {
    await clearFlash(size);
    return { kind: 'corrupt', why: bytes ? `${bytes.length} bytes instead of ${FLASH_SIZES[size]}` : 'not a flash image' };
  }
  return { kind: 'saved', contents: bytes };
}

/** Saves the flash of a board of `size`. @throws Error when IndexedDB refuses (quota, unavailable) */
export async function saveFlash(size: FlashSize, contents: Uint8Array): Promise<void> {
  const copy = contents.buffer instanceof ArrayBuffer && contents.byteOffset === 0 && contents.byteLength === contents.buffer.byteLength
    ? contents.buffer
    : contents.slice().buffer;
  await request('readwrite', (s) => s.put(copy, size));
}

/** Forgets the saved flash of a board of `size` (factory reset). Never throws. */
export async function clearFlash(size: FlashSize): Promise<void> {
  try {
    await request('readwrite', (s) => s.delete(size));
  } catch {
    // nothing saved, or no IndexedDB: nothing to forget
  }
}
