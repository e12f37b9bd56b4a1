/**
 * Where the WebREPL client sits in the lab: a closed panel whose code (WebReplPanel.tsx) loads
 * only when the learner opens it.
 */
import type { ComponentType } from 'preact';
import { useState } from 'preact/hooks';
import type { BoardHost } from '../../emulator/link/host.ts';

export function WebReplSlot({ board }: { board: BoardHost }) {
  const [Panel, setPanel] = useState<ComponentType<{ board: BoardHost }> | null>(null);
  const [failed, setFailed] = useState(false);
  const onToggle = (e: Event) => {
    if (!(e.currentTarget as HTMLDetailsElement).open || Panel) return;
    import('./WebReplPanel')
      .then((m) => setPanel(() => m.WebReplPanel))
      .catch(() => setFailed(true));
  };
  return (
    <details class="net-panel webrepl-panel" data-testid="webrepl-panel" onToggle={onToggle}>
      <summary>Laptop: WebREPL client</summary>
      {Panel ? <Panel board={board} /> : <p>{failed ? 'The WebREPL client could not be loaded; reload the page.' : 'Loading the WebREPL client…'}</p>}
    </details>
  );
}
