/**
 * Boot: what the chip does from reset to the REPL. The boot ROM samples the strapping pins and
 * prints its lines at 74880 baud (rom/boot-rom.ts); a flash boot loads the image at offset 0
 * (rom/esp-image.ts), download mode hands UART0 to the ROM loader (rom/rom-loader.ts); then the
 * firmware starts: a fresh interpreter, our modules (or the snapshot of an earlier boot's
 * interpreter right after they were installed: modules.ts), `_boot.py` (the filesystem), `boot.py`,
 * `main.py` and the banner, as `ports/esp8266/main.c` `mp_reset` and `init_done` do. A soft
 * reset (Ctrl-D) starts the firmware again without the ROM.
 */
import { ROM_BAUD, bootAction, bootMode, romBanner } from '../rom/boot-rom.ts';
import { parseImage, romLoadLog } from '../rom/esp-image.ts';
import { bootBuild, ESP8266_GENERIC, flashIdentity, missingFirmwareCode, releaseVersion } from './builds.ts';
import { HardResetRequest, type DeviceCore } from './core.ts';
import type { DeepSleep } from './deep-sleep.ts';
import type { DeviceEvents } from './events.ts';
import { FlashFilesystems } from './flash-fs.ts';
import type { HeapBudget } from './heap-budget.ts';
import type { DeviceInput } from './input.ts';
import { INITIAL_HEAP_BYTES, Interpreter, isShared, SnapshotMismatch, type InterpreterHooks } from './interpreter.ts';
import type { FirmwareModules } from './modules.ts';
import type { DeviceOutput } from './output.ts';
import type { RealisticSpeed } from './speed.ts';
import { phaseClock, recordPhase, takePhases } from './startup-phases.ts';

/**
 * The eFuse words esptool reads for the board's MAC 5c:cf:7f:c1:dd:42 (0x3FF00050/54/58/5C;
 * esptool-js `targets/esp8266.js` readMac: OUI from mac3, bytes 3–4 from mac1, byte 5 from
 * mac0's top byte).
 */
const EFUSE_WORDS = [0x42000000, 0x0000c1dd, 0x00000000, 0x005ccf7f] as const;
/** Where the SDK's PHY init data sits: 4 sectors before the end of the flash (esp_init_data.c). */
const INIT_DATA_FROM_END = 0x4000;
/** How much of it firmware_start checks and writes, in bytes. */
const INIT_DATA_BYTES = 128;
/** Byte 107 of the init data, `vdd33_const`: 255 makes ADC(1) read the supply voltage. */
const VDD33_CONST = 107;
/**
 * Our stand-in for the init data: not erased (so the next boot finds it), not Espressif's
 * values; only `vdd33_const` is as in MicroPython's default init data (0: ADC(1) reads 65535).
 */
const INIT_DATA = Uint8Array.from({ length: INIT_DATA_BYTES }, (_, i) => (i === VDD33_CONST ? 0 : (i * 37 + 5) & 0x7f));
/**
 * What the chip spends between a reset and the firmware's `init_done()`, in ms: the boot ROM
 * printing its lines at 74880 baud and loading the image, then the SDK's start-up (RF
 * calibration, system init). About 110 ms on a real ESP8266: 113 ms from reset to the first line
 * of user code was measured on a deep-sleep wake (pokewithastick.net, "ESP8266 wake from
 * deep-sleep power profile"), 140–155 ms in iot-bits.com's "Reducing deep sleep wake-up time".
 * Serial input in this time is lost: the ROM does not read UART0 on a flash boot, and the
 * firmware's `uart_config()` (ports/esp8266/uart.c) resets the receive FIFO. It is what makes a
 * `main.py` that calls `machine.reset()` loop at about 7 boots a second, as a board does, with a
 * window each time in which Ctrl-C lands (see `run_file` in python/_fw_boot.py).
 */
export const FIRMWARE_START_MS = 110;
/** How long a crashed firmware takes to restart, in ms (host time; about what real boards show). */
const CRASH_RESTART_MS = 300;
/** The Unix time of 2000-01-01, the firmware's epoch, in ms. */
const UNIX_2000_MS = 946_684_800_000;

/** The parts a boot sets up. */
export interface BootParts {
  core: DeviceCore;
  out: DeviceOutput;
  speed: RealisticSpeed;
  heap: HeapBudget;
  events: DeviceEvents;
  deepSleep: DeepSleep;
  modules: FirmwareModules;
  input: DeviceInput;
  /** The firmware calls (hal.ts), registered as `_esp_hal` in each new interpreter. */
  hal: object;
  /** The WiFi stack: a reset (hard, or from the ROM loader) takes the radio down (net/stack.ts). */
  net: { boot(hard: boolean): void };
}

