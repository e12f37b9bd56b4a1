/**
 * The serial terminal on UART0 (115200 baud): xterm.js, loaded after the board starts so the
 * page's first JavaScript stays small. Keys go to the board as bytes; output comes back as bytes.
 *
 * Keyboard: Tab and Shift+Tab go to the board (the REPL completes names on Tab), so the terminal
 * keeps focus on them. The way out, shown in the title bar and given to screen readers as the
 * input's description, is Escape then Tab (or Shift+Tab), as editors that capture Tab do. The
 * Escape key itself is not sent: MicroPython's line editor takes ESC as the start of an escape
 * sequence and would swallow the next key (`readline_process_char`, shared/readline/readline.c).
 * Ctrl+[ still sends a real ESC byte.
 *
 * Links: board output cannot open pages. A link a program prints as an OSC 8 escape sequence
 * (`ESC ] 8 ; ; URL ST text ESC ] 8 ; ; ST`) is underlined by xterm, but activating it only shows
 * an in-page warning (`printedLinkWarning`) with the full URL, saying the program on the board
 * printed it, and an explicit Open button. Only http(s) links become links (xterm's
 * `allowNonHttpProtocols` stays off); plain URLs in the text are not links (no web-links addon).
 *
 * First-use notes: when a program first uses something only the lab's interpreter has (the
 * host's `note` event, emulator/firmware/unremovable.ts), a note with a link to its entry on the
 * differences page appears over the top rows of the terminal (so nothing below moves, on phones
 * either), in a polite live region, until dismissed; each feature once per tab session
 * (sessionStorage).
 */
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { BoardHost } from '../../emulator/link/host.ts';
import { DIFFERENCES_PAGE, type UnremovableFeature } from '../../emulator/firmware/unremovable.ts';
import { resample } from '../../emulator/link/serial-line.ts';
import { onSerial } from '../lib/board';
import { onPortHolder } from '../lib/port-holder';

/**
 * Window event (a plain `Event`) asking the terminal to take the keyboard, as a Run button does
 * after sending its code: the terminal scrolls to its newest line and focus moves into it —
 * except on touch-only devices, where focus would open the on-screen keyboard over the output.
 * src/islands/Lab.tsx brings the terminal into view on the same event (it scrolls the lab panel
 * beside the text on wide screens, and docks the terminal at the bottom on narrow ones).
 */
export const FOCUS_TERMINAL = 'esp8266-lab:focus-terminal';

/** Id of the title bar's "Esc then Tab" hint, the description of xterm's input. */
const HINT_ID = 'terminal-keys-hint';

/** Keys that arrive on their own before a shortcut (Shift before Shift+Tab): they keep an Escape pending. */
const MODIFIER_KEYS = new Set(['Shift', 'Control', 'Alt', 'Meta', 'AltGraph', 'CapsLock', 'OS']);

/**
 * The terminal's key filter (for xterm's `attachCustomKeyEventHandler`): `true` lets xterm send
 * the key to the board, `false` leaves it to the browser. Escape is kept from the board and
 * arms a way out: when the next key is Tab or Shift+Tab, the browser moves focus on. Any other
 * key disarms it and goes to the board as usual. `disarm()` is for the input losing focus.
 */
export function escapeThenTab(): { filter: (e: KeyboardEvent) => boolean; disarm: () => void } {
  let armed = false;
  return {
    filter(e) {
      if (e.type !== 'keydown') return true;
      if (e.key === 'Escape' && !e.ctrlKey && !e.altKey && !e.metaKey) {
        armed = true;
        return false;
      }
      if (MODIFIER_KEYS.has(e.key)) return true;
      const leave = armed && e.key === 'Tab' && !e.ctrlKey && !e.altKey && !e.metaKey;
      armed = false;
      return !leave;
    },
    disarm() {
      armed = false;
    },
  };
}

/** A device whose only pointer is a finger: focusing a text input there opens the on-screen keyboard. */
function touchOnly(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(hover: none) and (pointer: coarse)').matches;
}

/** Rates a learner's terminal program offers (the ESP8266 ROM speaks at 74880, MicroPython at 115200). */
const BAUD_RATES = [9600, 57600, 74880, 115200, 230400];

/** Bytes received at the wrong rate, as a terminal shows them: printable ASCII, line ends, else U+FFFD. */
function garbage(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b >= 0x20 && b < 0x7f) || b === 0x0d || b === 0x0a ? String.fromCharCode(b) : '\ufffd';
  return s;
}

/**
 * Whether a URL a program printed may be offered for opening: absolute http or https only.
 * @param url the OSC 8 link target, as the board sent it
 */
