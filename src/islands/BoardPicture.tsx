/**
 * The ESP-07 on its carrier board, drawn from the board model's state. Every GPIO pad carries
 * `data-gpio` and `data-level` (high | low | input), the LED `data-led="13"` and `data-lit`,
 * and a live region announces the LED. The buttons are real buttons (keyboard operable).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { BoardView } from '../../emulator/board/esp07.ts';
import type { BoardHost } from '../../emulator/link/host.ts';
import { DEFAULT_CIRCUIT, type Circuit } from '../../emulator/board/circuit.ts';

type Pad = { label: string; gpio?: number; note?: string };

/** What each pad does on the ESP-07 (ESP8266EX datasheet §4 pin definitions; ESP-07 pinout). */
const PAD_INFO: Record<string, string> = {
  RST: 'Reset, active low: pulling it to ground restarts the chip (the Reset button does).',
  ADC: 'TOUT, the ADC input: 0–1.0 V reads 0–1024 with machine.ADC(0). Use the slider below.',
  EN: 'Chip enable (CH_PD): must be pulled high for the chip to run.',
  VCC: '3.3 V supply.',
  GND: 'Ground.',
  GPIO16: 'in the RTC domain. No pull-up, no IRQ, no PWM. Wire it to RST to wake from deep sleep.',
  GPIO14: 'HSPI clock (SCK). PWM capable.',
  GPIO12: 'HSPI MISO. PWM capable.',
  GPIO13: 'HSPI MOSI. On this board the LED hangs here, through a resistor to ground. PWM capable.',
  TXD: 'UART0 TX — the REPL talks to your terminal through it. Using it as a GPIO cuts the REPL until a reset.',
  RXD: 'UART0 RX — your keystrokes arrive here. Using it as a GPIO cuts the REPL until a reset.',
  GPIO5: 'a free GPIO, often I2C SCL. Some ESP-07 batches have GPIO4 and GPIO5 swapped on the silkscreen.',
  GPIO4: 'a free GPIO, often I2C SDA. Some ESP-07 batches have GPIO4 and GPIO5 swapped on the silkscreen.',
  GPIO0: 'strapping pin, read at reset: low means "wait for flashing". The Flash button pulls it low. PWM capable.',
  GPIO2: 'strapping pin, must be high at reset (10 kΩ pull-up). Also UART1 TX. PWM capable.',
  GPIO15: 'strapping pin, must be low at reset (10 kΩ pull-down). HSPI CS. PWM capable.',
};

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

/** "GPIO14", or "GPIO1 (TXD)" when the pad's label is not its GPIO name. */
function padTitle(pad: Pad): string {
  if (pad.gpio === undefined) return pad.label;
  const name = `GPIO${pad.gpio}`;
  return pad.label === name ? name : `${name} (${pad.label})`;
}

const PAD_Y0 = 104;
const PAD_DY = 20;

function padState(view: BoardView, gpio: number | undefined) {
  if (gpio === undefined) return undefined;
  return view.pins[gpio] ?? 'input';
}

interface PadRowProps {
  pad: Pad;
  index: number;
  side: 'left' | 'right';
  view: BoardView;
  onInfo: (pad: Pad | null) => void;
  onPick: (pad: Pad) => void;
}

