/**
 * Entry of the emulator thread, the same in a browser Web Worker and a Node worker thread:
 * waits for `init`, prepares the interpreter and runs the {@link Device}. The caller supplies
 * what differs between the two: how to send and receive messages, where the wasm is, and the
 * firmware's Python sources.
 */
import { ChannelDevice } from './channel.ts';
import { Device } from '../firmware/device.ts';
import { compilePatched, prepareWasm, type PreparedWasm } from '../firmware/interpreter.ts';
import type { PatchedWasmInfo } from '../firmware/wasm-prepare.ts';
import { bootBuild, DEFAULT_RELEASE, flashIdentity, flashReader, type ReleaseId } from '../firmware/builds.ts';
import type { DeviceMessage, HostMessage } from './protocol.ts';
import type { RelayEndpoint, SyncRelay } from './relay.ts';
import { FlashFile, type SyncFile } from './flash-file.ts';
import { phaseClock, recordPhase } from '../firmware/startup-phases.ts';

export interface DevicePort {
  post(msg: DeviceMessage, transfer?: Transferable[]): void;
  onMessage(handler: (msg: HostMessage) => void): void;
}

/** Where a release's interpreter is, for the emulator thread (see {@link DeviceEnvironment.wasm}). */
export interface ReleaseWasm {
  /** URL (browser) or file path (Node) given to the loader. */
  url: string;
  /** Reads its bytes. */
  load(): Promise<Uint8Array>;
  /**
   * Present when the bytes are already patched (at build time, or from Node's cache file:
   * firmware/wasm-prepare.ts), saying what the patches did; without it the thread patches them.
   */
  patched?: PatchedWasmInfo;
  /** A fetch of the bytes, compiled as they download (browser). */
  fetch?(): Promise<Response>;
}

export interface DeviceEnvironment {
  /**
   * Where a release's `micropython.wasm` is (builds.ts `RELEASES`): `url`, the URL (browser) or
   * file path (Node) given to the loader, and `load()`, which reads its bytes (only when the host
   * did not pass a compiled module; it must still work after `lockDown`: a boot may find another
   * release in flash).
   */
  wasm(release: ReleaseId): ReleaseWasm;
  /** Firmware Python sources by file name. */
  firmware: Record<string, string>;
  /** Called once the interpreter is compiled: takes away what user code must not reach. */
  lockDown?(): void;
  /** Opens this thread's side of the page's relay (message mode; relay.ts), or null if it cannot. */
  openRelay?(endpoint: RelayEndpoint): SyncRelay | null;
  /**
   * Opens (creating it empty) the file `name` that keeps the flash, for this thread alone
   * (browser: the Origin Private File System's sync access handle). Absent, or rejecting, when
   * there is no such storage: the host then keeps the flash itself.
   */
  openFlashFile?(name: string): Promise<SyncFile>;
}

