/**
 * The lab's Flash panel: esptool (Espressif's esptool-js, loaded on first use) writing a
 * firmware image to the virtual ESP-07 over its serial port, as ESP Web Tools or the esptool
 * command line do to a real one. The image is one of the site's builds (served from
 * `/firmware/`, src/pages/firmware/[file].ts) or a file from the learner's computer.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { BoardHost } from '../../emulator/link/host.ts';
import { DEFAULT_RELEASE, FIRMWARE_BUILDS, firmwareBuild, RELEASE_IDS, RELEASES, type ReleaseId } from '../../emulator/firmware/builds.ts';
import { onSerial } from '../lib/board';
import { setPortHolder } from '../lib/port-holder';
import type { FlashResult, FlashStage } from '../lib/flasher';

const LOCAL = 'local';
const BAUDS = [115200, 460800];
const BOOT_LESSON = '/en/lessons/wiring-and-boot-modes/';
/** localStorage key of the "Real flashing speed" option ('1' on; off when absent). */
const REALISTIC_KEY = 'esp8266-lab:flash-realistic';

/**
 * What a learner meets in each release, in a sentence (the full notes:
 * emulator/firmware/fidelity/v1.28-changes.md and v1.27-surface.md).
 */
const RELEASE_NOTE: Record<ReleaseId, string> = {
  '1.28.0': 'The current release, what micropython.org offers today. Since v1.27.0: a line ending in \\n alone runs at the prompt, b\'\'.hex() is \'\', f\'{{\' works and f-strings nest, os.urandom(-1) raises ValueError.',
  '1.27.0': 'The release before, from 2025-12-09. A board runs the release whose image it holds: write this one to go back to it.',
};

function storedRealistic(): boolean {
  try {
    return localStorage.getItem(REALISTIC_KEY) === '1';
  } catch {
    return false; // storage disabled
  }
}

/** Seconds left as the panel shows them: "about 12 s left", "about 1 min 5 s left". */
export function timeLeftText(s: number): string {
  const n = Math.max(1, Math.round(s));
  return n < 60 ? `about ${n} s left` : `about ${Math.floor(n / 60)} min ${n % 60} s left`;
}

/** Site builds fetched once per page. */
const fetched = new Map<string, Promise<Uint8Array>>();

async function siteImage(file: string): Promise<Uint8Array> {
  let p = fetched.get(file);
  if (!p) {
    p = fetch(`/firmware/${encodeURIComponent(file)}`).then(async (r) => {
      if (!r.ok) throw new Error(`could not load /firmware/${file} (HTTP ${r.status})`);
      return new Uint8Array(await r.arrayBuffer());
    });
    p.catch(() => fetched.delete(file));
    fetched.set(file, p);
  }
  return p;
}

const STAGE_TEXT: Record<FlashStage, string> = {
  connecting: 'Connecting…',
  erasing: 'Erasing the flash…',
  writing: 'Writing…',
  resetting: 'Resetting…',
  done: 'Done',
};

/**
 * Follows the boot ROM's `boot mode:(x,y)` line at 74880 baud, as a learner reading the serial
 * monitor would: 1 means UART download mode.
 */
function useDownloadMode(): boolean {
  const [download, setDownload] = useState(false);
  useEffect(() => {
    let tail = '';
    return onSerial((data, baud) => {
      if (baud !== 74880) return;
      tail = (tail + String.fromCharCode(...data)).slice(-256);
      const modes = [...tail.matchAll(/boot mode:\((\d),\d\)/g)];
      const last = modes.at(-1);
      if (last) setDownload(last[1] === '1');
    });
  }, []);
  return download;
}

