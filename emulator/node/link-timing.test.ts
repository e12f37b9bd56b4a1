/**
 * `--realistic-link` (link-timing.ts): bytes at the baud rate (10 bits a byte, 8N1) and erases at
 * the W25Q32's typical times; without it the line is as fast as the emulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SlipDecoder, slipEncode } from '../rom/slip.ts';
import { BLOCK64_ERASE_S, chipEraseSeconds, eraseSeconds, EraseTimer, PacedLine, SECTOR_ERASE_S } from '../link/link-timing.ts';
import { startStdioBoard, type StdioBoard } from './cli-spawn.ts';

const EXPECTED_4K_S = (4096 * 10) / 115200; // 0.3556 s

describe('erase times (W25Q32JV typical: tSE 45 ms, tBE2 150 ms, tCE 10 s)', () => {
  it('sectors to a 64 KB boundary, then blocks, then sectors; a chip erase scales with the size', () => {
    expect(eraseSeconds(0, 4096)).toBeCloseTo(SECTOR_ERASE_S, 9);
    expect(eraseSeconds(0x10000, 0x10000)).toBeCloseTo(BLOCK64_ERASE_S, 9);
    expect(eraseSeconds(0, 0x11000)).toBeCloseTo(BLOCK64_ERASE_S + SECTOR_ERASE_S, 9);
    // unaligned: 15 sectors to 0x10000, then 1 sector
    expect(eraseSeconds(0x1000, 0x10000)).toBeCloseTo(16 * SECTOR_ERASE_S, 9);
    expect(eraseSeconds(100, 10)).toBeCloseTo(SECTOR_ERASE_S, 9); // the sector holding it
    expect(chipEraseSeconds(4 * 1024 * 1024)).toBe(10);
    expect(chipEraseSeconds(1024 * 1024)).toBe(2.5);
  });

  it('reads erases from esptool frames, including split ones; other commands take no time', () => {
    const t = new EraseTimer(4 * 1024 * 1024);
    const frame = (op: number, words: number[]) => {
      const p = new Uint8Array(8 + 4 * words.length);
      const dv = new DataView(p.buffer);
      p[1] = op;
      dv.setUint16(2, 4 * words.length, true);
      words.forEach((w, i) => dv.setUint32(8 + 4 * i, w, true));
      return slipEncode(p);
    };
    const begin = frame(0x02, [0x40000, 64, 0x1000, 0x100000]); // FLASH_BEGIN 256 KB at 1 MB
    expect(t.push(begin.subarray(0, 7)) + t.push(begin.subarray(7))).toBeCloseTo(4 * BLOCK64_ERASE_S, 9);
    expect(t.push(frame(0xd0, []))).toBe(10); // ERASE_FLASH
    expect(t.push(frame(0xd1, [0x1000, 0x2000]))).toBeCloseTo(2 * SECTOR_ERASE_S, 9); // ERASE_REGION
    expect(t.push(frame(0x08, [0x20120707]))).toBe(0); // SYNC
    expect(t.push(frame(0x02, [0x40000, 64, 0x1000, 0x3f0000]))).toBe(0); // past the end: refused, no erase
    expect(t.push(new TextEncoder().encode('print(1)\r'))).toBe(0);
  });
});

describe('erase timing with esptool\'s flasher stub', () => {
  const frame = (op: number, words: number[]) => {
    const p = new Uint8Array(8 + 4 * words.length);
    const dv = new DataView(p.buffer);
    p[1] = op;
    dv.setUint16(2, 4 * words.length, true);
    words.forEach((w, i) => dv.setUint32(8 + 4 * i, w, true));
    return slipEncode(p);
  };
  let now = 0;
  const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => undefined };
  const REGION = 4 * BLOCK64_ERASE_S; // 256 KB at 0: four 64 KB blocks

  it('answers begin at once and spreads the erase over the data blocks, overlapping the transfer', () => {
    now = 0;
    const t = new EraseTimer(4 * 1024 * 1024, clock);
    expect(t.push(frame(0x08, [0x20120707]))).toBe(0); // SYNC: the ROM
    expect(t.push(frame(0x06, [0, 0x4010e004]))).toBe(0); // MEM_END with an entry: the stub runs
    expect(t.stubRunning).toBe(true);
    // FLASH_DEFL_BEGIN: 256 KB uncompressed in 4 blocks of 16 KB at 0
    expect(t.push(frame(0x10, [0x40000, 4, 0x4000, 0]))).toBe(0);
    const share = REGION / 4;
    expect(t.push(frame(0x11, [16, 0, 0, 0]))).toBe(0); // the first block: the chip was idle
    expect(t.push(frame(0x11, [16, 1, 0, 0]))).toBeCloseTo(share, 9); // at once after: waits for the first's erase
    now = 10_000; // a slow line: the chip finished long ago
    expect(t.push(frame(0x11, [16, 2, 0, 0]))).toBe(0);
    expect(t.push(frame(0x12, [1]))).toBeCloseTo(share, 9); // FLASH_DEFL_END waits for the last block's erase
  });

  it('without a stub (a MEM_END that does not run code, or a new SYNC) the begin holds the whole erase', () => {
    now = 0;
    const t = new EraseTimer(4 * 1024 * 1024, clock);
    t.push(frame(0x06, [1, 0])); // MEM_END without running anything
    expect(t.push(frame(0x10, [0x40000, 4, 0x4000, 0]))).toBeCloseTo(REGION, 9);
    expect(t.push(frame(0x11, [16, 0, 0, 0]))).toBe(0);
    t.push(frame(0x06, [0, 0x4010e004]));
    t.push(frame(0x08, [0x20120707])); // reconnected: the ROM again
    expect(t.stubRunning).toBe(false);
    expect(t.push(frame(0x02, [0x40000, 64, 0x1000, 0]))).toBeCloseTo(REGION, 9);
  });
});

describe('PacedLine', () => {
  it(`carries 4096 bytes at 115200 baud in 4096*10/115200 s = ${EXPECTED_4K_S.toFixed(4)} s (±15 %)`, async () => {
    const arrivals: number[] = [];
    let got = 0;
    const line = new PacedLine((b) => {
      got += b.length;
      arrivals.push(performance.now());
    });
    const t0 = performance.now();
    line.push(new Uint8Array(4096), 115200);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (got === 4096) {
          clearInterval(poll);
          resolve();
        }
      }, 2);
    });
    const s = ((arrivals.at(-1) as number) - t0) / 1000;
    console.log(`PacedLine: 4096 bytes at 115200 in ${s.toFixed(4)} s (expected ${EXPECTED_4K_S.toFixed(4)})`);
    expect(s).toBeGreaterThan(EXPECTED_4K_S * 0.85);
    expect(s).toBeLessThan(EXPECTED_4K_S * 1.15);
    expect(arrivals.length).toBeGreaterThan(20); // in slices, not one burst at the end
  });

  it('holds bytes pushed during an erase; clear() drops what waits', async () => {
    const got: number[] = [];
    const line = new PacedLine((b) => got.push(...b));
    const t0 = performance.now();
    line.holdUntil(t0 + 200);
    line.push(Uint8Array.of(1, 2, 3), 115200);
    await new Promise((r) => setTimeout(r, 150));
    expect(got).toEqual([]);
    await new Promise((r) => setTimeout(r, 120));
    expect(got).toEqual([1, 2, 3]);
    line.push(new Uint8Array(1000), 9600);
    line.clear();
    await new Promise((r) => setTimeout(r, 50));
    expect(got.length).toBe(3);
    expect(line.pending).toBe(0);
  });
});

/** FLASH_BEGIN as the ROM loader takes it: erase size, blocks, block size, offset. */
function flashBegin(size: number, offset: number): Uint8Array {
  const p = new Uint8Array(8 + 16);
  const dv = new DataView(p.buffer);
  p[1] = 0x02;
  dv.setUint16(2, 16, true);
  [size, size / 0x1000, 0x1000, offset].forEach((w, i) => dv.setUint32(8 + 4 * i, w, true));
  return slipEncode(p);
}
const hasReply = (op: number) => (out: Buffer) => new SlipDecoder().push(out).some((f) => f[0] === 0x01 && f[1] === op);
/** esptool's SYNC (rom-loader.test.ts). */
function sync(): Uint8Array {
  const p = new Uint8Array(8 + 36);
  p[1] = 0x08;
  p[2] = 36;
  p.set([0x07, 0x07, 0x12, 0x20, ...Array(32).fill(0x55)], 8);
  return slipEncode(p);
}

