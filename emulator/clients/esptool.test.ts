/**
 * Espressif's esptool-js 0.7.0 against the virtual board, end to end in Node: connect and detect
 * the chip, upload the stub, write compressed with MD5 verification, read back, boot the firmware.
 * (The download mode is entered by hand, as the blog does: Flash held while Reset.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';
import { esptoolOn, firmwareFile, writeImage } from '../node/esptool.ts';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

describe('esptool-js 0.7.0 on the virtual ESP-07', () => {
  it('detects ESP8266EX, writes compressed with MD5 verify, reads back, and soft_reset boots MicroPython', async () => {
    board = await TestBoard.boot();
    await board.enterDownloadMode();
    const { transport, loader } = esptoolOn(board.host, 115200);
    const chip = await loader.main('no_reset');
    expect(chip).toBe('ESP8266EX');
    const data = new Uint8Array(40_000).map((_, i) => (i * 13) & 0xff);
    await writeImage(loader, data, 0x300000);
    const back = await loader.readFlash(0x300000, 8192);
    expect(Buffer.from(back).equals(Buffer.from(data.subarray(0, 8192)))).toBe(true);
    board.since();
    await loader.after('soft_reset');
    await board.waitFor('>>> ', 10_000);
    await transport.disconnect();
    expect(await board.line('import esp; esp.flash_read(0x300000, 4)')).toContain('b"\\x00\\r\\x1a\'"');
  }, 60_000);

  it('a blank board: erase the flash (ROM stops at ets_main.c), flash MicroPython at 460800 baud, and it boots', async () => {
    board = await TestBoard.boot();
    await board.enterDownloadMode();
    const { transport, loader } = esptoolOn(board.host, 460800);
    expect(await loader.main('no_reset')).toBe('ESP8266EX');
    await loader.eraseFlash();
    // a reset now: nothing to boot
    await transport.disconnect();
    board.host.reset();
    await board.waitUntil(() => board!.textAt(74880).endsWith('ets_main.c '));
    // flash the firmware file as a learner would, then soft_reset
    await board.enterDownloadMode();
    const { transport: t2, loader: l2 } = esptoolOn(board.host, 460800);
    await l2.main('no_reset');
    await writeImage(l2, firmwareFile(), 0, 'detect');
    board.since();
    await l2.after('soft_reset');
    await board.waitFor('>>> ', 10_000);
    await t2.disconnect();
    expect(await board.line('import esp; esp.check_fw()')).toMatch(/md5: [0-9a-f]{32}\r\nTrue\r\n/);
  }, 60_000);

  it('a SYNC sent right after the reset into download mode is answered, not fed to the old firmware', async () => {
    // the ROM loader's code is loaded on first use; bytes arriving meanwhile wait in UART0
    board = await TestBoard.boot();
    board.host.setFlash(true);
    board.host.reset();
    const sync = Uint8Array.from([0xc0, 0x00, 0x08, 0x24, 0x00, 0, 0, 0, 0, 0x07, 0x07, 0x12, 0x20, ...Array(32).fill(0x55), 0xc0]);
    board.host.write(sync);
    // a SYNC reply: C0 01 08, size 2, val 0x20120707, status 00 00, C0 (rom-loader.test.ts)
    await board.waitUntil(() => board!.recentBytes.includes('\xc0\x01\x08\x02\x00\x07\x07\x12\x20\x00\x00\xc0'), 5000, () => JSON.stringify(board!.recentBytes));
    board.host.setFlash(false);
  });
});
