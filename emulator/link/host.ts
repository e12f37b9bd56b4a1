/**
 * The board client: the host side of one emulated ESP-07. The page creates one per lab and
 * every island talks to it; Node tests create their own. It owns the emulator thread and the
 * shared channel, and turns the learner's actions into what a real board would receive:
 * bytes on UART0, a Flash button on GPIO0, a pulse on RST.
 *
 * Ctrl-C: when the interpreter's memory is shared, a Ctrl-C that arrives while code runs is
 * delivered at once by writing the VM's pending-exception words, as the UART interrupt does on
 * the chip; it also travels on the serial line so blocking calls see it. If the running code
 * does not answer within `interruptTimeoutMs` (a long C call, or no shared memory), the thread
 * is replaced: a hard reset, announced through the `notice` event.
 */
import type { BoardView } from '../board/esp07.ts';
import { ChannelHost, createChannelBuffer } from './channel.ts';
import type { SleepMode } from '../board/clock.ts';
import { FLASH_SIZES, SpiFlash } from '../chip/flash.ts';
import { buildFirmware, DEFAULT_RELEASE, firmwareBuild, readIdentity, flashReader, sealFirmware, type ReleaseId } from '../firmware/builds.ts';
import { DEFAULT_CIRCUIT, type Circuit } from '../board/circuit.ts';
import { BOARD_RTC, RTC_MEMORY_BYTES } from '../chip/rtc.ts';
import { keyboardInterruptPending, pokeKeyboardInterrupt, runningUserCode } from './vm-interrupt.ts';
import { parseDeviceMessage, type CompiledInterpreter, type HostMessage, type StartCause, type StoreState } from './protocol.ts';
import { flashFileName } from './flash-file.ts';
import { createMailbox, Mailbox } from '../net/mailbox.ts';
import type { LaptopReply } from '../net/context.ts';
import type { InterruptLayout } from '../firmware/wasm-inspect.ts';
import { featureById, type UnremovableFeature } from '../firmware/unremovable.ts';
import type { BootKind, Phase } from '../firmware/startup-phases.ts';
import type { RelayLink, RelaySender } from './relay.ts';
import { lastRomBoot } from '../rom/boot-rom.ts';

/** A worker thread as the host needs it (browser `Worker` or Node `worker_threads.Worker`). */
export interface WorkerLike {
  postMessage(msg: HostMessage, transfer?: Transferable[]): void;
  terminate(): void;
  onMessage(handler: (data: unknown) => void): void;
  onError(handler: (message: string) => void): void;
}

export interface BoardHostOptions {
  /** Starts a new emulator thread. */
  spawn: () => WorkerLike;
  /** Use a SharedArrayBuffer channel (default: when available and, in a browser, cross-origin isolated). */
  shared?: boolean;
  /** How sleeps spend host time (default `realtime`). */
  sleepMode?: SleepMode;
  /** How long running code may take to answer Ctrl-C before a hard reset, in ms (default 1000). */
  interruptTimeoutMs?: number;
  /** Start with the realistic-speed clock (ESP8266 timing of running code). */
  realisticSpeed?: boolean;
  /** Size of the board's SPI flash (default `4M`; an ESP-07 came with 512 KB, 1 MB or 4 MB). */
  flashSize?: FlashSize;
  /**
   * The flash as it was saved (a state file, IndexedDB): its length must be the flash size.
   * Without it a new board comes with the MicroPython build for its flash size at offset 0.
   */
  flashContents?: Uint8Array;
  /**
   * The MicroPython release a new board comes with (default builds.ts `DEFAULT_RELEASE`, the
   * current one). Which release runs is decided at each boot by the firmware in flash: after
   * flashing another release's image, the board runs that one.
   */
  release?: ReleaseId;
  /** The RTC slow clock's drift in ppm (default: this board's own, rtc.ts `BOARD_RTC`). */
  rtcDriftPpm?: number;
  /**
   * Message mode only: a relay through which input reaches code while it runs (relay.ts;
   * the workshop servers offer one, workshop/RELAY.md). Can also be set later with
   * {@link BoardHost.useRelay}, before the board powers on.
   */
  relay?: RelayLink | null;
  /**
   * Keep the flash in a file the emulator thread writes as the firmware does (link/flash-file.ts:
   * every write on storage when the firmware call returns; the browser's Origin Private File
   * System), one file per flash size; at each power-on the file's contents win over
   * `flashContents` (which then only seeds a new file). Where the thread has no such storage
   * the `store` event says so and the host keeps the flash as without this option.
   */
  store?: boolean;
}

/** The flash as saved elsewhere (IndexedDB), still loading, or how to load it. */
export type SavedFlash = Promise<Uint8Array | null> | (() => Promise<Uint8Array | null>);

/** Flash sizes a board can have. */
export type FlashSize = keyof typeof FLASH_SIZES;

/** One boot's start-up phases, as the emulator thread measured them (firmware/startup-phases.ts). */
export interface BootTiming {
  kind: BootKind;
  phases: Phase[];
  /** The interpreter's memory (`WebAssembly.Memory`) after the boot, bytes. */
  memoryBytes: number;
}

