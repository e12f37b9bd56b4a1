/**
 * MicroPython's own filesystem tests (v1.27.0 tests/extmod/vfs_lfs*.py, vfs_fat_*.py,
 * vfs_blockdev*.py) through the board, compared with their .exp files as run-tests does. They
 * are not part of this repository: set MICROPYTHON_TESTS to the `tests` folder of a MicroPython
 * v1.27.0 checkout to run them (skipped otherwise). The lists say what a real ESP8266 does with
 * each (ports/esp8266: VfsLfs2 and VfsFat, no VfsLfs1; MicroPython PR #18543: vfs_blockdev_invalid
 * runs out of memory on the board) and what the emulator does: VfsFat (fat-vfs.ts over fatfs.ts)
 * and the littlefs ones pass, but for the heap and finaliser differences listed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';

const DIR = process.env.MICROPYTHON_TESTS ? join(process.env.MICROPYTHON_TESTS, 'extmod') : '';

/** Pass on a real ESP8266 and here. */
const PASS = ['vfs_lfs_superblock', 'vfs_lfs_ilistdir_del', 'vfs_blockdev', 'vfs_fat_fileio1', 'vfs_fat_ilistdir_del', 'vfs_fat_mtime', 'vfs_fat_oldproto',
  'vfs_fat_ramdisk'];
/**
 * Pass on a real ESP8266; here they run out of the 38 KB heap: MemoryError, or SKIP from the
 * test's own check of the RAM disk's allocation. vfs_lfs_mtime's 30 KB RAM disk leaves 240 bytes
 * once its 3 KB of source is held by the raw REPL (here, TestBoard.exec, and the lab's raw-paste,
 * which hands the source to the raw REPL); run-tests sends it with raw-paste, which on the board
 * compiles the source as it arrives (shared/runtime/pyexec.c), so the source never fills the heap.
 * user-blockdev.test.ts checks the same behaviour on smaller devices.
 */
const HEAP = ['vfs_lfs_mtime',
  // VfsFat (fat-vfs.ts): its disk-full check writes an 8.7 KB bytearray beside the 25 KB RAM disk
  'vfs_fat_fileio2'];
/**
 * Print SKIP on a real ESP8266 and here: the VfsLfs1 ones need VfsLfs1; vfs_fat_more's two
 * 25 KB RAM disks and the sectors vfs_fat_ramdisklarge's sparse 4 GB disk keeps while FAT32
 * is made (over 500 KB) do not fit the board's heap: MemoryError, caught by the test.
 */
const SKIP = ['vfs_lfs', 'vfs_lfs_corrupt', 'vfs_lfs_error', 'vfs_lfs_file', 'vfs_lfs_mount', 'vfs_fat_more', 'vfs_fat_ramdisklarge'];
/**
 * Pass on a real ESP8266, fail here: a file object dropped without close() is closed by the
 * firmware's finaliser at the test's gc.collect(); the WebAssembly build collects only between
 * top-level calls, so the emulator's finaliser (fat-vfs.ts finaliserNode) closes the files
 * after the test has read them back empty (the heap-locked open() half passes: MemoryError).
 * Differences page.
 */
const NEED_FAT = ['vfs_fat_finaliser'];

describe.skipIf(!DIR || !existsSync(DIR))('MicroPython v1.27.0 tests/extmod filesystem tests on the board', () => {
  let board: TestBoard;
  beforeAll(async () => {
    board = await TestBoard.boot({ release: '1.27.0' }, 30_000);
    // run-tests runs on a board that has been up a while: mtime tests need a clock past 0
    await board.exec('import machine; machine.RTC().datetime((2025, 6, 1, 0, 12, 0, 0, 0))');
  }, 60_000);
  afterAll(() => board?.dispose());

  /**
   * Runs a test file through the raw REPL as run-tests does. A test that stops with SystemExit
   * after printing SKIP would soft-reset the raw REPL: those run inside exec(), which catches it
   * (they skip before allocating anything big).
   */
  async function run(name: string, skips = false): Promise<string> {
    const src = readFileSync(join(DIR, `${name}.py`), 'utf8');
    // a soft reset before each test, as run-tests does: a fresh heap (the clock runs on)
    board.type('\x04');
    await board.waitFor('>>> ', 10_000);
    const code = skips ? `try:\n    exec(${JSON.stringify(src)}, {'__name__': '__main__'})\nexcept SystemExit:\n    pass` : src;
    const r = await board.exec(code, 60_000);
    return (r.out + r.err).replace(/\r\n/g, '\n');
  }

  const expected = (name: string) => readFileSync(join(DIR, `${name}.py.exp`), 'utf8');

  for (const name of PASS) it(`${name} passes`, async () => expect(await run(name)).toBe(expected(name)), 60_000);
  for (const name of SKIP) it(`${name} skips`, async () => expect(await run(name, true)).toBe('SKIP\n'), 60_000);
  for (const name of HEAP) {
    it(`${name} runs out of heap here (known difference)`, async () => {
      const got = await run(name, true);
      expect(got).not.toBe(expected(name));
      expect(got).toMatch(/MemoryError|^SKIP\n$/); // the test's own MemoryError check prints SKIP
    }, 60_000);
  }
  for (const name of NEED_FAT) {
    it(`${name} fails: no finaliser closes a dropped VfsFat file (known difference)`, async () => {
      const got = await run(name, true);
      expect(got).not.toBe(expected(name));
      expect(got).toBe('MemoryError\n\n\n\n\n'); // the files are there, with nothing in them
    }, 60_000);
  }
});
