/**
 * The emulated ESP-07 as it runs on the emulator thread (a Web Worker, or a Node worker thread):
 * the board model, the MicroPython interpreter acting as its firmware, and the REPL on UART0.
 *
 * Serial input reaches the REPL one byte at a time, as from a UART. While code runs, the
 * firmware's blocking calls (sleeps, `input()`) and its pin and tick functions look at the
 * serial line, so Ctrl-C interrupts them; a loop that calls nothing is interrupted by the host
 * writing the VM's pending-exception words (see `pokeKeyboardInterrupt`).
 *
 * Boot and reset behaviour follows `ports/esp8266/main.c` (soft reset prints
 * `MPY: soft reboot`, a hard boot starts with a blank line, then the banner).
 */
import { RawPaste } from './raw-paste.ts';
import { parseImage, romLoadLog } from '../rom/esp-image.ts';
import type { RomLoader } from '../rom/rom-loader.ts';
import { md5 } from '../rom/md5.ts';
import { FlashFilesystems } from './flash-fs.ts';
import { readIdentity } from './builds.ts';
import { Esp07Board } from '../board/esp07.ts';
import type { Circuit } from '../board/circuit.ts';
import { ROM_BAUD, bootAction, bootMode, romBanner, type RomResetCause } from '../rom/boot-rom.ts';
import type { SleepMode } from '../board/clock.ts';
import { ChannelDevice } from '../link/channel.ts';
import type { SerialChunk } from '../chip/uart.ts';
import { HeapMeter, findPystack } from './heap.ts';
import { INITIAL_HEAP_BYTES, Interpreter, isShared, type PreparedWasm } from './interpreter.ts';
import { InputStream, type SyncRelay } from '../link/relay.ts';
import { OutputFilter } from './output-filter.ts';
import { NetStack } from '../net/stack.ts';
import type { ClockSettings, DeviceMessage, StartCause } from '../link/protocol.ts';
import { FirmwareRtc, RTC_MEMORY_BYTES } from '../chip/rtc.ts';

/** Identity of a MicroPython firmware build, as its banner and `os.uname()` show it. */
export interface FirmwareBuild {
  /** e.g. `v1.27.0 on 2025-12-09` (tag and build date of the official release). */
  version: string;
  /** e.g. `ESP module with ESP8266` (board name `with` MCU). */
  machine: string;
  /**
   * `esp.flash_user_start()`: where the firmware ends and the filesystem region may begin, in
   * bytes (the linker scripts' `_firmware_size`; reference §2 esp module), or null for a build
   * without a filesystem (FLASH_512K: `MICROPY_VFS` off).
   */
  userStart: number;
  /** Whether the build has `vfs`, `flashbdev` and the littlefs filesystem. */
  filesystem: boolean;
}

/** The official v1.27.0 ESP8266_GENERIC build for 2 MiB+ flash (reference §1.1: real banner). */
export const ESP8266_GENERIC: FirmwareBuild = { version: 'v1.27.0 on 2025-12-09', machine: 'ESP module with ESP8266', userStart: 0x100000, filesystem: true };

/** The builds by the board name their image carries (firmware.ts), with their variant's values. */
const BUILDS: Record<string, FirmwareBuild> = {
  ESP8266_GENERIC,
  'ESP8266_GENERIC-FLASH_1M': { version: 'v1.27.0 on 2025-12-09', machine: 'ESP module (1M) with ESP8266', userStart: 0x98000, filesystem: true },
  'ESP8266_GENERIC-FLASH_512K': { version: 'v1.27.0 on 2025-12-09', machine: 'ESP module (512K) with ESP8266', userStart: 0x7b000, filesystem: false },
};

/** Bytes at the end of the flash kept for the SDK's parameters (flashbdev.py: 20480). */
const SDK_PARAM_BYTES = 20480;

/** The banner the WebAssembly build prints, which the firmware's replaces. */
const WASM_BANNER = /^MicroPython v[^;]+; JS with Emscripten$/;
/** Directory our firmware's Python sources are loaded from (then removed). */
const FW_DIR = '/_fw';
/** Firmware modules compiled on first use rather than at every boot (large, rarely needed). */
const LAZY_FIRMWARE = new Set(['_fw_esp.py', '_fw_buses.py', '_fw_inisetup.py', '_fw_network.py', '_fw_socket.py', '_fw_ntptime.py', '_fw_requests.py', '_fw_urequests.py', '_fw_umqtt.py', '_fw_tls.py', '_fw_ssl.py', '_fw_webrepl.py', '_fw_webrepl_setup.py']);

export interface DeviceOptions {
  wasm: PreparedWasm;
  /** Firmware Python sources by file name (`_fw_init.py`, …). */
  firmware: Record<string, string>;
  /** Shared channel to the host, or null to talk in messages only. */
  channel: ChannelDevice | null;
  post(msg: DeviceMessage, transfer?: Transferable[]): void;
  sleepMode?: SleepMode;
  build?: FirmwareBuild;
  /** Flash contents, shared with the host so they survive the thread being replaced. */
  flashStorage?: ArrayBufferLike;
  /** Start with the realistic-speed clock (see {@link Device.setRealisticSpeed}). */
  realisticSpeed?: boolean;
  /** RTC memory, owned by the host: it survives resets and deep sleep (rtc.ts). */
  rtcMemory?: ArrayBufferLike;
  /** The learner's clock controls at start (later through the channel or `setClockControls`). */
  clock?: ClockSettings;
  /**
   * Message mode only: a relay to wait on for input while code runs (relay.ts). Without it,
   * sleeps spin and `input()` while code runs reads end of file.
   */
  relay?: SyncRelay | null;
}

/** How often code that runs without waiting looks at the relay for a Ctrl-C, in ms (each look is a request). */
const RELAY_POLL_MS = 50;

/**
 * ESP8266 timings the realistic-speed clock reproduces, in µs at 80 MHz (half at 160 MHz):
 * an empty `for` loop pass (~46 µs: 460 ms for 10 000 iterations, reference §7) and a
 * `Pin.value()` call (~34 µs per call in a `while True: p.value(1); p.value(0)` loop, reference §7;
 * the loop's own share is not part of this fixed cost).
 */
export const ESP_LOOP_US = 46;
export const ESP_PIN_CALL_US = 34;
export const ESP_TICKS_CALL_US = 8;
/** Runtime calls (invoke_* trampolines) the VM makes per empty loop pass, `for` or `while` (counted). */
const CALLS_PER_LOOP_PASS = 3;
/** ESP8266 µs per runtime call at 80 MHz: an empty loop pass costs ESP_LOOP_US. */
const ESP_US_PER_CALL = ESP_LOOP_US / CALLS_PER_LOOP_PASS;

/** Event codes handed to the firmware's `_service()`: a pin number for an IRQ, TIMER_EVENT + id for a timer. */
const TIMER_EVENT = 1000;

