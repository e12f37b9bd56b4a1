/**
 * esptool-js sessions against a {@link TestBoard}, for the tests and the benchmark (Node only).
 */
import { createHash } from 'node:crypto';
import { ESPLoader, Transport, type ResetConstructors } from 'esptool-js';
import { BoardSerialPort } from '../link/serial-port.ts';
import { buildFirmware, GENERIC_4M, sealFirmware, type FirmwareIdentity } from '../firmware/builds.ts';
import type { BoardHost } from '../link/host.ts';
import type { TestBoard } from './test-board.ts';

/** esptool-js's log goes nowhere. */
const quietTerminal = { clean() {}, writeLine() {}, write() {} };

/**
 * A Transport and an ESPLoader on the board's UART0 (not connected yet: call `loader.main()`).
 * @param baudrate the rate esptool-js switches to after starting the stub
 * @param resetConstructors replacements for esptool-js's reset sequences (e.g. esptool-reset.ts)
 */
export function esptoolOn(host: BoardHost, baudrate = 115200, resetConstructors?: ResetConstructors): { transport: Transport; loader: ESPLoader } {
  const transport = new Transport(new BoardSerialPort(host) as unknown as ConstructorParameters<typeof Transport>[0], false);
  return { transport, loader: new ESPLoader({ transport, baudrate, terminal: quietTerminal, resetConstructors }) };
}

/** MD5 as esptool-js's `calculateMD5Hash` wants it: lowercase hex. */
export function md5Hex(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

/** A build's firmware file (default: the 4 MB build), MD5 trailer included, as a learner would download it. */
export function firmwareFile(id: FirmwareIdentity = GENERIC_4M): Uint8Array {
  const fw = buildFirmware(id);
  sealFirmware(fw.bytes, fw.length, (d) => new Uint8Array(createHash('md5').update(d).digest()));
  return fw.bytes;
}

/**
 * `write_flash` as the tests and the benchmark use it: one image, compressed, MD5-verified,
 * header bytes kept unless `flashSize` is `detect`.
 * @param address flash offset in bytes
 * @throws whatever esptool-js throws (a failed write or hash mismatch)
 */
export async function writeImage(loader: ESPLoader, data: Uint8Array, address: number, flashSize: 'keep' | 'detect' = 'keep'): Promise<void> {
  await loader.writeFlash({
    fileArray: [{ data, address }],
    flashSize,
    flashMode: 'keep',
    flashFreq: 'keep',
    eraseAll: false,
    compress: true,
    calculateMD5Hash: md5Hex,
  });
}

/**
 * Writes a build's firmware file to a board as a learner does with esptool: download mode
 * (Flash held at reset), the stub at 460800 baud, `erase_flash` first when `erase` is set,
 * `write_flash` at 0 with the flash size detected, then `--after soft_reset`. Resolves when the
 * board has printed `until` (default the prompt) after the reset.
 * @param timeoutMs how long the boot after the reset may take, in ms
 * @throws whatever esptool-js throws, or TestBoard's timeout error
 */
export async function flashFirmware(board: TestBoard, id: FirmwareIdentity, opts: { erase?: boolean; until?: string; timeoutMs?: number } = {}): Promise<void> {
  await board.enterDownloadMode();
  const { transport, loader } = esptoolOn(board.host, 460800);
  await loader.main('no_reset');
  if (opts.erase) await loader.eraseFlash();
  await writeImage(loader, firmwareFile(id), 0, 'detect');
  board.since();
  await loader.after('soft_reset');
  await transport.disconnect();
  await board.waitFor(opts.until ?? '>>> ', opts.timeoutMs ?? 15_000);
}
