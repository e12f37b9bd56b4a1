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
  /** The serial output (since the lesson opened) contains this text. */
  | { output: string }
  /** The boot ROM's latest first line (74880 baud) contains this text, e.g. `boot mode:(1,`. */
  | { rom: string }
  /** Every check holds at once. */
  | { all: Check[] }
  /** Each check holds in turn (later ones after earlier ones). */
  | { sequence: Check[] };

export interface Observed {
  view: BoardView;
  /** Serial output text seen so far. */
  output: string;
  /** The boot ROM's latest ` ets Jan  8 2013,rst cause:…, boot mode:(…)` line, or '' before one. */
  rom?: string;
}

/** The last boot ROM first line in text received at 74880 baud ('' when there is none). */
export function lastRomLine(text: string): string {
  const lines = text.match(/ets Jan {2}8 2013,rst cause:\d+, boot mode:\(\d+,\d+\)/g);
  return lines ? (lines[lines.length - 1] as string) : '';
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

  /** Feeds one observation; returns whether the exercise is complete. */
  update(o: Observed): boolean {
    if (!('sequence' in this.check)) return holds(this.check, o);
    const steps = this.check.sequence;
    while (this.step < steps.length && holds(steps[this.step] as Check, o)) this.step++;
    return this.step >= steps.length;
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
}