describe('esp8266-lab board --realistic-link', () => {
  let board: StdioBoard | null = null;
  afterEach(async () => {
    await board?.stop();
    board = null;
  });

  /** Seconds between the first and the last of the 4096 'x' a program prints. */
  async function print4k(args: string[]): Promise<number> {
    board = startStdioBoard(args);
    board.write('\r');
    await board.until((o) => o.toString('latin1').includes('>>> '));
    await new Promise((r) => setTimeout(r, 500));
    const from = board.chunks.length;
    board.write("print('x'*4096)\r");
    await board.until((o) => o.toString('latin1').includes(`${'x'.repeat(4096)}\r\n>>> `));
    const chunks = board.chunks.slice(from);
    const first = chunks.find((c) => c.bytes.includes(0x78 /* x */) && !c.bytes.toString('latin1').includes('print'));
    const last = [...chunks].reverse().find((c) => c.bytes.includes(0x78));
    return ((last as { at: number }).at - (first as { at: number }).at) / 1000;
  }

  it('a 4 KB print takes the line time with the option, and clearly less without', async () => {
    const paced = await print4k(['--realistic-link']);
    await board?.stop();
    board = null;
    const fast = await print4k([]);
    console.log(`4096 bytes printed over ${paced.toFixed(4)} s (realistic; expected ${EXPECTED_4K_S.toFixed(4)}), ${fast.toFixed(4)} s (not)`);
    // the first 'x' arrives after one slice; the rest at 10 bits a byte
    expect(paced).toBeGreaterThan(EXPECTED_4K_S * 0.85);
    expect(paced).toBeLessThan(EXPECTED_4K_S * 1.15);
    expect(fast).toBeLessThan(EXPECTED_4K_S * 0.6); // the emulator prints 4 KB in ~0.1 s
  }, 60_000);

  it('FLASH_BEGIN of 256 KB waits 4 block erases (0.6 s) with the option, and is answered at once without', async () => {
    const timeBegin = async (args: string[]) => {
      board = startStdioBoard(['--hold-gpio0', '--baud', 'any', ...args]);
      await board.until((o) => o.toString('latin1').includes('boot mode:(1,6)'));
      // the first command also loads the ROM loader's code: SYNC first, then time the erase
      board.write(sync());
      await board.until(hasReply(0x08));
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      board.write(flashBegin(0x40000, 0x100000));
      await board.until(hasReply(0x02));
      const s = (performance.now() - t0) / 1000;
      await board.stop();
      board = null;
      return s;
    };
    const slow = await timeBegin(['--realistic-link']);
    const quick = await timeBegin([]);
    console.log(`FLASH_BEGIN 256 KB answered after ${slow.toFixed(3)} s (realistic), ${quick.toFixed(3)} s (not)`);
    expect(slow).toBeGreaterThan(4 * BLOCK64_ERASE_S);
    expect(slow).toBeLessThan(4 * BLOCK64_ERASE_S + 0.4);
    expect(quick).toBeLessThan(0.2);
  }, 60_000);
});