function PadRow({ pad, index, side, view, onInfo, onPick }: PadRowProps) {
  const y = PAD_Y0 + index * PAD_DY;
  const x = side === 'left' ? 112 : 236;
  const level = padState(view, pad.gpio);
  const duty = pad.gpio !== undefined ? view.duty[pad.gpio] : null;
  const textX = side === 'left' ? 100 : 260;
  const anchor = side === 'left' ? 'end' : 'start';
  const dotX = x + 6;
  // the accessible name starts with the text the pad shows (WCAG 2.5.3, label in name)
  const visible = pad.note ? `${pad.label} ${pad.note}` : pad.label;
  const gpioName = pad.gpio !== undefined ? `GPIO${pad.gpio}` : null;
  const state = gpioName === null ? '' : `${gpioName === pad.label ? '' : ` (${gpioName})`}, ${level}`;
  return (
    <g
      class="pad"
      data-gpio={pad.gpio}
      data-level={level}
      data-duty={duty ?? undefined}
      data-pad={pad.label}
      tabIndex={0}
      role="button"
      aria-label={`${visible}${state}: ${PAD_INFO[pad.label] ?? ''}`}
      onMouseEnter={() => onInfo(pad)}
      onFocus={() => onInfo(pad)}
      onClick={() => onPick(pad)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onPick(pad);
        }
      }}
    >
      <title>{pad.gpio !== undefined ? `GPIO${pad.gpio}: ${level}${duty !== null && duty !== undefined ? `, PWM duty ${duty}` : ''}` : pad.label}</title>
      <rect x={side === 'left' ? 20 : 228} y={y - 9} width="112" height="18" class="pad-hit" />
      <rect x={x} y={y - 6} width="12" height="12" rx="2" class="pad-metal" />
      {level && <circle cx={dotX} cy={y} r="3.5" class={`pad-level pad-${level}`} />}
      <text x={textX} y={y + 4} text-anchor={anchor} class="pad-label">
        {pad.label}
        {/* the space outside the tspan: the text reads "GPIO13 LED", as the pad's name does */}
        {pad.note && ' '}
        {pad.note && <tspan class="pad-note">{pad.note}</tspan>}
      </text>
    </g>
  );
}

/** The pad notes follow the circuit panel's strapping parts. */
function rightPads(c: Circuit): Pad[] {
  return RIGHT.map((pad) => {
    if (pad.gpio === 2) return { ...pad, note: c.gpio2PullUp ? '10k↑' : 'open' };
    if (pad.gpio === 15) return { ...pad, note: c.gpio15OnFlash ? 'to FLASH' : c.gpio15PullDown ? '10k↓' : 'open' };
    return pad;
  });
}


const FLASH_LABEL = { '4M': '4 MB', '1M': '1 MB', '512K': '512 KB' } as const;

/** "20 µA", "70 mA". */
function formatCurrent(ua: number): string {
  return ua >= 1000 ? `${Math.round(ua / 1000)} mA` : `${Math.round(ua)} µA`;
}

/**
 * @param board the page's board client
 * @param id the picture's element id (the docked terminal's "Board" button controls it)
 */
