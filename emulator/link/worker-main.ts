/**
 * Entry of the emulator thread, the same in a browser Web Worker and a Node worker thread:
 * waits for `init`, prepares the interpreter and runs the {@link Device}. The caller supplies
 * what differs between the two: how to send and receive messages, where the wasm is, and the
 * firmware's Python sources.
 */
import { ChannelDevice } from './channel.ts';
import { Device } from '../firmware/device.ts';
import { prepareWasm, type PreparedWasm } from '../firmware/interpreter.ts';
import type { DeviceMessage, HostMessage } from './protocol.ts';
import type { RelayEndpoint, SyncRelay } from './relay.ts';

export interface DevicePort {
  post(msg: DeviceMessage, transfer?: Transferable[]): void;
  onMessage(handler: (msg: HostMessage) => void): void;
}

export interface DeviceEnvironment {
  /** URL (browser) or file path (Node) of `micropython.wasm`, given to the loader. */
  wasmUrl: string;
  /** Reads the original wasm bytes (only when the host did not pass a compiled module). */
  loadWasm(): Promise<Uint8Array>;
  /** Firmware Python sources by file name. */
  firmware: Record<string, string>;
  /** Called once the interpreter is compiled: takes away what user code must not reach. */
  lockDown?(): void;
  /** Opens this thread's side of the page's relay (message mode; relay.ts), or null if it cannot. */
  openRelay?(endpoint: RelayEndpoint): SyncRelay | null;
}

export function serveDevice(port: DevicePort, env: DeviceEnvironment): void {
  let device: Device | null = null;
  /** The laptop panel's mailbox (net/mailbox.ts), once the host sent it. */
  let netMailbox: SharedArrayBuffer | null = null;
  /** The interpreter compiled ahead of `init` (`warm`), and for which memory kind. */
  let early: { shared: boolean; wasm: Promise<PreparedWasm> } | null = null;
  port.onMessage((msg) => {
    switch (msg.t) {
      case 'warm':
        if (!early) early = { shared: msg.shared, wasm: env.loadWasm().then((b) => prepareWasm(b, env.wasmUrl, msg.shared)) };
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

  async function start(msg: Extract<HostMessage, { t: 'init' }>): Promise<void> {
    try {
      const shared = msg.channel !== null;
      const ahead = early && early.shared === shared ? await early.wasm.catch(() => null) : null;
      const wasm = msg.compiled
        ? { ...msg.compiled, url: env.wasmUrl }
        : ahead ?? await prepareWasm(await env.loadWasm(), env.wasmUrl, shared);
      env.lockDown?.();
      device = new Device({
        wasm,
        firmware: env.firmware,
        channel: msg.channel ? new ChannelDevice(msg.channel) : null,
        relay: !msg.channel && msg.relay ? env.openRelay?.(msg.relay) ?? null : null,
        post: (m, transfer) => port.post(m, transfer),
        sleepMode: msg.sleepMode,
        realisticSpeed: msg.realisticSpeed,
        ...(msg.flash ? { flashStorage: msg.flash } : {}),
        ...(msg.rtc ? { rtcMemory: msg.rtc } : {}),
        ...(msg.clock ? { clock: msg.clock } : {}),
      });
      device.setCircuit(msg.circuit);
      device.setNetMailbox(netMailbox);
      await device.run(msg.cause, msg.flashHeld);
    } catch (e) {
      port.post({ t: 'fault', message: `emulator failed to start: ${String(e)}` });
    }
  }
}
