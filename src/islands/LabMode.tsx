/**
 * Says which mode the lab runs in when it is not the full one, and what to do about it.
 * Full mode needs cross-origin isolation (shared memory): a page from localhost or HTTPS with
 * the site's COOP/COEP headers. A workshop laptop opening http://<teacher-ip>:8266/ gets
 * compatibility mode (the workshop server's relay, emulator/link/relay.ts); another server without
 * the relay gets basic mode.
 */
import { useEffect, useState } from 'preact/hooks';
import type { BoardHost } from '../../emulator/link/host.ts';

export function LabMode({ board }: { board: BoardHost }) {
  const [mode, setMode] = useState(board.inputMode);
  // the relay is known once the server answered, before the board powers on
  useEffect(() => board.on('ready', () => setMode(board.inputMode)), [board]);
  if (mode === 'shared') return <div class="lab-mode" data-mode="shared" hidden />;
  const here = typeof location === 'undefined' ? '' : `${location.protocol}//${location.host}`;
  const port = typeof location === 'undefined' ? '8266' : location.port || '80';
  return (
    <div class="lab-mode" data-mode={mode} role="note" aria-label="Lab mode">
      {mode === 'relay' ? (
        <p>
          <strong>Compatibility mode</strong> (plain HTTP from {here}: no shared memory). Everything
          works, but an empty <code>while True: pass</code> is stopped by restarting the board, and the
          clock and button controls reach a program only when it ends.
        </p>
      ) : (
        <p>
          <strong>Basic mode.</strong> This page is not cross-origin isolated and its server offers no
          relay, so keys reach a running program only when it ends: <code>input()</code> inside a program
          reads nothing, and Ctrl-C restarts the board.
        </p>
      )}
      <details>
        <summary>How to get the full lab</summary>
        <ul>
          <li>On the computer that serves the lab, open <code>http://localhost:{port}/</code>: localhost counts as secure.</li>
          <li>
            For a whole room: start the workshop server with <code>--lan --https</code> and let each learner
            accept its certificate once (see <a href="/en/workshop/">Running a workshop</a>).
          </li>
          <li>A web host must serve the site over HTTPS with the headers <code>Cross-Origin-Opener-Policy: same-origin</code> and <code>Cross-Origin-Embedder-Policy: require-corp</code>.</li>
        </ul>
      </details>
    </div>
  );
}
