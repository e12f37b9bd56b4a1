/**
 * Our firmware's Python modules (firmware/python/) going into the interpreter: the small ones at
 * every boot, the large, rarely needed ones compiled on first import (the firmware's import hook,
 * `_fw_init.py`, asks for them with `fw_stage`/`fw_unstage`). On the chip these are C modules
 * and frozen bytecode in flash, so their memory is not the program's (heap-budget.ts).
 *
 * Installing them is most of a reset's time, and gives the same interpreter state each time the
 * firmware calls they make answer the same: the first install of a thread keeps a snapshot of
 * the interpreter right after it (interpreter.ts `MemorySnapshot`), and later boots restore it
 * instead ({@link FirmwareModules.restorePlan}). A snapshot is kept by release, compiled wasm,
 * heap size and budget patch, and a hash of the module sources; it holds nothing of the flash
 * (the filesystem is mounted by `_boot.py`, after the restore), the RTC memory or the reset cause
 * (the firmware asks the board for them when a program does). The firmware calls the install
 * made are recorded with their answers, and a restore happens only when the current board
 * answers the same (another build, flash size or release answers otherwise: a fresh install);
 * only calls known to be pure reads of the build are allowed ({@link SNAPSHOT_CALLS}), any other
 * (or a read of the clock or the random source) keeps no snapshot.
 */
import type { ReleaseId } from './builds.ts';
import type { HeapBudget } from './heap-budget.ts';
import { bridgeRefs, setBridgeRefs, type Interpreter, type MemorySnapshot, type PreparedWasm, type RestorePlan } from './interpreter.ts';

/** Directory our firmware's Python sources are loaded from (then removed). */
export const FW_DIR = '/_fw';
/** Firmware modules compiled on first use rather than at every boot (large, rarely needed). */
const LAZY_FIRMWARE = new Set(['_fw_esp.py', '_fw_buses.py', '_fw_inisetup.py', '_fw_network.py', '_fw_socket.py', '_fw_ntptime.py', '_fw_requests.py', '_fw_urequests.py', '_fw_umqtt.py', '_fw_tls.py', '_fw_ssl.py', '_fw_webrepl.py', '_fw_webrepl_setup.py', '_fw_upysh.py', '_fw_umqtt_robust.py', '_fw_cryptolib.py', '_fw_btree.py', '_fw_espnow_c.py', '_fw_espnow.py', '_fw_websocket.py', '_fw_webrepl_c.py', '_fw_mip.py', '_fw_port_diag.py', '_fw_asyncio.py', '_fw_uasyncio.py']);

/**
 * Firmware calls an install may make and still be snapshotted: pure reads of the build and the
 * flash size (hal.ts `identity`, `fs_region`), replayed against the board at each restore.
 */
export const SNAPSHOT_CALLS: ReadonlySet<string> = new Set(['identity', 'fs_region']);

/** A firmware call an install made: its name, arguments and answer (JSON). */
export interface RecordedCall {
  name: string;
  args: unknown[];
  answer: string;
}

/** A kept snapshot and what it was taken under. */
interface KeptSnapshot {
  key: string;
  calls: RecordedCall[];
  snapshot: MemorySnapshot;
}

/** Snapshots kept by this thread, most recently used first (a few MB each). */
const kept: KeptSnapshot[] = [];
/** How many snapshots a thread keeps: a release × build or two in use, a third switched to. */
const KEEP_SNAPSHOTS = 3;

/** Whether boots restore snapshots (on unless switched off: tests compare against fresh installs). */
let snapshotsOn = true;

/**
 * Switches the snapshot restore on or off for this thread (off: every boot installs the modules
 * afresh, as before snapshots). Switching it off forgets the snapshots kept.
 */
export function useSnapshots(on: boolean): void {
  snapshotsOn = on;
  if (!on) kept.length = 0;
}

/** The snapshots this thread keeps (tests). */
export function keptSnapshots(): number {
  return kept.length;
}

