/**
 * The flash file (flash-file.ts) over a fake sync access handle: which changes reach the file,
 * when (at the firmware call's return: SpiFlash.settle, as firmware/hal.ts calls it), in which
 * order and how many writes, what a cut in the middle of a commit leaves, and what opening
 * reports for a new, a saved and a damaged file.
 */
import { describe, expect, it } from 'vitest';
import { SECTOR_BYTES, SpiFlash } from '../chip/flash.ts';
import { FlashFile, type SyncFile } from './flash-file.ts';

/** An in-memory handle that logs each write and flush. */
function fakeFile(initial = new Uint8Array(0)) {
  let data = initial.slice();
  const log: string[] = [];
  const file: SyncFile & { data: () => Uint8Array; log: string[]; failWrites: boolean; cutAfter: number } = {
    log,
    failWrites: false,
    /** Writes left before the "tab closes" (every later write throws); -1: never. */
    cutAfter: -1,
    data: () => data,
    read(buf, { at }) {
      const n = Math.max(0, Math.min(buf.length, data.length - at));
      buf.set(data.subarray(at, at + n));
      return n;
    },
    write(buf, { at }) {
      if (file.failWrites) throw new Error('QuotaExceededError');
      if (file.cutAfter === 0) throw new Error('terminated');
      if (file.cutAfter > 0) file.cutAfter--;
      if (at + buf.length > data.length) {
        const grown = new Uint8Array(at + buf.length);
        grown.set(data);
        data = grown;
      }
      data.set(buf, at);
      log.push(`write ${at}+${buf.length}`);
      return buf.length;
    },
    getSize: () => data.length,
    truncate(size) {
      const next = new Uint8Array(size);
      next.set(data.subarray(0, size));
      data = next;
    },
    flush: () => void log.push('flush'),
    close: () => void log.push('close'),
  };
  return file;
}

const SIZE = 64 * SECTOR_BYTES;