/** Thrown through the interpreter to abandon it (machine.reset()). */
class HardResetRequest extends Error {
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

/** The board's chip id (the low 3 bytes of its MAC, 5c:cf:7f:c1:dd:42, an Espressif OUI). */
const CHIP_ID = 0x00c1dd42;
/**
 * The eFuse words esptool reads for that MAC (0x3FF00050/54/58/5C; esptool-js
 * `targets/esp8266.js` readMac: OUI from mac3, bytes 3–4 from mac1, byte 5 from mac0's top byte).
 */
const EFUSE_WORDS = [0x42000000, 0x0000c1dd, 0x00000000, 0x005ccf7f] as const;

function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const TICKS_PERIOD = 2 ** 30;

/**
 * The ESP8266 build's GC heap: `static char heap[38 * 1024]` less its allocation table gives
 * 37 952 usable bytes (ports/esp8266/main.c; `micropython.mem_info()` on boards: `GC: total: 37952`).
 */
export const ESP_HEAP_BYTES = 37952;
/**
 * Heap in use at the REPL right after boot on a 4 MB board (35 936 free reported for v1.28.0,
 * reference §1.5): what `_boot.py`, `sys.path`, the filesystem objects … hold on the chip.
 */
export const ESP_BOOT_USED = ESP_HEAP_BYTES - 35936;
/** Bytes the firmware may still allocate to raise a MemoryError for a failed request. */
const EXCEPTION_GRACE_BYTES = 256;
/** Bytes the prompt may use to read and compile the next line after a MemoryError. */
const REPL_GRACE_BYTES = 2048; // MICROPY_PY_TIME_TICKS_PERIOD on the esp8266 port (31-bit small ints)
const UNIX_2000_MS = 946_684_800_000;

export class Device {
  readonly board: Esp07Board;
  private interp: Interpreter | null = null;
  private readonly filter: OutputFilter;
  private readonly opts: DeviceOptions;
  private build: FirmwareBuild;
  /** The filesystems mounted by the running firmware (a reset forgets them). */
  private fs: FlashFilesystems;
  private readonly channel: ChannelDevice | null;
  private rawMode = false;
  /**
   * True while the REPL takes a byte that only edits the line (see {@link editsLine}): what it
   * prints then is the echo of input, tagged so on the serial output ({@link SerialChunk.echo}).
   */
  private echoing = false;
  /** Raw-paste transfers, answered in the serial layer. */
  private readonly rawPaste = new RawPaste();
  /** How many bytes of the raw REPL's next "OK" are still to be dropped (raw-paste). */
  private dropOk = 0;
  private muted = false;
  private viewDirty = true;
  private lastPoll = 0;
  private outbox: { data: number[]; baud: number; echo: boolean } = { data: [], baud: 115200, echo: false };
  private lastFlush = 0;
  private readonly messageInput: number[] = [];
  /** Message mode: the input stream's offset, when bytes may come by message and by relay. */
  private readonly inputStream = new InputStream();
  private readonly relay: SyncRelay | null;
  private lastRelayPoll = 0;
  private wakeMessageLoop: (() => void) | null = null;
  private readonly hal: object;
  /** Pin IRQ triggers by GPIO (bit 0 rising, bit 1 falling; 4 low level, 5 high level). */
  private readonly irqTriggers = new Map<number, number>();
  private readonly irqLevels = new Map<number, number>();
  private readonly events: number[] = [];
  private sleepEndUs = 0;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  /** Why the chip last reset, as `machine.reset_cause()` reports it (SDK rst_info.reason). */
  private resetCause = 0;
  /** Why the chip last reset, in the boot ROM's numbering (its first line). */
  private romCause: RomResetCause = 1;
  /** The boot ROM stayed in UART download mode (GPIO0 low at reset): no firmware runs. */
  /** The boot ROM's UART loader while in download mode, else null. */
  private loader: RomLoader | null = null;
  /** The ROM loader's module is being loaded (download mode just began). */
  private loaderLoading: Promise<void> | null = null;
  /** Realistic speed: running code advances the clock by the work it does (see setRealisticSpeed). */
  private realistic = false;
  private cpuMhz = 80;
  private executing = false;
  /** Runtime calls counted so far, and those already turned into virtual time. */
  private calls = 0;
  private callsApplied = 0;
  /** Inside a firmware call: its runtime calls are not ESP8266 time (its fixed cost is). */
  private inFirmware = false;
  /** Runtime calls a firmware pin call makes before it can stop counting (counted at boot). */
  private pinCallPrefix = -1;
  /** Live-heap measurement of the current interpreter, or null when unavailable. */
  private heapMeter: HeapMeter | null = null;
  /** Live bytes of the firmware's own objects after boot (they live in flash on the chip). */
  private heapBase = 0;
  private readonly heapBaseByBuild = new Map<FirmwareBuild, number>();
  /** Nesting of firmware modules being compiled on first use, and live bytes before the outermost. */
  private fwLoading = 0;
  private fwLoadBefore = 0;
  /** The firmware's RTC (machine_rtc.c) over the host's RTC memory. */
  private readonly rtc: FirmwareRtc;
  /** Deep sleep asked for by the running code (µs, 0: until RST), entered by the next boot(). */
  private pendingSleepUs: number | null = null;
  /** In deep sleep: when the chip's timer fires (virtual µs), or null (sleeps until RST). */
  private wakeAtUs: number | null = null;

