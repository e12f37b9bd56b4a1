/**
 * "Laptop: web browser": the lab's laptop, on the board's virtual network, sends an HTTP request
 * to the board (its own access point, `http://192.168.4.1/`, or the address the board got on the
 * lab's WiFi) and shows the raw response. Nothing leaves the page: the request travels over the
 * emulator's virtual network (emulator/net/stack.ts) to whatever the learner's program serves.
 * The response is shown as text, never as HTML.
 */
import { useState } from 'preact/hooks';
import type { BoardHost } from '../../emulator/link/host.ts';
import type { LaptopReply } from '../../emulator/net/context.ts';

const WHY: Record<string, string> = {
  refused: 'Connection refused: nothing on the board listens on that port (is your server running?).',
  reset: 'The board reset the connection (it closed the socket before reading the whole request?).',
  timeout: 'No answer within 10 seconds: the board does not accept the connection (is its program running, or is its WiFi stack stuck?).',
  unreachable: 'The laptop cannot reach that address: use 192.168.4.1 (the board\'s own access point must be active) or the address sta.ifconfig() shows.',
  'bad-url': 'Give an address like http://192.168.4.1/ or http://192.168.1.23:8080/path (the laptop reaches the board by IP address).',
  'board-reset': 'The board was reset before it answered.',
  busy: 'Too many requests at once; try again.',
};

export function NetworkPanel({ board }: { board: BoardHost }) {
  const [url, setUrl] = useState('http://192.168.4.1/');
  const [busy, setBusy] = useState(false);
  const [reply, setReply] = useState<LaptopReply | null>(null);

  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setReply(null);
    try {
      setReply(await board.laptopFetch(url));
    } finally {
      setBusy(false);
    }
  };

  return (
    <details class="net-panel" data-testid="net-panel">
      <summary>Laptop: web browser</summary>
      <p class="net-hint">
        A laptop in the lab, on the board's virtual network. It joins the board's access point
        (<code>MicroPython-c1dd42</code>) for <code>192.168.4.1</code>, or shares the lab WiFi the board is connected to.
      </p>
      <form class="net-form" onSubmit={send}>
        <label>
          Address{' '}
          <input type="url" value={url} spellcheck={false} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} data-testid="net-url" />
        </label>
        <button type="submit" class="hw-button" disabled={busy} data-testid="net-send">
          {busy ? 'Waiting…' : 'Send request'}
        </button>
      </form>
      <div aria-live="polite" data-testid="net-status">
        {reply && reply.notes.length > 0 && <p class="net-note">Laptop: {reply.notes.join('; ')}.</p>}
        {reply && reply.error && <p class="net-error" role="alert">{WHY[reply.error] ?? reply.error}</p>}
        {reply && !reply.error && <p class="net-note">Answered in {reply.ms} ms (virtual time).</p>}
      </div>
      {reply && reply.response && (
        <pre class="net-response" data-testid="net-response" tabIndex={0}>{reply.response}</pre>
      )}
    </details>
  );
}
