/**
 * The lab beside every lesson: the virtual ESP-07 and its serial terminal.
 *
 * Wide screens (≥ 1100 px, the lab sticky beside the text): the board picture, the clock and the
 * terminal fill the first screen of the lab panel, the terminal taking the height that is left,
 * so a Run's output and the `>>> ` prompt are in view next to the code; the panels follow below.
 *
 * Narrow screens (the lab after the whole text): a Run docks the board deck at the bottom of the
 * screen — the terminal, and on request a compact board picture — so the output appears next to
 * the code just run. The dock minimises to its bar (its button or Escape) and closes back into
 * the lab (✕); the page scrolls so the Run button pressed stays above it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { getBoard } from '../lib/board';
import { BoardOptions } from './BoardOptions';
import { BoardTabNotice } from './BoardTabNotice';
import { BoardPicture } from './BoardPicture';
import { CircuitPanel } from './CircuitPanel';
import { ClockControls } from './ClockControls';
import { FileManager } from './FileManager';
import { FlashPanel } from './FlashPanel';
import { LabMode } from './LabMode';
import { NetworkPanel } from './NetworkPanel';
import { FOCUS_TERMINAL, Terminal } from './Terminal';
import { WebReplSlot } from './WebReplSlot';

/** Where the lab sits beside the text (src/styles/course.css, the lesson grid). */
const WIDE = '(min-width: 1100px)';

/** The deck's place: in the lab (`off`), docked at the bottom (`open`), or docked as its bar only (`min`). */
type Dock = 'off' | 'open' | 'min';

const DECK_ID = 'lab-deck-main';
const BOARD_ID = 'lab-board';

export default function Lab() {
  if (performance.getEntriesByName('lab:activate').length === 0) performance.mark('lab:activate');
  const board = getBoard();
  const [dock, setDock] = useState<Dock>('off');
  const [boardShown, setBoardShown] = useState(false);
  const deck = useRef<HTMLDivElement>(null);
  /** The control that opened the dock (a Run button): focus goes back to it when the dock closes. */
  const opener = useRef<HTMLElement | null>(null);
  const lastClicked = useRef<HTMLElement | null>(null);
  const dockRef = useRef<Dock>('off');
  dockRef.current = dock;

  useEffect(() => {
    const wide = matchMedia(WIDE);
    // Safari does not focus a clicked button: remember what was clicked
    const click = (e: Event) => {
      const b = (e.target as Element | null)?.closest?.('button');
      lastClicked.current = b instanceof HTMLElement ? b : null;
    };
    const run = () => {
      if (wide.matches) {
        // the lab panel (and if need be the page) scrolls so the whole terminal is in view
        deck.current?.querySelector('.terminal-wrap')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
        return;
      }
      const active = document.activeElement;
      const from = active instanceof HTMLElement && active !== document.body ? active : lastClicked.current;
      if (from && !deck.current?.contains(from)) opener.current = from;
      setDock('open');
    };
    const resize = () => {
      if (wide.matches) setDock('off');
    };
    const key = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || dockRef.current !== 'open') return;
      const active = document.activeElement;
      const inDeck = deck.current?.contains(active) ?? false;
      if (!inDeck && active !== opener.current && active !== document.body) return;
      setDock('min');
      if (inDeck) opener.current?.focus();
    };
    document.addEventListener('click', click, true);
    window.addEventListener(FOCUS_TERMINAL, run);
    wide.addEventListener('change', resize);
    document.addEventListener('keydown', key);
    return () => {
      document.removeEventListener('click', click, true);
      window.removeEventListener(FOCUS_TERMINAL, run);
      wide.removeEventListener('change', resize);
      document.removeEventListener('keydown', key);
    };
  }, []);

  // An opened dock must not cover the Run button that opened it: the page scrolls so the code
  // block of that button sits above the dock, or, when the block is taller than the room left,
  // so the block's top (where its Run button is) does.
  useEffect(() => {
    if (dock !== 'open') return;
    const frame = requestAnimationFrame(() => {
      const top = deck.current?.getBoundingClientRect().top;
      const from = opener.current;
      if (top === undefined || !from?.isConnected) return;
      const block = (from.closest('.runnable') ?? from).getBoundingClientRect();
      if (block.height === 0) return;
      const margin = 12;
      const covered = from.getBoundingClientRect().bottom > top - margin;
      const by = block.height <= top - 2 * margin ? block.bottom - (top - margin) : covered ? block.top - margin : 0;
      if (by > 0) window.scrollBy({ top: by, behavior: 'instant' });
    });
    return () => cancelAnimationFrame(frame);
  }, [dock, boardShown]);

  const docked = dock !== 'off';
  const close = () => {
    const inDeck = deck.current?.contains(document.activeElement) ?? false;
    setDock('off');
    setBoardShown(false);
    if (inDeck) opener.current?.focus();
  };

  return (
    <div class="lab-inner" data-testid="lab" data-dock={dock} data-dock-board={docked && boardShown ? 'true' : undefined}>
      <div class="lab-deck" ref={deck}>
        {docked && (
          <div class="dock-bar" role="group" aria-label="Docked terminal" data-testid="dock-bar">
            <span class="dock-title">Terminal</span>
            <button type="button" class="dock-button" title="Interrupt the running program (Ctrl-C)" onClick={() => board.write('\x03')}>
              Ctrl-C
            </button>
            <button
              type="button"
              class="dock-button"
              aria-expanded={dock === 'open' && boardShown}
              aria-controls={BOARD_ID}
              onClick={() => {
                setBoardShown(!(dock === 'open' && boardShown));
                setDock('open');
              }}
            >
              Board
            </button>
            <button
              type="button"
              class="dock-button"
              aria-expanded={dock === 'open'}
              aria-controls={DECK_ID}
              data-testid="dock-toggle"
              onClick={() => setDock(dock === 'open' ? 'min' : 'open')}
            >
              {dock === 'open' ? 'Minimise' : 'Open'}
            </button>
            <button type="button" class="dock-button dock-close" aria-label="Close: put the terminal back in the lab" title="Put the terminal back in the lab, after the lesson text" onClick={close}>
              ✕
            </button>
          </div>
        )}
        <div class="lab-main" id={DECK_ID} inert={dock === 'min'}>
          <BoardTabNotice />
          <LabMode board={board} />
          <BoardPicture board={board} id={BOARD_ID} />
          <ClockControls board={board} />
          <Terminal board={board} />
        </div>
      </div>
      {docked && (
        <p class="lab-docked-note">
          The terminal is docked at the bottom of the screen.{' '}
          <button
            type="button"
            class="hw-button"
            onClick={() => {
              setDock('off');
              setBoardShown(false);
              requestAnimationFrame(() => deck.current?.querySelector<HTMLElement>('.xterm-helper-textarea')?.focus());
            }}
          >
            Put it back here
          </button>
        </p>
      )}
      <CircuitPanel board={board} />
      <FileManager board={board} />
      <NetworkPanel board={board} />
      <WebReplSlot board={board} />
      <FlashPanel board={board} />
      <BoardOptions board={board} />
    </div>
  );
}
