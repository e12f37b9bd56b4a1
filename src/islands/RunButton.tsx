/** Run button of a code block: sends the block to the board in paste mode, as a serial tool would. */
import { getBoard } from '../lib/board';
import { FOCUS_TERMINAL } from './Terminal';

export default function RunButton({ code }: { code: string }) {
  return (
    <button
      type="button"
      class="run-button"
      title="Send this code to the virtual ESP-07 (paste mode)"
      onClick={() => {
        void getBoard().run(code);
        window.dispatchEvent(new Event(FOCUS_TERMINAL));
      }}
    >
      ▶ Run
    </button>
  );
}