export function openablePrintedLink(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** sessionStorage key: the ids of the features this tab has shown a first-use note for (JSON array). */
const NOTED_KEY = 'esp8266-lab:feature-notes';

/**
 * Whether this tab session has not shown the feature's note yet; marks it shown.
 * Without sessionStorage, the page's own memory counts (once per page).
 */
const notedHere = new Set<string>();
function firstNoteThisSession(id: string): boolean {
  if (notedHere.has(id)) return false;
  notedHere.add(id);
  try {
    const seen: unknown = JSON.parse(sessionStorage.getItem(NOTED_KEY) ?? '[]');
    const list = Array.isArray(seen) ? seen.filter((x): x is string => typeof x === 'string') : [];
    if (list.includes(id)) return false;
    sessionStorage.setItem(NOTED_KEY, JSON.stringify([...list, id]));
  } catch {
    // storage disabled: once per page
  }
  return true;
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
  /** The URL of the OSC 8 link the learner last activated, shown in the warning (null: none). */
  const [printedLink, setPrintedLink] = useState<string | null>(null);
  const termRef = useRef<{ focus(): void } | null>(null);
  /** First-use notes shown over the terminal (see the module comment). */
  const [notes, setNotes] = useState<UnremovableFeature[]>([]);
  useEffect(() => board.on('note', (f) => {
    if (firstNoteThisSession(f.id)) setNotes((n) => [...n, f]);
  }), [board]);

  useEffect(() => {
    let disposed = false;
    const early: Uint8Array[] = [];
    let write: (data: Uint8Array | string) => void = (d) => early.push(typeof d === 'string' ? new TextEncoder().encode(d) : d.slice());
    // bytes sent at another rate than the terminal's become line garbage (emulator/link/serial-line.ts)
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
        // OSC 8 links from the board: a warning in the page instead of xterm's confirm + window.open
        linkHandler: { activate: (_event, uri) => setPrintedLink(uri), allowNonHttpProtocols: false },
      });
      termRef.current = term;
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
      const keys = escapeThenTab();
      term.attachCustomKeyEventHandler(keys.filter);
      const input = term.textarea;
      input?.setAttribute('aria-describedby', HINT_ID);
      input?.addEventListener('blur', keys.disarm);
      // (Lab.tsx brings the terminal into view: it scrolls the lab panel, or docks the terminal)
      const focus = () => {
        term.scrollToBottom();
        if (!touchOnly()) term.focus();
      };
      window.addEventListener(FOCUS_TERMINAL, focus);
      const resize = new ResizeObserver(() => fit.fit());
      resize.observe(host.current);
      cleanup = () => {
        onData.dispose();
        input?.removeEventListener('blur', keys.disarm);
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
        <span class="terminal-name">Serial terminal · UART0</span>
        <span class="terminal-hint" id={HINT_ID}>
          Press <kbd>Esc</kbd> then <kbd>Tab</kbd> to leave the terminal
          <span class="visually-hidden">. Tab alone completes names at the REPL; Escape is not sent to the board.</span>
        </span>
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
        <div class={`feature-notes${notes.length ? ' feature-notes-shown' : ''}`} data-testid="feature-notes">
          <div role="status" aria-live="polite">
            {notes.map((f) => (
              <p class="feature-note" key={f.id} data-feature={f.id}>
                {f.message} <a href={`${DIFFERENCES_PAGE}#${f.anchor}`}>How the lab differs</a>
              </p>
            ))}
          </div>
          {notes.length > 0 && (
            <button
              type="button"
              class="hw-button feature-notes-close"
              onClick={() => {
                setNotes([]);
                if (!touchOnly()) termRef.current?.focus(); // no on-screen keyboard on phones
              }}
            >
              Dismiss
            </button>
          )}
        </div>
      </div>
      <div class="terminal" ref={host} data-testid="terminal" role="group" aria-label="Serial terminal of the virtual ESP-07" />
      {printedLink !== null && (
        <div class="terminal-link-warning" role="alert" data-testid="terminal-link-warning">
          <p>
            The program on the board printed a link to <code class="terminal-link-url">{printedLink}</code>. It was not
            opened: the board's output cannot open pages.
          </p>
          <p class="terminal-link-actions">
            {openablePrintedLink(printedLink) && (
              <button
                type="button"
                class="hw-button"
                onClick={() => {
                  window.open(printedLink, '_blank', 'noopener,noreferrer');
                  setPrintedLink(null);
                }}
              >
                Open
              </button>
            )}
            <button
              type="button"
              class="hw-button"
              onClick={() => {
                setPrintedLink(null);
                termRef.current?.focus();
              }}
            >
              Dismiss
            </button>
          </p>
        </div>
      )}
      <p class="lab-notice" aria-live="polite" data-testid="lab-notice">{notice}</p>
    </div>
  );
}
