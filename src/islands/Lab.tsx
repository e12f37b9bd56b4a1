/** The lab beside every lesson: the virtual ESP-07 and its serial terminal. */
import { getBoard } from '../lib/board';
import { BoardOptions } from './BoardOptions';
import { BoardPicture } from './BoardPicture';
import { CircuitPanel } from './CircuitPanel';
import { ClockControls } from './ClockControls';
import { FileManager } from './FileManager';
import { FlashPanel } from './FlashPanel';
import { LabMode } from './LabMode';
import { NetworkPanel } from './NetworkPanel';
import { Terminal } from './Terminal';
import { WebReplSlot } from './WebReplSlot';

export default function Lab() {
  if (performance.getEntriesByName('lab:activate').length === 0) performance.mark('lab:activate');
  const board = getBoard();
  return (
    <div class="lab-inner" data-testid="lab">
      <LabMode board={board} />
      <BoardPicture board={board} />
      <ClockControls board={board} />
      <Terminal board={board} />
      <CircuitPanel board={board} />
      <FileManager board={board} />
      <NetworkPanel board={board} />
      <WebReplSlot board={board} />
      <FlashPanel board={board} />
      <BoardOptions board={board} />
    </div>
  );
}
