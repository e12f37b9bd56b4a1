/**
 * Messages between the host (page or Node test) and the emulator thread.
 *
 * The host must treat every message from the emulator as untrusted data: the emulator runs
 * the learner's code. `parseDeviceMessage` accepts only the shapes below and never yields
 * markup; text goes to the terminal as bytes, never into the DOM as HTML.
 */
import type { Circuit } from '../board/circuit.ts';
import type { BoardView } from '../board/esp07.ts';
import type { SleepMode } from '../board/clock.ts';
import type { InterruptLayout } from '../firmware/wasm-inspect.ts';
import { isReleaseId, type ReleaseId } from '../firmware/builds.ts';
import type { RelayEndpoint } from './relay.ts';
import type { LaptopReply } from '../net/context.ts';
import type { BootKind, Phase, PhaseName } from '../firmware/startup-phases.ts';

/** Why the emulator (re)starts: power-on, or the Reset button / `machine.reset()`. */
export type StartCause = 'power' | 'reset';

/** What an emulator thread hands back so the next one skips compiling the interpreter. */
export interface CompiledInterpreter {
  /** The release whose interpreter it is (builds.ts `RELEASES`). */
  release: ReleaseId;
  module: WebAssembly.Module;
  layout: InterruptLayout | null;
  utf8Prompt: boolean;
  heapBudget: boolean;
}

/** Host → emulator. */
export type HostMessage =
  /** The laptop panel's mailbox (net/mailbox.ts), sent right after `init` with shared memory. */
  | { t: 'net-init'; mailbox: SharedArrayBuffer }
  /** A laptop-panel request, in message mode only (net/stack.ts LaptopRequest). */
  | { t: 'net'; request: unknown }
  /** First message: the shared channel (or null for message mode) and the board settings. */
  | { t: 'init'; channel: SharedArrayBuffer | null; compiled: CompiledInterpreter | null; cause: StartCause; flashHeld: boolean; sleepMode: SleepMode; flash: ArrayBufferLike | null; realisticSpeed: boolean; circuit: Circuit; rtc?: ArrayBufferLike | null; clock?: ClockSettings; relay?: RelayEndpoint | null; storeWrite?: boolean }
  /**
   * Before `init`: open the file that keeps the flash (link/flash-file.ts) and answer `store`;
   * with `read`, send what it holds. `init`'s `storeWrite` then says whether the flash it brings
   * differs from the file (a new board, a migration, a factory reset): it is written first.
   */
  | { t: 'store-open'; name: string; size: number; read: boolean }
  /**
   * The host changed bytes [at, at + length) of the shared flash itself (the factory firmware's
   * MD5 trailer): write them to the file.
   */
  | { t: 'store-sync'; at: number; length: number }
  /**
   * Sent before `init` when the board's power-on waits for something: compile the interpreter
   * now (of `release`, the one the host expects the flash to hold; default builds.ts `DEFAULT_RELEASE`).
   */
  | { t: 'warm'; shared: boolean; release?: ReleaseId }
  /**
   * Serial input, in message mode only. `at` is the offset of its first byte in the stream of
   * this emulator thread, when the same bytes also travel by a relay (relay.ts).
   */
  | { t: 'in'; data: Uint8Array; at?: number }
  /** Hard reset while idle (a busy emulator is restarted by the host instead). */
  | { t: 'reset'; circuit: Circuit }
  /** Flash button, in message mode only. */
  | { t: 'flash'; held: boolean }
  /** ADC input (slider), raw 0–1024, in message mode only. */
  | { t: 'adc'; raw: number }
  /** Realistic-speed clock on or off (applied when the emulator is idle). */
  | { t: 'speed'; realistic: boolean }
  /** The circuit panel changed: the GPIO16→RST wire acts at once (deep-sleep wake); strapping parts at the next reset. */
  | { t: 'circuit'; circuit: Circuit }
  /** The learner's clock controls, in message mode only (the shared channel carries them otherwise). */
  | { t: 'clock'; settings: ClockSettings; jumpMs: number };

