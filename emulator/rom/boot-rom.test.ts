import { describe, expect, it } from 'vitest';
import { bootAction, bootMode, romBanner } from './boot-rom.ts';

// reference §6.2: format "\r\n ets Jan  8 2013,rst cause:%d, boot mode:(%d,%d)\r\n\r\n", x = [GPIO15, GPIO0, GPIO2]
describe('boot ROM', () => {
  it('maps every strapping combination to its boot mode', () => {
    const table: [number, number, number, number, string][] = [
      [0, 1, 1, 3, 'flash'],
      [0, 0, 1, 1, 'download'],
      [0, 1, 0, 2, 'other'],
      [0, 0, 0, 0, 'other'],
      [1, 1, 1, 7, 'sdio'],
      [1, 0, 1, 5, 'sdio'],
      [1, 1, 0, 6, 'sdio'],
      [1, 0, 0, 4, 'sdio'],
    ];
    for (const [gpio15, gpio0, gpio2, mode, action] of table) {
      expect(bootMode({ gpio15, gpio0, gpio2 })).toBe(mode);
      expect(bootAction(mode)).toBe(action);
    }
  });

  it('prints the first line exactly (space first, two spaces in "Jan  8", none after the comma)', () => {
    expect(new TextDecoder().decode(romBanner(2, 3))).toBe('\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\n');
    expect(new TextDecoder().decode(romBanner(1, 1))).toBe('\r\n ets Jan  8 2013,rst cause:1, boot mode:(1,6)\r\n\r\n');
  });
});
