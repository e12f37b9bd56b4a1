/** Live status of an exercise: watches the board and ticks the exercise off when its check holds. */
import { useEffect, useState } from 'preact/hooks';
import { SequenceTracker, completedExercises, lastRomBoot, markCompleted, type Check } from '../lib/exercise-check';
import { getBoard, onSerial } from '../lib/board';

const OUTPUT_KEEP = 16 * 1024;

export default function ExerciseStatus({ id, check }: { id: string; check: Check }) {
  const [done, setDone] = useState(() => completedExercises(globalThis.localStorage ?? null).has(id));
  useEffect(() => {
    if (done) return;
    const board = getBoard();
    const tracker = new SequenceTracker(check);
    let output = '';
    let dropped = 0;
    let romText = '';
    let rom = '';
    const decoder = new TextDecoder();
    const evaluate = () => {
      if (tracker.update({ view: board.view, output, outputDropped: dropped, rom })) {
        markCompleted(globalThis.localStorage ?? null, id);
        setDone(true);
      }
    };
    const offView = board.on('view', evaluate);
    const offSerial = onSerial((data, baud) => {
      if (baud !== 115200) {
        // the boot ROM's 74880-baud lines are not the REPL's output; only its latest boot counts
        romText = (romText + String.fromCharCode(...data)).slice(-1024);
        rom = lastRomBoot(romText);
        evaluate();
        return;
      }
      output += decoder.decode(data, { stream: true });
      if (output.length > OUTPUT_KEEP) {
        dropped += output.length - OUTPUT_KEEP;
        output = output.slice(-OUTPUT_KEEP);
      }
      evaluate();
    });
    return () => {
      offView();
      offSerial();
    };
  }, [done]);
  return (
    <p class={done ? 'exercise-status exercise-done' : 'exercise-status'} data-testid={`exercise-${id}`} data-done={done ? 'true' : 'false'} aria-live="polite">
      {done ? '✓ Done — the board shows it.' : 'Not done yet: this box ticks itself when the board shows the result.'}
    </p>
  );
}
