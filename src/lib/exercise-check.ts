/**
 * Exercise checks: what the board must show for an exercise to count as done. Evaluated
 * against the board view and what the board *printed*, never against the learner's code: the
 * REPL's echo of typed and pasted lines (`SerialChunk.echo`) is not part of {@link Observed.output},
 * and output while another tool holds the serial port (the Files panel's raw REPL) is not either.
 * A state (a pin, the LED, a PWM duty) counts only once it has held steadily, so a loop that
 * passes through it does not tick the exercise.
 */
import type { BoardView } from '../../emulator/board/esp07.ts';
import { lastRomBoot } from '../../emulator/rom/boot-rom.ts';

/** How long a state check must hold without a break before it counts (ms), unless it says `for`. */
export const STEADY_MS = 1000;

export type Check =
  /** A GPIO in a state: driven high, driven low, or not driven by the chip; steady for `for` ms. */
  | { pin: number; state: 'high' | 'low' | 'input'; for?: number }
  /** The LED on GPIO13 lit or dark, steady for `for` ms. */
  | { led: boolean; for?: number }
  /** PWM running on a GPIO with a duty in [min, max] (0–1023), steady for `for` ms. */
  | { duty: { gpio: number; min?: number; max?: number }; for?: number }
  /** The Flash button (GPIO0) held down or not: what the learner does, combined with `all`. */
  | { flashHeld: boolean }
  /** The board's uptime (virtual clock, ms) at least this: e.g. after the clock's +8 h jump. */
  | { uptimeMs: number }
  /**
   * The board printed this text (since the lesson opened); inside a `sequence`, after the text
   * an earlier output step matched.
   */
  | { output: string }
  /**
   * What the board printed matches this regular expression (JavaScript source, no flags), e.g.
   * `(^|\n)200\r\n` for a line that is exactly `200`; in a sequence, after the earlier match.
   */
  | { pattern: string }
  /**
   * The boot ROM's latest boot (74880 baud: its ` ets Jan  8 2013,…` line and the load lines or
   * `ets_main.c` after it) contains this text, e.g. `boot mode:(1,`.
   */
  | { rom: string }
  /** Every check holds at once. */
  | { all: Check[] }
  /** Each check holds in turn (later ones after earlier ones). */
  | { sequence: Check[] };

export interface Observed {
  view: BoardView;
  /** What the board printed so far (possibly only its most recent part), without the echo of input. */
  output: string;
  /** Characters of output dropped before `output` begins (0 when it is all there). */
  outputDropped?: number;
  /** The boot ROM's latest boot text (see {@link lastRomBoot}), or '' before one. */
  rom?: string;
  /** When this was observed, in ms on a monotonic clock (`performance.now()`); default 0. */
  now?: number;
}

/** The last boot ROM first line in text received at 74880 baud ('' when there is none). */
export function lastRomLine(text: string): string {
  const lines = text.match(/ets Jan {2}8 2013,rst cause:\d+, boot mode:\(\d+,\d+\)/g);
  return lines ? (lines[lines.length - 1] as string) : '';
}

/** The latest boot in 74880-baud text (emulator/rom/boot-rom.ts). */
export { lastRomBoot };

/** How long (ms) a check must hold steadily before it counts: 0 for output and ROM checks. */
export function steadyFor(check: Check): number {
  if ('pin' in check || 'led' in check || 'duty' in check) return check.for ?? STEADY_MS;
  if ('all' in check) return Math.max(0, ...check.all.map(steadyFor));
  return 0;
}

/**
 * Whether a check holds at this moment (a `sequence` holds when its last step holds; use
 * {@link SequenceTracker}, which also applies {@link steadyFor}).
 * @throws SyntaxError for a `pattern` that is not a valid regular expression
 */
export function holds(check: Check, o: Observed): boolean {
  if ('pin' in check) return o.view.pins[check.pin] === check.state;
  if ('led' in check) return o.view.led === check.led;
  if ('duty' in check) {
    const d = o.view.duty[check.duty.gpio];
    return d !== null && d !== undefined && d >= (check.duty.min ?? 0) && d <= (check.duty.max ?? 1023);
  }
  if ('uptimeMs' in check) return o.view.uptimeMs >= check.uptimeMs;
  if ('flashHeld' in check) return o.view.flashHeld === check.flashHeld;
  if ('output' in check) return o.output.includes(check.output);
  if ('pattern' in check) return new RegExp(check.pattern).test(o.output);
  if ('rom' in check) return (o.rom ?? '').includes(check.rom);
  if ('all' in check) return check.all.every((c) => holds(c, o));
  return check.sequence.length > 0 && holds(check.sequence[check.sequence.length - 1] as Check, o);
}

