/** Run button of a code block: sends the block to the board in paste mode, as a serial tool would. */
import { getBoard } from '../lib/board';
import { FOCUS_TERMINAL } from './Terminal';

/**
 * Sends `code` to the board (paste mode, `BoardHost.run`) and asks the terminal to take focus so
 * the reader sees the output (and can press Ctrl-C there).
 */
export function runExample(code: string): void {
  void getBoard().run(code);
  window.dispatchEvent(new Event(FOCUS_TERMINAL));
}

/**
 * The "▶ Run" button.
 * @param code the code to send, or a function giving it at the time of the click (an edited example)
 */
export default function RunButton({ code }: { code: string | (() => string) }) {
  return (
    <button
      type="button"
      class="run-button"
      title="Send this code to the virtual ESP-07 (paste mode)"
      onClick={() => runExample(typeof code === 'function' ? code() : code)}
    >
      ▶ Run
    </button>
  );
}
