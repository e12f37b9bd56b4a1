/**
 * A file on disk with the synchronous shape of the browser's `FileSystemSyncAccessHandle`
 * (link/flash-file.ts {@link SyncFile}), so that a Node emulator thread can keep the board's
 * flash in a file the way the page keeps it in the Origin Private File System. Each call is the
 * matching `node:fs` call on an open descriptor; `flush()` is `fsync`.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import type { SyncFile } from '../link/flash-file.ts';

/** Counts of the calls made, for tests: indexes into the counters' Int32Array. */
export const FILE_READS = 0;
export const FILE_WRITES = 1;
export const FILE_FLUSHES = 2;
/** Int32 words a counters buffer needs. */
export const FILE_COUNTERS = 3;

/**
 * Opens (creating it empty) the file at `path` for reads and writes.
 * @param counters optional shared words, bumped at each read, write and flush ({@link FILE_READS}…)
 * @throws whatever `openSync` throws (a missing directory, no permission)
 */
export function fsSyncFile(path: string, counters?: Int32Array): SyncFile {
  const fd = openSync(path, 'a+');
  // 'a+' creates; positional writes need a descriptor that is not in append mode
  closeSync(fd);
  const file = openSync(path, 'r+');
  const count = (i: number) => {
    if (counters) Atomics.add(counters, i, 1);
  };
  return {
    read(buffer, { at }) {
      count(FILE_READS);
      return readSync(file, buffer, 0, buffer.length, at);
    },
    write(buffer, { at }) {
      count(FILE_WRITES);
      return writeSync(file, buffer, 0, buffer.length, at);
    },
    getSize: () => fstatSync(file).size,
    truncate: (size) => ftruncateSync(file, size),
    flush() {
      count(FILE_FLUSHES);
      fsyncSync(file);
    },
    close: () => closeSync(file),
  };
}