export function FlashPanel({ board }: { board: BoardHost }) {
  const [release, setRelease] = useState<ReleaseId>(DEFAULT_RELEASE);
  const [source, setSource] = useState<string>((FIRMWARE_BUILDS.find((b) => b.flash === board.flashSize) ?? FIRMWARE_BUILDS[0]).file);
  const [file, setFile] = useState<File | null>(null);
  const [erase, setErase] = useState(false);
  const [baud, setBaud] = useState(115200);
  const [realistic, setRealistic] = useState(storedRealistic);
  const [secondsLeft, setSecondsLeft] = useState<number | null>(null);
  const [autoReset, setAutoReset] = useState(board.circuitParts.autoReset === true);
  const [busy, setBusy] = useState(false);
  const [stage, setStage] = useState<FlashStage | null>(null);
  const [fraction, setFraction] = useState<number | null>(null);
  const [log, setLog] = useState('');
  const [result, setResult] = useState<{ res: FlashResult; what: string; wrote: boolean } | null>(null);
  const logText = useRef('');
  const logBox = useRef<HTMLPreElement>(null);
  const downloadMode = useDownloadMode();
  useEffect(() => board.on('circuit', (c) => setAutoReset(c.autoReset === true)), [board]);
  useEffect(() => {
    const el = logBox.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [log]);

  const append = (text: string) => {
    logText.current += text;
    setLog(logText.current);
  };

  const start = async (write: boolean) => {
    if (busy) return;
    setBusy(true);
    setResult(null);
    setStage(null);
    setFraction(null);
    setSecondsLeft(null);
    logText.current = '';
    setLog('');
    const what = !write ? 'the flash' : source === LOCAL ? (file?.name ?? 'no file') : source;
    try {
      let image: Uint8Array | null = null;
      if (write) {
        if (source === LOCAL) {
          if (!file) throw new Error('Choose a .bin file first.');
          image = new Uint8Array(await file.arrayBuffer());
        } else {
          image = await siteImage(source);
        }
      }
      const { runFlash } = await import('../lib/flasher');
      const res = await runFlash(board, {
        image,
        erase: erase || !write,
        baud,
        realistic,
        terminal: {
          clean: () => {
            logText.current = '';
            setLog('');
          },
          writeLine: (s) => append(`${s}\n`),
          write: (s) => append(s),
        },
        progress: (s, f, left) => {
          setStage(s);
          setFraction(f);
          setSecondsLeft(left ?? null);
        },
        port: (open) => setPortHolder(open ? 'the Flash panel (esptool)' : null),
      });
      setResult({ res, what, wrote: write });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      append(`${message}\n`);
      setResult({ res: { ok: false, failed: 'operation', error: message, autoReset }, what, wrote: write });
    } finally {
      setBusy(false);
    }
  };

  const percent = fraction === null ? null : Math.round(fraction * 100);

  return (
    <details class="flash-panel" data-testid="flash-panel">
      <summary>Flash firmware (esptool)</summary>
      <p>
        esptool talks to the chip's boot ROM over the serial port: it erases and writes the SPI flash, then
        checks what it wrote with an MD5 hash.
      </p>
      <p class={`flash-hint ${autoReset || downloadMode ? 'flash-ready' : ''}`} data-testid="flash-hint" aria-live="polite">
        {autoReset
          ? 'Auto-reset is fitted (circuit panel): esptool uses DTR and RTS to reset the board into download mode, and restarts it when done.'
          : downloadMode
            ? 'The board is in download mode (the ROM printed boot mode:(1,…)). esptool can connect.'
            : (
              <>
                The board is not in download mode. Hold <strong>Flash</strong>, press <strong>Reset</strong>, then let go
                of Flash (see <a href={BOOT_LESSON}>Wiring and boot modes</a>), or fit the auto-reset adapter in the circuit
                panel.
              </>
            )}
      </p>
      <div class="flash-options">
        <label>
          <span>MicroPython release</span>
          <select
            value={release}
            disabled={busy}
            aria-describedby="flash-release-note"
            data-testid="flash-release"
            onChange={(e) => {
              const next = (e.currentTarget as HTMLSelectElement).value as ReleaseId;
              setRelease(next);
              // the same flash size in the other release
              const chosen = FIRMWARE_BUILDS.find((b) => b.file === source);
              if (chosen) setSource(firmwareBuild(chosen.flash, next).file);
            }}
          >
            {RELEASE_IDS.map((r) => <option value={r}>{`${RELEASES[r].tag} (${RELEASES[r].date})${r === DEFAULT_RELEASE ? ', current' : ''}`}</option>)}
          </select>
        </label>
      </div>
      <p class="flash-note" id="flash-release-note">
        {RELEASE_NOTE[release]} <a href="/firmware/">All firmware files</a>
      </p>
      <fieldset class="flash-images" disabled={busy}>
        <legend>Image (written at 0x0)</legend>
        {FIRMWARE_BUILDS.filter((b) => b.release === release).map((b) => (
          <div class="flash-image" key={b.file}>
            <label>
              <input type="radio" name="flash-image" value={b.file} checked={source === b.file} onChange={() => setSource(b.file)} />
              <span>
                <code>{b.file}</code> <span class="flash-size">{`${b.flash}B flash, ${Math.round(b.id.fileSize / 1024)} KB`}</span>
              </span>
            </label>
            <a href={`/firmware/${b.file}`} download aria-label={`Download ${b.file}`}>download</a>
          </div>
        ))}
        <div class="flash-image">
          <label>
            <input type="radio" name="flash-image" value={LOCAL} checked={source === LOCAL} onChange={() => setSource(LOCAL)} />
            <span>A file from your computer</span>
          </label>
          <input
            type="file"
            accept=".bin,application/octet-stream"
            aria-label="Firmware file from your computer"
            onChange={(e) => {
              const f = (e.currentTarget as HTMLInputElement).files?.[0] ?? null;
              setFile(f);
              if (f) setSource(LOCAL);
            }}
          />
        </div>
      </fieldset>
      <div class="flash-options">
        <label>
          <input type="checkbox" checked={erase} disabled={busy} onChange={(e) => setErase((e.currentTarget as HTMLInputElement).checked)} />
          <span>Erase flash first</span>
        </label>
        <label>
          <span>Baud rate</span>
          <select aria-label="esptool baud rate" value={String(baud)} disabled={busy} onChange={(e) => setBaud(Number((e.currentTarget as HTMLSelectElement).value))}>
            {BAUDS.map((b) => <option value={String(b)}>{b}</option>)}
          </select>
        </label>
        <label>
          <input
            type="checkbox"
            checked={realistic}
            disabled={busy}
            aria-describedby="flash-realistic-note"
            data-testid="flash-realistic"
            onChange={(e) => {
              const on = (e.currentTarget as HTMLInputElement).checked;
              setRealistic(on);
              try {
                if (on) localStorage.setItem(REALISTIC_KEY, '1');
                else localStorage.removeItem(REALISTIC_KEY);
              } catch {
                // storage disabled: the choice lasts for this page
              }
            }}
          />
          <span>Real flashing speed</span>
        </label>
      </div>
      <p class="flash-note" id="flash-realistic-note">
        {realistic
          ? 'Real flashing speed: bytes cross the serial line at the baud rate (10 bits each) and the flash chip erases at its datasheet speed (10 s for all 4 MB), as on a real board.'
          : 'Flashing runs as fast as the emulator can; tick Real flashing speed to wait as long as on a real board.'}
      </p>
      <div class="flash-actions">
        <button type="button" class="hw-button flash-write" disabled={busy} onClick={() => void start(true)}>
          Write firmware
        </button>
        <button type="button" class="hw-button" disabled={busy} onClick={() => void start(false)}>
          Erase only
        </button>
      </div>
      {(busy || stage) && (
        <div class="flash-progress">
          <label>
            <span>
              {stage ? STAGE_TEXT[stage] : 'Loading esptool…'}
              {stage === 'writing' && percent !== null ? ` ${percent} %` : ''}
              {secondsLeft !== null && (stage === 'writing' || stage === 'erasing') ? `, ${timeLeftText(secondsLeft)}` : ''}
            </span>
            {fraction === null ? <progress aria-label="Flash progress" /> : <progress aria-label="Flash progress" max={100} value={percent ?? 0} />}
          </label>
        </div>
      )}
      {result && (
        <p class={`flash-result ${result.res.ok ? 'flash-ok' : 'flash-error'}`} role="status" data-testid="flash-result">
          {resultText(result.res, result.what, result.wrote)}
        </p>
      )}
      <pre class="flash-log" ref={logBox} role="log" aria-label="esptool log" tabIndex={0} data-testid="flash-log">
        {log || 'esptool’s output appears here.'}
      </pre>
    </details>
  );
}

function resultText(res: FlashResult, what: string, wrote: boolean): string {
  if (res.ok) {
    const done = wrote ? `Wrote ${what} and verified it (MD5).` : 'Erased the flash.';
    if (res.autoReset) return `${done} esptool reset the board through RTS: it starts from flash now.`;
    return `${done} The board is still in download mode: let go of Flash (if held) and press Reset to start ${wrote ? 'the new firmware' : 'from the empty flash'}.`;
  }
  if (res.failed === 'connect') {
    return res.autoReset
      ? `esptool could not connect (${res.error}). Check the terminal for what the board prints, then try again.`
      : `esptool could not connect (${res.error}): the board is not in download mode. Hold Flash, press Reset, let go of Flash, then try again.`;
  }
  return `esptool stopped: ${res.error}`;
}
