/**
 * What every part of the device loop shares: the board, the running interpreter, the options it
 * was started with, the link to the host, and the few flags of the serial REPL. The parts (boot,
 * REPL pump, input while code runs, sleeps, events, deep sleep, heap budget, firmware calls, the
 * output to the host) each own their own state and reach the rest through this object; the
 * Device in `device.ts` puts them together.
 *
 * Boot and reset behaviour follows `ports/esp8266/main.c` (MicroPython v1.27.0).
 */
import { Esp07Board } from '../board/esp07.ts';
import type { SleepMode } from '../board/clock.ts';
import { FirmwareRtc, RTC_MEMORY_BYTES } from '../chip/rtc.ts';
import type { RomResetCause } from '../rom/boot-rom.ts';
import type { RomLoader } from '../rom/rom-loader.ts';
import type { ChannelDevice } from '../link/channel.ts';
import type { ClockSettings, DeviceMessage } from '../link/protocol.ts';
import type { SyncRelay } from '../link/relay.ts';
import { ESP8266_GENERIC, type FirmwareBuild, type ReleaseId } from './builds.ts';
import { FlashFilesystems } from './flash-fs.ts';
import type { Interpreter, PreparedWasm } from './interpreter.ts';
import { RawPaste } from './raw-paste.ts';

/** How the emulator thread starts a {@link Device}. */
export interface DeviceOptions {
  /** The interpreter the first boot is expected to run (the release of the firmware in flash). */
  wasm: PreparedWasm;
  /**
   * The interpreter of a release, prepared on demand: a boot whose firmware in flash is another
   * release than the last one runs that release's interpreter (builds.ts `bootBuild`). Absent:
   * every boot runs `wasm`.
   */
  wasmFor?(release: ReleaseId): Promise<PreparedWasm>;
  /** Firmware Python sources by file name (`_fw_init.py`, …). */
  firmware: Record<string, string>;
  /** Shared channel to the host, or null to talk in messages only. */
  channel: ChannelDevice | null;
  post(msg: DeviceMessage, transfer?: Transferable[]): void;
  sleepMode?: SleepMode;
  build?: FirmwareBuild;
  /** Flash contents, shared with the host so they survive the thread being replaced. */
  flashStorage?: ArrayBufferLike;
  /** Start with the realistic-speed clock (see `Device.setRealisticSpeed`). */
  realisticSpeed?: boolean;
  /** RTC memory, owned by the host: it survives resets and deep sleep (chip/rtc.ts). */
  rtcMemory?: ArrayBufferLike;
  /** The learner's clock controls at start (later through the channel or `setClockControls`). */
  clock?: ClockSettings;
  /**
   * Message mode only: a relay to wait on for input while code runs (link/relay.ts). Without it,
   * sleeps spin and `input()` while code runs reads end of file.
   */
  relay?: SyncRelay | null;
}

/** Thrown through the interpreter to abandon it (`machine.reset()`, deep sleep, GPIO16 pulling RST). */
export class HardResetRequest extends Error {
  /** `machine.reset_cause()` after the restart. */
  readonly resetCause: number;
  /** The boot ROM's `rst cause:N`. */
  readonly romCause: RomResetCause;

  /**
   * @param resetCause 4 (SOFT_RESET) for `machine.reset()`, 6 (HARD_RESET) for the RST pin
   * @param romCause 2 for both: the ROM reports a restart and an external reset alike (reference §6.2)
   */
  constructor(why: string, resetCause = 4, romCause: RomResetCause = 2) {
    super(why);
    this.resetCause = resetCause;
    this.romCause = romCause;
  }
}