export interface BoardHostEvents {
  /**
   * Bytes from UART0 TX, with the baud rate they were sent at; `echo` is true when they are the
   * REPL's echo of what was typed or pasted (line editing), false for what the board printed.
   */
  serial: (data: Uint8Array, baud: number, echo: boolean) => void;
  /** The board view changed (pins, LED, buttons). */
  view: (view: BoardView) => void;
  /** Something the learner should know that is not the board's output (e.g. a forced reset). */
  notice: (text: string) => void;
  /**
   * A program first used something only the lab's interpreter has, which a real board lacks
   * (firmware/unremovable.ts: the note's text and its differences-page anchor); once per
   * feature for the life of this host.
   */
  note: (feature: UnremovableFeature) => void;
  /** An interpreter finished booting. */
  ready: () => void;
  /**
   * A boot reached the prompt: its phases (firmware/startup-phases.ts; `start`/`end` absolute,
   * `performance.timeOrigin`-based ms) and the interpreter's memory in bytes.
   */
  timing: (t: BootTiming) => void;
  /**
   * The flash was written (erase or program, by the firmware or the ROM loader); reported at
   * most every ~200 ms, when the emulator is between tasks. Read it with {@link BoardHost.flashSnapshot}.
   */
  flash: () => void;
  /** The circuit panel's parts changed ({@link BoardHost.setCircuit}). */
  circuit: (c: Circuit) => void;
  /**
   * What became of the flash file ({@link BoardHostOptions.store}) at a power-on, or later:
   * `open` (with `contents` null when the file was new or damaged, `damaged` saying why),
   * `unavailable` or `failed` (the host keeps the flash: save it yourself on `flash`).
   */
  store: (state: StoreState) => void;
}

type Listeners = { [K in keyof BoardHostEvents]: Set<BoardHostEvents[K]> };

/** Characters of the boot ROM's text the host keeps to explain a silent board (one boot's lines fit). */
const ROM_TAIL = 600;
const EMPTY_VIEW: BoardView = { pins: Array(17).fill('input'), levels: Array(17).fill(0), led: false, ledBrightness: 0, duty: Array(17).fill(null), adc: 0, flashHeld: false, sleeping: false, uptimeMs: 0, supplyUa: 70000 };

export class BoardHost {
  private readonly opts: Required<BoardHostOptions>;
  private worker: WorkerLike | null = null;
  private channel: ChannelHost | null = null;
  private compiled: CompiledInterpreter | null = null;
  private memory: SharedArrayBuffer | null = null;
  private layout: InterruptLayout | null = null;
  private generation = 0;
  /** GPIO0 pulled to ground: the Flash button held, or the auto-reset circuit pulling it. */
  private flashHeld = false;
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  private acked = false;
  private readonly listeners: Listeners = { serial: new Set(), view: new Set(), notice: new Set(), note: new Set(), ready: new Set(), timing: new Set(), flash: new Set(), circuit: new Set(), store: new Set() };
  private lastViewKey = '';
  /** The features a `note` was emitted for (each once). */
  private readonly noted = new Set<string>();
  /** The last board view the emulator reported. */
  view: BoardView = EMPTY_VIEW;
  /** Whether UTF-8 typed at the friendly prompt is kept by this interpreter build. */
  utf8Prompt = false;
  /** The release of the interpreter the board last started (builds.ts `RELEASES`), or null before the first. */
  release: ReleaseId | null = null;

  constructor(opts: BoardHostOptions) {
    const canShare = typeof SharedArrayBuffer !== 'undefined'
      && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
    this.opts = {
      shared: canShare,
      sleepMode: 'realtime',
      interruptTimeoutMs: 1000,
      realisticSpeed: false,
      flashSize: '4M',
      flashContents: undefined as unknown as Uint8Array,
      release: DEFAULT_RELEASE,
      rtcDriftPpm: BOARD_RTC.driftPpm,
      relay: null,
      store: false,
      ...opts,
    };
    const contents = opts.flashContents;
    if (contents && contents.length !== FLASH_SIZES[this.opts.flashSize]) {
      throw new RangeError(`flash contents are ${contents.length} bytes, a ${this.opts.flashSize} flash holds ${FLASH_SIZES[this.opts.flashSize]}`);
    }
  }

  /** Tells the learner something through the `notice` event (the page's own messages). */
  announce(text: string): void {
    this.notice(text);
  }

  /** The board's flash size. */
  get flashSize(): FlashSize {
    return this.opts.flashSize;
  }

  /**
   * A copy of the whole flash as it is now (`flashSize` bytes): what a state file or IndexedDB keeps.
   * Before the board was first started it is the factory contents.
   */
  flashSnapshot(): Uint8Array {
    if (!this.flash) this.flash = this.factoryFlash().storage;
    return new Uint8Array(this.flash).slice();
  }

  /**
   * Replaces the whole flash and powers the board on again with it (loading a saved state, or a
   * factory reset with `null`: a new board with the MicroPython build for its size flashed).
   * @param size the flash size from now on (a different flash chip), default the current one
   * @throws RangeError if the contents are not `size` bytes long
   */
  replaceFlash(contents: Uint8Array | null, size: FlashSize = this.opts.flashSize): void {
    if (contents && contents.length !== FLASH_SIZES[size]) {
      throw new RangeError(`flash contents are ${contents.length} bytes, a ${size} flash holds ${FLASH_SIZES[size]}`);
    }
    this.opts.flashSize = size;
    this.opts.flashContents = contents ?? (undefined as unknown as Uint8Array);
    this.flash = null;
    // these contents replace the file's (written before the board powers on)
    this.flashFromStore = false;
    if (this.worker) this.respawn('power');
  }

  /**
   * Powers the board of `size` on with its flash as kept: the flash file's contents (with
   * {@link BoardHostOptions.store}), else `fallback`'s (IndexedDB; a function is called only
   * when the file does not decide), else a new board.
   * @param expected the release the kept flash most likely holds (its interpreter is compiled
   *   while the flash loads; the emulator thread still decides from the flash itself)
   */
  powerOnStored(size: FlashSize, fallback: SavedFlash | null, expected: ReleaseId | null = null): void {
    this.releaseHint = expected;
    this.opts.flashSize = size;
    this.opts.flashContents = undefined as unknown as Uint8Array;
    this.flash = null;
    this.flashFromStore = true;
    this.pendingFlash = fallback;
    if (this.worker) this.respawn('power');
    else this.start();
  }

