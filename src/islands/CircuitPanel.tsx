/**
 * The circuit panel: the strapping parts of the blog's ESP-07 circuit (R3, R4, GPIO15 on the Flash
 * button), the USB-serial adapter's DTR/RTS auto-reset and the GPIO16→RST wire. Changes reach the
 * board model through the host; the ROM reads the strapping pins at the next reset. It sits below
 * the terminal so that what the board prints stays in view while parts change.
 */
import { useEffect, useState } from 'preact/hooks';
import type { BoardHost } from '../../emulator/link/host.ts';
import { DEFAULT_CIRCUIT, type Circuit } from '../../emulator/board/circuit.ts';

const PARTS: { key: Exclude<keyof Circuit, 'autoReset' | 'gpio16ToRst'>; label: string }[] = [
  { key: 'gpio15PullDown', label: '10 kΩ pull-down on GPIO15 (R4)' },
  { key: 'gpio2PullUp', label: '10 kΩ pull-up on GPIO2 (R3)' },
  { key: 'gpio15OnFlash', label: 'GPIO15 wired to the Flash button' },
];

export function CircuitPanel({ board }: { board: BoardHost }) {
  const [circuit, setCircuit] = useState<Circuit>(board.circuitParts);
  useEffect(() => board.on('circuit', setCircuit), [board]);
  const changeCircuit = (c: Circuit) => {
    setCircuit(c);
    board.setCircuit(c);
  };
  return (
    <details class="circuit-panel">
      <summary>Circuit: strapping parts</summary>
      <p>The boot ROM reads GPIO15, GPIO0 and GPIO2 at reset: change a part, then press Reset.</p>
      {PARTS.map((part) => (
        <label key={part.key}>
          <input
            type="checkbox"
            checked={circuit[part.key]}
            onChange={(e) => changeCircuit({ ...circuit, [part.key]: (e.currentTarget as HTMLInputElement).checked })}
          />
          <span>{part.label}</span>
        </label>
      ))}
      <button type="button" class="hw-button" onClick={() => changeCircuit({ ...DEFAULT_CIRCUIT, autoReset: circuit.autoReset, gpio16ToRst: circuit.gpio16ToRst })}>
        Restore the working circuit
      </button>
      <p class="circuit-adapter">
        Many USB-serial adapters (and NodeMCU boards) add two transistors: RTS pulls EN (reset) low, DTR pulls GPIO0
        low, and neither when both are on. esptool then resets the board into download mode and back by itself.
      </p>
      <label>
        <input
          type="checkbox"
          checked={circuit.autoReset === true}
          onChange={(e) => changeCircuit({ ...circuit, autoReset: (e.currentTarget as HTMLInputElement).checked })}
        />
        <span>USB-serial adapter with DTR/RTS auto-reset</span>
      </label>
      <p class="circuit-adapter">
        A wire from GPIO16 to RST lets the chip's deep-sleep timer wake it up. With it fitted, driving GPIO16 low
        from code resets the board.
      </p>
      <label>
        <input
          type="checkbox"
          checked={circuit.gpio16ToRst === true}
          onChange={(e) => changeCircuit({ ...circuit, gpio16ToRst: (e.currentTarget as HTMLInputElement).checked })}
        />
        <span>GPIO16 wired to RST (deep-sleep wake)</span>
      </label>
    </details>
  );
}
