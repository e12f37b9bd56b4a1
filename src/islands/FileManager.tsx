/**
 * "Files on the board": lists, uploads, downloads, edits and deletes the files in the virtual
 * ESP-07's littlefs the way mpremote (or Thonny) does on a real board — over the serial port,
 * through MicroPython's raw REPL (emulator/clients/raw-repl-client.ts, loaded on first use). Every
 * operation stops the running program (Ctrl-C), works in the raw REPL and leaves the board at the
 * friendly `>>> ` prompt. While it works the panel holds the serial port (port-holder.ts), so the
 * terminal neither shows the raw-REPL traffic nor sends keystrokes into it.
 *
 * A file opens in the site's code editor (src/lib/code-editor.ts, CodeMirror, loaded on first
 * use), the same one the lesson examples use. Its sizes are in src/styles/editor.css, which
 * every lesson page has through src/components/CodeBlock.astro.
 */
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { BoardHost } from '../../emulator/link/host.ts';
import type { FileEntry, RawReplClient, RawReplSession } from '../../emulator/clients/raw-repl-client.ts';
import { boardStarted } from '../lib/board';
import type { CodeEditor } from '../lib/code-editor';
import { EDITOR_KEYS_HELP, EDITOR_KEYS_HINT } from '../lib/editor-keys';
import { onPortHolder, setPortHolder } from '../lib/port-holder';

const HOLDER = 'the Files panel';
/** Largest file the editor opens, in bytes (bigger ones: Download). */
const EDIT_LIMIT = 64 * 1024;

