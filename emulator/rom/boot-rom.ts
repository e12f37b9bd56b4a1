/**
 * The ESP8266 boot ROM's first words after a reset: it samples the strapping pins and prints one
 * line at 74880 baud (reference §6.1–§6.3; ESP8266 Non-OS SDK API reference, appendix "ESP8266
 * Boot Messages"; esptool docs, "Boot Mode Selection").
 *
 *     \r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\n
 *
 * `boot mode:(x,y)`: x is the 3-bit strap value [GPIO15, GPIO0, GPIO2] latched at reset:
 * 3 (0,1,1) boots from SPI flash, 1 (0,0,1) is UART download mode, where the ROM waits silently
 * for esptool; y is shown as 6, the value real logs show for these modes.
 */
export const ROM_BAUD = 74880;

/** ROM reset causes (not machine.reset_cause()'s numbers): 1 power-on, 2 RST pin / restart, 4 watchdog, 5 deep-sleep timer. */
export type RomResetCause = 1 | 2 | 4 | 5;

export interface Straps {
  gpio15: number;
  gpio0: number;
  gpio2: number;
}

/** The 3-bit boot mode: (GPIO15 << 2) | (GPIO0 << 1) | GPIO2. */
export function bootMode(s: Straps): number {
  return ((s.gpio15 & 1) << 2) | ((s.gpio0 & 1) << 1) | (s.gpio2 & 1);
}

/** What the ROM does in a boot mode. */
export function bootAction(mode: number): 'flash' | 'download' | 'sdio' | 'other' {
  if (mode === 3) return 'flash';
  if (mode === 1) return 'download';
  if (mode >= 4) return 'sdio';
  return 'other';
}

/**
 * The latest boot in text received at 74880 baud: from its ` ets Jan  8 2013,…` line (see
 * {@link romBanner}) to the end ('' when there is none).
 */
export function lastRomBoot(text: string): string {
  const at = text.lastIndexOf('ets Jan  8 2013,');
  return at < 0 ? '' : text.slice(at);
}

/** The ROM's first line for a reset, as bytes (sent at {@link ROM_BAUD}). */
export function romBanner(cause: RomResetCause, mode: number): Uint8Array {
  return new TextEncoder().encode(`\r\n ets Jan  8 2013,rst cause:${cause}, boot mode:(${mode},6)\r\n\r\n`);
}