export class Boot {
  private readonly p: BootParts;
  private booting: Promise<void> = Promise.resolve();
  /** Whether this thread has booted the firmware before (startup-phases.ts `BootKind`). */
  private booted = false;

  constructor(parts: BootParts) {
    this.p = parts;
  }

  /**
   * Boots a fresh interpreter; boots never overlap.
   * @param hard through the boot ROM (power, RST, `machine.reset()`), else a soft reset
   * @param fromLoader the ROM loader was told to run the firmware (no new reset)
   */
  boot(hard: boolean, fromLoader = false): Promise<void> {
    const next = this.booting.then(() => this.bootNow(hard, fromLoader));
    this.booting = next.catch(() => undefined);
    return next;
  }

  /** The boot ROM's load of the image at flash offset 0: what it prints and whether it boots. */
  private romLoad(): { text: string; boots: boolean } {
    const flash = this.p.core.board.flash;
    return romLoadLog(parseImage((a, n) => flash.read(a, n), flash.size));
  }

  private async bootNow(hard: boolean, fromLoader: boolean): Promise<void> {
    const bootAt = phaseClock();
    const { core, out, speed, heap, events, deepSleep } = this.p;
    const board = core.board;
    if (this.crashRestart) clearTimeout(this.crashRestart);
    this.crashRestart = null;
    this.p.net.boot(hard || fromLoader);
    if (deepSleep.pendingUs !== null) return deepSleep.enter(deepSleep.pendingUs);
    const wasRaw = core.rawMode;
    core.loader = null;
    core.rawPaste.reset();
    out.dropNext('');
    events.clear();
    if (fromLoader) {
      // the ROM loader was told to run the firmware: it starts from flash without a new reset
      // (and sets UART0 back to 115200, as MicroPython's startup does)
      if (!this.romLoad().boots) return core.stopInRom();
      const missing = this.firmwareStart();
      if (missing !== null) return this.crash(missing);
      board.uart0.baud = 115200;
      await this.sdkStart();
    } else if (hard) {
      // the old firmware is gone with the reset: input from now on is the ROM's
      core.interp = null;
      // the button is outside the chip: message mode keeps it on the board, read before the reset
      const held = core.channel ? core.channel.flashButtonHeld() : board.view().flashHeld;
      board.resetChip();
      core.flashHeldNow = held;
      board.setFlashButton(held);
      out.publishView();
      // the boot ROM samples the strapping pins and speaks first, at 74880 baud
      const mode = bootMode(board.strapLevels());
      const uart = board.uart0;
      uart.baud = ROM_BAUD;
      uart.transmit(romBanner(core.romCause, mode));
      // a flash boot loads and checks the V1 image at offset 0 (esp-image.ts); without a valid one
      // the ROM prints why and stops, as the chip does
      let halt = bootAction(mode) !== 'flash';
      if (!halt) {
        const log = this.romLoad();
        uart.transmit(new TextEncoder().encode(log.text));
        halt = !log.boots;
        const missing = halt ? null : this.firmwareStart();
        if (missing !== null) return this.crash(missing);
      }
      uart.baud = 115200;
      if (halt) {
        // UART download mode: the ROM loader answers esptool (rom-loader.ts); or the flash holds
        // no bootable image. No firmware starts; a reset (with a valid image, without the Flash
        // button) boots normally.
        if (bootAction(mode) === 'download') await this.startLoader();
        return core.stopInRom();
      }
      await this.sdkStart();
    }
    // A soft reset runs the file objects' finalisers (gc_sweep_all() in ports/esp8266/main.c),
    // which commit what they wrote; a hard reset loses what was not closed or flushed.
    if (!hard && !fromLoader) core.fs.closeAll();
    core.fs = new FlashFilesystems(board.flash);
    // the build in flash decides the release (which interpreter runs), the banner,
    // flash_user_start() and whether there is a filesystem
    core.build = bootBuild(flashIdentity((a, n) => board.flash.read(a, n)), core.opts.build ?? ESP8266_GENERIC);
    core.interp = null;
    heap.reset();
    core.rtc.init(); // mp_hal_init → mp_hal_rtc_init, at every boot
    const wasm = await core.wasmOf(core.build.release).catch((e: unknown) => {
      // the release's interpreter could not be loaded: the one there is runs, under its own version
      core.opts.post({ t: 'fault', message: `the MicroPython ${core.build.release} interpreter could not be loaded (${String(e)}); the board runs ${core.wasm.release}` });
      core.build = { ...core.build, release: core.wasm.release, version: releaseVersion(core.wasm.release) };
      return core.wasm;
    });
    const kind = !this.booted ? 'first' : hard || fromLoader ? 'hard' : 'soft';
    this.booted = true;
    let t = recordPhase('rom', bootAt);
    const hooks: InterpreterHooks = {
      stdout: (b) => out.onStdout(b),
      ticksMs: () => board.clock.nowMs(),
      unixMs: () => UNIX_2000_MS + board.clock.nowMs(),
      heapCheck: (n) => heap.check(n),
      onRuntimeCall: () => {
        // message mode with a relay: code that neither waits nor prints still looks for a Ctrl-C
        if (speed.countCall() && core.relay) this.p.input.pollSoon();
      },
    };
    // our modules as an earlier boot installed them (modules.ts), or installed now
    const { modules, hal } = this.p;
    const plan = modules.restorePlan(wasm, hal, INITIAL_HEAP_BYTES);
    let interp: Interpreter | null = null;
    if (plan) {
      interp = await Interpreter.create(wasm, hooks, INITIAL_HEAP_BYTES, plan).catch((e: unknown) => {
        if (!(e instanceof SnapshotMismatch)) throw e;
        modules.forget(plan.snapshot);
        return null;
      });
      if (interp) {
        neutraliseJsBridge();
        t = recordPhase('restore', t);
      }
    }
    if (!interp) {
      interp = await Interpreter.create(wasm, hooks, INITIAL_HEAP_BYTES);
      neutraliseJsBridge();
      t = recordPhase('create', t);
      modules.install(interp, hal, wasm, INITIAL_HEAP_BYTES);
      t = recordPhase('install', t);
    }
    core.interp = interp;
    speed.boot(core.opts.realisticSpeed === true, hard);
    // The host learns the interpreter's memory now, so Ctrl-C reaches a boot that never ends.
    const memory = isShared(interp.memory.buffer) ? interp.memory.buffer : null;
    core.opts.post({ t: 'ready', release: wasm.release, wasm: wasm.module, memory, layout: memory ? interp.layout : null, utf8Prompt: wasm.utf8Prompt, heapBudget: wasm.heapBudget });
    // mp_reset(): the frozen _boot.py (filesystem), then boot.py and main.py (main.py only in the
    // friendly REPL). The firmware's own heap use, _boot.py's objects included (they are in the
    // board's figure for a fresh boot, reference §1.5), is measured before the scripts run.
    if (!this.runBoot(interp, 'frozen()')) return;
    t = recordPhase('frozen', t);
    heap.start(interp, core.build);
    if (!this.runBoot(interp, `scripts(${!(wasRaw && !hard) ? 'True' : 'False'}, globals())`)) return;
    t = recordPhase('scripts', t);
    if (hard) core.uartText('\r\n');
    out.muted = wasRaw && !hard;
    // the event-driven REPL's start prints `\r\n` before the banner; the port's REPL does not
    // (after a hard boot the one blank line is init_done's, printed above)
    if (!out.muted) out.dropNext('\r\n');
    interp.mp.replInit();
    if (out.muted) {
      interp.processChar(0x01);
      out.muted = false;
      core.rawMode = true;
      core.uartText('raw REPL; CTRL-B to exit\r\n>');
    }
    out.flushAll();
    recordPhase('repl', t);
    core.opts.post({ t: 'timing', kind, phases: takePhases(), memoryBytes: interp.memory.buffer.byteLength });
    // the pin-call prefix of the realistic-speed clock, once per thread
    if (speed.uncalibrated) speed.countPinCallPrefix(interp);
  }

