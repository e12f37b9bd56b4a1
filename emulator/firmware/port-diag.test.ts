/**
 * `import port_diag` (MP@v1.27.0 ports/esp8266/modules/port_diag.py, frozen in every build): the
 * report's format with this board's values — the flash chip's JEDEC id (Winbond W25Q32,
 * 0x1640EF), the image header's bytes 2 and 3 (flash mode; size and frequency nibbles), the
 * firmware checksum esp.check_fw() prints, both interfaces' ifconfig(), the WiFi driver's free
 * buffers (our estimate [UNV]) and lwIP's PCB lists (printed through the muted os_printf:
 * nothing). It prints once: the module stays in sys.modules. Implementation:
 * emulator/firmware/python/_fw_port_diag.py.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

const report = (flash: string, size: string) =>
  new RegExp(
    '^FlashROM:\\n' +
      `Flash ID: ${flash} \\(Vendor: ef Device: 4016\\)\\n` +
      'Flash bootloader data:\\n' +
      'Byte @2: [0-9a-f]{2}\\n' +
      `Byte @3: [0-9a-f]{2} \\(Flash size: ${size} Flash freq: \\w+\\)\\n` +
      'Firmware checksum:\\n' +
      'size: \\d+\\nmd5: [0-9a-f]{32}\\nTrue\\n' +
      '\\nNetworking:\\n' +
      "STA ifconfig: \\('0.0.0.0', '0.0.0.0', '0.0.0.0', '8.8.8.8'\\)\\n" +
      "AP ifconfig: \\('192.168.4.1', '255.255.255.0', '192.168.4.1', '8.8.8.8'\\)\\n" +
      'Free WiFi driver buffers of type:\\n' +
      '0: \\d+ \\(1,2 TX\\)\\n1: \\d+ \\(4 Mngmt TX\\(len: 0x41-0x100\\)\\)\\n2: \\d+ \\(5 Mngmt TX \\(len: 0-0x40\\)\\)\\n3: \\d+ \\(7\\)\\n4: \\d+ \\(8 RX\\)\\n' +
      'lwIP PCBs:\\n$',
  );

describe('port_diag', () => {
  it("prints the board's diagnostics when imported, once", async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    const o = await board.session([
      'import port_diag',
      'import port_diag',
      "import sys; 'port_diag' in sys.modules, sorted(n for n in dir(port_diag) if n[0] != '_')",
      "import esp; '%02x %02x' % (esp.flash_read(0, 4)[2], esp.flash_read(0, 4)[3])",
      'port_diag.main()',
    ]);
    expect(o[0]).toMatch(report('1640ef', '4MB'));
    expect(o[1]).toBe('');
    expect(o[2]).toBe("(True, ['esp', 'lwip', 'main', 'network', 'uctypes'])\n");
    const [b2, b3] = o[3]!.slice(1, -2).split(' ');
    expect(o[0]).toContain(`Byte @2: ${b2}\nByte @3: ${b3} (`); // the image header as it is in the flash
    expect(o[4]).toMatch(report('1640ef', '4MB')); // main() prints it again
  });

  it('is in the 512K build too, with its own flash size', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant', flashSize: '512K' });
    const o = await board.session(['import port_diag']);
    expect(o[0]).toMatch(/^FlashROM:\nFlash ID: [0-9a-f]+ /);
    expect(o[0]).toContain('Flash bootloader data:\nByte @2: ');
    expect(o[0]).toContain('\nFree WiFi driver buffers of type:\n');
  });
});