/** A 64-bit FNV-1a hash of strings, as 16 hex digits (not cryptographic: tells sources apart). */
function hashStrings(parts: string[]): string {
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h1 >>> 15);
    }
    h1 = Math.imul(h1 ^ 0xffff, 0x01000193);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/**
 * The firmware calls module as the install sees it while a snapshot may be taken: the same names
 * and behaviour as `hal` (hal.ts `guardedModule`), each call recorded. `paths` names each of its
 * objects by its path in `hal` ('' the module, `name`, `name.call`), so a restore, or the running
 * interpreter right after the install, gets `hal`'s own instead.
 */
function recordingModule(hal: object, calls: RecordedCall[]): { module: object; paths: Map<unknown, string> } {
  const target = hal as Record<string, unknown>;
  const paths = new Map<unknown, string>();
  const wrapped = new Map<string, unknown>();
  const wrap = (name: string): unknown => {
    const f = target[name];
    if (typeof f !== 'function') return f;
    const invoke = (args: unknown[]): unknown => {
      const answer = Reflect.apply(f, undefined, args);
      calls.push({ name, args, answer: JSON.stringify(answer) ?? 'undefined' });
      return answer;
    };
    const call = new Proxy(() => undefined, { apply: (_t, _this, args: unknown[]) => invoke(args.slice(1)), get: () => undefined, has: () => false });
    const fn = new Proxy(() => undefined, { apply: (_t, _this, args: unknown[]) => invoke(args), get: (_t, key) => (key === 'call' ? call : undefined), has: () => false });
    paths.set(fn, name);
    paths.set(call, `${name}.call`);
    return fn;
  };
  const get = (name: string): unknown => {
    if (!wrapped.has(name)) wrapped.set(name, name in target ? wrap(name) : undefined);
    return wrapped.get(name);
  };
  const module = new Proxy(Object.create(null) as object, {
    get: (_t, key) => (typeof key === 'string' ? get(key) : undefined),
    has: (_t, key) => typeof key === 'string' && key in target,
    ownKeys: () => Reflect.ownKeys(target),
    getOwnPropertyDescriptor: (_t, key) => (typeof key === 'string' && key in target ? { value: get(key), enumerable: true, configurable: true, writable: false } : undefined),
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
    getPrototypeOf: () => null,
  });
  paths.set(module, '');
  return { module, paths };
}

/** The object at a path of {@link recordingModule} in `hal` itself. */
function resolveIn(hal: object, path: string): unknown {
  if (path === '') return hal;
  const [name, member] = path.split('.') as [string, string | undefined];
  const f = (hal as Record<string, unknown>)[name];
  return member === undefined ? f : f ? (f as unknown as Record<string, unknown>)[member] : undefined;
}

export class FirmwareModules {
  private readonly sources: Record<string, string>;
  private readonly heap: HeapBudget;
  private sourcesHash: string | null = null;

  /** @param sources the firmware's Python sources by file name (`_fw_init.py`, …) */
  constructor(sources: Record<string, string>, heap: HeapBudget) {
    this.sources = sources;
    this.heap = heap;
  }

  /** What a snapshot is kept by: release, heap size and budget patch, module sources. */
  private snapshotKey(release: ReleaseId, wasm: PreparedWasm, heapBytes: number): string {
    if (this.sourcesHash === null) {
      const names = Object.keys(this.sources).sort();
      this.sourcesHash = hashStrings(names.flatMap((n) => [n, this.sources[n] as string]));
    }
    return `${release} ${heapBytes} ${wasm.heapBudget ? 'budget' : 'no-budget'} ${wasm.utf8Prompt ? 'utf8' : ''} ${this.sourcesHash}`;
  }

