/**
 * The serial terminal on UART0 (115200 baud): xterm.js, loaded after the board starts so the
 * page's first JavaScript stays small. Keys go to the board as bytes; output comes back as bytes.
 */
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { BoardHost } from '../../emulator/host.ts';
import { resample } from '../../emulator/serial-line.ts';
import { onSerial } from '../lib/board';
import { onPortHolder } from '../lib/port-holder';

export const FOCUS_TERMINAL = 'esp8266-lab:focus-terminal';

/** Rates a learner's terminal program offers (the ESP8266 ROM speaks at 74880, MicroPython at 115200). */
const BAUD_RATES = [9600, 57600, 74880, 115200, 230400];

/** Bytes received at the wrong rate, as a terminal shows them: printable ASCII, line ends, else U+FFFD. */
function garbage(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b >= 0x20 && b < 0x7f) || b === 0x0d || b === 0x0a ? String.fromCharCode(b) : '\ufffd';
  return s;
}

const PROMPT = [0x3e, 0x3e, 0x3e, 0x20]; // ">>> "

/** Watches a byte stream for the REPL prompt at the end of a chunk, across chunk boundaries. */
function promptWatcher(): (d: Uint8Array) => boolean {
  const tail: number[] = [];
  return (d) => {
    for (const b of d.length > 4 ? d.subarray(d.length - 4) : d) {
      tail.push(b);
      if (tail.length > 4) tail.shift();
    }
    return tail.length === 4 && tail.every((b, i) => b === PROMPT[i]);
  };
}

export function Terminal({ board }: { board: BoardHost }) {
  const host = useRef<HTMLDivElement>(null);
  const [notice, setNotice] = useState('');
  const [baud, setBaud] = useState(115200);
  const baudRef = useRef(115200);
  /** Another tool holding the serial port (the Flash panel): the terminal is disconnected meanwhile. */
  const holderRef = useRef<string | null>(null);

  useEffect(() => {
    let disposed = false;
    const early: Uint8Array[] = [];
    let write: (data: Uint8Array | string) => void = (d) => early.push(typeof d === 'string' ? new TextEncoder().encode(d) : d.slice());
    // bytes sent at another rate than the terminal's become line garbage (emulator/serial-line.ts)
    const offSerial = onSerial((data, sentAt) => {
      if (holderRef.current === null) write(sentAt === baudRef.current ? data : garbage(resample(data, sentAt, baudRef.current)));
    });
    const offPort = onPortHolder((holder) => {
      const was = holderRef.current;
      holderRef.current = holder;
      if (holder !== null) write(`\r\n\x1b[33m[serial port in use by ${holder}: terminal disconnected]\x1b[0m\r\n`);
      else if (was !== null) write(`\x1b[33m[${was} closed the port: terminal connected again]\x1b[0m\r\n`);
    });
    const offNotice = board.on('notice', (text) => {
      setNotice(text);
      write(`\r\n\x1b[33m[${text}]\x1b[0m\r\n`);
    });
    let cleanup = () => {};
    void Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit')]).then(([{ Terminal: XTerm }, { FitAddon }]) => {
      if (disposed || !host.current) return;
      const term = new XTerm({
        cols: 64,
        rows: 20,
        cursorBlink: true,
        convertEol: false,
        scrollback: 5000,
        fontFamily: 'ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace',
        fontSize: 14,
        lineHeight: 1.2, // at 1.0 the DOM renderer clips underscores with common monospace fonts
        theme: { background: '#10151c', foreground: '#e6edf3', cursor: '#f4a261' },
      });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.open(host.current);
      fit.fit();
      // Instrumentation (npm run bench, tests): bytes shown so far, and a mark per prompt.
      let shown = 0;
      const el = host.current;
      const endsWithPrompt = promptWatcher();
      write = (d) => {
        const prompt = typeof d === 'string' ? false : endsWithPrompt(d);
        term.write(d, () => {
          shown += d.length;
          el.dataset.rx = String(shown);
          if (prompt) performance.mark('lab:prompt');
        });
      };
      for (const chunk of early.splice(0)) write(chunk);
      const onData = term.onData((s) => {
        if (holderRef.current === null) board.write(s);
      });
      const focus = () => term.focus();
      window.addEventListener(FOCUS_TERMINAL, focus);
      const resize = new ResizeObserver(() => fit.fit());
      resize.observe(host.current);
      cleanup = () => {
        onData.dispose();
        resize.disconnect();
        window.removeEventListener(FOCUS_TERMINAL, focus);
        term.dispose();
      };
    });
    return () => {
      disposed = true;
      offSerial();
      offPort();
      offNotice();
      cleanup();
    };
  }, [board]);

  return (
    <div class="terminal-wrap">
      <div class="terminal-title">
        <span>Serial terminal · UART0</span>
        <label class="baud-control">
          <select
            aria-label="Terminal baud rate"
            value={String(baud)}
            onChange={(e) => {
              const v = Number((e.currentTarget as HTMLSelectElement).value);
              baudRef.current = v;
              setBaud(v);
            }}
          >
            {BAUD_RATES.map((b) => <option value={String(b)}>{b}</option>)}
          </select>
          <span>baud</span>
        </label>
      </div>
      <div class="terminal" ref={host} data-testid="terminal" aria-label="Serial terminal of the virtual ESP-07" />
      <p class="lab-notice" aria-live="polite" data-testid="lab-notice">{notice}</p>
    </div>
  );
}