export function BoardPicture({ board, id }: { board: BoardHost; id?: string }) {
  const [view, setView] = useState<BoardView>(board.view);
  const [circuit, setCircuit] = useState<Circuit>(board.circuitParts);
  useEffect(() => board.on('circuit', setCircuit), [board]);
  // the flash chip can be changed in the board options (a new board powers on)
  const [flashSize, setFlashSize] = useState(board.flashSize);
  useEffect(() => board.on('ready', () => setFlashSize(board.flashSize)), [board]);
  const [flashDown, setFlashDown] = useState(false);
  const [info, setInfo] = useState<Pad | null>(null);
  const [adc, setAdc] = useState(0);
  const [realistic, setRealistic] = useState(board.realisticSpeed);
  const pressedBy = useRef<'key' | 'pointer' | null>(null);
  useEffect(() => board.on('view', setView), [board]);
  // A Flash held from the keyboard stays held while the learner clicks Reset (which moves focus):
  // it is released by the key coming up anywhere in the page, or by the window losing focus.
  useEffect(() => {
    const keyUp = (e: KeyboardEvent) => {
      if ((e.key === ' ' || e.key === 'Enter') && pressedBy.current === 'key') press(false, 'key');
    };
    const lost = () => {
      if (pressedBy.current !== null) press(false, pressedBy.current);
    };
    window.addEventListener('keyup', keyUp);
    window.addEventListener('blur', lost);
    return () => {
      window.removeEventListener('keyup', keyUp);
      window.removeEventListener('blur', lost);
    };
  }, [board]);
  const lit = view.led;
  const brightness = view.ledBrightness;
  const pick = (pad: Pad) => {
    setInfo(pad);
    if (pad.gpio !== undefined) board.write(`Pin(${pad.gpio})`);
    else if (pad.label === 'ADC') board.write('ADC(0)');
  };

  const press = (down: boolean, by: 'key' | 'pointer') => {
    if (down === (pressedBy.current !== null)) return;
    pressedBy.current = down ? by : null;
    setFlashDown(down);
    board.setFlash(down);
  };

  return (
    <div class="board" id={id} data-sleeping={view.sleeping ? 'true' : 'false'}>
      <svg viewBox="0 0 360 300" role="group" aria-label="ESP-07 module on its carrier board with an LED on GPIO13, a Flash button on GPIO0 and a Reset button" class="board-svg">
        <rect x="4" y="4" width="352" height="292" rx="10" class="pcb" />
        {/* module */}
        <rect x="124" y="14" width="112" height="252" rx="3" class="module" />
        <rect x="134" y="22" width="60" height="26" rx="2" class="antenna" />
        <circle cx="218" cy="34" r="7" class="ipex" />
        <rect x="136" y="70" width="88" height="180" rx="3" class="shield" />
        <text x="180" y="150" text-anchor="middle" class="shield-text">ESP8266EX</text>
        <text x="180" y="166" text-anchor="middle" class="shield-text small">{`ESP-07 · ${FLASH_LABEL[flashSize]}`}</text>
        {view.sleeping && (
          <g class="sleep-badge" data-testid="sleep-badge">
            <rect x="140" y="178" width="80" height="22" rx="4" />
            <text x="180" y="193" text-anchor="middle">DEEP SLEEP</text>
          </g>
        )}
        {LEFT.map((p, i) => <PadRow pad={p} index={i} side="left" view={view} onInfo={setInfo} onPick={pick} />)}
        {rightPads(circuit).map((p, i) => <PadRow pad={p} index={i} side="right" view={view} onInfo={setInfo} onPick={pick} />)}
        {/* LED on GPIO13 through a resistor to ground */}
        <path d={`M118 ${PAD_Y0 + 6 * PAD_DY + 6} V276 H56 M40 276 H44`} class="trace" />
        <rect x="44" y="273" width="12" height="6" class="resistor" />
        <g data-led="13" data-lit={lit ? 'true' : 'false'} data-brightness={brightness.toFixed(2)} class={lit ? 'led led-on' : 'led'}>
          <title>{`LED on GPIO13: ${lit ? `on${brightness < 1 ? `, ${Math.round(brightness * 100)} % brightness` : ''}` : 'off'}`}</title>
          {lit && <circle cx="40" cy="264" r="14" class="led-glow" style={{ opacity: 0.1 + 0.35 * brightness }} />}
          <circle cx="40" cy="264" r="7" class="led-body" style={lit ? { fillOpacity: 0.35 + 0.65 * brightness } : undefined} />
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
      <p class="supply" data-testid="supply" title="Supply current: deep sleep 20 µA (ESP8266EX datasheet); awake about 70 mA, an estimate for a board with its radio on">
        {view.sleeping ? `Deep sleep: only the RTC runs · supply ${formatCurrent(view.supplyUa)}` : `Awake · supply ≈ ${formatCurrent(view.supplyUa)}`}
      </p>
      <p class="visually-hidden" aria-live="polite" data-testid="led-status">
        {`LED on GPIO13 is ${lit ? 'on' : 'off'}`}
      </p>
      <p class="pad-info" data-testid="pad-info" aria-live="polite">
        {info
          ? `${padTitle(info)} — ${PAD_INFO[info.label] ?? ''}${info.gpio !== undefined ? ` Click to type Pin(${info.gpio}).` : ''}`
          : 'Point at a pad (or Tab to it) to see its GPIO number and what it does; click it to type Pin(n) at the REPL.'}
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
        >
          Flash (hold)
        </button>
        <label class="speed-control" title="Running code takes the time an ESP8266 would (time.ticks_us() shows it)">
          <input
            type="checkbox"
            checked={realistic}
            onChange={(e) => {
              const on = (e.currentTarget as HTMLInputElement).checked;
              setRealistic(on);
              board.setRealisticSpeed(on);
            }}
          />
          <span>ESP8266 speed</span>
        </label>
        <label class="adc-control">
          <span>ADC (TOUT)</span>
          <input
            type="range"
            min="0"
            max="1024"
            step="1"
            value={adc}
            aria-label="Voltage on the ADC pin, 0 to 1.0 volt"
            aria-valuetext={`${(adc / 1024).toFixed(2)} V`}
            onInput={(e) => {
              const v = Number((e.currentTarget as HTMLInputElement).value);
              setAdc(v);
              board.setAdc(v);
            }}
          />
          <output>{`${(adc / 1024).toFixed(2)} V`}</output>
        </label>
      </div>
    </div>
  );
}
