/**
 * The hard reset esptool-js should send after flashing through a DTR/RTS auto-reset circuit.
 *
 * esptool-js 0.7.0's own `HardReset` (lib/reset.js:93-103) only calls `setRTS(false)`, and
 * `Transport.setRTS` re-sends the DTR state it cached, which is stale (`true`) after its classic
 * reset because `Transport.setSignals` caches DTR only when it is set true (lib/webserial.js:
 * 442-447). On the wire: {RTS off} then {DTR on}, so EN never goes low and GPIO0 is left pulled
 * low: the chip stays in the flasher stub (reference serial-protocols.md §1.4). The emulated
 * circuit does the same with that sequence (emulator/link/serial-port.test.ts shows it).
 *
 * This one releases DTR (GPIO0), then pulls EN low for 100 ms with RTS, as the esptool command
 * line's hard reset does, so the chip restarts from flash with GPIO0 high.
 */
import { HardReset } from 'esptool-js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class EnPulseHardReset extends HardReset {
  override async reset(): Promise<void> {
    await this.transport.setDTR(false);
    await this.transport.setRTS(true);
    await sleep(100);
    await this.transport.setRTS(false);
  }
}

/** For `new ESPLoader({ resetConstructors: { hardReset } })`. */
export const hardReset = (transport: ConstructorParameters<typeof HardReset>[0]): HardReset => new EnPulseHardReset(transport);