  /**
   * The firmware's first code (ports/esp8266/esp_init_data.c `firmware_start`): when the 128
   * bytes at flash size − 0x4000 are all erased, it prints `Writing init data` with the ROM's
   * `ets_printf` (still at the ROM's baud rate; its putc turns `\n` into `\r\n`) and writes the SDK's default PHY init data there.
   * The chip's size is the board's flash (as `esp.flash_size()` reports it here). The bytes are
   * our placeholder, not Espressif's calibration values (nothing here reads them).
   * @returns null when the firmware's code is all there, else the flash offset where it is missing
   */
  private firmwareStart(): number | null {
    const board = this.p.core.board;
    const flash = board.flash;
    const at = flash.size - INIT_DATA_FROM_END;
    if (at >= 0 && flash.read(at, INIT_DATA_BYTES).every((b) => b === 0xff)) {
      board.uart0.transmit(new TextEncoder().encode('Writing init data\r\n'));
      flash.program(at, INIT_DATA);
    }
    // the SDK takes the init data in at start-up: byte 107 chooses what ADC(1) measures
    this.p.core.adcReadsVdd = at >= 0 && flash.read(at + VDD33_CONST, 1)[0] === 0xff;
    // then call_user_start: the SDK and MicroPython run from irom0, which must be all there
    return missingFirmwareCode((a, n) => flash.read(a, n));
  }

