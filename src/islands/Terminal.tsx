/**
 * The serial terminal on UART0 (115200 baud): xterm.js, loaded after the board starts so the
 * page's first JavaScript stays small. Keys go to the board as bytes; output comes back as bytes.
 */
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { BoardHost } from '../../emulator/host.ts';
import { onSerial } from '../lib/board';

export const FOCUS_TERMINAL = 'esp8266-lab:focus-terminal';

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

  useEffect(() => {
    let disposed = false;
    const early: Uint8Array[] = [];
    let write: (data: Uint8Array | string) => void = (d) => early.push(typeof d === 'string' ? new TextEncoder().encode(d) : d.slice());
    const offSerial = onSerial((data) => write(data));
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
      const onData = term.onData((s) => board.write(s));
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
      offNotice();
      cleanup();
    };
  }, [board]);

  return (
    <div class="terminal-wrap">
      <div class="terminal-title">
        <span>Serial terminal · UART0 · 115200 baud</span>
      </div>
      <div class="terminal" ref={host} data-testid="terminal" aria-label="Serial terminal of the virtual ESP-07" />
      <p class="lab-notice" aria-live="polite" data-testid="lab-notice">{notice}</p>
    </div>
  );
}