  /**
   * Whether the flash is on storage at each firmware call's return (the flash file is open):
   * null until the emulator thread answered, false when the host must save it itself.
   */
  get durable(): boolean | null {
    return this.storeKind === 'open' ? true : this.storeKind === null ? null : false;
  }

  private storeKind: StoreState['kind'] | null = null;
  /** The next power-on takes the flash from the file when it holds one. */
  private flashFromStore = true;
  /** Stopped by {@link stop}: Reset does not power it on. */
  private stopped = false;

  /**
   * Powers the board off and lets go of its flash (another tab takes the board): the emulator
   * thread ends, and with it its hold on the flash file. {@link start} or
   * {@link powerOnStored} power it on again, with the flash as kept then.
   */
  stop(): void {
    this.clearWatchdog();
    this.generation++;
    this.channel?.release();
    this.worker?.terminate();
    this.worker = null;
    this.channel = null;
    this.flash = null;
    this.opts.flashContents = undefined as unknown as Uint8Array;
    this.flashFromStore = true;
    this.pendingFlash = null;
    this.stopped = true;
    this.awaitingReset = false;
    this.heldInput = [];
    this.emitView({ ...EMPTY_VIEW, flashHeld: this.flashHeld });
  }

  /** Whether the board is powered off by {@link stop}. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Whether input and interrupts travel through shared memory (false: degraded message mode). */
  get shared(): boolean {
    return this.opts.shared;
  }

  /**
   * Which way input reaches running code: `shared` (shared memory: everything, at once),
   * `relay` (message mode with a relay: sleeps, `input()` and Ctrl-C of code that prints or
   * sleeps; a loop that does neither is reset) or `message` (only between programs: Ctrl-C resets).
   */
  get inputMode(): 'shared' | 'relay' | 'message' {
    return this.opts.shared ? 'shared' : this.opts.relay ? 'relay' : 'message';
  }

  /**
   * Gives message mode a relay (see {@link BoardHostOptions.relay}); it is used from the next
   * emulator thread on that powers on (the first, if the board is still starting).
   */
  useRelay(link: RelayLink | null): void {
    this.opts.relay = link;
  }

  /** Subscribes to an event; returns an unsubscribe function. */
  on<K extends keyof BoardHostEvents>(event: K, fn: BoardHostEvents[K]): () => void {
    (this.listeners[event] as Set<BoardHostEvents[K]>).add(fn);
    return () => (this.listeners[event] as Set<BoardHostEvents[K]>).delete(fn);
  }

  /**
   * Powers the board on.
   * @param savedFlash the flash as it was saved, still loading (null or a wrong size: a new board);
   *   with {@link BoardHostOptions.store}, a function is called only if the flash file is new
   * @param expected the release the saved flash most likely holds (see {@link powerOnStored})
   */
  start(savedFlash?: SavedFlash, expected: ReleaseId | null = null): void {
    if (this.worker) return;
    this.stopped = false;
    if (savedFlash) this.pendingFlash = savedFlash;
    if (expected) this.releaseHint = expected;
    this.spawn('power');
  }

  /**
   * Flash contents still being read (IndexedDB): the emulator thread starts, and compiles the
   * interpreter, meanwhile; the board powers on once they are known.
   */
  private pendingFlash: SavedFlash | null = null;

  /**
   * Sends bytes to the board's UART0 RX, as typed in a terminal (a string is sent as UTF-8).
   * Ctrl-C (0x03) interrupts running code.
   */
  write(input: Uint8Array | string): void {
    const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
    if (bytes.length === 0) return;
    this.explainSilence();
    const hasCtrlC = bytes.includes(0x03);
    if (this.channel && this.awaitingReset) {
      // sent after Reset: it reaches whatever runs after the reset (the ROM loader, or the new
      // firmware), not the old firmware, which would otherwise still read the shared ring
      this.heldInput.push(bytes.slice());
      return;
    }
    if (this.channel) {
      for (const b of bytes) if (b === 0x03) this.channel.noteCtrlC();
      this.channel.write(bytes);
      this.retryPendingInput();
      if (hasCtrlC) {
        this.deliverCtrlC();
        if (this.channel.busy()) this.armWatchdog();
      }
    } else if (this.worker) {
      // both routes carry the bytes with their offset; the emulator keeps the first copy
      const at = this.inputAt;
      this.inputAt += bytes.length;
      this.worker.postMessage({ t: 'in', data: bytes, at });
      this.relaySender?.send(at, bytes);
      if (hasCtrlC) this.armWatchdog();
    }
  }

  /**
   * Runs a program the way a serial tool pastes it: Ctrl-C (stop what runs, clear the line),
   * Ctrl-E (paste mode), the code with `\r` line ends, Ctrl-D (execute). Variables it defines
   * stay in the REPL afterwards. Resolves once the bytes are on their way.
   */
  async run(code: string): Promise<void> {
    const body = code.replace(/\r\n?/g, '\n').replace(/\n+$/, '').replace(/\n/g, '\r');
    this.write('\x03');
    this.write(`\x05${body}\r\x04`);
  }