  /**
   * The ROM's image load and the SDK's start-up ({@link FIRMWARE_START_MS}): the time passes
   * (host time; at once, on the virtual clock, in the `instant` sleep mode) and what arrives on
   * UART0 meanwhile is dropped, Ctrl-C included. The Flash button is still read.
   */
  private async sdkStart(): Promise<void> {
    const { core, input } = this.p;
    const clock = core.board.clock;
    if (clock.sleepMode === 'instant') {
      clock.advance(FIRMWARE_START_MS * 1000);
    } else {
      const until = performance.now() + FIRMWARE_START_MS;
      for (let left = FIRMWARE_START_MS; left > 0; left = until - performance.now()) {
        input.discard();
        await new Promise((resolve) => setTimeout(resolve, Math.min(left, 20)));
      }
    }
    input.discard();
  }

  /** The restart after a crash, while one is due. */
  private crashRestart: ReturnType<typeof setTimeout> | null = null;

  /**
   * The firmware jumped into code that is not in flash: the SDK's exception handler prints a
   * fatal exception (the form real boards print, e.g. micropython/micropython#1957) at the ROM's
   * baud, and the chip restarts, again and again, until it gets a whole firmware (hold Flash and
   * press Reset to reach the ROM loader). The faulting address is where the missing code is
   * mapped (flash at 0x40200000).
   */
  private crash(missingAt: number): void {
    const core = this.p.core;
    const epc = 0x40200000 + missingAt;
    const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
    core.uartText(`Fatal exception 0(IllegalInstructionCause):\r\nepc1=${hex(epc)}, epc2=0x00000000, epc3=0x00000000, excvaddr=0x00000000, depc=0x00000000\r\n`);
    core.board.uart0.baud = 115200;
    core.stopInRom();
    this.p.out.flushAll();
    this.crashRestart = setTimeout(() => {
      this.crashRestart = null;
      core.restart(2, 2); // REASON_EXCEPTION_RST; the ROM sees a restart (rst cause:2)
    }, CRASH_RESTART_MS);
  }

  /** Download mode: the ROM loader, loaded on first use (it and its inflater are not needed to run MicroPython). */
  private async startLoader(): Promise<void> {
    const core = this.p.core;
    // bytes that arrive meanwhile wait in UART0 (the REPL pump waits for core.loaderLoading)
    const loading = import('../rom/rom-loader.ts');
    core.loaderLoading = loading.then(() => undefined, () => undefined);
    const { RomLoader } = await loading;
    core.loaderLoading = null;
    core.loader = new RomLoader({
      flash: core.board.flash,
      efuse: EFUSE_WORDS,
      runUserCode: () => void this.boot(true, true),
      setBaud: (baud) => {
        core.board.uart0.baud = baud;
      },
    });
  }

  /**
   * Runs a part of the firmware's boot (ports/esp8266/main.c mp_reset(): `_boot.py`, `boot.py`,
   * `main.py`; firmware/python/_fw_boot.py) as running code: Ctrl-C interrupts it,
   * `machine.reset()` in it restarts the board.
   * @returns false when the board restarts instead of reaching the REPL
   */
  private runBoot(interp: Interpreter, call: string): boolean {
    const { core, out, speed } = this.p;
    core.channel?.setBusy(true);
    speed.setExecuting(true);
    try {
      interp.mp.runPython(`__import__('_fw_boot', None, None, (), -7).${call}`);
      return true;
    } catch (e) {
      if (e instanceof HardResetRequest) {
        core.restartFor(e);
        return false;
      }
      core.opts.post({ t: 'fault', message: `boot failed: ${String(e).slice(0, 300)}` });
      return true;
    } finally {
      speed.setExecuting(false);
      out.flushAll();
      core.channel?.setBusy(false);
    }
  }
}

/** The interpreter's `js` module is the thread's global object: give it an empty object instead. */
function neutraliseJsBridge(): void {
  const refs = (globalThis as { proxy_js_ref?: unknown[] }).proxy_js_ref;
  if (Array.isArray(refs)) refs[0] = Object.freeze(Object.create(null));
}
