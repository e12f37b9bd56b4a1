/**
 * The emulator thread's start-up, phase by phase, for `npm run bench` and the README's
 * breakdown: each phase is recorded here with `performance.now()` as it ends, and the boot that
 * reaches the prompt sends what was recorded to the host (`timing`, link/protocol.ts), which the
 * page turns into performance measures `lab:boot:<phase>` (src/lib/board.ts).
 *
 * Times are absolute: `performance.timeOrigin + performance.now()`, in ms, so that the page
 * (another thread with its own time origin) can place them on its own timeline.
 */

/**
 * The phases, in the order a first boot passes them:
 * - `worker`: the thread's start to the end of its module evaluation (the bundle's parse included);
 * - `wasm-fetch`: reading `micropython.wasm` (a fetch in the browser, a file in Node);
 * - `patch`: our patches of the wasm (interpreter.ts `prepareWasm`);
 * - `compile`: `WebAssembly.compile` of the patched bytes;
 * - `rom`: a boot's start to the interpreter's: the boot ROM's lines and image load, the SDK's
 *   start, the filesystem objects (nothing on a soft reset but the last);
 * - `create`: `Interpreter.create` — instantiating and the interpreter's own init;
 * - `restore`: a reset that restores the memory snapshot instead of `create` + `install`;
 * - `install`: our firmware's Python modules compiled and imported (modules.ts);
 * - `frozen`: `_boot.py` (the filesystem);
 * - `scripts`: `boot.py` and `main.py`;
 * - `repl`: the REPL's start, banner and prompt.
 */
export type PhaseName = 'worker' | 'wasm-fetch' | 'patch' | 'compile' | 'rom' | 'create' | 'restore' | 'install' | 'frozen' | 'scripts' | 'repl';

/** One phase: when it started and ended, absolute ms (see the module comment). */
export interface Phase {
  name: PhaseName;
  start: number;
  end: number;
}

/** Which boot a set of phases belongs to: the thread's first, a hard reset, a soft reset. */
export type BootKind = 'first' | 'hard' | 'soft';

/** Now, absolute (`performance.timeOrigin + performance.now()`), ms. */
export function phaseClock(): number {
  return performance.timeOrigin + performance.now();
}

/** The phases recorded since they were last taken; at most this many are kept. */
const KEEP = 32;
let recorded: Phase[] = [];

/**
 * Records a phase that ran from `start` (a {@link phaseClock} reading) until now.
 * @returns now, the start of whatever follows
 */
export function recordPhase(name: PhaseName, start: number): number {
  const end = phaseClock();
  if (recorded.length < KEEP) recorded.push({ name, start, end });
  return end;
}

/** The phases recorded so far, in order; the record starts again empty. */
export function takePhases(): Phase[] {
  const out = recorded;
  recorded = [];
  return out;
}