  /** Presses and releases the Reset button: a hard reset (RAM state is lost, pins return to input). */
  reset(): void {
    if (this.stopped) return;
    if (!this.worker) return this.start();
    // Message mode cannot tell whether code runs: it asks too, and the emulator thread keeps its
    // flash (its latest writes may not have reached the page yet) unless it does not answer.
    if (!this.channel || !this.channel.busy()) {
      const gen = this.generation;
      const nth = ++this.inPlaceResets;
      this.worker.postMessage({ t: 'reset', circuit: this.circuit });
      // An idle emulator restarts its interpreter in place; one that does not answer is replaced
      // (a restart takes the chip's own start-up, ~110 ms: firmware/boot.ts FIRMWARE_START_MS).
      // Only this reset's own wait may replace it: an earlier reset's timer, still running when a
      // second reset comes within 1 s (esptool's reset into the loader, then its hard reset),
      // would otherwise find this one under way and boot the board a second time.
      this.awaitingReset = true;
      setTimeout(() => {
        if (this.generation === gen && this.inPlaceResets === nth && this.awaitingReset) this.respawn('reset');
      }, 1000);
      return;
    }
    // what is typed from now on reaches the new firmware once it is up (its start-up would lose it)
    if (this.channel) this.awaitingReset = true;
    this.respawn('reset');
  }

  /** A reset was sent to an idle emulator and its interpreter has not reported ready yet. */
  private awaitingReset = false;
  /** Resets sent to an idle emulator so far: tells each reset's 1 s wait from a later one's. */
  private inPlaceResets = 0;
  /** Input written while {@link awaitingReset}, delivered once the board is up again. */
  private heldInput: Uint8Array[] = [];

  /**
   * Holds or releases the Flash button (GPIO0 to ground).
   * @param held true while pressed
   */
  setFlash(held: boolean): void {
    this.buttonHeld = held;
    this.pullGpio0();
  }

  /**
   * What a USB-serial adapter's auto-reset circuit does to the chip (only while the circuit
   * panel's `autoReset` is fitted; serial-port.ts maps DTR/RTS to these, reference
   * serial-protocols.md §1.4). GPIO0 pulled low acts as the Flash button held (the two are
   * wired-OR to ground); EN pulled low holds the chip in reset and letting it go is a reset, with
   * the strapping pins as they are at that moment.
   */
  setAdapterLines(lines: { enLow: boolean; gpio0Low: boolean }): void {
    const fitted = this.circuit.autoReset === true;
    const gpio0Low = fitted && lines.gpio0Low;
    const enLow = fitted && lines.enLow;
    // one call is one change of both lines: GPIO0 first, so that a reset it ends samples it
    if (gpio0Low !== this.adapterGpio0Low) {
      this.adapterGpio0Low = gpio0Low;
      this.pullGpio0();
    }
    const released = this.adapterEnLow && !enLow;
    this.adapterEnLow = enLow;
    if (released) this.reset();
  }

  /** The Flash button is down. */
  private buttonHeld = false;
  /** The auto-reset circuit pulls GPIO0 low (DTR asserted, RTS not). */
  private adapterGpio0Low = false;
  /** The auto-reset circuit pulls EN low (RTS asserted, DTR not). */
  private adapterEnLow = false;

  /** Sends GPIO0's pull to ground (button or adapter; `flashHeld` is the two ORed) to the board. */
  private pullGpio0(): void {
    const held = this.buttonHeld || this.adapterGpio0Low;
    this.flashHeld = held;
    if (this.channel) this.channel.setFlashButton(held);
    else this.worker?.postMessage({ t: 'flash', held });
    if (this.channel) {
      // The emulator reads the button on its next GPIO access; show the press at once.
      this.emitView({ ...this.view, flashHeld: held });
    }
  }

  /**
   * Fits or removes the strapping parts of the circuit panel. Like on the bench, the boot ROM
   * sees the change at the next reset.
   */
  setCircuit(c: Circuit): void {
    this.circuit = { ...c };
    // taking the adapter's circuit out lets go of whatever it pulled
    if (!c.autoReset && (this.adapterGpio0Low || this.adapterEnLow)) {
      this.adapterEnLow = false;
      this.adapterGpio0Low = false;
      this.pullGpio0();
    }
    this.worker?.postMessage({ t: 'circuit', circuit: { ...this.circuit } });
    for (const fn of this.listeners.circuit) fn({ ...this.circuit });
  }

  /** The strapping parts fitted now. */
  get circuitParts(): Circuit {
    return { ...this.circuit };
  }

  private circuit: Circuit = { ...DEFAULT_CIRCUIT };

  /**
   * Sets the voltage on the ADC pin (TOUT), as a raw reading 0–1024 (0–1.0 V).
   */
  setAdc(raw: number): void {
    this.adcRaw = Math.min(1024, Math.max(0, Math.round(raw)));
    if (this.channel) this.channel.setAdc(this.adcRaw);
    else this.worker?.postMessage({ t: 'adc', raw: this.adcRaw });
  }

  /**
   * Realistic speed on or off: running code takes the time an ESP8266 at 80 MHz (or 160 MHz
   * after `machine.freq(160000000)`) would take, as `time.ticks_us()` sees it.
   */
  setRealisticSpeed(on: boolean): void {
    this.opts.realisticSpeed = on;
    this.worker?.postMessage({ t: 'speed', realistic: on });
  }

  /** Whether the realistic-speed clock is on. */
  get realisticSpeed(): boolean {
    return this.opts.realisticSpeed;
  }

  /**
   * The learner's clock control: virtual time runs `rate` times as fast as real time (0 pauses
   * it). Sleeps, ticks, timers, the RTC and deep-sleep timers all follow; it acts on running
   * code at once (through the shared channel) and is kept across resets.
   * @throws RangeError if rate is negative or not finite
   */
  setClockRate(rate: number): void {
    if (!Number.isFinite(rate) || rate < 0) throw new RangeError(`invalid clock rate ${rate}`);
    this.uptimeBase = this.uptimeMs();
    this.viewAt = performance.now();
    this.clockScale = rate;
    this.sendClock(0);
  }