describe('FlashFile', () => {
  it('reports a new, a saved and a damaged file', () => {
    expect(new FlashFile(fakeFile(), SIZE).readContents()).toEqual({ kind: 'none' });
    const saved = new Uint8Array(SIZE).fill(7);
    const found = new FlashFile(fakeFile(saved), SIZE).readContents();
    expect(found.kind).toBe('saved');
    expect(found.kind === 'saved' && found.contents[SIZE - 1]).toBe(7);
    expect(new FlashFile(fakeFile(new Uint8Array(100)), SIZE).readContents()).toEqual({ kind: 'damaged', why: `100 bytes instead of ${SIZE}` });
  });

  it('a write is in the file when the call settles, not before; in the order made, then one flush', () => {
    const S = SECTOR_BYTES;
    const flash = new SpiFlash(SpiFlash.createStorage(SIZE, false));
    const file = fakeFile();
    const store = new FlashFile(file, SIZE);
    store.sync(flash.bytes);
    file.log.length = 0;
    store.follow(flash);
    flash.program(9 * S - 2, new Uint8Array([0, 0, 0, 0])); // across sectors 8 and 9
    flash.eraseSector(3);
    flash.program(4 * S + 10, new Uint8Array([1, 2, 3]));
    expect(file.log).toEqual([]);
    expect(store.pending).toBe(3);
    flash.settle();
    expect(file.log).toEqual([`write ${9 * S - 2}+4`, `write ${3 * S}+${S}`, `write ${4 * S + 10}+3`, 'flush']);
    expect(Array.from(file.data().subarray(4 * SECTOR_BYTES + 10, 4 * SECTOR_BYTES + 13))).toEqual([1, 2, 3]);
    expect(file.data()[9 * SECTOR_BYTES + 1]).toBe(0);
    // nothing new: settling writes nothing
    file.log.length = 0;
    flash.settle();
    expect(file.log).toEqual([]);
    expect(store.stats.flushes).toBeGreaterThan(0);
  });

  it('writes outside a firmware call (the ROM loader) reach the file on the next turn of the event loop', async () => {
    const flash = new SpiFlash(SpiFlash.createStorage(SIZE, false));
    const file = fakeFile();
    const store = new FlashFile(file, SIZE);
    store.sync(flash.bytes);
    file.log.length = 0;
    store.follow(flash);
    flash.program(0, new Uint8Array([0x12]));
    await new Promise((r) => setTimeout(r, 5));
    expect(file.log).toEqual(['write 0+1', 'flush']);
    expect(file.data()[0]).toBe(0x12);
  });

  it('consecutive changes to the same bytes or the next ones merge into one write; others keep their order', () => {
    const S = SECTOR_BYTES;
    const flash = new SpiFlash(SpiFlash.createStorage(SIZE, false));
    const file = fakeFile();
    const store = new FlashFile(file, SIZE);
    store.sync(flash.bytes);
    file.log.length = 0;
    store.follow(flash);
    // littlefs programs a block 128 bytes at a time after erasing it
    flash.eraseSector(20);
    for (let i = 0; i < 8; i++) flash.program(20 * S + i * 128, new Uint8Array(128).fill(i));
    // then commits its directory in another block
    flash.program(2 * S, new Uint8Array(16).fill(0x42));
    expect(store.pending).toBe(2);
    flash.settle();
    expect(file.log).toEqual([`write ${20 * S}+${S}`, `write ${2 * S}+16`, 'flush']);
  });

  it('a cut in the middle of a commit leaves the file as the chip was after one of its operations', () => {
    const S = SECTOR_BYTES;
    const flash = new SpiFlash(SpiFlash.createStorage(SIZE, false));
    const file = fakeFile();
    const store = new FlashFile(file, SIZE);
    store.sync(flash.bytes);
    store.follow(flash);
    flash.program(30 * S, new Uint8Array([0x11])); // A: data
    flash.program(5 * S, new Uint8Array([0x22])); // B: the directory commit that points to it
    flash.program(30 * S, new Uint8Array([0x01])); // C: a later change to A's bytes
    file.cutAfter = 1; // the tab closes after the first write
    store.commit();
    expect(store.failed).toBe('terminated');
    // A is there as it was before C, B is not: a state the chip was in, after A
    expect(file.data()[30 * S]).toBe(0x11);
    expect(file.data()[5 * S]).toBe(0xff);
  });

  it('sync writes everything to a new or damaged file, and only the differing sectors to a kept one', () => {
    const flash = new SpiFlash(SpiFlash.createStorage(SIZE, false));
    const file = fakeFile(new Uint8Array(123));
    const store = new FlashFile(file, SIZE);
    expect(store.sync(flash.bytes)).toBe(64);
    expect(file.data().length).toBe(SIZE);
    flash.bytes[5 * SECTOR_BYTES] = 0;
    flash.bytes[60 * SECTOR_BYTES + 7] = 0;
    file.log.length = 0;
    expect(store.sync(flash.bytes)).toBe(2);
    expect(file.log).toEqual([`write ${5 * SECTOR_BYTES}+${SECTOR_BYTES}`, `write ${60 * SECTOR_BYTES}+${SECTOR_BYTES}`, 'flush']);
    expect(() => store.sync(new Uint8Array(10))).toThrow(RangeError);
  });

  it('a failing write is reported once and stops writing; close commits and closes', () => {
    const flash = new SpiFlash(SpiFlash.createStorage(SIZE, false));
    const file = fakeFile();
    const store = new FlashFile(file, SIZE);
    store.sync(flash.bytes);
    store.follow(flash);
    const failures: string[] = [];
    store.onFail = (why) => failures.push(why);
    file.failWrites = true;
    flash.eraseSector(1);
    flash.settle();
    flash.eraseSector(2);
    flash.settle();
    expect(failures).toEqual(['QuotaExceededError']);
    expect(store.failed).toBe('QuotaExceededError');
    const ok = fakeFile();
    const other = new FlashFile(ok, SIZE);
    other.sync(flash.bytes);
    other.follow(flash);
    flash.eraseSector(7);
    ok.log.length = 0;
    other.close();
    const closed = [`write ${7 * SECTOR_BYTES}+${SECTOR_BYTES}`, 'flush', 'close'];
    expect(ok.log).toEqual(closed);
    // no longer following
    flash.eraseSector(8);
    flash.settle();
    expect(ok.log).toEqual(closed);
  });

  it('release() lets go as power is cut: what is not written yet is dropped, nothing more is written, the handle is closed', () => {
    const flash = new SpiFlash(SpiFlash.createStorage(SIZE, false));
    const file = fakeFile();
    const store = new FlashFile(file, SIZE);
    store.sync(flash.bytes);
    store.follow(flash);
    const failures: string[] = [];
    store.onFail = (why) => failures.push(why);
    file.log.length = 0;
    // a call in progress when the host let the thread go
    flash.eraseSector(3);
    store.release();
    expect(file.log).toEqual(['close']);
    flash.settle();
    flash.eraseSector(4);
    flash.settle();
    expect(store.commit()).toBe(0);
    expect(file.log).toEqual(['close']);
    expect(failures).toEqual([]);
    expect(store.failed).toBe('released');
  });
});