/** "228 B", "9.8 KB", "1.2 MB". */
export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** `dir` + `name` as a board path ("" is the current directory, "/" after boot). */
function join(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** Errno → what it means for the learner (MicroPython prints only the errno's name). */
const ERRNO_TEXT: Record<number, string> = {
  2: 'there is no such file or directory',
  17: 'a file or directory with that name already exists',
  20: 'a part of the path is not a directory',
  21: 'it is a directory',
  22: 'the name is not valid',
  28: 'the filesystem is full',
  36: 'the name is too long',
  39: 'the directory is not empty',
  84: 'the filesystem is not mounted or is corrupt (was the flash erased?)',
};

/** A clear message for a failed operation. */
function explain(what: string, e: unknown): string {
  if (e && typeof e === 'object' && 'name' in e && (e as Error).name === 'RawReplError') {
    const err = e as Error & { errno: number | null };
    const why = err.errno !== null ? ERRNO_TEXT[err.errno] : undefined;
    return `${what} failed: ${why ? `${why} (the board said ${err.message})` : `the board said ${err.message}`}.`;
  }
  return `${what} failed: ${e instanceof Error ? e.message : String(e)}.`;
}

/** The file open in the editor; `session` changes each time a file is opened (a new editor). */
type Editing = { path: string | null; text: string; original: string; session: number };

let sessions = 0;

export function FileManager({ board }: { board: BoardHost }) {
  const [files, setFiles] = useState<FileEntry[] | null>(null);
  const [dir, setDir] = useState('/');
  const [busy, setBusy] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const [confirm, setConfirm] = useState<string | null>(null);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [newName, setNewName] = useState('');
  const [download, setDownload] = useState<{ name: string; url: string; size: number } | null>(null);
  const [otherHolder, setOtherHolder] = useState<string | null>(null);
  const client = useRef<RawReplClient | null>(null);
  const uploadInput = useRef<HTMLInputElement>(null);
  const codeHost = useRef<HTMLDivElement>(null);
  const codeEditor = useRef<CodeEditor | null>(null);
  const [editorReady, setEditorReady] = useState(false);
  const saveRef = useRef<() => Promise<void>>(async () => {});
  const helpId = useId();
  const nameInput = useRef<HTMLInputElement>(null);
  const confirmYes = useRef<HTMLButtonElement>(null);
  const refreshButton = useRef<HTMLButtonElement>(null);

  useEffect(() => onPortHolder((h) => setOtherHolder(h === HOLDER ? null : h)), []);
  useEffect(() => () => {
    if (download) URL.revokeObjectURL(download.url);
  }, [download]);
  useEffect(() => {
    if (confirm) confirmYes.current?.focus();
  }, [confirm]);

  // one editor per opened file; a new file's name box has the focus first
  const session = editing?.session ?? null;
  useEffect(() => {
    if (session === null || !editing) return;
    let cancelled = false;
    const { path, text } = editing;
    import('../lib/code-editor')
      .then(({ createCodeEditor }) => {
        if (cancelled || !codeHost.current) return;
        codeEditor.current = createCodeEditor(codeHost.current, {
          doc: text,
          label: path ? `Contents of ${path}` : 'Contents of the new file',
          describedBy: helpId,
          language: path === null || path.endsWith('.py') ? 'python' : 'text',
          testId: 'files-text',
          onChange: (t) => setEditing((e) => e && { ...e, text: t }),
          onSave: () => void saveRef.current(),
        });
        setEditorReady(true);
        if (path !== null) codeEditor.current.focus();
      })
      .catch((e) => setError(explain('Loading the editor', e)));
    return () => {
      cancelled = true;
      codeEditor.current?.destroy();
      codeEditor.current = null;
      setEditorReady(false);
    };
  }, [session]);

  async function getClient(): Promise<RawReplClient> {
    if (!client.current) {
      const mod = await import('../../emulator/clients/raw-repl-client.ts');
      await boardStarted();
      client.current = new mod.RawReplClient(board, {
        // like mpremote owning the port: the terminal is disconnected while the panel talks to
        // the raw REPL, and connected again just before Ctrl-B, so it shows the friendly banner and >>>
        onBegin: () => setPortHolder(HOLDER),
        onLeave: () => setPortHolder(null),
      });
    }
    return client.current;
  }

  /** Runs one raw-REPL visit with the panel busy; lists `listDir` at the end of it when given. */
  async function run(label: string, fn: (s: RawReplSession) => Promise<void>, listDir: string | null = dir): Promise<boolean> {
    if (busy) return false;
    if (otherHolder) {
      setError(`The serial port is in use by ${otherHolder}. Try again when it is done.`);
      return false;
    }
    setBusy(label);
    setProgress(null);
    setError('');
    setStatus('');
    setDownload(null);
    try {
      const c = await getClient();
      await c.session(async (s) => {
        try {
          await fn(s);
        } catch (e) {
          // the file went away behind the panel's back (deleted at the REPL): show the board as it is
          if ((e as { errno?: number }).errno === 2 && files !== null) setFiles(await s.ls(dir).catch(() => files));
          throw e;
        }
        if (listDir !== null) {
          const list = await s.ls(listDir);
          setFiles(list);
          setDir(listDir);
        }
      });
      return true;
    } catch (e) {
      setError(explain(label.replace(/…$/, ''), e));
      return false;
    } finally {
      setBusy(null);
      setProgress(null);
    }
  }

  const refresh = (to = dir) => void run('Listing the files…', async () => {}, to);

  const upload = async (list: FileList | null) => {
    const chosen = list ? [...list] : [];
    if (uploadInput.current) uploadInput.current.value = '';
    if (chosen.length === 0) return;
    const contents = await Promise.all(chosen.map(async (f) => new Uint8Array(await f.arrayBuffer())));
    const total = contents.reduce((n, c) => n + c.length, 0);
    let before = 0;
    const ok = await run(`Uploading ${chosen.length === 1 ? chosen[0]!.name : `${chosen.length} files`}…`, async (s) => {
      for (let i = 0; i < chosen.length; i++) {
        await s.put(join(dir, chosen[i]!.name), contents[i]!, (done) => setProgress(total ? (before + done) / total : 1));
        before += contents[i]!.length;
      }
    });
    if (ok) setStatus(`Uploaded ${chosen.map((f) => f.name).join(', ')} (${formatSize(total)}).`);
  };

  const startDownload = async (entry: FileEntry) => {
    let data: Uint8Array | null = null;
    const ok = await run(`Downloading ${entry.name}…`, async (s) => {
      data = await s.cat(join(dir, entry.name), (done, total) => setProgress(total ? done / total : 1));
    }, null);
    if (!ok || !data) return;
    const bytes: Uint8Array = data;
    const url = URL.createObjectURL(new Blob([bytes.slice().buffer as ArrayBuffer], { type: 'application/octet-stream' }));
    setDownload({ name: entry.name, url, size: bytes.length });
    setStatus(`${entry.name} read from the board (${formatSize(bytes.length)}).`);
    // save it right away, as a browser download; the link stays for a second try
    const a = document.createElement('a');
    a.href = url;
    a.download = entry.name;
    a.click();
  };

  const edit = async (entry: FileEntry) => {
    if (entry.size > EDIT_LIMIT) {
      setError(`${entry.name} is ${formatSize(entry.size)}: too big to edit here. Download it instead.`);
      return;
    }
    let data: Uint8Array | null = null;
    const path = join(dir, entry.name);
    const ok = await run(`Opening ${entry.name}…`, async (s) => {
      data = await s.cat(path);
    }, null);
    if (!ok || !data) return;
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(data);
    } catch {
      setError(`${entry.name} is not UTF-8 text, so it cannot be edited here. Download it instead.`);
      return;
    }
    setEditing({ path, text, original: text, session: ++sessions });
  };

  const newFile = () => {
    setError('');
    setEditing({ path: null, text: '', original: '', session: ++sessions });
    setNewName('');
    setTimeout(() => nameInput.current?.focus(), 0);
  };

  const save = async () => {
    if (!editing) return;
    const name = editing.path ?? newName.trim();
    if (editing.path === null) {
      if (!name || name === '.' || name === '..' || name.endsWith('/')) {
        setError('Give the new file a name, e.g. main.py.');
        nameInput.current?.focus();
        return;
      }
      if (files?.some((f) => f.name === name)) {
        setError(`${name} already exists here: open it with Edit, or choose another name.`);
        nameInput.current?.focus();
        return;
      }
    }
    const path = editing.path ?? (name.startsWith('/') ? name : join(dir, name));
    const bytes = new TextEncoder().encode(editing.text);
    const ok = await run(`Saving ${path}…`, (s) => s.put(path, bytes, (done, total) => setProgress(total ? done / total : 1)));
    if (ok) {
      // what was typed while it saved stays in the editor, and unsaved
      const saved = editing.text;
      setEditing((e) => e && { ...e, path, original: saved });
      if (editing.path === null) codeEditor.current?.setLabel(`Contents of ${path}`);
      setStatus(`Saved ${path} (${formatSize(bytes.length)}). Press Reset to run main.py from the start.`);
    }
  };

  saveRef.current = save;

  const remove = async (entry: FileEntry) => {
    setConfirm(null);
    const path = join(dir, entry.name);
    const ok = await run(`Deleting ${entry.name}…`, (s) => (entry.isDir ? s.rmdir(path) : s.rm(path)));
    if (ok) {
      setStatus(`Deleted ${path}.`);
      if (editing?.path === path) setEditing(null);
    }
    refreshButton.current?.focus();
  };

  const closeEditor = () => {
    setError('');
    setEditing(null);
    refreshButton.current?.focus();
  };

  const parent = dir === '/' ? null : dir.slice(0, dir.lastIndexOf('/')) || '/';
  const blocked = busy !== null || otherHolder !== null;
  const dirty = editing !== null && editing.text !== editing.original;

  return (
    <details class="files-panel" data-testid="files-panel" aria-busy={busy !== null}>
      <summary>Files on the board</summary>
      <p>
        Like <code>mpremote</code> or Thonny, this panel works through MicroPython's raw REPL on the serial port: it stops
        the running program (Ctrl-C), then reads or writes the board's filesystem. <code>boot.py</code> and then{' '}
        <code>main.py</code> run at every reset.
      </p>
      <div class="files-toolbar">
        <button type="button" class="hw-button" ref={refreshButton} disabled={blocked} onClick={() => refresh()}>
          {files === null ? 'List files' : 'Refresh'}
        </button>
        <button type="button" class="hw-button" disabled={blocked} onClick={() => uploadInput.current?.click()}>
          Upload…
        </button>
        <input
          ref={uploadInput}
          type="file"
          multiple
          hidden
          data-testid="files-upload"
          aria-label="Files to upload to the board"
          onChange={(e) => void upload((e.currentTarget as HTMLInputElement).files)}
        />
        <button type="button" class="hw-button" disabled={blocked || editing !== null} onClick={newFile}>
          New file
        </button>
        <span class="files-dir">
          Folder <code>{dir}</code>
        </span>
      </div>
      {otherHolder && <p class="files-note">The serial port is in use by {otherHolder}.</p>}
      <div class="files-status" aria-live="polite" data-testid="files-status">
        {busy ? (
          <span class="files-busy">
            <span>{busy}</span>
            {progress === null ? <progress aria-label="Transfer progress" /> : <progress aria-label="Transfer progress" max={100} value={Math.round(progress * 100)} />}
          </span>
        ) : (
          status
        )}
      </div>
      {error && (
        <p class="files-error" role="alert" data-testid="files-error">
          {error}
        </p>
      )}
      {files === null ? (
        <p class="files-empty">Press <strong>List files</strong> to see what is on the board.</p>
      ) : (
        <table class="files-list" data-testid="files-list">
          <caption class="visually-hidden">Files in {dir} on the board</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" class="files-size">Size</th>
              <th scope="col"><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {parent !== null && (
              <tr>
                <td colSpan={3}>
                  <button type="button" class="files-link" disabled={blocked} onClick={() => refresh(parent)}>
                    ↑ up to {parent}
                  </button>
                </td>
              </tr>
            )}
            {files.length === 0 && (
              <tr>
                <td colSpan={3} class="files-empty">No files here.</td>
              </tr>
            )}
            {files.map((f) => (
              <tr key={f.name} data-file={f.name}>
                <th scope="row" class="files-name">
                  {f.isDir ? (
                    <button type="button" class="files-link" disabled={blocked} onClick={() => refresh(join(dir, f.name))}>
                      {f.name}/
                    </button>
                  ) : (
                    <code>{f.name}</code>
                  )}
                </th>
                <td class="files-size">{f.isDir ? 'folder' : formatSize(f.size)}</td>
                <td class="files-actions">
                  {confirm === f.name ? (
                    <span role="group" aria-label={`Confirm deleting ${f.name}`} class="files-confirm">
                      <span>Delete {f.name}?</span>
                      <button type="button" class="hw-button files-danger" ref={confirmYes} disabled={blocked} onClick={() => void remove(f)}>
                        Yes, delete
                      </button>
                      <button type="button" class="hw-button" onClick={() => setConfirm(null)}>
                        Cancel
                      </button>
                    </span>
                  ) : (
                    <>
                      {!f.isDir && (
                        <>
                          <button type="button" class="hw-button" disabled={blocked} aria-label={`Edit ${f.name}`} onClick={() => void edit(f)}>
                            Edit
                          </button>
                          <button type="button" class="hw-button" disabled={blocked} aria-label={`Download ${f.name}`} onClick={() => void startDownload(f)}>
                            Download
                          </button>
                        </>
                      )}
                      <button type="button" class="hw-button" disabled={blocked} aria-label={`Delete ${f.name}`} onClick={() => {
                          setError('');
                          setConfirm(f.name);
                        }}>
                        Delete
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {download && (
        <p class="files-download">
          <a href={download.url} download={download.name}>
            Save {download.name} ({formatSize(download.size)})
          </a>
        </p>
      )}
      {editing && (
        <div class="files-editor" role="group" aria-label={editing.path ? `Editing ${editing.path}` : 'New file'}>
          {editing.path === null ? (
            <label class="files-newname">
              <span>New file name</span>
              <input
                ref={nameInput}
                type="text"
                value={newName}
                placeholder="main.py"
                spellcheck={false}
                autocomplete="off"
                onInput={(e) => setNewName((e.currentTarget as HTMLInputElement).value)}
              />
            </label>
          ) : (
            <p class="files-editing">
              Editing <code>{editing.path}</code>
              {dirty ? ' (not saved)' : ''}
            </p>
          )}
          {!editorReady && <div class="files-code-loading">Loading the editor…</div>}
          <div class="files-code" ref={codeHost} />
          <p id={helpId} hidden>
            {EDITOR_KEYS_HELP} Ctrl+S (Cmd+S on a Mac) saves the file to the board.
          </p>
          <div class="files-editor-actions">
            <button type="button" class="hw-button files-save" disabled={blocked} onClick={() => void save()}>
              Save to board
            </button>
            <button type="button" class="hw-button" disabled={busy !== null} onClick={closeEditor}>
              {dirty ? 'Discard changes' : 'Close'}
            </button>
            <span class="files-hint">Ctrl+S saves · {EDITOR_KEYS_HINT}</span>
          </div>
        </div>
      )}
    </details>
  );
}
