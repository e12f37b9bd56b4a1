/**
 * Live status of an exercise: watches the board and ticks the exercise off when its check holds
 * (src/lib/exercise-check.ts). It looks only at what the board printed: the REPL's echo of typed
 * or pasted code is left out, and so is everything while another tool (the Files panel's raw
 * REPL, the Flash panel) holds the serial port.
 */
import { useEffect, useState } from 'preact/hooks';
import { PROGRESS_EVENT, SequenceTracker, completedExercises, lastRomBoot, markCompleted, type Check, type ProgressDetail } from '../lib/exercise-check';
import { safeStorage } from '../lib/course-progress';
import { getBoard, onSerial } from '../lib/board';
import { onPortHolder } from '../lib/port-holder';

const OUTPUT_KEEP = 16 * 1024;

export default function ExerciseStatus({ id, check }: { id: string; check: Check }) {
  const [done, setDone] = useState(() => completedExercises(safeStorage()).has(id));
  // "Reset my progress" (in this tab or another) un-ticks the box, which starts watching again
  useEffect(() => {
    const onProgress = (e: Event) => {
      if ('reset' in ((e as CustomEvent<ProgressDetail>).detail ?? {})) setDone(false);
    };
    const onStorage = () => setDone(completedExercises(safeStorage()).has(id));
    addEventListener(PROGRESS_EVENT, onProgress);
    addEventListener('storage', onStorage);
    return () => {
      removeEventListener(PROGRESS_EVENT, onProgress);
      removeEventListener('storage', onStorage);
    };
  }, [id]);
  const [waiting, setWaiting] = useState(false);
  useEffect(() => {
    if (done) return;
    const board = getBoard();
    const tracker = new SequenceTracker(check);
    let output = '';
    let dropped = 0;
    let romText = '';
    let rom = '';
    let portHeld = false;
    let recheck: ReturnType<typeof setTimeout> | null = null;
    const decoder = new TextDecoder();
    const evaluate = () => {
      if (recheck) clearTimeout(recheck);
      recheck = null;
      if (tracker.update({ view: board.view, output, outputDropped: dropped, rom, now: performance.now() })) {
        markCompleted(safeStorage(), id);
        setDone(true);
        return;
      }
      // a state that holds but not yet for long enough: look again when it would count
      const wait = tracker.recheckInMs;
      setWaiting(wait !== null);
      if (wait !== null) recheck = setTimeout(evaluate, wait + 20);
    };
    const offPort = onPortHolder((holder) => {
      portHeld = holder !== null;
    });
    const offView = board.on('view', evaluate);
    const offSerial = onSerial((data, baud, echo) => {
      if (portHeld) return;
      if (baud !== 115200) {
        // the boot ROM's 74880-baud lines are not the REPL's output; only its latest boot counts
        romText = (romText + String.fromCharCode(...data)).slice(-1024);
        rom = lastRomBoot(romText);
        evaluate();
        return;
      }
      const text = decoder.decode(data, { stream: true });
      if (echo) return; // what was typed or pasted, not what it printed
      output += text;
      if (output.length > OUTPUT_KEEP) {
        dropped += output.length - OUTPUT_KEEP;
        output = output.slice(-OUTPUT_KEEP);
      }
      evaluate();
    });
    return () => {
      if (recheck) clearTimeout(recheck);
      offView();
      offSerial();
      offPort();
    };
  }, [done]);
  return (
    <p class={done ? 'exercise-status exercise-done' : 'exercise-status'} data-testid={`exercise-${id}`} data-done={done ? 'true' : 'false'} aria-live="polite">
      {done
        ? '✓ Done — the board shows it.'
        : waiting
          ? 'Checking: the board shows it — it must stay that way for a moment…'
          : 'Not done yet: this box ticks itself when the board shows the result.'}
    </p>
  );
}
