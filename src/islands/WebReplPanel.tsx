/**
 * "Laptop: WebREPL client": the lab's laptop connects to the board's WebREPL (port 8266) over the
 * virtual network, like the official client page (micropython.org/webrepl) does over a websocket:
 * it joins the board's access point for 192.168.4.1, or shares the lab WiFi the board is on. It
 * shows what the board sends (`Password: `, then the REPL, duplicated from the serial port) and
 * sends what the learner types; files go to and come from the board's filesystem with the
 * WebREPL file protocol's put/get (webrepl.py, modwebrepl.c; emulator/net/webrepl.ts).
 * Nothing leaves the page.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { BoardHost } from '../../emulator/link/host.ts';
import type { LaptopReply } from '../../emulator/net/context.ts';

const WHY: Record<string, string> = {
  refused: 'Connection refused: no WebREPL on that port. Run webrepl.start() on the board (after import webrepl_setup).',
  unreachable: 'The laptop cannot reach that address: use 192.168.4.1 (the board\'s access point must be active) or the address sta.ifconfig() shows.',
  'bad-url': 'Give an address like ws://192.168.4.1:8266/.',
  reset: 'The board closed the connection (another WebREPL client is connected?).',
  'board-reset': 'The board was reset: the connection is gone.',
  busy: 'The virtual network is busy; try again.',
};

type Sock = ReturnType<BoardHost['laptopSocket']>;

/** Applies terminal text to the screen: CR/LF and backspace, as a small terminal would. */
function apply(screen: string, text: string): string {
  let s = screen;
  for (const ch of text.replace(/\r\n/g, '\n')) {
    if (ch === '\r') continue;
    if (ch === '\b') s = s.endsWith('\n') ? s : s.slice(0, -1);
    else s += ch;
  }
  return s.length > 20000 ? s.slice(-20000) : s;
}

export function WebReplPanel({ board }: { board: BoardHost }) {
  const [url, setUrl] = useState('ws://192.168.4.1:8266/');
  const [state, setState] = useState<'idle' | 'connecting' | 'open'>('idle');
  const [screen, setScreen] = useState('');
  const [line, setLine] = useState('');
  const [note, setNote] = useState('');
  const [authed, setAuthed] = useState(false);
  const [getName, setGetName] = useState('main.py');
  const [download, setDownload] = useState<{ name: string; href: string } | null>(null);
  const sock = useRef<Sock | null>(null);
  const pendingGet = useRef('');
  const term = useRef<HTMLPreElement>(null);

  useEffect(() => () => sock.current?.close(), []);
  useEffect(() => {
    if (term.current) term.current.scrollTop = term.current.scrollHeight;
  }, [screen]);

  const onEvent = (r: LaptopReply) => {
    if (r.ws === 'open') {
      setState('open');
      setNote(r.notes.length ? `Laptop: ${r.notes.join('; ')}.` : '');
    } else if (r.ws === 'data') {
      setScreen((s) => apply(s, r.response));
      if (r.response.includes('WebREPL connected')) setAuthed(true);
    } else if (r.ws === 'file') {
      if (r.error) setNote(`The board could not ${r.notes[0] ?? 'do that'}.`);
      else if (r.notes[0]?.startsWith('get ')) {
        const bytes = new Uint8Array((r.response.match(/../g) ?? []).map((h) => parseInt(h, 16)));
        setDownload({ name: pendingGet.current, href: URL.createObjectURL(new Blob([bytes])) });
        setNote(`Got ${pendingGet.current} (${bytes.length} bytes).`);
      } else setNote(`Sent ${r.notes[0]?.slice(4) ?? 'the file'} to the board.`);
    } else if (r.ws === 'closed') {
      sock.current = null;
      setState('idle');
      setAuthed(false);
      setScreen((s) => apply(s, '\n[disconnected]\n'));
      if (r.error) setNote(WHY[r.error] ?? r.error);
    }
  };

  const connect = (e: Event) => {
    e.preventDefault();
    if (sock.current) {
      sock.current.close();
      return;
    }
    setScreen('');
    setNote('');
    setState('connecting');
    sock.current = board.laptopSocket(url, onEvent);
  };

  const send = (e: Event) => {
    e.preventDefault();
    if (!sock.current) return;
    sock.current.send(`${line}\r`);
    setLine('');
  };

  const put = async (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    if (!file || !sock.current) return;
    sock.current.put(file.name, new Uint8Array(await file.arrayBuffer()));
    input.value = '';
  };

  const get = (e: Event) => {
    e.preventDefault();
    if (!sock.current || !getName) return;
    pendingGet.current = getName;
    setDownload(null);
    sock.current.get(getName);
  };

  return (
    <div class="webrepl-body">
      <p class="net-hint">
        Start WebREPL on the board first (<code>import webrepl_setup</code>, then <code>import webrepl; webrepl.start()</code>).
        The laptop joins the board's access point for <code>192.168.4.1</code>.
      </p>
      <form class="net-form" onSubmit={connect}>
        <label>
          Address{' '}
          <input type="text" value={url} spellcheck={false} disabled={state !== 'idle'} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} data-testid="webrepl-url" />
        </label>
        <button type="submit" class="hw-button" data-testid="webrepl-connect" disabled={state === 'connecting'}>
          {state === 'idle' ? 'Connect' : state === 'connecting' ? 'Connecting…' : 'Disconnect'}
        </button>
      </form>
      <p class="net-note" aria-live="polite" data-testid="webrepl-status">{note}</p>
      <pre class="net-response webrepl-term" ref={term} tabIndex={0} data-testid="webrepl-term">{screen}</pre>
      <form class="net-form" onSubmit={send}>
        <input
          type={state === 'open' && !authed ? 'password' : 'text'}
          value={line}
          spellcheck={false}
          autocomplete="off"
          aria-label={authed ? 'REPL input' : 'Password'}
          disabled={state !== 'open'}
          onInput={(e) => setLine((e.target as HTMLInputElement).value)}
          data-testid="webrepl-input"
        />
        <button type="submit" class="hw-button" disabled={state !== 'open'} data-testid="webrepl-send">Send</button>
        <button type="button" class="hw-button" disabled={!authed} onClick={() => sock.current?.send('\x03')} title="Ctrl-C">Ctrl-C</button>
      </form>
      {authed && (
        <div class="net-form webrepl-files">
          <label>
            Send a file to the board <input type="file" onChange={put} data-testid="webrepl-put" />
          </label>
          <form class="net-form" onSubmit={get}>
            <label>
              Get a file <input type="text" value={getName} spellcheck={false} onInput={(e) => setGetName((e.target as HTMLInputElement).value)} data-testid="webrepl-get-name" />
            </label>
            <button type="submit" class="hw-button" data-testid="webrepl-get">Get</button>
          </form>
          {download && <a href={download.href} download={download.name} data-testid="webrepl-download">Save {download.name}</a>}
        </div>
      )}
    </div>
  );
}