  constructor(opts: DeviceOptions) {
    this.opts = opts;
    this.build = opts.build ?? ESP8266_GENERIC;
    this.channel = opts.channel;
    this.relay = opts.channel ? null : opts.relay ?? null;
    this.board = new Esp07Board({ sleepMode: opts.sleepMode ?? 'realtime', ...(opts.flashStorage ? { flashStorage: opts.flashStorage } : {}) });
    this.fs = new FlashFilesystems(this.board.flash);
    this.rtc = new FirmwareRtc(opts.rtcMemory ?? new ArrayBuffer(RTC_MEMORY_BYTES), () => this.board.rtc.ticks(this.board.clock.nowUs()), () => this.board.rtc.cal);
    if (opts.clock) this.setClockControls(opts.clock, 0);
    this.board.uart0.onTransmit((c) => this.sendSerial(c));
    this.board.gpio.onChange((pin) => {
      this.viewDirty = true;
      this.checkIrq(pin);
    });
    this.filter = new OutputFilter(
      [
        {
          prefix: 'MicroPython v',
          rewrite: (line) => {
            if (!WASM_BANNER.test(line)) return line;
            this.rawMode = false;
            return `MicroPython ${this.build.version}; ${this.build.machine}`;
          },
        },
        { prefix: `  File "${FW_DIR}/`, rewrite: () => null },
        // The WebAssembly build reports errors in MICROPY_ERROR_REPORTING_DETAILED words; the
        // esp8266 build uses NORMAL ones (py/objfun.c, py/runtime.c, py/objint.c).
        { prefix: "AttributeError: module '", rewrite: (l) => l.replace(/^AttributeError: module '[^']*' has no attribute /, "AttributeError: 'module' object has no attribute ") },
        { prefix: 'TypeError: ', rewrite: (l) => l.replace(/^TypeError: [^\s(]+\(\) (takes \d+ positional arguments but \d+ were given|missing \d+ required positional arguments)$/, 'TypeError: function $1') },
        { prefix: 'ValueError: invalid syntax for integer with base ', rewrite: (l) => l.replace(/^(ValueError: invalid syntax for integer with base \d+): .*$/, '$1') },
        { prefix: 'raw REPL; CTRL-B to exit', rewrite: (line) => { this.rawMode = true; return line; } },
      ],
      (bytes) => this.board.uart0.transmit(bytes, this.echoing),
    );
    this.hal = guardedModule(this.halFunctions());
  }

  /** Powers the board on (or comes out of reset) and starts serving the REPL. Never resolves. */
  async run(cause: StartCause, flashHeld: boolean): Promise<void> {
    this.board.setFlashButton(flashHeld);
    this.flashHeldNow = flashHeld;
    this.resetCause = cause === 'power' ? 0 : 6; // PWRON_RESET / HARD_RESET (reference §2.5)
    this.romCause = cause === 'power' ? 1 : 2;
    await this.boot(cause === 'power' || cause === 'reset');
    if (this.channel) await this.sharedLoop(this.channel);
    else await this.messageLoop();
  }

  /**
   * Message-mode input (no shared memory).
   * @param at the offset of `data`'s first byte in this thread's input stream, when the same
   *   bytes may also have come by the relay (those already taken are dropped)
   */
  receive(data: Uint8Array, at?: number): void {
    const fresh = at === undefined ? data : this.inputStream.take(at, data);
    if (fresh.length === 0) return;
    this.messageInput.push(...fresh);
    this.wakeMessageLoop?.();
  }

  /**
   * Message mode with a relay: the input that came by it within `ms` ms (0: only look), with
   * what came by message meanwhile first. Empty without a relay.
   */
  private relayInput(ms: number): number[] {
    const bytes = this.messageInput.splice(0);
    if (!this.relay) return bytes;
    this.lastRelayPoll = performance.now();
    const got = this.relay.wait(this.inputStream.consumed, bytes.length ? 0 : ms);
    bytes.push(...this.inputStream.take(got.at, got.data));
    return bytes;
  }

  /** Message-mode Flash button. */
  setFlash(held: boolean): void {
    this.board.setFlashButton(held);
    this.publishView();
  }

  /** Fits the circuit panel's strapping parts (read by the ROM at the next reset). */
  setCircuit(c: Circuit): void {
    this.board.setCircuit(c);
  }

  /** The GPIO16→RST wire fitted or removed: it matters at once (a deep-sleep wake, GPIO16 driven low). */
  setWire16(fitted: boolean): void {
    this.board.setCircuit({ ...this.board.circuit, gpio16ToRst: fitted });
  }

  /** Hard reset requested by the host while idle (the Reset button), with the circuit as it is now. */
  async hardReset(circuit?: Circuit): Promise<void> {
    if (circuit) this.board.setCircuit(circuit);
    // HARD_RESET: the RST pin; while asleep the SDK reports it as a wake (the wire's pulse is the same RST)
    this.resetCause = this.board.sleeping ? 5 : 6;
    this.romCause = 2;
    await this.boot(true);
    // message mode: what the boot printed waits in the outbox, and the idle loop in its await
    this.flushMessages(true);
    this.wakeMessageLoop?.();
  }

  /** Message-mode ADC input. */
  setAdc(raw: number): void {
    this.board.adc.setRaw(raw);
    this.viewDirty = true;
    this.publishView();
  }

  // ---- boot ---------------------------------------------------------------------------------

  private booting: Promise<void> = Promise.resolve();

  /** Boots a fresh interpreter; boots never overlap. */
  private boot(hard: boolean, fromLoader = false): Promise<void> {
    const next = this.booting.then(() => this.bootNow(hard, fromLoader));
    this.booting = next.catch(() => undefined);
    return next;
  }

  /** The boot ROM's load of the image at flash offset 0: what it prints and whether it boots. */
  private romLoad(): { text: string; boots: boolean } {
    const flash = this.board.flash;
    return romLoadLog(parseImage((a, n) => flash.read(a, n), flash.size));
  }

  /** No firmware runs (the ROM waits or has stopped): the host gets a ready without an interpreter. */
  private stopInRom(): void {
    this.interp = null;
    this.opts.post({ t: 'ready', wasm: this.opts.wasm.module, memory: null, layout: null, utf8Prompt: this.opts.wasm.utf8Prompt, heapBudget: false });
  }

  private async bootNow(hard: boolean, fromLoader = false): Promise<void> {
    this.net.boot(hard || fromLoader);
    if (this.pendingSleepUs !== null) return this.enterDeepSleep(this.pendingSleepUs);
    const wasRaw = this.rawMode;
    this.loader = null;
    this.rawPaste.reset();
    this.dropOk = 0;
    this.irqTriggers.clear();
    this.irqLevels.clear();
    this.events.length = 0;
    if (fromLoader) {
      // the ROM loader was told to run the firmware: it starts from flash without a new reset
      // (and sets UART0 back to 115200, as MicroPython's startup does)
      this.board.uart0.baud = 115200;
      if (!this.romLoad().boots) return this.stopInRom();
    } else if (hard) {
      // the old firmware is gone with the reset: input from now on is the ROM's
      this.interp = null;
      // the button is outside the chip: message mode keeps it on the board, read before the reset
      const held = this.channel ? this.channel.flashButtonHeld() : this.board.view().flashHeld;
      this.board.resetChip();
      this.flashHeldNow = held;
      this.board.setFlashButton(this.flashHeldNow);
      this.publishView();
      // the boot ROM samples the strapping pins and speaks first, at 74880 baud
      const mode = bootMode(this.board.strapLevels());
      const uart = this.board.uart0;
      uart.baud = ROM_BAUD;
      uart.transmit(romBanner(this.romCause, mode));
      // a flash boot loads and checks the V1 image at offset 0 (esp-image.ts); without a valid one
      // the ROM prints why and stops, as the chip does
      let halt = bootAction(mode) !== 'flash';
      if (!halt) {
        const log = this.romLoad();
        uart.transmit(new TextEncoder().encode(log.text));
        halt = !log.boots;
      }
      uart.baud = 115200;
      if (halt) {
        // UART download mode: the ROM loader answers esptool (rom-loader.ts); or the flash holds
        // no bootable image. No firmware starts; a reset (with a valid image, without the Flash
        // button) boots normally.
        if (bootAction(mode) === 'download') {
          // loaded on first use: the loader and its inflater are not needed to run MicroPython;
          // bytes that arrive meanwhile wait in UART0 (pump() waits for it)
          const loading = import('../rom/rom-loader.ts');
          this.loaderLoading = loading.then(() => undefined, () => undefined);
          const { RomLoader } = await loading;
          this.loaderLoading = null;
          this.loader = new RomLoader({
            flash: this.board.flash,
            efuse: EFUSE_WORDS,
            runUserCode: () => void this.boot(true, true),
            setBaud: (baud) => {
              this.board.uart0.baud = baud;
            },
          });
        }
        return this.stopInRom();
      }
    }
    // A soft reset runs the file objects' finalisers (gc_sweep_all() in ports/esp8266/main.c),
    // which commit what they wrote; a hard reset loses what was not closed or flushed.
    if (!hard && !fromLoader) this.fs.closeAll();
    this.fs = new FlashFilesystems(this.board.flash);
    // the build in flash decides the banner, flash_user_start() and whether there is a filesystem
    const id = readIdentity((a, n) => this.board.flash.read(a, n));
    this.build = (id && BUILDS[id.board]) || this.opts.build || ESP8266_GENERIC;
    this.interp = null;
    this.heapMeter = null;
    this.fwLoading = 0;
    this.rtc.init(); // mp_hal_init → mp_hal_rtc_init, at every boot
    const interp = await Interpreter.create(this.opts.wasm, {
      stdout: (b) => this.onStdout(b),
      ticksMs: () => this.board.clock.nowMs(),
      unixMs: () => UNIX_2000_MS + this.board.clock.nowMs(),
      heapCheck: (n) => this.heapCheck(n),
      onRuntimeCall: () => {
        // message mode with a relay: code that neither waits nor prints still looks for a Ctrl-C
        if ((++this.calls & 0x3fff) === 0 && this.relay && this.executing) this.pollSoon();
      },
    });
    this.neutraliseJsBridge();
    this.installFirmware(interp);
    this.interp = interp;
    this.realistic = this.opts.realisticSpeed === true;
    if (hard) this.cpuMhz = 80;
    this.applyRate();
    // The host learns the interpreter's memory now, so Ctrl-C reaches a boot that never ends.
    const memory = isShared(interp.memory.buffer) ? interp.memory.buffer : null;
    this.opts.post({ t: 'ready', wasm: this.opts.wasm.module, memory, layout: memory ? interp.layout : null, utf8Prompt: this.opts.wasm.utf8Prompt, heapBudget: this.opts.wasm.heapBudget });
    // mp_reset(): the frozen _boot.py (filesystem), then boot.py and main.py (main.py only in the
    // friendly REPL). The firmware's own heap use, _boot.py's objects included (they are in the
    // board's figure for a fresh boot, reference §1.5), is measured before the scripts run.
    if (!this.runBoot(interp, 'frozen()')) return;
    this.startHeapBudget(interp);
    if (!this.runBoot(interp, `scripts(${!(wasRaw && !hard) ? 'True' : 'False'}, globals())`)) return;
    if (hard) this.uartText('\r\n');
    this.muted = wasRaw && !hard;
    interp.mp.replInit();
    if (this.muted) {
      interp.processChar(0x01);
      this.muted = false;
      this.rawMode = true;
      this.uartText('raw REPL; CTRL-B to exit\r\n>');
    }
    this.filter.flush();
    this.flushMessages(true);
    // the pin-call prefix of the realistic-speed clock, once per thread
    if (this.pinCallPrefix < 0) this.countPinCallPrefix(interp);
  }

  /**
   * Runs a part of the firmware's boot (ports/esp8266/main.c mp_reset(): `_boot.py`, `boot.py`,
   * `main.py`; emulator/firmware/python/_fw_boot.py) as running code: Ctrl-C interrupts it,
   * `machine.reset()` in it restarts the board.
   * @returns false when the board restarts instead of reaching the REPL
   */
  private runBoot(interp: Interpreter, call: string): boolean {
    this.channel?.setBusy(true);
    this.setExecuting(true);
    try {
      interp.mp.runPython(`__import__('_fw_boot', None, None, (), -7).${call}`);
      return true;
    } catch (e) {
      if (e instanceof HardResetRequest) {
        this.resetCause = e.resetCause;
        this.romCause = e.romCause;
        void this.boot(true);
        return false;
      }
      this.opts.post({ t: 'fault', message: `boot failed: ${String(e).slice(0, 300)}` });
      return true;
    } finally {
      this.setExecuting(false);
      this.filter.flush();
      this.flushMessages(true);
      this.channel?.setBusy(false);
    }
  }

  private installFirmware(interp: Interpreter): void {
    const { mp } = interp;
    mp.registerJsModule('_esp_hal', this.hal);
    mp.FS.mkdir(FW_DIR);
    const names = Object.keys(this.opts.firmware).filter((n) => !LAZY_FIRMWARE.has(n));
    for (const name of names) mp.FS.writeFile(`${FW_DIR}/${name}`, this.opts.firmware[name] as string);
    try {
      // __import__ binds no names in __main__ (dir() at the prompt stays as on the board)
      mp.runPython(`__import__('sys').path.insert(0, '${FW_DIR}')\n__import__('_fw_init')\n`);
    } finally {
      for (const name of names) mp.FS.unlink(`${FW_DIR}/${name}`);
      mp.FS.rmdir(FW_DIR);
    }
  }

  // ---- realistic speed ----------------------------------------------------------------------

  /**
   * Turns the realistic-speed clock on or off. While code runs, virtual time then advances by the
   * work the interpreter does, counted in runtime calls (an empty loop pass makes 3 and costs
   * 46 µs on an ESP8266 at 80 MHz), and firmware calls cost their fixed ESP8266 time; sleeps and
   * the prompt run in real time. At 160 MHz everything costs half. Counting, not host timing,
   * keeps the figures the same on every computer.
   */
  setRealisticSpeed(on: boolean): void {
    this.opts.realisticSpeed = on;
    this.realistic = on;
    this.callsApplied = this.calls;
    this.applyRate();
  }

  /**
   * The learner's clock controls: speed (clock.ts scale; 0 pauses), the RTC's drift, and a jump
   * forward of `jumpMs` (sleeps and timers due by then end at their next check).
   */
  setClockControls(c: ClockSettings, jumpMs: number): void {
    const clock = this.board.clock;
    let changed = false;
    if (c.scale !== clock.getScale() && Number.isFinite(c.scale) && c.scale >= 0) {
      clock.setScale(c.scale);
      changed = true;
    }
    if (c.driftPpm !== this.board.rtc.driftPpm && Number.isFinite(c.driftPpm) && c.driftPpm > -1e6) {
      this.board.rtc.setDrift(c.driftPpm, clock.nowUs());
    }
    if (jumpMs > 0 && Number.isFinite(jumpMs)) {
      this.ffLeftUs += jumpMs * 1000;
      this.ffAt = performance.now();
      changed = true;
    }
    if (changed) {
      this.viewDirty = true;
      this.publishView();
      this.wakeMessageLoop?.();
    }
  }

  /**
   * Virtual µs of a clock jump still to pass. The jump is a fast-forward: every wait (a sleep, the
   * idle prompt up to the next timer, deep sleep) takes its time from it at once, so a program
   * that sleeps and reads the clock in a loop runs through the jumped time pass by pass (and its
   * reads keep the RTC's wrap count). Code that does not wait gets the rest after 50 ms.
   */
  private ffLeftUs = 0;
  /** Host time (ms) the jump budget was last used. */
  private ffAt = 0;

  /** Moves the clock toward `toUs` with the jump budget. */
  private fastForward(toUs: number): void {
    const clock = this.board.clock;
    const step = Math.min(this.ffLeftUs, Math.max(0, toUs - clock.nowUs()));
    if (step > 0) {
      clock.advance(step);
      this.viewDirty = true;
    }
    this.ffLeftUs -= step;
    if (this.ffLeftUs < 0.5) this.ffLeftUs = 0;
    this.ffAt = performance.now();
  }

  // ---- deep sleep ---------------------------------------------------------------------------

  /**
   * The chip goes into deep sleep (modmachine.c `mp_machine_deepsleep`, modesp.c
   * `esp_deepsleep`): RAM, the interpreter, pins and timers are gone, UART0 is silent (Ctrl-C
   * cannot wake it), only the RTC keeps counting. The RTC timer fires after `sleepUs` µs as the
   * slow clock counts them (0: never; only RST wakes it).
   */
  private enterDeepSleep(sleepUs: number): void {
    this.pendingSleepUs = null;
    this.interp = null;
    this.heapMeter = null;
    this.rawMode = false;
    this.irqTriggers.clear();
    this.irqLevels.clear();
    this.events.length = 0;
    const b = this.board;
    b.pwm.reset();
    b.timers.reset();
    b.gpio.reset();
    b.sleeping = true;
    this.wakeAtUs = sleepUs > 0 ? b.clock.nowUs() + b.rtc.virtualUsFor(sleepUs) : null;
    this.viewDirty = true;
    this.publishView();
    this.stopInRom();
    // the idle loop may be waiting with no timer (deep sleep begun in boot.py/main.py): let it
    // look at the new wake time
    this.wakeIdleLoop();
  }

  /** In deep sleep: whether the chip still sleeps; wakes it when its timer is due. */
  private deepSleepDue(): boolean {
    if (!this.board.sleeping) return false;
    const clock = this.board.clock;
    if (this.wakeAtUs === null) return true;
    if (clock.sleepMode === 'instant' && !clock.paused) clock.advance(Math.max(0, this.wakeAtUs - clock.nowUs()));
    if (clock.nowUs() < this.wakeAtUs) return true;
    this.wakeAtUs = null;
    this.board.sleeping = false;
    if (this.board.circuit.gpio16ToRst) {
      // the timer pulls GPIO16 and so RST low: an external reset for the ROM (rst cause:2), a
      // deep-sleep wake for the SDK (reference §2.5, §6.2); boot.py and main.py run again
      this.resetCause = 5;
      this.romCause = 2;
      void this.boot(true);
      return true;
    }
    // no wire: the timer fires, the ROM reports cause 5 and stops at ets_main.c (reference §6.2)
    const b = this.board;
    b.resetChip();
    this.resetCause = 6;
    this.romCause = 2;
    b.uart0.baud = ROM_BAUD;
    b.uart0.transmit(romBanner(5, bootMode(b.strapLevels())));
    b.uart0.transmit(new TextEncoder().encode('ets_main.c '));
    b.uart0.baud = 115200;
    this.viewDirty = true;
    this.publishView();
    this.flushMessages(true);
    return true;
  }

  /**
   * Counts the runtime calls a `Pin.value()` call makes before the firmware stops counting
   * (the interpreter's call into our Python method): it is part of the pin call's fixed cost,
   * not extra. GPIO16 is written in input mode, where writes change nothing.
   */
  private countPinCallPrefix(interp: Interpreter): void {
    const m = 100;
    interp.mp.runPython(`def _cal():\n    p = __import__('_fw_machine', None, None, (), -7).Pin(16)\n    for i in range(${m}):\n        p.value(0)\n`);
    const wasRealistic = this.realistic;
    this.realistic = true;
    this.executing = true;
    this.pinCallPrefix = 0;
    this.callsApplied = this.calls;
    const v0 = this.board.clock.nowUs();
    this.board.clock.setRate(0);
    let counted = 0;
    try {
      interp.mp.runPython('_cal()');
      this.syncCalls();
      counted = (this.board.clock.nowUs() - v0) / ESP_US_PER_CALL;
    } finally {
      this.executing = false;
      this.realistic = wasRealistic;
      interp.mp.runPython('del _cal');
    }
    // per pass: the loop's own calls, then the pin call's prefix, then its fixed cost
    const perPass = counted / m;
    const fixed = ESP_PIN_CALL_US / ESP_US_PER_CALL;
    this.pinCallPrefix = Math.max(0, Math.round(perPass - CALLS_PER_LOOP_PASS - fixed));
    this.board.clock.setRate(1);
  }

  private applyRate(): void {
    if (this.board.clock.sleepMode === 'instant' && !this.realistic) return;
    this.board.clock.setRate(this.realistic && this.executing ? 0 : 1);
  }

  private setExecuting(on: boolean): void {
    if (this.realistic && !on) this.syncCalls();
    this.inFirmware = false;
    this.executing = on;
    if (this.realistic) {
      if (on) this.callsApplied = this.calls;
      this.board.clock.setRate(on ? 0 : 1);
    }
  }

  /** Turns the runtime calls counted since the last sync into virtual time. */
  private syncCalls(): void {
    if (!this.realistic || !this.executing) return;
    const n = this.inFirmware || this.board.clock.paused ? 0 : this.calls - this.callsApplied;
    this.callsApplied = this.calls;
    if (n > 0) this.board.clock.advance(n * ESP_US_PER_CALL * (80 / this.cpuMhz));
  }

  /** A firmware call begins: its own runtime calls are not ESP8266 time. */
  private fwEnter(): void {
    if (!this.realistic || !this.executing) return;
    this.syncCalls();
    this.inFirmware = true;
  }

  /**
   * A firmware call ends: it costs `espUs` µs (at 80 MHz) of ESP8266 time, less the runtime
   * calls the interpreter made to get into it (already counted).
   */
  private fwLeave(espUs: number): void {
    if (!this.realistic || !this.executing) return;
    this.inFirmware = false;
    this.callsApplied = this.calls;
    if (this.board.clock.paused) return;
    const scale = 80 / this.cpuMhz;
    const prefixUs = Math.max(0, this.pinCallPrefix) * ESP_US_PER_CALL;
    if (espUs >= prefixUs) this.board.clock.advance((espUs - prefixUs) * scale);
    else this.board.clock.credit((prefixUs - espUs) * scale);
  }

  // ---- the ESP8266's 38 KB heap -------------------------------------------------------------

  /** Measures the firmware's own objects, then holds the program to the ESP8266's heap. */
  private startHeapBudget(interp: Interpreter): void {
    if (!interp.heap) return;
    try {
      // the heap's area lies in the interpreter state, near the interrupt words when they are known
      const hint = interp.layout?.interruptCharAddr;
      const meter = HeapMeter.locate(() => interp.memory.buffer, 1 << 21, INITIAL_HEAP_BYTES, hint);
      // the loader's default Python stack: 2048 words (micropython.mjs loadMicroPython pystack)
      const pystack = findPystack(interp.memory.buffer, 1 << 21, 2048 * 4);
      meter.deadRanges = () => {
        const ranges = [interp.deadCStack()];
        if (pystack >= 0) {
          const w = new Int32Array(interp.memory.buffer);
          ranges.push({ start: w[(pystack >> 2) + 2] as number, end: w[(pystack >> 2) + 1] as number });
        }
        return ranges;
      };
      // The firmware's own objects are the same at every boot of this build: measured (a full
      // mark, ~10 ms) at the first boot of the thread and of each build, then reused.
      const cached = this.heapBaseByBuild.get(this.build);
      this.heapBase = cached ?? meter.measure().liveBytes;
      if (cached === undefined) this.heapBaseByBuild.set(this.build, this.heapBase);
      this.heapMeter = meter;
      interp.heap.counted.value = ESP_BOOT_USED;
      interp.heap.budget.value = ESP_HEAP_BYTES;
    } catch {
      this.heapMeter = null; // the heap could not be located: no budget (documented difference)
    }
  }

  /**
   * Bytes the program holds, as the ESP8266's `gc.mem_alloc()` would count them (reported within
   * the heap; the budget counts the measured figure, which in-place growth can push a little over).
   * `heapCheck` needs the unclamped figure: see {@link measuredHeapUse}.
   */
  private heapUsed(): { used: number; oneBlocks: number; twoBlocks: number; maxBlocks: number } {
    const m = this.measuredHeapUse();
    return { ...m, used: Math.min(m.used, ESP_HEAP_BYTES) };
  }

  private measuredHeapUse(): { used: number; oneBlocks: number; twoBlocks: number; maxBlocks: number } {
    if (!this.heapMeter) return { used: ESP_BOOT_USED, oneBlocks: 0, twoBlocks: 0, maxBlocks: 0 };
    const s = this.heapMeter.measure();
    const used = Math.max(ESP_BOOT_USED, s.liveBytes - this.heapBase + ESP_BOOT_USED);
    if (this.interp?.heap) this.interp.heap.counted.value = used;
    return { used, oneBlocks: s.oneBlocks, twoBlocks: s.twoBlocks, maxBlocks: s.maxBlocks };
  }

  /**
   * Inside `gc_alloc`: whether `n` more bytes fit, given what the program really holds.
   * When a large request fails, the few small allocations that build its MemoryError still fit,
   * as on the chip, where a failed large block usually leaves some small free blocks.
   */
  private heapCheck(n: number): boolean {
    if (n <= this.heapGrace) {
      this.heapGrace -= n;
      return true;
    }
    const used = this.measuredHeapUse().used;
    const fits = used + n <= ESP_HEAP_BYTES;
    this.heapGrace = fits ? 0 : EXCEPTION_GRACE_BYTES;
    if (!fits) this.heapRefused = true;
    else if (used + n <= ESP_HEAP_BYTES - REPL_GRACE_BYTES) this.heapRefused = false; // room again
    return fits;
  }

  /** A MemoryError happened in the last execution. */
  private heapRefused = false;

  /**
   * Back at the prompt after a MemoryError: room for the next line to be read and compiled, so
   * `l = None` can free memory (in-place list growth through gc_realloc is not budgeted and can
   * overshoot the heap slightly; see emulator/firmware/wasm-heap-patch.ts).
   */
  private heapAfterError(): void {
    if (this.heapRefused) this.heapGrace = REPL_GRACE_BYTES;
  }

  private heapGrace = 0;

  /** The WiFi driver and lwIP, against the virtual network (net/stack.ts). */
  private readonly net = new NetStack({
    nowUs: () => this.board.clock.nowUs(),
    sleepUs: (us) => this.sleepUs(us),
    print: (text) => {
      this.filter.flush();
      this.uartText(text);
    },
    hostMsFor: (us) => this.board.clock.hostMsFor(us),
    reply: (reply) => this.opts.post({ t: 'net', reply }),
    flash: () => this.board?.flash ?? null,
    // WebREPL's dupterm and file transfers (net/webrepl.ts)
    termInput: (bytes) => {
      for (const b of bytes) {
        // Ctrl-C from the WebREPL client stops running code, as the serial one does
        if (b === 0x03 && this.executing && this.interp?.interruptChar() === 0x03) this.interp.scheduleKeyboardInterrupt();
        else this.board.uart0.receive([b]);
      }
      this.wakeIdleLoop();
    },
    onTermOutput: (fn) => this.board.uart0.onTransmit((chunk) => fn(chunk.data)),
    fileOp: (op, name, hex, append, done) => {
      this.webreplFiles.push({ op, name, hex, append, done });
      this.wakeIdleLoop();
    },
  });

  /** WebREPL file transfers waiting for the idle REPL (the firmware does them, _fw_webrepl.py). */
  private readonly webreplFiles: { op: string; name: string; hex: string; append: boolean; done: (ok: boolean, hex: string) => void }[] = [];
  private webreplResult: [boolean, string] = [false, ''];
  private idleWake: (() => void) | null = null;

  /** Wakes the idle loop so it looks again (network events, a deep sleep that began in boot scripts). */
  private wakeIdleLoop(): void {
    this.idleWake?.();
    this.idleWake = null;
    this.wakeMessageLoop?.();
  }

  private runWebReplFiles(): void {
    while (this.webreplFiles.length && this.interp) {
      const f = this.webreplFiles.shift() as (typeof this.webreplFiles)[number];
      this.webreplResult = [false, ''];
      this.channel?.setBusy(true);
      try {
        this.interp.mp.runPython(`__import__("_fw_webrepl", None, None, (), -7)._file_op(${JSON.stringify(f.op)}, ${JSON.stringify(f.name)}, ${JSON.stringify(f.hex)}, ${f.append ? 1 : 0})`);
      } catch {
        this.webreplResult = [false, ''];
      } finally {
        this.filter.flush();
        this.channel?.setBusy(false);
      }
      f.done(...this.webreplResult);
    }
  }

  /** The page's mailbox for the laptop panel's requests (shared memory). */
  setNetMailbox(buffer: SharedArrayBuffer | null): void {
    this.net.setMailbox(buffer);
  }

  /** A laptop-panel request in message mode (no shared memory). */
  netRequest(raw: unknown): void {
    this.net.request(raw);
  }

  /** The interpreter's `js` module is the thread's global object: give it an empty object instead. */
  private neutraliseJsBridge(): void {
    const refs = (globalThis as { proxy_js_ref?: unknown[] }).proxy_js_ref;
    if (Array.isArray(refs)) refs[0] = Object.freeze(Object.create(null));
  }

  // ---- REPL pump ----------------------------------------------------------------------------

  private async sharedLoop(channel: ChannelDevice): Promise<void> {
    for (;;) {
      const seen = channel.wakeValue();
      this.takeInput(channel);
      if (this.board.uart0.available() > 0) {
        await this.pump();
        continue;
      }
      this.serviceAtIdle();
      this.runWebReplFiles();
      this.publishView();
      if (this.board.uart0.available() > 0) continue;
      await Promise.race([channel.waitAsync(seen), this.untilNextTimer(), new Promise<void>((resolve) => { this.idleWake = resolve; })]);
    }
  }

  /** Resolves when the earliest armed timer is due (host time), or never. */
  private untilNextTimer(): Promise<void> {
    if (this.ffLeftUs > 0) return Promise.resolve(); // a jump still passing: go on at once
    const due = Math.min(this.board.timers.nextDueUs(), this.wakeAtUs ?? Infinity);
    if (due === Infinity) return new Promise(() => undefined);
    const clock = this.board.clock;
    const ms = Math.max(0, clock.hostMsFor(due - clock.nowUs()));
    return new Promise((resolve) => {
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(resolve, Math.min(ms, 2 ** 31 - 1));
    });
  }

  /** At the prompt: runs due timer and pin IRQ callbacks, as the firmware's event loop does. */
  private serviceAtIdle(): void {
    if (this.ffLeftUs > 0) this.fastForward(Math.min(this.board.timers.nextDueUs(), this.wakeAtUs ?? Infinity));
    if (this.deepSleepDue()) return;
    this.collectTimers();
    if (this.events.length === 0 || !this.interp) return;
    this.channel?.setBusy(true);
    try {
      this.interp.mp.runPython('__import__("_fw_machine", None, None, (), -7)._service()');
    } catch (e) {
      if (e instanceof HardResetRequest) {
        this.resetCause = e.resetCause;
        this.romCause = e.romCause;
        void this.boot(true);
        return;
      }
    } finally {
      this.filter.flush();
      this.channel?.setBusy(false);
    }
  }

  private async messageLoop(): Promise<void> {
    for (;;) {
      if (this.messageInput.length) this.board.uart0.receive(this.messageInput.splice(0));
      if (this.board.uart0.available() > 0) {
        await this.pump();
        continue;
      }
      this.serviceAtIdle();
      this.runWebReplFiles();
      this.publishView();
      this.flushMessages(true);
      await Promise.race([new Promise<void>((resolve) => { this.wakeMessageLoop = resolve; }), this.untilNextTimer()]);
      this.wakeMessageLoop = null;
    }
  }

  /** Moves input from the ring to UART0 at the prompt, dropping Ctrl-Cs already delivered. */
  private takeInput(channel: ChannelDevice): void {
    // input first, then the controls: whatever the host set before typing (a clock jump, the
    // Flash button) is then seen before the bytes it preceded are handled
    const bytes = channel.drain();
    this.syncButtons();
    for (const b of bytes) {
      if (b === 0x03 && !channel.claimCtrlC()) {
        // The host delivered it to code that has finished since: withdraw it if still pending.
        this.interp?.clearPendingInterrupt();
        continue;
      }
      this.board.uart0.receive([b]);
    }
  }

  private async pump(): Promise<void> {
    if (!this.interp) {
      // no firmware running: the ROM loader takes the bytes (download mode), or nothing does
      if (this.loaderLoading) await this.loaderLoading;
      const bytes: number[] = [];
      for (let c = this.board.uart0.read(); c !== -1; c = this.board.uart0.read()) bytes.push(c);
      const reply = this.loader?.input(bytes);
      if (reply && reply.length) this.board.uart0.transmit(reply);
      this.flushMessages(true);
      return;
    }
    let c: number;
    while (this.interp && (c = this.board.uart0.read()) !== -1) {
      // a jump made at the prompt has passed (its timers run) before the next byte is taken
      while (this.ffLeftUs > 0 && this.interp && !this.board.sleeping) this.serviceAtIdle();
      // raw-paste is answered here: the wasm build's event-driven REPL cannot (raw-paste.ts)
      const step = this.rawPaste.input(c, this.rawMode);
      if (step.reply) this.board.uart0.transmit(Uint8Array.from(step.reply, (ch) => ch.charCodeAt(0)));
      if (step.dropOk) this.dropOk = 2;
      for (const b of step.feed) {
        const result = this.feed(this.interp, b);
        this.heapAfterError();
        if (result === 'soft') {
          this.uartText('MPY: soft reboot\r\n');
          await this.boot(false);
          break;
        } else if (result === 'hard') {
          await this.boot(true);
          break;
        }
      }
      this.publishView();
    }
    this.flushMessages(true);
  }

  private feed(interp: Interpreter, c: number): 'ok' | 'soft' | 'hard' {
    this.channel?.setBusy(true);
    this.setExecuting(true);
    // the friendly REPL echoes what it is given; Enter, Ctrl-D … run code (their output is not echo)
    this.echoing = !this.rawMode && editsLine(c);
    try {
      return interp.processChar(c) === 0 ? 'ok' : 'soft';
    } catch (e) {
      if (!(e instanceof HardResetRequest)) {
        this.opts.post({ t: 'fault', message: `interpreter stopped: ${String(e)}` });
      }
      // machine.reset() (SOFT_RESET, SDK REASON_SOFT_RESTART), or the RST pin (HARD_RESET)
      this.resetCause = e instanceof HardResetRequest ? e.resetCause : 4;
      this.romCause = e instanceof HardResetRequest ? e.romCause : 2;
      return 'hard';
    } finally {
      this.setExecuting(false);
      this.filter.flush();
      this.echoing = false;
      this.channel?.setBusy(false);
    }
  }

  // ---- while code runs ----------------------------------------------------------------------

  /**
   * Looks at the serial line while code runs, as the UART interrupt handler does: Ctrl-C is
   * taken out (interrupting the code), other bytes queue in UART0's receive buffer.
   * @param blocking true inside a blocking call, which then returns early and raises itself
   * @returns whether a Ctrl-C arrived
   */
  private pollInput(blocking: boolean, relayMs = 0): boolean {
    const channel = this.channel;
    const interp = this.interp;
    if (!interp) return false;
    if (!channel) return this.pollRelay(interp, blocking, relayMs);
    const bytes = channel.drain();
    this.syncButtons();
    // a jump while code runs without waiting: it takes effect after 50 ms
    if (!blocking && this.ffLeftUs > 0 && performance.now() - this.ffAt > 50) this.fastForward(Infinity);
    let intr = false;
    for (const b of bytes) {
      if (b === 0x03) {
        if (!channel.claimCtrlC()) {
          // The host already made the VM's KeyboardInterrupt pending; a blocking call raises it itself.
          if (blocking) interp.clearPendingInterrupt();
          intr = true;
          continue;
        }
        if (interp.interruptChar() === 0x03) {
          if (!blocking) interp.scheduleKeyboardInterrupt();
          intr = true;
          continue;
        }
      }
      this.board.uart0.receive([b]);
    }
    return intr;
  }

  /**
   * {@link pollInput} in message mode: the relay's bytes while code runs (a running loop looks
   * every {@link RELAY_POLL_MS}; a blocking call waits up to `ms`). Ctrl-C interrupts as the
   * UART interrupt does; other bytes queue in UART0.
   */
  private pollRelay(interp: Interpreter, blocking: boolean, ms: number): boolean {
    if (!this.relay) return false;
    if (!blocking && performance.now() - this.lastRelayPoll < RELAY_POLL_MS) return false;
    if (blocking) {
      // the program waits: what it printed, and its pins, are seen meanwhile
      this.filter.flush();
      this.flushMessages(true);
      this.publishView();
    }
    let intr = false;
    for (const b of this.relayInput(blocking ? ms : 0)) {
      if (b === 0x03 && interp.interruptChar() === 0x03) {
        if (!blocking) interp.scheduleKeyboardInterrupt();
        intr = true;
        continue;
      }
      this.board.uart0.receive([b]);
    }
    return intr;
  }

  private pollSoon(): void {
    const now = performance.now();
    if (now - this.lastPoll < 1) return;
    this.lastPoll = now;
    this.pollInput(false);
  }

  private syncButtons(): void {
    if (!this.channel) return;
    const c = this.channel.clockControls();
    this.setClockControls(c, c.jumpMs);
    const held = this.channel.flashButtonHeld();
    if (held !== this.flashHeldNow) {
      this.flashHeldNow = held;
      this.board.setFlashButton(held);
    }
    const adc = this.channel.adcInput();
    if (adc !== this.board.adc.read()) {
      this.board.adc.setRaw(adc);
      this.viewDirty = true;
    }
  }

  private flashHeldNow = false;

  // ---- events: pin IRQs and timers ------------------------------------------------------------

  /** Queues an IRQ event when a pad with an IRQ sees its trigger (edges, or a level). */
  private checkIrq(pin: number): void {
    const trigger = this.irqTriggers.get(pin);
    if (trigger === undefined) return;
    const level = this.board.gpio.read(pin);
    const before = this.irqLevels.get(pin);
    this.irqLevels.set(pin, level);
    const rising = before === 0 && level === 1;
    const falling = before === 1 && level === 0;
    const fire = (trigger & 3) !== 0 && trigger < 4
      ? ((trigger & 1) !== 0 && rising) || ((trigger & 2) !== 0 && falling)
      : (trigger === 4 && level === 0 && before !== 0) || (trigger === 5 && level === 1 && before !== 1);
    if (fire && !this.events.includes(pin)) this.events.push(pin);
  }

  private collectTimers(): void {
    for (const id of this.board.timers.takeDue(this.board.clock.nowUs())) {
      if (!this.events.includes(TIMER_EVENT + id)) this.events.push(TIMER_EVENT + id);
    }
  }

  private eventsPending(): boolean {
    this.collectTimers();
    return this.events.length > 0;
  }

  private onStdout(bytes: Uint8Array): void {
    if (this.muted) return;
    if (this.dropOk > 0) {
      // raw-paste sends no "OK": drop the one the raw REPL prints on receiving the source
      let i = 0;
      while (this.dropOk > 0 && i < bytes.length && bytes[i] === 'OK'.charCodeAt(2 - this.dropOk)) {
        i++;
        this.dropOk--;
      }
      if (i < bytes.length) this.dropOk = 0;
      bytes = bytes.subarray(i);
      if (bytes.length === 0) return;
    }
    this.filter.write(bytes);
    if (bytes.includes(0x0a)) this.pollSoon();
  }

  /**
   * Blocks for `us` virtual µs (or, with us < 0, until the end of the sleep an event cut short).
   * Returns 0 when done, 1 if a Ctrl-C cut it short, 2 if a callback is due (the firmware runs
   * it and resumes).
   */
  private sleepUs(us: number): number {
    const clock = this.board.clock;
    this.filter.flush();
    this.flushMessages(true);
    this.syncCalls();
    this.inFirmware = false;
    const end = us < 0 ? this.sleepEndUs : clock.nowUs() + us;
    this.sleepEndUs = end;
    // a Ctrl-C already turned into a pending KeyboardInterrupt (by a poll or by the host) ends the sleep now
    if (this.interp?.takePendingInterrupt()) return 1;
    if (this.realistic && this.executing) this.board.clock.setRate(1); // waiting is real time
    try {
      return this.sleepLoop(end);
    } finally {
      if (this.realistic && this.executing) {
        this.board.clock.setRate(0);
        this.callsApplied = this.calls;
      }
    }
  }

  private sleepLoop(end: number): number {
    const clock = this.board.clock;
    if (clock.sleepMode === 'instant' && !clock.paused) {
      if (this.pollInput(true)) return 1;
      const due = this.board.timers.nextDueUs();
      if (due < end) {
        clock.advance(Math.max(0, due - clock.nowUs()));
        if (this.eventsPending()) return 2;
      }
      clock.advance(Math.max(0, end - clock.nowUs()));
      this.net.advance(); // the WiFi stack ran on meanwhile
      return this.eventsPending() ? 2 : 0;
    }
    const channel = this.channel;
    let relayWait = 0;
    for (;;) {
      const seen = channel?.wakeValue() ?? 0;
      this.net.advance(); // the WiFi stack runs on while the program sleeps
      if (this.pollInput(true, relayWait) || this.interp?.takePendingInterrupt()) return 1;
      relayWait = 0;
      if (this.eventsPending()) return 2;
      const left = end - clock.nowUs();
      if (left <= 0) return 0;
      const toTimer = this.board.timers.nextDueUs() - clock.nowUs();
      if (this.ffLeftUs > 0) {
        this.fastForward(clock.nowUs() + Math.min(left, toTimer));
        continue;
      }
      const waitMs = Math.max(0, Math.min(clock.hostMsFor(Math.min(left, toTimer)), 100));
      if (channel) channel.wait(seen, waitMs);
      else if (this.relay && this.interp) relayWait = waitMs; // the next pollInput waits on the relay
      else {
        const until = performance.now() + waitMs; // no shared memory: nothing to wait on
        while (performance.now() < until) { /* spin */ }
      }
    }
  }

  /**
   * `input()`: reads a line from UART0, echoing it, as the firmware's `mp_hal_readline` does
   * (Enter ends it, Backspace edits). Returns the line, null for Ctrl-C, false for Ctrl-D at the
   * start of a line. Without shared memory, input arrives while code runs only by a relay;
   * without one as well, returns false.
   */
  private readLine(): string | null | false {
    const channel = this.channel;
    if (!channel && !this.relay) return false;
    this.filter.flush();
    const uart = this.board.uart0;
    const line: number[] = [];
    const echo = (text: string | number[]) => uart.transmit(typeof text === 'string' ? new TextEncoder().encode(text) : Uint8Array.from(text));
    for (;;) {
      const c = uart.read();
      if (c === -1) {
        if (!channel) {
          if (this.pollInput(true, 100) || this.interp?.takePendingInterrupt()) return null;
          continue;
        }
        const seen = channel.wakeValue();
        if (this.pollInput(true) || this.interp?.takePendingInterrupt()) return null;
        if (uart.available() === 0) channel.wait(seen, 100);
        continue;
      }
      if (c === 0x0d || c === 0x0a) {
        echo('\r\n');
        return new TextDecoder().decode(Uint8Array.from(line));
      }
      if (c === 0x04 && line.length === 0) return false;
      if (c === 0x08 || c === 0x7f) {
        if (line.length === 0) continue;
        while (line.length && ((line.pop() as number) & 0xc0) === 0x80) { /* drop a whole UTF-8 character */ }
        echo('\b \b');
        continue;
      }
      if (c >= 0x20) {
        line.push(c);
        echo([c]);
      }
    }
  }

  private halFunctions(): Record<string, (...args: never[]) => unknown> {
    const gpio = this.board.gpio;
    const clock = this.board.clock;
    const afterPinChange = () => {
      this.publishView();
      this.pollSoon();
      // GPIO16 wired to RST (for deep-sleep wake): driving it low resets the chip at once
      if (this.board.circuit.gpio16ToRst && gpio.state(16) === 'low') throw new HardResetRequest('GPIO16 pulled RST low', 6, 2);
    };
    return {
      ...this.net.halFunctions(),
      sleep_us: (us: number) => this.sleepUs(Number(us)),
      fw_enter: () => this.fwEnter(),
      set_freq: (mhz: number) => {
        this.syncCalls();
        this.cpuMhz = mhz === 160 ? 160 : 80;
      },
      ticks_ms: () => {
        this.pollSoon();
        this.fwLeave(ESP_TICKS_CALL_US);
        return Math.floor(clock.nowUs() / 1000) % TICKS_PERIOD;
      },
      ticks_us: () => {
        this.pollSoon();
        this.fwLeave(ESP_TICKS_CALL_US);
        return Math.floor(clock.nowUs()) % TICKS_PERIOD;
      },
      ticks_cpu: () => Math.floor(clock.nowUs() * 80) % TICKS_PERIOD,
      // machine_rtc.c over RTC memory (rtc.ts); 64-bit values cross as decimal strings
      rtc_us: () => this.rtc.getUs().toString(),
      rtc_set_us: (us: string) => this.rtc.setUs(BigInt(us)),
      rtc_mem_read: () => toHex(this.rtc.readMemory()),
      rtc_mem_write: (hex: string) => this.rtc.writeMemory(fromHex(hex)),
      rtc_alarm: (ms: number) => this.rtc.alarm(ms),
      rtc_alarm_left: () => this.rtc.alarmLeft(),
      rtc_irq: (wake: number) => this.rtc.irq(wake),
      // machine.deepsleep([ms]) / esp.deepsleep(us): the chip stops; the next boot() enters deep sleep
      deepsleep: (kind: string, arg: number) => {
        this.pendingSleepUs = kind === 'esp' ? this.rtc.espDeepSleep(arg) : this.rtc.machineDeepSleep(kind === 'ms' ? arg : null);
        throw new HardResetRequest('deep sleep');
      },
      pin_config: (pin: number, mode: number, pull: number, value: number) => {
        gpio.configure(pin, mode, pull === 1, value);
        afterPinChange();
      },
      pin_write: (pin: number, value: number) => {
        gpio.write(pin, value ? 1 : 0);
        afterPinChange();
        this.fwLeave(ESP_PIN_CALL_US);
      },
      pin_toggle: (pin: number) => {
        gpio.write(pin, gpio.state(pin) === 'high' ? 0 : 1);
        afterPinChange();
        this.fwLeave(ESP_PIN_CALL_US);
      },
      pin_read: (pin: number) => {
        this.pollSoon();
        this.fwLeave(ESP_PIN_CALL_US);
        // bit 1 tells the firmware a callback is due (it then runs `_service()`)
        return gpio.read(pin) | (this.eventsPending() ? 2 : 0);
      },
      pin_function: (pin: number) => {
        // Taking GPIO1/GPIO3 as a GPIO disconnects UART0's TX/RX from the pad, as PIN_FUNC_SELECT does.
        if (pin === 1) this.board.uart0.txConnected = false;
        if (pin === 3) this.board.uart0.rxConnected = false;
      },
      irq_config: (pin: number, trigger: number) => {
        if (trigger === 0) this.irqTriggers.delete(pin);
        else this.irqTriggers.set(pin, trigger);
        this.irqLevels.set(pin, gpio.read(pin));
        this.events.splice(0, this.events.length, ...this.events.filter((e) => e !== pin));
      },
      next_event: () => {
        this.collectTimers();
        return this.events.shift() ?? -1;
      },
      pwm_start: (pin: number) => {
        if (!this.board.pwm.active(pin) || !this.board.gpio.hasPeripheral(pin)) this.board.startPwm(pin);
        afterPinChange();
      },
      pwm_stop: (pin: number) => {
        this.board.stopPwm(pin);
        afterPinChange();
      },
      pwm_freq: (hz: number, set: number) => {
        if (set) {
          this.board.pwm.setFreq(hz);
          this.viewDirty = true;
          afterPinChange();
        }
        return this.board.pwm.freq;
      },
      pwm_duty: (pin: number, duty: number, set: number) => {
        if (set) {
          this.board.pwm.setDuty(pin, duty);
          this.viewDirty = true;
          afterPinChange();
        }
        return this.board.pwm.duty(pin) ?? 0;
      },
      adc_read: () => {
        this.syncButtons();
        return this.board.adc.read();
      },
      timer_arm: (id: number, periodUs: number, periodic: number) => {
        this.board.timers.arm(id, clock.nowUs(), periodUs, periodic === 1);
        this.events.splice(0, this.events.length, ...this.events.filter((e) => e !== TIMER_EVENT + id));
      },
      timer_disarm: (id: number) => {
        this.board.timers.disarm(id);
        this.events.splice(0, this.events.length, ...this.events.filter((e) => e !== TIMER_EVENT + id));
      },
      reset_cause: () => this.resetCause,
      heap_used: () => this.heapUsed().used,
      heap_info: () => {
        const h = this.heapUsed();
        return `${h.used},${h.oneBlocks},${h.twoBlocks},${h.maxBlocks},${Math.floor((ESP_HEAP_BYTES - h.used) / 16)}`;
      },
      chip_id: () => CHIP_ID,
      flash_size: () => this.board.flash.size,
      flash_id: () => this.board.flash.jedecId(),
      flash_read: (addr: number, length: number) => toHex(this.board.flash.read(addr, length)),
      // esp.check_fw()'s MD5 (the firmware uses the SDK's MD5 in C; a Python one takes seconds here)
      flash_md5: (addr: number, length: number) => toHex(md5(this.board.flash.read(addr, length))),
      flash_write: (addr: number, hex: string) => {
        this.board.flash.program(addr, fromHex(hex));
      },
      flash_erase: (sector: number) => {
        this.board.flash.eraseSector(sector);
      },
      readline: () => this.readLine(),
      webrepl_file_result: (ok: number, hex: string) => {
        this.webreplResult = [ok === 1, String(hex)];
      },
      fw_stage: (name: string) => {
        const fs = this.interp?.mp.FS;
        const source = this.opts.firmware[`${name}.py`];
        if (!fs || source === undefined) return;
        // Firmware lives in flash on the chip: compiling it is not the program's memory.
        if (this.fwLoading++ === 0) {
          this.fwLoadBefore = this.heapMeter ? this.heapMeter.measure().liveBytes : 0;
          if (this.interp?.heap) this.interp.heap.budget.value = 0;
        }
        try {
          fs.mkdir(FW_DIR);
        } catch {
          /* exists */
        }
        fs.writeFile(`${FW_DIR}/${name}.py`, source);
      },
      fw_unstage: (name: string) => {
        const fs = this.interp?.mp.FS;
        if (!fs) return;
        try {
          fs.unlink(`${FW_DIR}/${name}.py`);
        } catch {
          /* already gone */
        }
        try {
          if (fs.readdir(FW_DIR).filter((n) => n !== '.' && n !== '..').length === 0) fs.rmdir(FW_DIR);
        } catch {
          /* already gone */
        }
        if (--this.fwLoading === 0) {
          // the loaded module's objects join the firmware's own (they are in flash on the chip)
          if (this.heapMeter) this.heapBase += Math.max(0, this.heapMeter.measure().liveBytes - this.fwLoadBefore);
          if (this.interp?.heap && this.heapMeter) this.interp.heap.budget.value = ESP_HEAP_BYTES;
        }
      },
      uart_write: (hex: string) => {
        // machine.UART(0).write(): straight onto UART0 TX (the REPL's line)
        this.filter.flush();
        this.board.uart0.transmit(fromHex(hex));
      },
      uart_any: () => {
        this.pollInput(false);
        return this.board.uart0.available();
      },
      uart_read: (n: number) => {
        this.pollInput(false);
        const out: number[] = [];
        const uart = this.board.uart0;
        while (out.length < n && uart.available() > 0) out.push(uart.read());
        return toHex(Uint8Array.from(out));
      },
      reset: () => {
        throw new HardResetRequest('machine.reset()');
      },
      identity: (key: string) => (key === 'machine' ? this.build.machine : key === 'version' ? this.build.version : key === 'vfs' && this.build.filesystem ? 'lfs2' : ''),
      user_start: () => this.build.userStart,
      // flashbdev.py: blocks from flash_user_start() (one more sector below 1 MB, kept for native
      // code), up to 20 KB before the end; no block device on a flash under 1 MB
      fs_region: () => {
        const size = this.board.flash.size;
        if (!this.build.filesystem || size < 0x100000) return null;
        let start = Math.floor(this.build.userStart / 4096);
        if (start < 256) start += 1;
        const count = Math.floor((size - SDK_PARAM_BYTES) / 4096) - start;
        return count > 0 ? [start, count] : null;
      },
      lfs_mkfs: (start: number, count: number) => this.fs.mkfs(start, count),
      lfs_mount: (start: number, count: number) => this.fs.mount(start, count),
      lfs_umount: (id: number) => this.fs.umount(id),
      lfs_open: (id: number, path: string, mode: string) => this.fs.open(id, path, mode),
      lfs_read: (h: number, n: number) => {
        const r = this.fs.read(h, n);
        return typeof r === 'number' ? r : toHex(r);
      },
      lfs_write: (h: number, hex: string) => this.fs.write(h, fromHex(hex)),
      lfs_seek: (h: number, offset: number, whence: number) => this.fs.seek(h, offset, whence),
      lfs_sync: (h: number) => this.fs.sync(h),
      lfs_close: (h: number) => this.fs.close(h),
      // entries as name NUL isDir NUL size, NUL-separated (names cannot hold NUL or '/')
      lfs_listdir: (id: number, path: string) => {
        const r = this.fs.listdir(id, path);
        return typeof r === 'number' ? r : r.map(([n, d, z]) => `${n}\0${d ? 1 : 0}\0${z}`).join('\0');
      },
      lfs_stat: (id: number, path: string) => {
        const r = this.fs.stat(id, path);
        return typeof r === 'number' ? r : `${r[0] ? 1 : 0}\0${r[1]}`;
      },
      lfs_remove: (id: number, path: string) => this.fs.remove(id, path),
      lfs_rename: (id: number, from: string, to: string) => this.fs.rename(id, from, to),
      lfs_mkdir: (id: number, path: string) => this.fs.mkdir(id, path),
      lfs_statvfs: (id: number) => {
        const r = this.fs.statvfs(id);
        return typeof r === 'number' ? r : r.join('\0');
      },
    };
  }

  // ---- to the host --------------------------------------------------------------------------

  private uartText(text: string): void {
    this.board.uart0.transmit(new TextEncoder().encode(text));
  }

  private sendSerial(chunk: SerialChunk): void {
    const echo = chunk.echo === true;
    if (this.channel) {
      this.channel.writeOutput(chunk.data, chunk.baud, undefined, echo);
      return;
    }
    if (chunk.baud !== this.outbox.baud || echo !== this.outbox.echo) this.flushMessages(true);
    this.outbox.baud = chunk.baud;
    this.outbox.echo = echo;
    for (const b of chunk.data) this.outbox.data.push(b);
    this.flushMessages(false);
  }

  private publishView(): void {
    this.reportFlashWrites();
    if (!this.viewDirty) return;
    this.viewDirty = false;
    const view = this.board.view();
    if (this.channel) this.channel.publishView(view);
    else this.opts.post({ t: 'view', view });
  }

  private flashReported = 0;
  private flashReportAt = 0;
  private flashReportTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * Tells the host the flash changed (so the page can save it), at most every 200 ms; in message
   * mode with a copy, since the host's buffer is not this one.
   */
  private reportFlashWrites(): void {
    const flash = this.board.flash;
    if (flash.writes === this.flashReported || this.flashReportTimer) return;
    const wait = this.flashReportAt + 200 - performance.now();
    if (wait > 0) {
      this.flashReportTimer = setTimeout(() => {
        this.flashReportTimer = null;
        this.reportFlashWrites();
      }, wait);
      return;
    }
    this.flashReported = flash.writes;
    this.flashReportAt = performance.now();
    const copy = this.channel ? null : flash.bytes.slice().buffer;
    this.opts.post({ t: 'flash-written', copy }, copy ? [copy] : []);
  }

  /** Message mode: sends buffered output at most every 16 ms, or at once when `now`. */
  private flushMessages(now: boolean): void {
    if (this.channel || this.outbox.data.length === 0) return;
    const t = performance.now();
    if (!now && t - this.lastFlush < 16 && this.outbox.data.length < 8192) return;
    this.lastFlush = t;
    this.opts.post({ t: 'out', data: Uint8Array.from(this.outbox.data), baud: this.outbox.baud, echo: this.outbox.echo });
    this.outbox.data = [];
  }
}

/**
 * Wraps functions for the interpreter's JS bridge so that Python sees only these names: no
 * prototype chain (`.constructor` and the like are absent), no exceptions leaking JS objects.
 * The bridge calls methods as `f.call(self, ...args)`, so `call` is the one property served.
 */
function guardedModule(fns: Record<string, (...args: never[]) => unknown>): object {
  const wrapped = new Map<string, unknown>();
  for (const [name, fn] of Object.entries(fns)) {
    const invoke = (args: unknown[]): unknown => {
      try {
        const r = (fn as (...a: unknown[]) => unknown)(...args);
        return r === undefined ? null : r;
      } catch (e) {
        if (e instanceof HardResetRequest) throw e;
        return null;
      }
    };
    const call = new Proxy(() => undefined, {
      apply: (_t, _this, args: unknown[]) => invoke(args.slice(1)),
      get: () => undefined,
      has: () => false,
    });
    wrapped.set(name, new Proxy(() => undefined, {
      apply: (_t, _this, args: unknown[]) => invoke(args),
      get: (_t, key) => (key === 'call' ? call : undefined),
      has: () => false,
    }));
  }
  return new Proxy(Object.create(null) as object, {
    get: (_t, key) => (typeof key === 'string' ? wrapped.get(key) : undefined),
    has: (_t, key) => typeof key === 'string' && wrapped.has(key),
    ownKeys: () => [...wrapped.keys()],
    getOwnPropertyDescriptor: (_t, key) =>
      typeof key === 'string' && wrapped.has(key) ? { value: wrapped.get(key), enumerable: true, configurable: true, writable: false } : undefined,
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
    getPrototypeOf: () => null,
  });
}

/**
 * Whether a byte given to the friendly REPL only edits the line being typed, so that all the REPL
 * prints for it is echo: printable characters (UTF-8 bytes included), Tab (completion), Backspace
 * and Delete, Ctrl-N / Ctrl-P and the bytes of escape sequences (history, cursor keys). Enter,
 * Ctrl-D and the other control keys can run code or change mode (shared/py/readline.c and
 * pyexec.c in MicroPython v1.27.0: `readline_process_char`, `pyexec_friendly_repl_process_char`).
 */
export function editsLine(c: number): boolean {
  return c >= 0x20 || c === 0x08 || c === 0x09 || c === 0x0e || c === 0x10 || c === 0x1b;
}
