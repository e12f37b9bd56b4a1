/**
 * The buttons of a runnable lesson example (```python run) and, on request, its editor.
 *
 * The static block highlighted at build time (Shiki) stays on the page until the reader presses
 * **Edit** or starts typing in it (the block is focusable: click into it, or Tab to it, and
 * type). Then CodeMirror (src/lib/code-editor.ts, its own lazily loaded chunk) takes the block's
 * place with the same text, caret where the reader clicked, and the typed key applied. **Run**
 * sends what the editor holds; **Reset to the original** (shown while the text differs) brings
 * the lesson's code back. Readers without JavaScript keep the static block.
 *
 * Edits are kept per block in sessionStorage (this tab only): going to another lesson and back,
 * or reloading, shows the edited code in its editor again; a new tab starts from the lesson.
 */
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { CodeEditor } from '../lib/code-editor';
import { EDITOR_KEYS_HELP, EDITOR_KEYS_HINT } from '../lib/editor-keys';
import RunButton, { runExample } from './RunButton';

/** sessionStorage key prefix; the key adds the page, the block's place on it and a hash of its code. */
const STORE = 'esp8266-lab:example:';

/** FNV-1a, 32 bits, as hex: a lesson whose example changed does not get an old edit back. */
function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage blocked: edits last as long as the page
  }
}

/** The selection inside `pre` as offsets into its text, or null when it is elsewhere. */
function selectionIn(pre: HTMLElement): { from: number; to: number } | null {
  const sel = window.getSelection();
  if (!sel || sel.rangeCount === 0) return null;
  const r = sel.getRangeAt(0);
  if (!pre.contains(r.startContainer) || !pre.contains(r.endContainer)) return null;
  const before = document.createRange();
  before.selectNodeContents(pre);
  before.setEnd(r.startContainer, r.startOffset);
  const from = before.toString().length;
  return { from, to: from + r.toString().length };
}

/** Keys that, typed into the static block, open the editor and are passed on to it. */
function isEditKey(e: KeyboardEvent): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return false;
  return [...e.key].length === 1 || e.key === 'Enter' || e.key === 'Backspace' || e.key === 'Delete';
}

type Mode = 'static' | 'loading' | 'open' | 'failed';

/** @param code the example as the lesson has it (the `data-code` of its block) */
export default function EditableExample({ code }: { code: string }) {
  const bar = useRef<HTMLDivElement>(null);
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<CodeEditor | null>(null);
  const pre = useRef<HTMLElement | null>(null);
  const storeKey = useRef<string | null>(null);
  /** Keys typed while CodeMirror loads, applied once it is there. */
  const pending = useRef<string[]>([]);
  const opening = useRef(false);
  const [mode, setMode] = useState<Mode>('static');
  const [dirty, setDirty] = useState(false);
  const helpId = useId();

  const current = () => editor.current?.text ?? code;

  function remember(text: string) {
    const s = storage();
    if (!s || !storeKey.current) return;
    try {
      if (text === code) s.removeItem(storeKey.current);
      else s.setItem(storeKey.current, text);
    } catch {
      // full or blocked: the edit still lasts as long as the page
    }
  }

  /**
   * Swaps the editor in. `select`: where the caret goes (offsets in the code); `focus`: give it
   * the keyboard (not when a stored edit reopens it at page load).
   */
  function open(doc: string, select: { from: number; to: number } | null, focus: boolean) {
    if (opening.current) return;
    opening.current = true;
    setMode('loading');
    import('../lib/code-editor')
      .then(({ createCodeEditor }) => {
        if (!host.current || editor.current) return;
        host.current.hidden = false;
        const ed = createCodeEditor(host.current, {
          doc,
          label: 'Python code, editable',
          describedBy: helpId,
          caret: select?.from ?? 0,
          testId: 'example-editor',
          onChange: (text) => {
            setDirty(text !== code);
            remember(text);
          },
          onRun: () => runExample(current()),
        });
        editor.current = ed;
        if (select && select.to > select.from) ed.view.dispatch({ selection: { anchor: select.from, head: Math.min(select.to, doc.length) } });
        if (pre.current) pre.current.hidden = true;
        setDirty(doc !== code);
        setMode('open');
        if (focus) ed.focus();
        for (const k of pending.current.splice(0)) ed.applyKey(k);
      })
      .catch(() => {
        opening.current = false;
        pending.current = [];
        setMode('failed');
      });
  }

  // the block's static <pre>: typing into it opens the editor; a stored edit reopens it
  useEffect(() => {
    const block = bar.current?.closest('.runnable');
    const p = block?.querySelector<HTMLElement>(':scope > pre') ?? null;
    pre.current = p;
    if (!block || !p) return;
    const index = [...document.querySelectorAll('.runnable')].indexOf(block);
    storeKey.current = `${STORE}${location.pathname}#${index}:${hash(code)}`;
    const stored = storage()?.getItem(storeKey.current);
    if (stored != null && stored !== code) open(stored, null, false);

    const onKey = (e: KeyboardEvent) => {
      if (!isEditKey(e)) return;
      e.preventDefault();
      const select = selectionIn(p);
      // Enter on a block reached with Tab (no caret in it) just opens the editor
      if (select || e.key !== 'Enter') pending.current.push(e.key);
      open(code, select, true);
    };
    p.addEventListener('keydown', onKey);
    return () => p.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => () => editor.current?.destroy(), []);

  const reset = () => {
    editor.current?.setText(code);
    editor.current?.focus(0);
  };

  return (
    <>
      <div class="example-editor" ref={host} hidden={mode !== 'open'} />
      {(mode === 'open' || mode === 'loading') && (
        <p class="example-hint" aria-hidden="true" hidden={mode !== 'open'}>
          {EDITOR_KEYS_HINT} · Ctrl+Enter runs
        </p>
      )}
      {/* the editor's description: hidden, read through aria-describedby only (not twice in the reading flow) */}
      {mode === 'open' && (
        <p id={helpId} hidden>
          You can change this example before running it. {EDITOR_KEYS_HELP} Ctrl+Enter (Cmd+Enter on a Mac) runs the code,
          as the Run button does.
        </p>
      )}
      {mode === 'failed' && (
        <p class="example-hint" role="status">
          The editor could not be loaded. Run sends the example as the lesson has it.
        </p>
      )}
      <div class="example-bar" ref={bar}>
        {mode !== 'open' ? (
          <button
            type="button"
            class="example-button"
            aria-busy={mode === 'loading'}
            title="Change this example before running it"
            onClick={() => open(code, null, true)}
            onKeyDown={(e) => {
              // typed while CodeMirror loads: kept for the editor
              if (opening.current && isEditKey(e) && e.key !== 'Enter') {
                e.preventDefault();
                pending.current.push(e.key);
              }
            }}
          >
            Edit
          </button>
        ) : null}
        {mode === 'open' && dirty && (
          <button type="button" class="example-button" title="Put the lesson's code back" onClick={reset}>
            Reset to the original
          </button>
        )}
        <RunButton code={current} />
      </div>
    </>
  );
}
