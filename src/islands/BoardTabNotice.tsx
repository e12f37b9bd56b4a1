/**
 * Says when the board is open in another tab of this browser (src/lib/board.ts: one tab at a
 * time writes a board's flash, by a Web Lock), with a button that takes it over here. Shown in
 * the tab that opened second, and in the tab that lost the board to a take-over.
 */
import { useEffect, useState } from 'preact/hooks';
import { boardOwnership, onBoardOwnership, takeOverBoard, type BoardOwnership } from '../lib/board';
import { FOCUS_TERMINAL } from './Terminal';

/** Set through the DOM's style properties (allowed by a CSP without inline styles). */
const BOX = { background: '#fff7ed', border: '2px solid #c2410c', borderRadius: '8px', padding: '0.6rem 0.75rem', fontSize: '0.9rem', color: '#1f2937' };

export function BoardTabNotice() {
  const [owner, setOwner] = useState<BoardOwnership>(boardOwnership());
  const [busy, setBusy] = useState(false);
  useEffect(() => onBoardOwnership((o) => {
    setOwner(o);
    setBusy(false);
  }), []);
  if (owner === 'here') return null;
  return (
    <div class="board-elsewhere" role="alert" data-testid="board-elsewhere" data-state={owner} style={BOX}>
      <p style={{ margin: '0 0 0.4rem' }}>
        <strong>{owner === 'lost' ? 'This board is now open in another tab.' : 'This board is open in another tab.'}</strong>{' '}
        {owner === 'lost'
          ? 'It was stopped here when that tab took it over, so that only one tab writes its flash. Nothing written was lost.'
          : 'Only one tab at a time runs it, so that none overwrites what the other wrote to its flash. This tab leaves it alone.'}
      </p>
      <p style={{ margin: 0 }}>
        <button
          type="button"
          class="hw-button"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            // the button goes away: the keyboard goes to the terminal of the board now here
            void takeOverBoard().then(() => window.dispatchEvent(new Event(FOCUS_TERMINAL)));
          }}
        >
          Use the board in this tab
        </button>
      </p>
    </div>
  );
}
