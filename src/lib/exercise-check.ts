/**
 * Exercise checks: what the board must show for an exercise to count as done. Evaluated
 * against the board view and the serial output, never against the learner's code.
 */
import type { BoardView } from '../../emulator/board.ts';

export type Check =
  /** A GPIO in a state: driven high, driven low, or not driven by the chip. */
  | { pin: number; state: 'high' | 'low' | 'input' }
  /** The LED on GPIO13 lit or dark. */
  | { led: boolean }
  /** PWM running on a GPIO with a duty in [min, max] (0–1023). */
  | { duty: { gpio: number; min?: number; max?: number } }
  /**
   * The serial output (since the lesson opened) contains this text; inside a `sequence`, after
   * the text an earlier `output` step matched.
   */
  | { output: string }
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
  /** Serial output text seen so far (possibly only its most recent part). */
  output: string;
  /** Characters of output dropped before `output` begins (0 when it is all there). */
  outputDropped?: number;
  /** The boot ROM's latest boot text (see {@link lastRomBoot}), or '' before one. */
  rom?: string;
}

/** The last boot ROM first line in text received at 74880 baud ('' when there is none). */
export function lastRomLine(text: string): string {
  const lines = text.match(/ets Jan {2}8 2013,rst cause:\d+, boot mode:\(\d+,\d+\)/g);
  return lines ? (lines[lines.length - 1] as string) : '';
}

/**
 * The latest boot in text received at 74880 baud: from its ` ets Jan  8 2013,…` line to the end
 * ('' when there is none).
 */
export function lastRomBoot(text: string): string {
  const at = text.lastIndexOf('ets Jan  8 2013,');
  return at < 0 ? '' : text.slice(at);
}

/** Whether a check holds now (a `sequence` holds when its last step holds; use {@link SequenceTracker}). */
export function holds(check: Check, o: Observed): boolean {
  if ('pin' in check) return o.view.pins[check.pin] === check.state;
  if ('led' in check) return o.view.led === check.led;
  if ('duty' in check) {
    const d = o.view.duty[check.duty.gpio];
    return d !== null && d !== undefined && d >= (check.duty.min ?? 0) && d <= (check.duty.max ?? 1023);
  }
  if ('output' in check) return o.output.includes(check.output);
  if ('rom' in check) return (o.rom ?? '').includes(check.rom);
  if ('all' in check) return check.all.every((c) => holds(c, o));
  return check.sequence.length > 0 && holds(check.sequence[check.sequence.length - 1] as Check, o);
}

/** Follows a check over time; a `sequence` advances one step whenever its next step holds. */
export class SequenceTracker {
  private step = 0;
  private readonly check: Check;

  constructor(check: Check) {
    this.check = check;
  }

  /** Absolute output position after the last step matched (later `output` steps look after it). */
  private outputPos = 0;

  /** Feeds one observation; returns whether the exercise is complete. */
  update(o: Observed): boolean {
    if (!('sequence' in this.check)) return holds(this.check, o);
    const steps = this.check.sequence;
    while (this.step < steps.length && this.stepHolds(steps[this.step] as Check, o)) this.step++;
    return this.step >= steps.length;
  }

  private stepHolds(check: Check, o: Observed): boolean {
    const dropped = o.outputDropped ?? 0;
    if (!('output' in check)) {
      // later output steps must show up after this moment
      if (!holds(check, o)) return false;
      this.outputPos = dropped + o.output.length;
      return true;
    }
    const at = o.output.indexOf(check.output, Math.max(0, this.outputPos - dropped));
    if (at < 0) return false;
    this.outputPos = dropped + at + check.output.length;
    return true;
  }

  /** Steps of a sequence already seen (0 for other checks). */
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
export function announceProgress(detail: ProgressDetail, target: Pick<EventTarget, 'dispatchEvent'> | undefined = globalThis.dispatchEvent ? globalThis : undefined): void {
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