/** The learner's clock controls (clock.ts `setScale`, rtc.ts drift). */
export interface ClockSettings {
  /** Virtual seconds per real second: 0 paused, 1, 60, 3600. */
  scale: number;
  /** The RTC slow clock's drift in ppm. */
  driftPpm: number;
}

/** Emulator → host. */
export type DeviceMessage =
  /** The virtual network's answer to a laptop-panel request. */
  | { t: 'net'; reply: LaptopReply }
  /** An interpreter started; carries what the host needs for fast Ctrl-C. */
  | { t: 'ready'; release: ReleaseId; wasm: WebAssembly.Module; memory: SharedArrayBuffer | null; layout: InterruptLayout | null; utf8Prompt: boolean; heapBudget: boolean }
  /**
   * A boot reached the prompt: how long each of its phases took (firmware/startup-phases.ts;
   * absolute times, ms) and the size of the interpreter's memory, bytes.
   */
  | { t: 'timing'; kind: BootKind; phases: Phase[]; memoryBytes: number }
  /** Serial output, in message mode only (`echo`: the REPL's echo of input, `SerialChunk.echo`). */
  | { t: 'out'; data: Uint8Array; baud: number; echo: boolean }
  /** Board view, in message mode only. */
  | { t: 'view'; view: BoardView }
  /** The emulator hit an internal error it could not recover from. */
  | { t: 'fault'; message: string }
  /** A program first used something only the lab's interpreter has (firmware/unremovable.ts id). */
  | { t: 'note'; feature: string }
  /** The flash was written; in message mode `copy` carries the whole flash (the host's is stale). */
  | { t: 'flash-written'; copy: ArrayBuffer | null }
  /** The answer to `store-open`, or a later failure to write the file. */
  | { t: 'store'; state: StoreState };

/**
 * The flash file's state (link/flash-file.ts): `open` with what it held when asked (`contents`
 * the image, or null when new; `damaged` why it was unusable), `unavailable` (no such storage
 * here: the host keeps the flash itself), `failed` (writing stopped, e.g. quota).
 */
export type StoreState =
  | { kind: 'open'; contents: ArrayBuffer | null; damaged: string | null }
  | { kind: 'unavailable'; why: string }
  | { kind: 'failed'; why: string };

const PAD = new Set(['high', 'low', 'input']);
const PHASES = new Set<string>(['worker', 'wasm-fetch', 'patch', 'compile', 'rom', 'create', 'restore', 'install', 'frozen', 'scripts', 'repl'] satisfies PhaseName[]);
const BOOT_KINDS = new Set<string>(['first', 'hard', 'soft'] satisfies BootKind[]);

function isPhase(v: unknown): v is Phase {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return PHASES.has(o.name as string) && Number.isFinite(o.start) && Number.isFinite(o.end) && (o.end as number) >= (o.start as number);
}

function isView(v: unknown): v is BoardView {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return Array.isArray(o.pins) && o.pins.length === 17 && o.pins.every((p) => PAD.has(p as string))
    && Array.isArray(o.levels) && o.levels.length === 17 && o.levels.every((l) => l === 0 || l === 1)
    && typeof o.led === 'boolean' && typeof o.flashHeld === 'boolean'
    && typeof o.ledBrightness === 'number' && o.ledBrightness >= 0 && o.ledBrightness <= 1
    && Array.isArray(o.duty) && o.duty.length === 17 && o.duty.every((d) => d === null || (Number.isInteger(d) && d >= 0 && d <= 1023))
    && Number.isInteger(o.adc) && (o.adc as number) >= 0 && (o.adc as number) <= 1024
    && typeof o.sleeping === 'boolean' && Number.isSafeInteger(o.uptimeMs) && (o.uptimeMs as number) >= 0
    && Number.isFinite(o.supplyUa) && (o.supplyUa as number) >= 0;
}