  /**
   * A kept snapshot this boot may restore instead of installing: of the same interpreter and
   * module sources, whose install's firmware calls `hal` answers the same now (they are pure
   * reads, {@link SNAPSHOT_CALLS}). Null when there is none (or snapshots are off).
   */
  restorePlan(wasm: PreparedWasm, hal: object, heapBytes: number): RestorePlan | null {
    if (!snapshotsOn) return null;
    const key = this.snapshotKey(wasm.release, wasm, heapBytes);
    const calls = hal as Record<string, (...a: unknown[]) => unknown>;
    const found = kept.find((k) => k.key === key && k.snapshot.module === wasm.module && k.snapshot.heapBytes === heapBytes
      && k.calls.every((c) => JSON.stringify(calls[c.name]?.(...c.args)) === c.answer));
    if (!found) return null;
    kept.splice(kept.indexOf(found), 1);
    kept.unshift(found);
    return { snapshot: found.snapshot, resolve: (path) => resolveIn(hal, path) };
  }

  /** Forgets a snapshot that did not restore (interpreter.ts `SnapshotMismatch`). */
  forget(snapshot: MemorySnapshot): void {
    const i = kept.findIndex((k) => k.snapshot === snapshot);
    if (i >= 0) kept.splice(i, 1);
  }

  /**
   * Registers the firmware calls as `_esp_hal` and imports `_fw_init` (which installs `machine`,
   * `time`, …). With `wasm` given (and snapshots on), keeps a snapshot of the interpreter right
   * after, when the install made only {@link SNAPSHOT_CALLS} and read no clock or random source.
   */
  install(interp: Interpreter, hal: object, wasm?: PreparedWasm, heapBytes?: number): void {
    const { mp } = interp;
    const snapshotting = snapshotsOn && wasm !== undefined && heapBytes !== undefined;
    const calls: RecordedCall[] = [];
    const recording = snapshotting ? recordingModule(hal, calls) : null;
    const readsBefore = interp.hostReads;
    mp.registerJsModule('_esp_hal', recording ? recording.module : hal);
    mp.FS.mkdir(FW_DIR);
    const names = Object.keys(this.sources).filter((n) => !LAZY_FIRMWARE.has(n));
    for (const name of names) mp.FS.writeFile(`${FW_DIR}/${name}`, this.sources[name] as string);
    try {
      // __import__ binds no names in __main__ (dir() at the prompt stays as on the board)
      mp.runPython(`__import__('sys').path.insert(0, '${FW_DIR}')\n__import__('_fw_init')\n`);
    } finally {
      for (const name of names) mp.FS.unlink(`${FW_DIR}/${name}`);
      mp.FS.rmdir(FW_DIR);
    }
    if (!recording || !wasm || heapBytes === undefined) return;
    // the running interpreter calls `hal` itself from now on, as a restored one does
    const paths = recording.paths;
    const { refs, refNext, refIds } = bridgeRefs((v) => paths.get(v));
    setBridgeRefs(refs, refNext, refIds, (path) => resolveIn(hal, path));
    const pure = calls.every((c) => SNAPSHOT_CALLS.has(c.name));
    if (!pure || interp.hostReads !== readsBefore) return;
    const halPaths = new Map<unknown, string>();
    for (const path of paths.values()) {
      const own = resolveIn(hal, path);
      if (own !== undefined) halPaths.set(own, path);
    }
    const snapshot = interp.snapshot((v) => halPaths.get(v));
    if (!snapshot) return;
    const key = this.snapshotKey(wasm.release, wasm, heapBytes);
    kept.unshift({ key, calls, snapshot });
    kept.length = Math.min(kept.length, KEEP_SNAPSHOTS);
  }

  /** `fw_stage`: puts a lazy module's source where the import finds it. */
  stage(interp: Interpreter | null, name: string): void {
    const fs = interp?.mp.FS;
    const source = this.sources[`${name}.py`];
    if (!fs || source === undefined) return;
    this.heap.beginFirmwareLoad();
    try {
      fs.mkdir(FW_DIR);
    } catch {
      /* exists */
    }
    fs.writeFile(`${FW_DIR}/${name}.py`, source);
  }

  /** `fw_unstage`: the module is imported; its source goes again. */
  unstage(interp: Interpreter | null, name: string): void {
    const fs = interp?.mp.FS;
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
    this.heap.endFirmwareLoad();
  }
}
