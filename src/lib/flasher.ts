/**
 * The Flash panel's work: Espressif's esptool-js 0.7.0 driving the virtual board's UART0 through
 * a SerialPort-shaped adapter (emulator/link/serial-port.ts), the way ESP Web Tools or
 * `esptool.py --baud 460800 write_flash --flash_size=detect 0 firmware.bin` do on a real board:
 * connect (esptool's classic DTR/RTS reset, then SYNC), detect the chip, upload the stub,
 * optionally erase, write compressed with MD5 verification, hard reset.
 *
 * Loaded on demand by the panel (it brings esptool-js and its stubs), never at page start.
 * Nothing here throws: every outcome comes back as a {@link FlashResult}.
 */
import { ESPLoader, Transport, type FlashSizeValues, type IEspLoaderTerminal } from 'esptool-js';
import type { BoardHost } from '../../emulator/link/host.ts';
import { BoardSerialPort } from '../../emulator/link/serial-port.ts';
import { hardReset } from '../../emulator/clients/esptool-reset.ts';
import { md5 } from '../../emulator/rom/md5.ts';

/** What the panel is waiting for. */
export type FlashStage = 'connecting' | 'erasing' | 'writing' | 'resetting' | 'done';

export interface FlashJob {
  /** The image to write at offset 0, or null to erase only. */
  image: Uint8Array | null;
  /** Erase the whole flash first (`esptool erase_flash`, or `write_flash --erase-all`). */
  erase: boolean;
  /** The rate esptool switches to once its stub runs (the ROM is reached at 115200). */
  baud: number;
  /** esptool-js's own log: it calls these as its command line prints. */
  terminal: IEspLoaderTerminal;
  /** Progress of the current stage, 0–1, or null while it cannot be measured. */
  progress(stage: FlashStage, fraction: number | null): void;
  /** Called with true when the port is opened and false once it is closed again. */
  port?(open: boolean): void;
}

export interface FlashResult {
  ok: boolean;
  /** The chip esptool detected, e.g. `ESP8266EX`. */
  chip?: string;
  /** Flash size esptool detected from the flash id, e.g. `4MB`. */
  flashSize?: string;
  /** What failed: no answer from the ROM loader, or anything later (e.g. an image too large). */
  failed?: 'connect' | 'operation';
  /** esptool-js's error message. */
  error?: string;
  /** Whether the auto-reset circuit was fitted (esptool reset the board into and out of download mode). */
  autoReset: boolean;
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Runs one esptool session on the board's serial port: connect, [erase], [write], hard reset,
 * close the port.
 */
export async function runFlash(board: BoardHost, job: FlashJob): Promise<FlashResult> {
  const autoReset = board.circuitParts.autoReset === true;
  const port = new BoardSerialPort(board);
  const transport = new Transport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
  const result: FlashResult = { ok: false, autoReset };
  let stage: 'connect' | 'operation' = 'connect';
  job.port?.(true);
  try {
    const loader = new ESPLoader({ transport, baudrate: job.baud, terminal: job.terminal, resetConstructors: { hardReset } });
    job.progress('connecting', null);
    result.chip = await loader.main('default_reset');
    stage = 'operation';
    result.flashSize = await loader.detectFlashSize();
    if (job.erase) {
      job.progress('erasing', null);
      await loader.eraseFlash();
    }
    if (job.image) {
      if (job.image.length === 0) throw new Error('The image file is empty.');
      job.progress('writing', 0);
      performance.mark('flash:write-start');
      await loader.writeFlash({
        fileArray: [{ data: job.image, address: 0 }],
        // as --flash_size=detect: checks that the image fits and sets the header's size byte
        flashSize: (result.flashSize as FlashSizeValues | undefined) ?? 'detect',
        flashMode: 'keep',
        flashFreq: 'keep',
        eraseAll: false,
        compress: true,
        reportProgress: (_file, written, total) => job.progress('writing', total ? written / total : null),
        calculateMD5Hash: (data) => hex(md5(data)),
      });
      performance.measure('flash:write', 'flash:write-start');
    }
    job.progress('resetting', null);
    // with the auto-reset circuit this restarts the board from flash; without it nothing
    // reaches the chip (as on a real board), which stays in the loader until Reset
    await loader.after('hard_reset');
    result.ok = true;
    job.progress('done', 1);
  } catch (e) {
    result.failed = stage;
    result.error = e instanceof Error ? e.message : String(e);
    job.terminal.writeLine(`A fatal error occurred: ${result.error}`);
  } finally {
    try {
      await transport.disconnect();
    } catch {
      // the port is closed either way
    }
    job.port?.(false);
  }
  return result;
}
