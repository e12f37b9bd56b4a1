/**
 * Espressif's esptool-js 0.7.0 against the virtual board, end to end in Node: connect and detect
 * the chip, upload the stub, write compressed with MD5 verification, read back, boot the firmware.
 * (The download mode is entered by hand, as the blog does: Flash held while Reset.)
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ESPLoader, Transport } from 'esptool-js';
import { BoardSerialPort } from './serial-port.ts';
import { TestBoard } from './node/test-board.ts';
import { buildFirmware, GENERIC_4M, sealFirmware } from './firmware.ts';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

async function intoDownloadMode(b: TestBoard): Promise<void> {
  const count = () => b.textAt(74880).split('boot mode:(1,6)').length;
  const before = count();
  b.host.setFlash(true);
  b.host.reset();
  await b.waitUntil(() => count() > before);
  b.host.setFlash(false);
}

const quietTerminal = { clean() {}, writeLine() {}, write() {} };

describe('esptool-js 0.7.0 on the virtual ESP-07', () => {
  it('detects ESP8266EX, writes compressed with MD5 verify, reads back, and soft_reset boots MicroPython', async () => {
    board = await TestBoard.boot();
    await intoDownloadMode(board);
    const port = new BoardSerialPort(board.host);
    const transport = new Transport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
    const loader = new ESPLoader({ transport, baudrate: 115200, terminal: quietTerminal });
    const chip = await loader.main('no_reset');
    expect(chip).toBe('ESP8266EX');
    const data = new Uint8Array(40_000).map((_, i) => (i * 13) & 0xff);
    await loader.writeFlash({
      fileArray: [{ data, address: 0x300000 }],
      flashSize: 'keep',
      flashMode: 'keep',
      flashFreq: 'keep',
      eraseAll: false,
      compress: true,
      calculateMD5Hash: (img) => createHash('md5').update(img).digest('hex'),
    });
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
    await intoDownloadMode(board);
    const port = new BoardSerialPort(board.host);
    const transport = new Transport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
    const loader = new ESPLoader({ transport, baudrate: 460800, terminal: quietTerminal });
    expect(await loader.main('no_reset')).toBe('ESP8266EX');
    await loader.eraseFlash();
    // a reset now: nothing to boot
    await transport.disconnect();
    board.host.reset();
    await board.waitUntil(() => board!.textAt(74880).endsWith('ets_main.c '));
    // flash the firmware file as a learner would, then soft_reset
    await intoDownloadMode(board);
    const t2 = new Transport(new BoardSerialPort(board.host) as unknown as ConstructorParameters<typeof Transport>[0], false);
    const l2 = new ESPLoader({ transport: t2, baudrate: 460800, terminal: quietTerminal });
    await l2.main('no_reset');
    const fw = buildFirmware(GENERIC_4M);
    sealFirmware(fw.bytes, fw.length, (d) => new Uint8Array(createHash('md5').update(d).digest()));
    await l2.writeFlash({
      fileArray: [{ data: fw.bytes, address: 0 }],
      flashSize: 'detect',
      flashMode: 'keep',
      flashFreq: 'keep',
      eraseAll: false,
      compress: true,
      calculateMD5Hash: (img) => createHash('md5').update(img).digest('hex'),
    });
    board.since();
    await l2.after('soft_reset');
    await board.waitFor('>>> ', 10_000);
    await t2.disconnect();
    expect(await board.line('import esp; esp.check_fw()')).toMatch(/md5: [0-9a-f]{32}\r\nTrue\r\n/);
  }, 60_000);
});