export function serveDevice(port: DevicePort, env: DeviceEnvironment): void {
  // this thread's modules are evaluated (the entry calls this last)
  recordPhase('worker', performance.timeOrigin);
  /** The wasm's bytes, read once (startup-phases.ts `wasm-fetch`). */
  const loadWasm = async (release: ReleaseId): Promise<Uint8Array> => {
    const t = phaseClock();
    const bytes = await env.wasm(release).load();
    recordPhase('wasm-fetch', t);
    return bytes;
  };
  let device: Device | null = null;
  /** The laptop panel's mailbox (net/mailbox.ts), once the host sent it. */
  let netMailbox: SharedArrayBuffer | null = null;
  /** The interpreter compiled ahead of `init` (`warm`), and for which memory kind and release. */
  let early: { shared: boolean; release: ReleaseId; wasm: Promise<PreparedWasm> } | null = null;
  /** Reads and prepares a release's interpreter. */
  const prepare = async (release: ReleaseId, shared: boolean): Promise<PreparedWasm> => {
    const w = env.wasm(release);
    if (w.patched) return compilePatched(w.fetch ? w.fetch() : await loadWasm(release), w.patched, w.url, shared, release);
    return prepareWasm(await loadWasm(release), w.url, shared, release);
  };
  /** The file keeping the flash (`store-open`), once open. */
  let store: FlashFile | null = null;
  let storeOpening: Promise<void> = Promise.resolve();
  port.onMessage((msg) => {
    switch (msg.t) {
      case 'store-open':
        storeOpening = openStore(msg);
        break;
      case 'store-sync':
        // the bytes the host wrote, as one write in order with the chip's: comparing the whole
        // file instead held this thread at the first prompt for up to a second, and what was
        // typed meanwhile arrived at once (a Ctrl-C behind a Run's paste then sat in UART0's
        // buffer as the code started, and never interrupted it)
        if (store && device) {
          store.mark(msg.at, msg.length);
          store.commit();
        }
        break;
      case 'warm':
        if (!early) {
          const release = msg.release ?? DEFAULT_RELEASE;
          early = { shared: msg.shared, release, wasm: prepare(release, msg.shared) };
        }
        break;
      case 'init':
        void start(msg);
        break;
      case 'in':
        device?.receive(msg.data, msg.at);
        break;
      case 'net-init':
        netMailbox = msg.mailbox;
        device?.setNetMailbox(netMailbox);
        break;
      case 'net':
        device?.netRequest(msg.request);
        break;
      case 'reset':
        void device?.hardReset(msg.circuit);
        break;
      case 'flash':
        device?.setFlash(msg.held);
        break;
      case 'adc':
        device?.setAdc(msg.raw);
        break;
      case 'speed':
        device?.setRealisticSpeed(msg.realistic);
        break;
      case 'circuit':
        device?.setWire16(msg.circuit.gpio16ToRst === true);
        break;
      case 'clock':
        device?.setClockControls(msg.settings, msg.jumpMs);
        break;
    }
  });

  async function openStore(msg: Extract<HostMessage, { t: 'store-open' }>): Promise<void> {
    if (!env.openFlashFile) {
      port.post({ t: 'store', state: { kind: 'unavailable', why: 'no file storage on this thread' } });
      return;
    }
    try {
      const file = new FlashFile(await env.openFlashFile(msg.name), msg.size);
      file.onFail = (why) => port.post({ t: 'store', state: { kind: 'failed', why } });
      store = file;
      const found = msg.read ? file.readContents() : { kind: 'none' as const };
      const contents = found.kind === 'saved' ? (found.contents.buffer as ArrayBuffer) : null;
      port.post({ t: 'store', state: { kind: 'open', contents, damaged: found.kind === 'damaged' ? found.why : null } }, contents ? [contents] : []);
    } catch (e) {
      port.post({ t: 'store', state: { kind: 'unavailable', why: e instanceof Error ? e.message : String(e) } });
    }
  }

  function syncStore(file: FlashFile, bytes: Uint8Array): void {
    try {
      file.sync(bytes);
    } catch (e) {
      file.failed = e instanceof Error ? e.message : String(e);
      port.post({ t: 'store', state: { kind: 'failed', why: file.failed } });
    }
  }

  async function start(msg: Extract<HostMessage, { t: 'init' }>): Promise<void> {
    try {
      await storeOpening;
      const shared = msg.channel !== null;
      const channel = msg.channel ? new ChannelDevice(msg.channel) : null;
      // the host let this thread go (it is about to end it): another thread opens the file next
      if (channel) channel.onRelease = () => store?.release();
      // the release of the firmware in flash: only its interpreter is loaded (boot.ts decides the
      // same way at every boot, and asks for another release through wasmFor)
      const release = bootBuild(msg.flash ? flashIdentity(flashReader(new Uint8Array(msg.flash))) : null).release;
      const ahead = early && early.shared === shared && early.release === release ? await early.wasm.catch(() => null) : null;
      const wasm = msg.compiled && msg.compiled.release === release
        ? { ...msg.compiled, url: env.wasm(release).url }
        : ahead ?? await prepare(release, shared);
      /** Each release's interpreter, prepared once by this thread. */
      const prepared = new Map<ReleaseId, Promise<PreparedWasm>>([[release, Promise.resolve(wasm)]]);
      if (early && early.shared === shared && early.release !== release) prepared.set(early.release, early.wasm);
      const wasmFor = (r: ReleaseId): Promise<PreparedWasm> => {
        let p = prepared.get(r);
        if (!p) {
          p = prepare(r, shared);
          p.catch(() => prepared.delete(r));
          prepared.set(r, p);
        }
        return p;
      };
      env.lockDown?.();
      device = new Device({
        wasm,
        wasmFor,
        firmware: env.firmware,
        channel,
        relay: !msg.channel && msg.relay ? env.openRelay?.(msg.relay) ?? null : null,
        post: (m, transfer) => port.post(m, transfer),
        sleepMode: msg.sleepMode,
        realisticSpeed: msg.realisticSpeed,
        ...(msg.flash ? { flashStorage: msg.flash } : {}),
        ...(msg.rtc ? { rtcMemory: msg.rtc } : {}),
        ...(msg.clock ? { clock: msg.clock } : {}),
      });
      if (store) {
        // the flash this thread was given differs from the file (a new board, a migration):
        // the file takes it first; from then on each write is on storage when its call returns
        if (msg.storeWrite) syncStore(store, device.board.flash.bytes);
        store.follow(device.board.flash);
      }
      device.setCircuit(msg.circuit);
      device.setNetMailbox(netMailbox);
      await device.run(msg.cause, msg.flashHeld);
    } catch (e) {
      port.post({ t: 'fault', message: `emulator failed to start: ${String(e)}` });
    }
  }
}
