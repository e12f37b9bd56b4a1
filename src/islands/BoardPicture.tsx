/**
 * The ESP-07 on its carrier board, drawn from the board model's state. Every GPIO pad carries
 * `data-gpio` and `data-level` (high | low | input), the LED `data-led="13"` and `data-lit`,
 * and a live region announces the LED. The buttons are real buttons (keyboard operable).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { BoardView } from '../../emulator/board.ts';
import type { BoardHost } from '../../emulator/host.ts';

type Pad = { label: string; gpio?: number; note?: string };

/** ESP-07 pads with the antenna at the top (module datasheet pinout). */
const LEFT: Pad[] = [
  { label: 'RST' },
  { label: 'ADC' },
  { label: 'EN' },
  { label: 'GPIO16', gpio: 16 },
  { label: 'GPIO14', gpio: 14 },
  { label: 'GPIO12', gpio: 12 },
  { label: 'GPIO13', gpio: 13, note: 'LED' },
  { label: 'VCC' },
];
const RIGHT: Pad[] = [
  { label: 'TXD', gpio: 1, note: 'UART0' },
  { label: 'RXD', gpio: 3, note: 'UART0' },
  { label: 'GPIO5', gpio: 5 },
  { label: 'GPIO4', gpio: 4 },
  { label: 'GPIO0', gpio: 0, note: 'FLASH' },
  { label: 'GPIO2', gpio: 2, note: '10k↑' },
  { label: 'GPIO15', gpio: 15, note: '10k↓' },
  { label: 'GND' },
];

const PAD_Y0 = 104;
const PAD_DY = 20;

function padState(view: BoardView, gpio: number | undefined) {
  if (gpio === undefined) return undefined;
  return view.pins[gpio] ?? 'input';
}

function PadRow({ pad, index, side, view }: { pad: Pad; index: number; side: 'left' | 'right'; view: BoardView }) {
  const y = PAD_Y0 + index * PAD_DY;
  const x = side === 'left' ? 112 : 236;
  const level = padState(view, pad.gpio);
  const textX = side === 'left' ? 100 : 260;
  const anchor = side === 'left' ? 'end' : 'start';
  const dotX = side === 'left' ? x + 6 : x + 6;
  return (
    <g class="pad" data-gpio={pad.gpio} data-level={level}>
      <title>{pad.gpio !== undefined ? `GPIO${pad.gpio}: ${level}` : pad.label}</title>
      <rect x={x} y={y - 6} width="12" height="12" rx="2" class="pad-metal" />
      {level && <circle cx={dotX} cy={y} r="3.5" class={`pad-level pad-${level}`} />}
      <text x={textX} y={y + 4} text-anchor={anchor} class="pad-label">
        {pad.label}
        {pad.note && <tspan class="pad-note">{` ${pad.note}`}</tspan>}
      </text>
    </g>
  );
}

export function BoardPicture({ board }: { board: BoardHost }) {
  const [view, setView] = useState<BoardView>(board.view);
  const [flashDown, setFlashDown] = useState(false);
  const pressedBy = useRef<'key' | 'pointer' | null>(null);
  useEffect(() => board.on('view', setView), [board]);
  const lit = view.led;

  const press = (down: boolean, by: 'key' | 'pointer') => {
    if (down === (pressedBy.current !== null)) return;
    pressedBy.current = down ? by : null;
    setFlashDown(down);
    board.setFlash(down);
  };

  return (
    <div class="board">
      <svg viewBox="0 0 360 300" role="img" aria-label="ESP-07 module on its carrier board with an LED on GPIO13, a Flash button on GPIO0 and a Reset button" class="board-svg">
        <rect x="4" y="4" width="352" height="292" rx="10" class="pcb" />
        {/* module */}
        <rect x="124" y="14" width="112" height="252" rx="3" class="module" />
        <rect x="134" y="22" width="60" height="26" rx="2" class="antenna" />
        <circle cx="218" cy="34" r="7" class="ipex" />
        <rect x="136" y="70" width="88" height="180" rx="3" class="shield" />
        <text x="180" y="150" text-anchor="middle" class="shield-text">ESP8266EX</text>
        <text x="180" y="166" text-anchor="middle" class="shield-text small">ESP-07 · 4 MB</text>
        {LEFT.map((p, i) => <PadRow pad={p} index={i} side="left" view={view} />)}
        {RIGHT.map((p, i) => <PadRow pad={p} index={i} side="right" view={view} />)}
        {/* LED on GPIO13 through a resistor to ground */}
        <path d={`M118 ${PAD_Y0 + 6 * PAD_DY + 6} V276 H56 M40 276 H44`} class="trace" />
        <rect x="44" y="273" width="12" height="6" class="resistor" />
        <g data-led="13" data-lit={lit ? 'true' : 'false'} class={lit ? 'led led-on' : 'led'}>
          <title>{`LED on GPIO13: ${lit ? 'on' : 'off'}`}</title>
          {lit && <circle cx="40" cy="264" r="14" class="led-glow" />}
          <circle cx="40" cy="264" r="7" class="led-body" />
        </g>
        <text x="24" y="248" class="pad-label">LED</text>
        {/* buttons, drawn; the real controls are below */}
        <g class={`switch ${view.flashHeld ? 'switch-down' : ''}`}>
          <rect x="282" y="246" width="30" height="30" rx="3" class="switch-body" />
          <circle cx="297" cy="261" r="8" class="switch-cap" />
          <text x="297" y="292" text-anchor="middle" class="pad-label">FLASH</text>
        </g>
        <g class="switch">
          <rect x="282" y="12" width="30" height="30" rx="3" class="switch-body" />
          <circle cx="297" cy="27" r="8" class="switch-cap" />
          <text x="297" y="56" text-anchor="middle" class="pad-label">RESET</text>
        </g>
      </svg>
      <p class="visually-hidden" aria-live="polite" data-testid="led-status">
        {`LED on GPIO13 is ${lit ? 'on' : 'off'}`}
      </p>
      <div class="board-controls">
        <button type="button" class="hw-button" onClick={() => board.reset()}>
          Reset
        </button>
        <button
          type="button"
          class="hw-button"
          aria-pressed={flashDown}
          onPointerDown={(e) => {
            (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
            press(true, 'pointer');
          }}
          onPointerUp={() => press(false, 'pointer')}
          onPointerCancel={() => press(false, 'pointer')}
          onKeyDown={(e) => {
            if ((e.key === ' ' || e.key === 'Enter') && !e.repeat) {
              e.preventDefault();
              press(true, 'key');
            }
          }}
          onKeyUp={(e) => {
            if (e.key === ' ' || e.key === 'Enter') press(false, 'key');
          }}
          onBlur={() => {
            if (pressedBy.current === 'key') press(false, 'key');
          }}
        >
          Flash (hold)
        </button>
      </div>
    </div>
  );
}
