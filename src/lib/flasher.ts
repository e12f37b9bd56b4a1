/**
 * The Flash panel's work: Espressif's esptool-js 0.7.0 driving the virtual board's UART0 through
 * a SerialPort-shaped adapter (emulator/link/serial-port.ts), the way ESP Web Tools or
 * `esptool.py --baud 460800 write_flash --flash_size=detect 0 firmware.bin` do on a real board:
 * connect (esptool's classic DTR/RTS reset, then SYNC), detect the chip, upload the stub,
 * optionally erase, write compressed with MD5 verification, hard reset.
 *
 * With `realistic` the serial line and the flash chip take a real board's time (the CLI's
 * `--realistic-link`: emulator/link/link-timing.ts through BoardSerialPort): bytes at the baud
 * rate, 10 bits a byte, and erases at the W25Q32JV's typical times (a 4 MB chip erase 10 s). The
 * progress then carries an estimate of the time left from the same model.
 *
 * Loaded on demand by the panel (it brings esptool-js and its stubs), never at page start.
 * Nothing here throws: every outcome comes back as a {@link FlashResult}.
 */
import { ESPLoader, Transport, type FlashSizeValues, type IEspLoaderTerminal } from 'esptool-js';
import type { BoardHost } from '../../emulator/link/host.ts';
import { BoardSerialPort } from '../../emulator/link/serial-port.ts';
import { hardReset } from '../../emulator/clients/esptool-reset.ts';
import { md5 } from '../../emulator/rom/md5.ts';
import { BITS_PER_BYTE, chipEraseSeconds } from '../../emulator/link/link-timing.ts';
import { FLASH_SIZES } from '../../emulator/chip/flash.ts';

/** What the panel is waiting for. */
export type FlashStage = 'connecting' | 'erasing' | 'writing' | 'resetting' | 'done';

export interface FlashJob {
  /** The image to write at offset 0, or null to erase only. */
  image: Uint8Array | null;
  /** Erase the whole flash first (`esptool erase_flash`, or `write_flash --erase-all`). */
  erase: boolean;
  /** The rate esptool switches to once its stub runs (the ROM is reached at 115200). */
  baud: number;
  /**
   * Real line and flash timing (link-timing.ts): bytes at the baud rate, erases at the chip's
   * speed, so the job lasts as long as on a bench. Default false: as fast as the emulator.
   */
  realistic?: boolean;
  /** esptool-js's own log: it calls these as its command line prints. */
  terminal: IEspLoaderTerminal;
  /**
   * Progress of the current stage, 0–1, or null while it cannot be measured; `secondsLeft` is
   * the model's estimate of the stage's remaining time (with `realistic` only, else null).
   */
  progress(stage: FlashStage, fraction: number | null, secondsLeft?: number | null): void;
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
  const realistic = job.realistic === true;
  const port = new BoardSerialPort(board, { realistic });
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
      if (realistic) {
        // ERASE_FLASH is answered when the chip is done: show the datasheet time passing
        const total = chipEraseSeconds(FLASH_SIZES[board.flashSize]);
        const stop = ticker((elapsed) => job.progress('erasing', Math.min(0.99, elapsed / total), Math.max(0, total - elapsed)));
        try {
          await loader.eraseFlash();
        } finally {
          stop();
        }
      } else {
        job.progress('erasing', null);
        await loader.eraseFlash();
      }
    }
    if (job.image) {
      if (job.image.length === 0) throw new Error('The image file is empty.');
      job.progress('writing', 0, null);
      performance.mark('flash:write-start');
      // with real timing, between esptool's reports (one per 16 KB block) the bytes on the line
      // move the bar on: at most to the next block, at the line's rate
      let last = { written: 0, total: 0, at: performance.now() };
      const lineBytesPerS = job.baud / BITS_PER_BYTE;
      const report = (written: number, total: number, elapsedInBlock: number) => {
        if (!total) return job.progress('writing', null, null);
        if (!realistic) return job.progress('writing', written / total, null);
        const moving = Math.min(written + Math.min(elapsedInBlock * lineBytesPerS, 0x4000), total);
        job.progress('writing', moving / total, (total - moving) / lineBytesPerS);
      };
      const stop = realistic ? ticker(() => report(last.written, last.total, (performance.now() - last.at) / 1000)) : () => {};
      try {
        await loader.writeFlash({
          fileArray: [{ data: job.image, address: 0 }],
          // as --flash_size=detect: checks that the image fits and sets the header's size byte
          flashSize: (result.flashSize as FlashSizeValues | undefined) ?? 'detect',
          flashMode: 'keep',
          flashFreq: 'keep',
          eraseAll: false,
          compress: true,
          reportProgress: (_file, written, total) => {
            last = { written, total, at: performance.now() };
            report(written, total, 0);
          },
          calculateMD5Hash: (data) => hex(md5(data)),
        });
      } finally {
        stop();
      }
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

/** Calls `fn` with the seconds since the start, every 250 ms, until the returned function is called. */
function ticker(fn: (elapsedS: number) => void): () => void {
  const t0 = performance.now();
  fn(0);
  const id = setInterval(() => fn((performance.now() - t0) / 1000), 250);
  return () => clearInterval(id);
}
