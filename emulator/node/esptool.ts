/**
 * esptool-js sessions against a {@link TestBoard}, for the tests and the benchmark (Node only).
 */
import { createHash } from 'node:crypto';
import { ESPLoader, Transport } from 'esptool-js';
import { BoardSerialPort } from '../serial-port.ts';
import { buildFirmware, GENERIC_4M, sealFirmware } from '../firmware.ts';
import type { BoardHost } from '../host.ts';

/** esptool-js's log goes nowhere. */
const quietTerminal = { clean() {}, writeLine() {}, write() {} };

/**
 * A Transport and an ESPLoader on the board's UART0 (not connected yet: call `loader.main()`).
 * @param baudrate the rate esptool-js switches to after starting the stub
 */
export function esptoolOn(host: BoardHost, baudrate = 115200): { transport: Transport; loader: ESPLoader } {
  const transport = new Transport(new BoardSerialPort(host) as unknown as ConstructorParameters<typeof Transport>[0], false);
  return { transport, loader: new ESPLoader({ transport, baudrate, terminal: quietTerminal }) };
}

/** MD5 as esptool-js's `calculateMD5Hash` wants it: lowercase hex. */
export function md5Hex(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

/** The default firmware file, MD5 trailer included, as a learner would download it. */
export function firmwareFile(): Uint8Array {
  const fw = buildFirmware(GENERIC_4M);
  sealFirmware(fw.bytes, fw.length, (d) => new Uint8Array(createHash('md5').update(d).digest()));
  return fw.bytes;
}