/**
 * Follows a check over time. A plain check is a sequence of one step; a sequence advances one
 * step whenever its next step holds (a state step once it has held for {@link steadyFor} ms).
 */
export class SequenceTracker {
  private step = 0;
  private readonly steps: Check[];
  /** Absolute output position after the last step matched (later output steps look after it). */
  private outputPos = 0;
  /** Since when (ms) the current state step has held without a break, or null. */
  private since: number | null = null;
  private lastNow = 0;

  constructor(check: Check) {
    this.steps = 'sequence' in check ? check.sequence : [check];
  }

  /** Feeds one observation; returns whether the exercise is complete. */
  update(o: Observed): boolean {
    this.lastNow = o.now ?? 0;
    while (this.step < this.steps.length && this.stepHolds(this.steps[this.step] as Check, o)) {
      this.step++;
      this.since = null;
    }
    return this.step >= this.steps.length;
  }

  /**
   * When a state step is holding but not yet for long enough: in how many ms to call
   * {@link update} again (with the same board state) to see it complete; else null.
   */
  get recheckInMs(): number | null {
    if (this.since === null || this.step >= this.steps.length) return null;
    const need = steadyFor(this.steps[this.step] as Check);
    return Math.max(0, this.since + need - this.lastNow);
  }

  private stepHolds(check: Check, o: Observed): boolean {
    const dropped = o.outputDropped ?? 0;
    if ('output' in check || 'pattern' in check) {
      const from = Math.max(0, this.outputPos - dropped);
      let at: number;
      let len: number;
      if ('output' in check) {
        at = o.output.indexOf(check.output, from);
        len = check.output.length;
      } else {
        const m = new RegExp(check.pattern, 'g');
        m.lastIndex = from;
        const found = m.exec(o.output);
        at = found ? found.index : -1;
        len = found ? found[0].length : 0;
      }
      if (at < 0) return false;
      this.outputPos = dropped + at + len;
      return true;
    }
    if (!holds(check, o)) {
      this.since = null;
      return false;
    }
    const need = steadyFor(check);
    const now = o.now ?? 0;
    if (need > 0) {
      this.since ??= now;
      if (now - this.since < need) return false;
    }
    // later output steps must show up after this moment
    this.outputPos = dropped + o.output.length;
    return true;
  }

  /** Steps of a sequence already seen (0 for other checks until done). */
  get progress(): number {
    return this.step;
  }
}

const STORE_KEY = 'esp8266-lab:exercises';

/** Exercises completed in this browser. */
export function completedExercises(storage: Pick<Storage, 'getItem'> | null): Set<string> {
  try {
    const raw = storage?.getItem(STORE_KEY);
    const list: unknown = raw ? JSON.parse(raw) : [];
    return new Set(Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

/** Remembers a completed exercise. */
export function markCompleted(storage: Pick<Storage, 'getItem' | 'setItem'> | null, id: string): void {
  const done = completedExercises(storage);
  done.add(id);
  try {
    storage?.setItem(STORE_KEY, JSON.stringify([...done]));
  } catch {
    /* storage full or disabled: the tick still shows for this visit */
  }
  announceProgress({ id });
}

/**
 * The window event sent when the stored progress changes on this page: {@link markCompleted}
 * sends it with `detail: { id }`, {@link resetProgress} with `detail: { reset: true }`
 * (a `CustomEvent<ProgressDetail>`). The lesson list and the home page listen for it; other tabs
 * see the change through the `storage` event on {@link PROGRESS_STORE_KEY}.
 */
export const PROGRESS_EVENT = 'esp8266-lab:progress';

/** The localStorage key holding the completed exercise ids (a JSON array of strings). */
export const PROGRESS_STORE_KEY = STORE_KEY;

/** What a {@link PROGRESS_EVENT} says: the exercise just completed, or that all were cleared. */
export type ProgressDetail = { id: string } | { reset: true };

/**
 * Sends {@link PROGRESS_EVENT} on `target` (default: the page's window; nothing happens where
 * there is none, as in Node without a DOM).
 */
export function announceProgress(detail: ProgressDetail, target: Pick<EventTarget, 'dispatchEvent'> | undefined = typeof globalThis.dispatchEvent === 'function' ? globalThis : undefined): void {
  target?.dispatchEvent(new CustomEvent<ProgressDetail>(PROGRESS_EVENT, { detail }));
}

/**
 * Forgets every completed exercise in this browser and announces it ({@link PROGRESS_EVENT} with
 * `{ reset: true }`). Storage that is missing, disabled or throws is left as it is, without an
 * error: the page's ticks are cleared for this visit all the same.
 */
export function resetProgress(storage: Pick<Storage, 'removeItem'> | null): void {
  try {
    storage?.removeItem(STORE_KEY);
  } catch {
    /* storage disabled: nothing was stored either */
  }
  announceProgress({ reset: true });
}