export class DeviceCore {
  readonly opts: DeviceOptions;
  readonly board: Esp07Board;
  readonly channel: ChannelDevice | null;
  /** Message mode: the relay input waits on while code runs, or null. */
  readonly relay: SyncRelay | null;
  /** The running firmware, or null while the ROM (or deep sleep) has the chip. */
  interp: Interpreter | null = null;
  /** The build found in flash at the last boot: release, banner, `flash_user_start()`, filesystem. */
  build: FirmwareBuild;
  /** The interpreter of the last boot's release (`opts.wasm` until a boot finds another release). */
  wasm: PreparedWasm;
  /** The filesystems mounted by the running firmware (a reset forgets them). */
  fs: FlashFilesystems;
  /** The firmware's RTC (machine_rtc.c) over the host's RTC memory. */
  readonly rtc: FirmwareRtc;
  /** The REPL is in raw mode (Ctrl-A). */
  rawMode = false;
  /**
   * True while the REPL takes a byte that only edits the line (see `editsLine` in repl-pump.ts):
   * what it prints then is the echo of input, tagged so on the serial output (`SerialChunk.echo`).
   */
  echoing = false;
  /** Raw-paste transfers, answered in the serial layer (raw-paste.ts). */
  readonly rawPaste = new RawPaste();
  /** Why the chip last reset, as `machine.reset_cause()` reports it (SDK rst_info.reason). */
  resetCause = 0;
  /** Why the chip last reset, in the boot ROM's numbering (its first line). */
  romCause: RomResetCause = 1;
  /**
   * The SDK read byte 107 of the init data (`vdd33_const`) as 255 at start-up: ADC(1) measures
   * the supply (`system_get_vdd33()`); otherwise it reads 65535 (ESP8266 Non-OS SDK API
   * reference, system_get_vdd33 and the init data's byte 107).
   */
  adcReadsVdd = false;
  /** The Flash button as last seen (it is outside the chip: kept across resets). */
  flashHeldNow = false;
  /** The boot ROM's UART loader while in download mode, else null. */
  loader: RomLoader | null = null;
  /** The ROM loader's module is being loaded (download mode just began). */
  loaderLoading: Promise<void> | null = null;
  /** Restarts the chip through the boot ROM with these causes (set by the Device). */
  restart: (resetCause: number, romCause: RomResetCause) => void = () => undefined;
  /** Wakes the idle loop so it looks again (set by the REPL pump). */
  wakeIdleLoop: () => void = () => undefined;
  /** Message mode: wakes the message loop waiting for input (set by the REPL pump while it waits). */
  wakeMessageLoop: (() => void) | null = null;

  constructor(opts: DeviceOptions) {
    this.opts = opts;
    this.build = opts.build ?? ESP8266_GENERIC;
    this.wasm = opts.wasm;
    this.channel = opts.channel;
    this.relay = opts.channel ? null : opts.relay ?? null;
    this.board = new Esp07Board({ sleepMode: opts.sleepMode ?? 'realtime', ...(opts.flashStorage ? { flashStorage: opts.flashStorage } : {}) });
    this.fs = new FlashFilesystems(this.board.flash);
    this.rtc = new FirmwareRtc(opts.rtcMemory ?? new ArrayBuffer(RTC_MEMORY_BYTES), () => this.board.rtc.ticks(this.board.clock.nowUs()), () => this.board.rtc.cal);
  }

  /** Restarts the chip for the reason a {@link HardResetRequest} carries. */
  restartFor(e: HardResetRequest): void {
    this.restart(e.resetCause, e.romCause);
  }

  /** No firmware runs (the ROM waits or has stopped, or deep sleep): the host gets a ready without an interpreter. */
  stopInRom(): void {
    this.interp = null;
    this.opts.post({ t: 'ready', release: this.wasm.release, wasm: this.wasm.module, memory: null, layout: null, utf8Prompt: this.wasm.utf8Prompt, heapBudget: false });
  }

  /**
   * The interpreter for a release: the current one, or the release's prepared on demand
   * ({@link DeviceOptions.wasmFor}); without a loader, the current one.
   * @throws what the loader throws (the release's wasm could not be read or compiled)
   */
  async wasmOf(release: ReleaseId): Promise<PreparedWasm> {
    if (this.wasm.release !== release && this.opts.wasmFor) this.wasm = await this.opts.wasmFor(release);
    return this.wasm;
  }

  /** Puts text on UART0 TX. */
  uartText(text: string): void {
    this.board.uart0.transmit(new TextEncoder().encode(text));
  }
}
