/**
 * A board for tests: runs the emulator in a worker thread and records everything the terminal
 * would show, so a test can type at the REPL and wait for exact text.
 */
import type { SleepMode } from '../board/clock.ts';
import { BoardHost, type BootTiming, type FlashSize } from '../link/host.ts';
import type { ReleaseId } from '../firmware/builds.ts';
import { spawnNodeDevice } from './spawn.ts';
import type { RelayLink } from '../link/relay.ts';

export interface TestBoardOptions {
  shared?: boolean;
  sleepMode?: SleepMode;
  interruptTimeoutMs?: number;
  realisticSpeed?: boolean;
  flashSize?: FlashSize;
  flashContents?: Uint8Array;
  /** The MicroPython release of a new board's firmware (default: builds.ts `DEFAULT_RELEASE`). */
  release?: ReleaseId;
  /** The RTC's drift in ppm; 0 here (an exact clock) unless a test is about drift. */
  rtcDriftPpm?: number;
  /** Message mode's relay (memory-relay.ts stands in for the workshop server's). */
  relay?: RelayLink | null;
}

export class TestBoard {
  readonly host: BoardHost;
  /** Bytes sent at 115200 baud (the REPL's rate): what a 115200-baud terminal shows as text. */
  private bytes: number[] = [];
  /** Bytes sent at any other rate (the boot ROM's 74880), kept apart. */
  private otherBaud: { data: number[]; baud: number }[] = [];
  /** The 115200-baud bytes that are not the REPL's echo of input (what programs and the firmware printed). */
  private printedBytes: number[] = [];
  private mark = 0;
  readonly notices: string[] = [];
  /** The start-up phases of every boot so far (the host's `timing` events), in order. */
  readonly timings: BootTiming[] = [];
  private waiters = new Set<() => void>();

  private constructor(opts: TestBoardOptions) {
    this.host = new BoardHost({ spawn: spawnNodeDevice, rtcDriftPpm: 0, ...opts });
    this.host.on('serial', (data, baud, echo) => {
      if (baud === 115200) for (const b of data) this.bytes.push(b);
      if (baud === 115200 && !echo) for (const b of data) this.printedBytes.push(b);
      else this.otherBaud.push({ data: [...data], baud });
      this.poke();
    });
    this.host.on('notice', (t) => {
      this.notices.push(t);
      this.poke();
    });
    this.host.on('view', () => this.poke());
    this.host.on('timing', (t) => {
      this.timings.push(t);
      this.poke();
    });
  }

  /**
   * Powers a board on and waits for the first prompt.
   * @param timeoutMs how long the first prompt may take (a cold worker under load needs longer than 5 s)
   */
  static async boot(opts: TestBoardOptions = {}, timeoutMs = 5000): Promise<TestBoard> {
    const b = new TestBoard(opts);
    const ready = new Promise<void>((resolve) => b.host.on('ready', resolve));
    b.host.start();
    await b.waitFor('>>> ', timeoutMs);
    await ready;
    return b;
  }

  /** Everything received on the serial line so far, decoded as UTF-8. */
  get all(): string {
    return new TextDecoder().decode(Uint8Array.from(this.bytes));
  }

  /** Everything received at 115200 baud except the REPL's echo of input, decoded as UTF-8. */
  get printed(): string {
    return new TextDecoder().decode(Uint8Array.from(this.printedBytes));
  }

  /** Text sent at `baud` (e.g. 74880 for the boot ROM), in order. */
  textAt(baud: number): string {
    return new TextDecoder().decode(Uint8Array.from(this.otherBaud.filter((r) => r.baud === baud).flatMap((r) => r.data)));
  }

  /** What arrived since the last {@link since} or {@link type}. */
  get recent(): string {
    return new TextDecoder().decode(Uint8Array.from(this.bytes.slice(this.mark)));
  }

  /** What arrived since the last {@link since} or {@link type}, one char per byte (for binary replies). */
  get recentBytes(): string {
    return String.fromCharCode(...this.bytes.slice(this.mark));
  }

  /**
   * Holds Flash while pressing Reset, as the blog does, and waits for the boot ROM's new
   * `boot mode:(1,6)` line (UART download mode); then releases Flash.
   */
  async enterDownloadMode(): Promise<void> {
    const count = () => this.textAt(74880).split('boot mode:(1,6)').length;
    const before = count();
    this.host.setFlash(true);
    this.host.reset();
    await this.waitUntil(() => count() > before);
    this.host.setFlash(false);
  }

  /**
   * Runs code in the raw REPL, as mpremote's `exec` does (Ctrl-C, Ctrl-A, code, Ctrl-D), then
   * goes back to the friendly prompt (Ctrl-B).
   * @returns what the code printed (stdout) and its traceback (stderr), `\r\n` line ends
   */
  async exec(code: string, timeoutMs = 10000): Promise<{ out: string; err: string }> {
    this.type('\r\x03\x03\x01');
    await this.waitFor('raw REPL; CTRL-B to exit\r\n>', timeoutMs);
    this.type(`${code}\x04`);
    await this.waitFor(/^OK[^]*\x04[^]*\x04>$/, timeoutMs);
    const m = /^OK([^]*)\x04([^]*)\x04>$/.exec(this.recent)!;
    this.type('\x02');
    await this.waitFor('>>> ', timeoutMs);
    return { out: m[1]!, err: m[2]! };
  }

  /** Starts a new "recent" window. */
  since(): this {
    this.mark = this.bytes.length;
    return this;
  }

  /** Types text at the terminal (starts a new "recent" window). */
  type(text: string): this {
    this.since();
    this.host.write(text);
    return this;
  }

  /** Types a line and waits for the next prompt; returns what the board printed in between. */
  async line(text: string, prompt = '>>> ', timeoutMs = 5000): Promise<string> {
    this.type(`${text}\r`);
    await this.waitFor(prompt, timeoutMs);
    return this.recent;
  }

  /**
   * Types each line at the friendly prompt and returns what each printed, without its echo and
   * the next prompt, with `\n` line ends.
   * @throws Error when a line's output does not start with its echo or end with a prompt
   */
  async session(lines: string[], timeoutMs = 8000): Promise<string[]> {
    const outs: string[] = [];
    for (const l of lines) {
      const got = await this.line(l, '>>> ', timeoutMs);
      if (!got.startsWith(`${l}\r\n`) || !got.endsWith('>>> ')) throw new Error(`unexpected output for ${JSON.stringify(l)}: ${JSON.stringify(got)}`);
      outs.push(got.slice(l.length + 2, -4).replace(/\r\n/g, '\n'));
    }
    return outs;
  }

  /** Waits until the recent output contains `what` (or matches it). */
  async waitFor(what: string | RegExp, timeoutMs = 5000): Promise<string> {
    return this.waitUntil(() => (typeof what === 'string' ? this.recent.includes(what) : what.test(this.recent)), timeoutMs, () => `waiting for ${String(what)}; got ${JSON.stringify(this.recent)}`);
  }

  /** Waits until `cond()` holds, re-checking on every output or view change. */
  async waitUntil(cond: () => boolean, timeoutMs = 5000, describe: () => string = () => 'condition'): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout: ${describe()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(left, 100));
        const w = () => done();
        function done() {
          clearTimeout(t);
          resolve();
        }
        this.waiters.add(w);
      });
    }
    return this.recent;
  }

  dispose(): void {
    this.host.dispose();
  }

  private poke(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }
}