function isLayout(v: unknown): v is InterruptLayout {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return Number.isInteger(o.interruptCharAddr) && Array.isArray(o.kbdInterruptStores)
    && o.kbdInterruptStores.every((s) => s && typeof s === 'object' && Number.isInteger((s as MemoryStoreLike).addr)
      && Number.isInteger((s as MemoryStoreLike).value) && ((s as MemoryStoreLike).width === 2 || (s as MemoryStoreLike).width === 4));
}
interface MemoryStoreLike { addr: unknown; value: unknown; width: unknown }

/** Validates a message from the emulator. Returns null for anything malformed. */
export function parseDeviceMessage(data: unknown): DeviceMessage | null {
  if (!data || typeof data !== 'object') return null;
  const m = data as Record<string, unknown>;
  switch (m.t) {
    case 'ready':
      if (!(m.wasm instanceof WebAssembly.Module) || typeof m.release !== 'string' || !isReleaseId(m.release)) return null;
      if (m.memory !== null && (typeof SharedArrayBuffer === 'undefined' || !(m.memory instanceof SharedArrayBuffer))) return null;
      if (m.layout !== null && !isLayout(m.layout)) return null;
      return { t: 'ready', release: m.release, wasm: m.wasm, memory: m.memory as SharedArrayBuffer | null, layout: m.layout as InterruptLayout | null, utf8Prompt: m.utf8Prompt === true, heapBudget: m.heapBudget === true };
    case 'timing':
      if (!BOOT_KINDS.has(m.kind as string) || !Array.isArray(m.phases) || m.phases.length > 32 || !m.phases.every(isPhase)) return null;
      if (!Number.isSafeInteger(m.memoryBytes) || (m.memoryBytes as number) < 0) return null;
      return { t: 'timing', kind: m.kind as BootKind, phases: (m.phases as Phase[]).map((p) => ({ name: p.name, start: p.start, end: p.end })), memoryBytes: m.memoryBytes as number };
    case 'out':
      if (!(m.data instanceof Uint8Array) || typeof m.baud !== 'number' || !(m.baud > 0)) return null;
      return { t: 'out', data: m.data, baud: m.baud, echo: m.echo === true };
    case 'view':
      return isView(m.view) ? { t: 'view', view: m.view } : null;
    case 'fault':
      return typeof m.message === 'string' ? { t: 'fault', message: m.message.slice(0, 500) } : null;
    case 'note':
      return typeof m.feature === 'string' && /^[a-z0-9-]{1,40}$/.test(m.feature) ? { t: 'note', feature: m.feature } : null;
    case 'net': {
      const r = m.reply as Record<string, unknown> | null;
      if (!r || typeof r !== 'object' || !Number.isInteger(r.id) || typeof r.response !== 'string' || !(r.error === null || typeof r.error === 'string')
        || !Array.isArray(r.notes) || !r.notes.every((n) => typeof n === 'string') || !Number.isFinite(r.ms)) return null;
      const ws = typeof r.ws === 'string' && ['open', 'data', 'closed', 'file'].includes(r.ws) ? { ws: r.ws as 'open' | 'data' | 'closed' | 'file' } : {};
      return { t: 'net', reply: { id: r.id as number, ...ws, response: r.response.slice(0, 512 * 1024), error: r.error as string | null, notes: (r.notes as string[]).slice(0, 10), ms: r.ms as number } };
    }
    case 'flash-written':
      if (m.copy !== null && !(m.copy instanceof ArrayBuffer)) return null;
      return { t: 'flash-written', copy: m.copy as ArrayBuffer | null };
    case 'store': {
      const st = m.state as Record<string, unknown> | null;
      if (!st || typeof st !== 'object') return null;
      if (st.kind === 'open') {
        if (st.contents !== null && !(st.contents instanceof ArrayBuffer)) return null;
        if (st.damaged !== null && typeof st.damaged !== 'string') return null;
        return { t: 'store', state: { kind: 'open', contents: st.contents as ArrayBuffer | null, damaged: st.damaged === null ? null : (st.damaged as string).slice(0, 200) } };
      }
      if ((st.kind === 'unavailable' || st.kind === 'failed') && typeof st.why === 'string') return { t: 'store', state: { kind: st.kind, why: st.why.slice(0, 200) } };
      return null;
    }
    default:
      return null;
  }
}