  /** The learner's clock rate (1 normal, 0 paused). */
  get clockRate(): number {
    return this.clockScale;
  }

  /**
   * Moves the board's virtual time forward by `ms` at once, as if that much time had passed:
   * sleeps and timers that become due end, the RTC counter advances (and may wrap).
   * @throws RangeError if ms is negative or not finite
   */
  jumpClock(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot jump the clock by ${ms} ms`);
    this.uptimeBase = this.uptimeMs() + ms;
    this.viewAt = performance.now();
    this.sendClock(ms);
  }

  /**
   * Sets how far the RTC's slow clock is off, in ppm (16 667 ppm gains a second per minute):
   * `time.time()` and `RTC.datetime()` run that much fast (negative: slow) from now on.
   */
  setRtcDrift(ppm: number): void {
    if (!Number.isFinite(ppm) || ppm <= -1e6 || ppm >= 1e6) throw new RangeError(`invalid RTC drift ${ppm} ppm`);
    this.opts.rtcDriftPpm = Math.round(ppm);
    this.sendClock(0);
  }

  /** The RTC slow clock's drift in ppm. */
  get rtcDriftPpm(): number {
    return this.opts.rtcDriftPpm;
  }

  /**
   * The board's virtual time since its last reset or wake, in ms: the last published figure
   * carried forward at the clock rate (an estimate between the board's reports).
   */
  uptimeMs(): number {
    if (this.stopped) return 0;
    return this.uptimeBase + Math.max(0, performance.now() - this.viewAt) * this.clockScale;
  }

  private sendClock(jumpMs: number): void {
    if (this.channel) {
      this.channel.setClock(this.clockScale, this.opts.rtcDriftPpm);
      if (jumpMs > 0) this.channel.jumpClock(jumpMs);
    } else {
      this.worker?.postMessage({ t: 'clock', settings: { scale: this.clockScale, driftPpm: this.opts.rtcDriftPpm }, jumpMs });
    }
  }

  private clockScale = 1;
  private uptimeBase = 0;
  private viewAt = 0;
  /** RTC memory: kept across resets and deep sleep, new at power-on (see spawn). */
  private rtcMemory: ArrayBufferLike | null = null;

  private adcRaw = 0;
  /** Work deferred until the first prompt is up (hashing the factory firmware's MD5). */
  private afterFirstPrompt: (() => Promise<unknown>) | null = null;
  private flash: ArrayBufferLike | null = null;

  /**
   * The lab's laptop sends an HTTP request over the virtual network to the board (its browser:
   * `http://192.168.4.1/` joins the board's access point first). No real request is made.
   * @param url `http://<board ip>[:port]/path`
   */
  laptopFetch(url: string, opts: { method?: string; body?: string } = {}): Promise<LaptopReply> {
    const id = this.nextNetId++;
    const request = { id, url, ...opts };
    return new Promise((resolve) => {
      this.netPending.set(id, resolve);
      if (this.netMailbox) {
        if (!this.netMailbox.put(request)) {
          this.netPending.delete(id);
          resolve({ id, response: '', error: 'busy', notes: [], ms: 0 });
        }
      } else this.worker?.postMessage({ t: 'net', request });
    });
  }

  /**
   * The laptop opens a WebREPL connection to the board (`ws://192.168.4.1:8266/`) over the
   * virtual network (net/webrepl.ts). `onEvent` gets the board's events: 'open', 'data' (text
   * for the terminal), 'file' (a put/get's answer, hex), 'closed' (with the reason in `error`).
   */
  laptopSocket(url: string, onEvent: (r: LaptopReply) => void): { send(data: string): void; put(name: string, data: Uint8Array): void; get(name: string): void; close(): void } {
    const id = this.nextNetId++;
    let authed = false;
    this.netStreams.set(id, (r) => {
      if (r.ws === 'closed') this.netStreams.delete(id);
      if (r.ws === 'data' && r.response.includes('\r\nWebREPL connected\r\n')) authed = true;
      onEvent(r);
    });
    // messages wait here while the mailbox is full (a file goes in 4 KB parts)
    const queue: Record<string, unknown>[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    const gen = this.generation;
    const flush = () => {
      timer = null;
      // the connection ended, or the emulator thread was replaced: nothing will take these
      if (gen !== this.generation || !this.netStreams.has(id)) {
        queue.length = 0;
        return;
      }
      while (queue.length) {
        const msg = queue[0] as Record<string, unknown>;
        if (this.netMailbox) {
          if (!this.netMailbox.put(msg)) {
            timer = setTimeout(flush, 20);
            return;
          }
        } else this.worker?.postMessage({ t: 'net', request: msg });
        queue.shift();
      }
    };
    const post = (m: Record<string, unknown>) => {
      queue.push({ id, ...m });
      if (!timer) flush();
    };
    const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    const PART = 4096;
    post({ ws: 'open', url });
    return {
      send: (data) => {
        // A connected client's Ctrl-C must stop a busy loop, which no network event reaches:
        // it takes the serial line's fast path (dupterm reads both streams alike).
        if (authed && data.includes('\x03')) {
          const parts = data.split('\x03');
          parts.forEach((p, i) => {
            if (p) post({ ws: 'send', data: p });
            if (i < parts.length - 1) this.write('\x03');
          });
          return;
        }
        post({ ws: 'send', data });
      },
      put: (name, data) => {
        for (let part = 0, o = 0; o < data.length || part === 0; part++, o += PART) {
          post({ ws: 'put', name, part, more: o + PART < data.length, data: hex(data.subarray(o, o + PART)) });
        }
      },
      get: (name) => post({ ws: 'get', name }),
      close: () => post({ ws: 'close' }),
    };
  }

  /** Message mode: the offset of the next input byte in this emulator thread's stream. */
  private inputAt = 0;
  /** Message mode with a relay: this emulator thread's relay. */
  private relaySender: RelaySender | null = null;

  private readonly netStreams = new Map<number, (r: LaptopReply) => void>();
  private nextNetId = 1;
  private readonly netPending = new Map<number, (r: LaptopReply) => void>();
  private netMailbox: Mailbox | null = null;

  /** The board restarted: the laptop's requests in flight get no answer. */
  private failNetRequests(): void {
    for (const [id, resolve] of this.netPending) resolve({ id, response: '', error: 'board-reset', notes: [], ms: 0 });
    this.netPending.clear();
    for (const [id, fn] of [...this.netStreams]) fn({ id, ws: 'closed', response: '', error: 'board-reset', notes: [], ms: 0 });
  }

  /** Stops the emulator thread. */
  dispose(): void {
    this.clearWatchdog();
    this.generation++;
    this.channel?.release();
    this.worker?.terminate();
    this.worker = null;
    this.channel = null;
  }

  // ---- internals --------------------------------------------------------------------------

  private spawn(cause: StartCause): void {
    const gen = ++this.generation;
    const worker = this.opts.spawn();
    this.worker = worker;
    this.inputAt = 0;
    this.relaySender = null;
    this.memory = null;
    this.layout = null;
    const buffer = this.opts.shared ? createChannelBuffer() : null;
    this.channel = buffer ? new ChannelHost(buffer) : null;
    if (buffer) {
      this.channel?.setFlashButton(this.flashHeld);
      this.channel?.setAdc(this.adcRaw);
      this.channel?.setClock(this.clockScale, this.opts.rtcDriftPpm);
    }
    // RTC memory keeps its contents across resets and deep sleep; power-on finds it blank
    if (cause === 'power' || !this.rtcMemory) {
      this.rtcMemory = this.opts.shared ? new SharedArrayBuffer(RTC_MEMORY_BYTES) : new ArrayBuffer(RTC_MEMORY_BYTES);
    }
    const rtc = this.rtcMemory;
    worker.onMessage((data) => {
      if (gen === this.generation) this.onDeviceMessage(data);
    });
    // the laptop panel's mailbox: read by the emulator even inside a blocking call (net/mailbox.ts)
    this.failNetRequests();
    const mailbox = this.opts.shared ? createMailbox() : null;
    this.netMailbox = mailbox ? new Mailbox(mailbox) : null;
    if (mailbox) worker.postMessage({ t: 'net-init', mailbox });
    worker.onError((message) => {
      if (gen === this.generation) this.notice(`the emulator stopped (${message}); press Reset to restart it`);
    });
    // The flash lives with the host: shared, it outlives every emulator thread (hard resets).
    // A new board comes with the MicroPython build for its flash size already at offset 0
    // (firmware.ts). Its MD5 trailer (read only by esp.check_fw()) is hashed off the start-up
    // path: with shared memory, once the first prompt is up (the emulator sees it land in the
    // shared flash); without, before the emulator gets its copy.
    let storeWrite = false;
    const powerOn = () => {
      if (gen !== this.generation) return;
      let sealed: Promise<unknown> = Promise.resolve();
      this.flashFromStore = true;
      if (!this.flash) {
        const made = this.factoryFlash();
        this.flash = made.storage;
        if (made.seal) {
          const seal = made.seal;
          // the trailer is written here, not by the emulator: the file is told which bytes
          // (store-sync), so that the thread writes them and does not compare the whole flash
          if (this.opts.shared) this.afterFirstPrompt = () => seal().then((written) => {
            if (gen === this.generation && this.storeKind === 'open') worker.postMessage({ t: 'store-sync', ...written });
          });
          else sealed = seal();
        }
      }
      // message mode: the thread's relay (a new stream, like the thread)
      const relay = buffer ? null : this.opts.relay?.open() ?? null;
      this.relaySender = relay;
      const init = () => worker.postMessage({ t: 'init', relay: relay?.endpoint ?? null, channel: buffer, compiled: this.compiled, cause, flashHeld: this.flashHeld, sleepMode: this.opts.sleepMode, flash: this.flash, realisticSpeed: this.opts.realisticSpeed, circuit: this.circuit, rtc, clock: { scale: this.clockScale, driftPpm: this.opts.rtcDriftPpm }, storeWrite });
      if (this.opts.shared) init();
      else void sealed.then(() => {
        if (gen === this.generation) init();
      });
    };
    const pending = this.pendingFlash;
    this.pendingFlash = null;
    const store = this.opts.store ? this.openStore(worker) : null;
    if (!pending && !store) powerOn();
    else {
      worker.postMessage({ t: 'warm', shared: buffer !== null, release: this.expectedRelease() });
      const fits = (b: { byteLength: number } | null | undefined): boolean => !!b && b.byteLength === FLASH_SIZES[this.opts.flashSize];
      const fallback = (): Promise<Uint8Array | null> | null => (typeof pending === 'function' ? pending() : pending)?.catch(() => null) ?? null;
      const fromFile = (st: StoreState | null) => st?.kind === 'open' && this.flashFromStore && fits(st.contents);
      const both = store
        ? store.then((st) => Promise.all([fromFile(st) || !this.flashFromStore ? null : fallback(), st]))
        : Promise.all([fallback(), null]);
      void both.then(([contents, st]) => {
        if (gen !== this.generation) return;
        storeWrite = false;
        if (st) {
          this.storeKind = st.kind;
          for (const fn of this.listeners.store) fn(st);
        }
        if (st?.kind === 'open' && fromFile(st)) {
          // the file is the truth: every write reached it when its firmware call returned
          this.opts.flashContents = new Uint8Array(st.contents as ArrayBuffer);
          this.flash = null;
        } else {
          // a new file takes what the host had (a record from before files, or a new board);
          // a damaged one is replaced by a new board, not by an older record
          const damaged = st?.kind === 'open' && st.damaged !== null;
          if (this.flashFromStore && !damaged && contents && fits(contents)) {
            this.opts.flashContents = contents;
            this.flash = null;
          }
          storeWrite = st?.kind === 'open';
        }
        powerOn();
      });
    }
    if (this.channel) void this.readOutput(this.channel, gen);
  }

  /** The answer the current emulator thread owes to `store-open`. */
  private storeReply: ((state: StoreState) => void) | null = null;

  /** Asks a new emulator thread to open the flash file; resolves with its answer. */
  private openStore(worker: WorkerLike): Promise<StoreState> {
    const size = this.opts.flashSize;
    return new Promise((resolve) => {
      this.storeReply = resolve;
      worker.postMessage({ t: 'store-open', name: flashFileName(size), size: FLASH_SIZES[size], read: this.flashFromStore });
    });
  }

  /**
   * The flash a board starts with: the saved contents, or the factory firmware (MD5 sealed by
   * `seal`, which resolves with the bytes it wrote).
   */
  private factoryFlash(): { storage: ArrayBufferLike; seal: (() => Promise<{ at: number; length: number }>) | null } {
    const size = FLASH_SIZES[this.opts.flashSize];
    const storage = SpiFlash.createStorage(size, this.opts.shared);
    const view = new Uint8Array(storage);
    if (this.opts.flashContents) {
      view.set(this.opts.flashContents);
      return { storage, seal: null };
    }
    const fw = buildFirmware(firmwareBuild(this.opts.flashSize, this.opts.release).id);
    view.set(fw.bytes);
    return {
      storage,
      seal: () => import('../rom/md5.ts').then(({ md5 }) => {
        sealFirmware(view, fw.length, md5);
        // the trailer: an MD5 digest (16 bytes) right after the image
        return { at: fw.length, length: 16 };
      }),
    };
  }

  /**
   * The release the board will most likely boot, for compiling its interpreter ahead: that of
   * the firmware in the flash as the host knows it now (our images' marker only), else the
   * factory release. The emulator thread decides from the flash it is given.
   */
  private expectedRelease(): ReleaseId {
    const bytes = this.flash ? new Uint8Array(this.flash) : this.opts.flashContents;
    return (bytes && readIdentity(flashReader(bytes))?.release) || this.releaseHint || this.opts.release;
  }

  /** What {@link powerOnStored} was told the stored flash most likely holds (the page remembers the release it last ran). */
  private releaseHint: ReleaseId | null = null;

  private respawn(cause: StartCause, why?: string): void {
    this.clearWatchdog();
    // a busy thread runs on for a while after terminate() (up to 2 s in Chromium), holding the
    // flash file the next one opens: it lets go at its next look at the channel
    this.channel?.release();
    this.worker?.terminate();
    this.worker = null;
    if (why) this.notice(why);
    this.emitView({ ...EMPTY_VIEW, flashHeld: this.flashHeld });
    this.spawn(cause);
  }

  private onDeviceMessage(data: unknown): void {
    const msg = parseDeviceMessage(data);
    if (!msg) return; // untrusted: ignore anything malformed
    if (!this.channel) this.acked = true; // message mode: any sign of life answers a Ctrl-C
    switch (msg.t) {
      case 'ready':
        // a board halted in the boot ROM (download mode, no image) reports no interpreter layout:
        // keep the last complete one for the next emulator thread
        this.release = msg.release;
        if (msg.layout) this.compiled = { release: msg.release, module: msg.wasm, layout: msg.layout, utf8Prompt: msg.utf8Prompt, heapBudget: msg.heapBudget };
        this.memory = msg.memory;
        this.layout = msg.layout;
        this.utf8Prompt = msg.utf8Prompt;
        this.awaitingReset = false;
        for (const bytes of this.heldInput.splice(0)) this.write(bytes);
        if (this.afterFirstPrompt) {
          const fn = this.afterFirstPrompt;
          this.afterFirstPrompt = null;
          setTimeout(() => void fn(), 0);
        }
        for (const fn of this.listeners.ready) fn();
        break;
      case 'timing':
        for (const fn of this.listeners.timing) fn({ kind: msg.kind, phases: msg.phases, memoryBytes: msg.memoryBytes });
        break;
      case 'out':
        this.emitSerial(msg.data, msg.baud, msg.echo);
        break;
      case 'view':
        this.emitView(msg.view);
        break;
      case 'fault':
        this.notice(msg.message);
        break;
      case 'note': {
        const feature = featureById(msg.feature);
        if (!feature || this.noted.has(feature.id)) break;
        this.noted.add(feature.id);
        for (const fn of this.listeners.note) fn(feature);
        break;
      }
      case 'net': {
        if (msg.reply.ws) {
          this.netStreams.get(msg.reply.id)?.(msg.reply);
          break;
        }
        const resolve = this.netPending.get(msg.reply.id);
        this.netPending.delete(msg.reply.id);
        resolve?.(msg.reply);
        break;
      }
      case 'flash-written':
        // message mode: the emulator's flash is a copy; take the one it sent
        if (msg.copy && this.flash && msg.copy.byteLength === this.flash.byteLength) this.flash = msg.copy;
        for (const fn of this.listeners.flash) fn();
        break;
      case 'store':
        if (this.storeReply) {
          const answer = this.storeReply;
          this.storeReply = null;
          answer(msg.state);
        } else if (msg.state.kind === 'failed') {
          this.storeKind = 'failed';
          for (const fn of this.listeners.store) fn(msg.state);
        }
        break;
    }
  }

  private async readOutput(channel: ChannelHost, gen: number): Promise<void> {
    while (gen === this.generation) {
      const seen = channel.outSeq();
      for (const run of channel.takeOutput()) this.emitSerial(run.data, run.baud, run.echo);
      this.emitView(channel.view());
      this.retryPendingInput();
      await channel.waitOutput(seen);
    }
  }

  private retryPendingInput(): void {
    if (this.channel && this.channel.flushInput() > 0) {
      setTimeout(() => this.retryPendingInput(), 10);
    }
  }

  /**
   * Delivers a waiting Ctrl-C straight into the VM's memory if user code is running, unless the
   * emulator thread already took it from the serial line (the two sides claim each Ctrl-C).
   */
  private deliverCtrlC(): void {
    const { channel, memory, layout } = this;
    if (!channel || !memory || !layout || channel.ctrlCDelivered()) return;
    if (!runningUserCode(memory, layout)) return;
    if (channel.claimCtrlC()) pokeKeyboardInterrupt(memory, layout);
  }

  /**
   * After a Ctrl-C to busy code: keeps trying to deliver it (code that was about to start
   * when the key came), and hard-resets if, at the deadline, the code is still running with the
   * KeyboardInterrupt undelivered or not yet raised (a long C call, or no shared memory).
   */
  private armWatchdog(): void {
    if (this.watchdog) return;
    this.acked = false;
    const gen = this.generation;
    const deadline = performance.now() + this.opts.interruptTimeoutMs;
    const tick = () => {
      this.watchdog = null;
      if (gen !== this.generation) return;
      const { channel, memory, layout } = this;
      if (!channel) {
        if (this.acked) return;
      } else {
        this.deliverCtrlC();
        const stuck = channel.busy() && (!channel.ctrlCDelivered()
          || (memory !== null && layout !== null && runningUserCode(memory, layout) && keyboardInterruptPending(memory, layout)));
        if (!stuck) return;
      }
      if (performance.now() < deadline) {
        this.watchdog = setTimeout(tick, 10);
        return;
      }
      this.respawn('reset', 'The program did not stop on Ctrl-C, so the board was hard reset (as its Reset button would). Variables are lost.');
    };
    this.watchdog = setTimeout(tick, 10);
  }

  private clearWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
  }

  private emitSerial(data: Uint8Array, baud: number, echo = false): void {
    // anything the board sends ends a silence: the next one is explained again
    this.explained = false;
    this.replSinceRom = baud === 115200;
    if (baud !== 115200) this.romTail = (this.romTail + String.fromCharCode(...data.subarray(-ROM_TAIL))).slice(-ROM_TAIL);
    for (const fn of this.listeners.serial) fn(data, baud, echo);
  }

  private emitView(view: BoardView): void {
    const key = JSON.stringify(view);
    if (key === this.lastViewKey) return;
    this.lastViewKey = key;
    this.view = view;
    this.uptimeBase = view.uptimeMs;
    this.viewAt = performance.now();
    for (const fn of this.listeners.view) fn(view);
  }

  private notice(text: string): void {
    for (const fn of this.listeners.notice) fn(text);
  }

  /** The end of the boot ROM's 74880-baud text (at most {@link ROM_TAIL} characters). */
  private romTail = '';
  /** Whether the REPL's rate was heard since the ROM last spoke (the firmware runs). */
  private replSinceRom = false;
  /** The current silence was explained already (reset by any output). */
  private explained = false;

  /**
   * Why nothing on the board reads the serial line now, in a learner's words, or null when
   * something does: deep sleep (with or without the GPIO16→RST wire), or a boot ROM that stopped
   * at `ets_main.c` (no firmware; or a deep-sleep wake without the wire, deepsleep.test.ts).
   * Download mode is not reported (esptool talks to the ROM loader then).
   */
  silenceReason(): string | null {
    if (this.view.sleeping) {
      return this.circuit.gpio16ToRst
        ? 'The board is in deep sleep: nothing reads the serial line until its timer wakes it (or you press Reset).'
        : 'The board is in deep sleep, and GPIO16 is not wired to RST, so its timer cannot wake it: it stays asleep until you press Reset. Tick "GPIO16 wired to RST" in the Circuit panel to let it wake by itself.';
    }
    const boot = lastRomBoot(this.romTail);
    if (!this.replSinceRom && /ets_main\.c\s*$/.test(boot)) {
      return boot.includes('rst cause:5,')
        ? 'The deep-sleep timer ended, but without the GPIO16→RST wire the chip was not reset: the boot ROM stopped at "ets_main.c" (74880 baud) and nothing runs. Press Reset; tick "GPIO16 wired to RST" in the Circuit panel so the next sleep ends in a proper wake.'
        : 'The boot ROM found no firmware to start (it printed "ets_main.c" at 74880 baud): nothing reads the serial line. Write MicroPython with the Flash panel, then press Reset.';
    }
    return null;
  }

  /** Tells the learner, once per episode, why what they send gets no answer ({@link silenceReason}). */
  private explainSilence(): void {
    if (this.explained) return;
    const why = this.silenceReason();
    if (!why) return;
    this.explained = true;
    this.notice(why);
  }
}
