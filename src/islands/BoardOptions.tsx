/**
 * Board options: the flash size of the ESP-07 (512 KB, 1 MB or 4 MB, each with its MicroPython
 * build) and a factory reset. The board's flash, files included, is kept in this browser.
 */
import { useState } from 'preact/hooks';
import type { BoardHost, FlashSize } from '../../emulator/link/host.ts';
import { changeFlashSize, factoryReset } from '../lib/board';

const SIZES: { value: FlashSize; label: string }[] = [
  { value: '4M', label: '4 MB (ESP-07S): default build, 3 MB filesystem' },
  { value: '1M', label: '1 MB: FLASH_1M build, 392 KB filesystem' },
  { value: '512K', label: '512 KB: FLASH_512K build, no filesystem' },
];

export function BoardOptions({ board }: { board: BoardHost }) {
  const [size, setSize] = useState<FlashSize>(board.flashSize);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);

  const pickSize = async (next: FlashSize) => {
    setBusy(true);
    try {
      await changeFlashSize(next);
      setSize(next);
    } finally {
      setBusy(false);
    }
  };

  const reset = async () => {
    setBusy(true);
    try {
      await factoryReset();
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  return (
    <details class="board-options">
      <summary>Board: flash size and factory reset</summary>
      <p>
        The board's flash (MicroPython and your files) is kept in this browser, so it is still there after a reload.
      </p>
      <label>
        <span>Flash chip</span>{' '}
        <select
          value={size}
          disabled={busy}
          data-testid="flash-size"
          onChange={(e) => void pickSize((e.currentTarget as HTMLSelectElement).value as FlashSize)}
        >
          {SIZES.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      {!confirming ? (
        <button type="button" class="hw-button" disabled={busy} onClick={() => setConfirming(true)}>
          Factory reset…
        </button>
      ) : (
        <p role="group" aria-label="Confirm factory reset">
          Erase all files and settings on this board and flash MicroPython again?{' '}
          <button type="button" class="hw-button" disabled={busy} onClick={() => void reset()}>
            Yes, factory reset
          </button>{' '}
          <button type="button" class="hw-button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </p>
      )}
    </details>
  );
}
