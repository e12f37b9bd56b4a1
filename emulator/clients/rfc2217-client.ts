/**
 * An RFC 2217 client that behaves as pyserial's `rfc2217://` port does (`serial/rfc2217.py`,
 * class `Serial`), the one esptool, miniterm and mpremote use: written here from RFC 2217 and
 * that behaviour, to test the command-line board's server (`emulator/node/rfc2217.ts`) the way
 * those tools will use it. Its own constants, on purpose: a second reading of the RFC.
 *
 * `open()` does what pyserial's `Serial.open()` does, in order: offer DO ECHO, WILL SGA, DO SGA,
 * WILL COM-PORT-OPTION, DO COM-PORT-OPTION, and wait until the server has said DO COM-PORT-OPTION
 * (answering a DO BINARY / WILL BINARY it receives); then SET-BAUDRATE, SET-DATASIZE 8,
 * SET-PARITY NONE, SET-STOPSIZE 1, each awaited until the server's answer repeats the value
 * ("Remote does not accept parameter change" otherwise); SET-CONTROL "no flow control"; DTR on,
 * RTS on (pyserial's defaults); PURGE-DATA receive, then transmit. Data goes out with 255
 * doubled. `setDTR`/`setRTS` send SET-CONTROL and wait for its answer, or with
 * `ignoreSetControl` (pyserial's `?ign_set_control`) wait 100 ms instead.
 *
 * Transport-free: give it a `write` and feed it what the connection delivers with {@link receive}.
 */

const IAC = 255;
const SB = 250;
const SE = 240;
const WILL = 251;
const WONT = 252;
const DO = 253;
const DONT = 254;
const BINARY = 0;
const ECHO = 1;
const SGA = 3;
const COM_PORT = 44;

/** RFC 2217 §3 client commands (server answers: + 100). */
const SET_BAUDRATE = 1;
const SET_DATASIZE = 2;
const SET_PARITY = 3;
const SET_STOPSIZE = 4;
const SET_CONTROL = 5;
const PURGE_DATA = 12;
const NOTIFY_MODEMSTATE = 7;
const SERVER = 100;

const DTR_ON = 8;
const DTR_OFF = 9;
const RTS_ON = 11;
const RTS_OFF = 12;
const NO_FLOW_CONTROL = 1;

export interface Rfc2217ClientOptions {
  /** The rate set at open (pyserial: the `baudrate` argument). Default 115200. */
  baud?: number;
  /** pyserial's `?ign_set_control`: do not wait for SET-CONTROL answers (sleep 100 ms instead). */
  ignoreSetControl?: boolean;
  /** How long an answer may take, in ms (pyserial's network timeout: 3 s). */
  timeoutMs?: number;
}

/** The server did not answer as RFC 2217 asks, or not in time. */
export class Rfc2217Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Rfc2217Error';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Rfc2217Client {
  private readonly write0: (bytes: Uint8Array) => void;
  private readonly opts: Required<Rfc2217ClientOptions>;
  private mode: 'data' | 'iac' | 'neg' | 'sub' | 'subiac' = 'data';
  private verb = 0;
  private sub: number[] = [];
  private buf: number[] = [];
  private readonly waiters = new Set<() => void>();
  /** Options the server agreed to (our WILL answered DO: `us`; our DO answered WILL: `them`). */
  readonly us = new Set<number>();
  readonly them = new Set<number>();
  /** Every negotiation command received, as [verb, option]. */
  readonly negotiations: [number, number][] = [];
  /** Every COM-PORT-OPTION sub-negotiation received: [server command, ...value]. */
  readonly answers: number[][] = [];
  /** The last NOTIFY-MODEMSTATE value, or null before the first. */
  modemState: number | null = null;
  dtr = true;
  rts = true;

  /** @param write sends raw bytes on the connection */
  constructor(write: (bytes: Uint8Array) => void, options: Rfc2217ClientOptions = {}) {
    this.write0 = write;
    this.opts = { baud: 115200, ignoreSetControl: false, timeoutMs: 3000, ...options };
  }

  /** Feeds bytes the connection delivered. */
  receive(chunk: Uint8Array): void {
    for (const b of chunk) {
      switch (this.mode) {
        case 'data':
          if (b === IAC) this.mode = 'iac';
          else this.buf.push(b);
          break;
        case 'iac':
          if (b === IAC) {
            this.buf.push(255);
            this.mode = 'data';
          } else if (b === SB) {
            this.sub = [];
            this.mode = 'sub';
          } else if (b >= WILL && b <= DONT) {
            this.verb = b;
            this.mode = 'neg';
          } else this.mode = 'data';
          break;
        case 'neg':
          this.negotiate(this.verb, b);
          this.mode = 'data';
          break;
        case 'sub':
          if (b === IAC) this.mode = 'subiac';
          else this.sub.push(b);
          break;
        case 'subiac':
          if (b === IAC) {
            this.sub.push(255);
            this.mode = 'sub';
          } else {
            if (b === SE && this.sub[0] === COM_PORT) {
              const answer = this.sub.slice(1);
              this.answers.push(answer);
              if (answer[0] === NOTIFY_MODEMSTATE + SERVER) this.modemState = answer[1] ?? null;
            }
            this.mode = 'data';
          }
          break;
      }
    }
    for (const w of [...this.waiters]) w();
  }

  private negotiate(verb: number, option: number): void {
    this.negotiations.push([verb, option]);
    // pyserial's TelnetOption tables: what it asked for is just noted; BINARY is accepted when offered
    if (verb === DO) {
      if (option === COM_PORT || option === SGA) this.us.add(option);
      else if (option === BINARY) {
        if (!this.us.has(BINARY)) this.raw([IAC, WILL, BINARY]);
        this.us.add(BINARY);
      } else this.raw([IAC, WONT, option]);
    } else if (verb === WILL) {
      if (option === COM_PORT || option === SGA || option === ECHO) this.them.add(option);
      else if (option === BINARY) {
        if (!this.them.has(BINARY)) this.raw([IAC, DO, BINARY]);
        this.them.add(BINARY);
      } else this.raw([IAC, DONT, option]);
    } else if (verb === DONT) this.us.delete(option);
    else this.them.delete(option);
  }

  private raw(bytes: number[] | Uint8Array): void {
    this.write0(Uint8Array.from(bytes));
  }

  /** Sends `IAC SB 44 command value IAC SE` (255 doubled in the value). */
  subnegotiate(command: number, value: number[] = []): void {
    const body: number[] = [];
    for (const v of value) {
      body.push(v);
      if (v === 255) body.push(255);
    }
    this.raw([IAC, SB, COM_PORT, command, ...body, IAC, SE]);
  }

  /** Resolves once `cond()` holds (checked whenever bytes arrive). */
  until(cond: () => boolean, what: string, timeoutMs = this.opts.timeoutMs): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!cond()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Rfc2217Error(`timeout while waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Sends a command and waits for its answer (code + 100) to repeat `value` (pyserial's `check_answer`). */
  private async request(command: number, value: number[], what: string): Promise<void> {
    const from = this.answers.length;
    this.subnegotiate(command, value);
    let rejected: number[] | null = null;
    await this.until(() => {
      for (const a of this.answers.slice(from)) {
        if (a[0] !== command + SERVER) continue;
        if (value.every((v, i) => a[i + 1] === v)) return true;
        rejected = a;
        return true;
      }
      return false;
    }, what);
    if (rejected) throw new Rfc2217Error(`remote rejected value for option ${what}: ${JSON.stringify(rejected)}`);
  }

  /** pyserial's `Serial.open()` after the TCP connection (see the module comment). */
  async open(): Promise<void> {
    this.raw([IAC, DO, ECHO, IAC, WILL, SGA, IAC, DO, SGA, IAC, WILL, COM_PORT, IAC, DO, COM_PORT]);
    await this.until(() => this.us.has(COM_PORT), 'the server to accept COM-PORT-OPTION ("Remote does not seem to support RFC2217")');
    const b = this.opts.baud;
    await Promise.all([
      this.request(SET_BAUDRATE, [(b >>> 24) & 255, (b >>> 16) & 255, (b >>> 8) & 255, b & 255], 'baudrate'),
      this.request(SET_DATASIZE, [8], 'datasize'),
      this.request(SET_PARITY, [1], 'parity'),
      this.request(SET_STOPSIZE, [1], 'stopsize'),
    ]);
    await this.control(NO_FLOW_CONTROL, 'control');
    await this.setDTR(this.dtr);
    await this.setRTS(this.rts);
    await this.request(PURGE_DATA, [1], 'purge');
    this.buf = [];
    await this.request(PURGE_DATA, [2], 'purge');
  }

  private async control(value: number, what: string): Promise<void> {
    if (this.opts.ignoreSetControl) {
      this.subnegotiate(SET_CONTROL, [value]);
      await sleep(100);
    } else await this.request(SET_CONTROL, [value], what);
  }

  /** Sets DTR (pyserial `Serial.dtr = on`). */
  async setDTR(on: boolean): Promise<void> {
    this.dtr = on;
    await this.control(on ? DTR_ON : DTR_OFF, 'control');
  }

  /** Sets RTS (pyserial `Serial.rts = on`). */
  async setRTS(on: boolean): Promise<void> {
    this.rts = on;
    await this.control(on ? RTS_ON : RTS_OFF, 'control');
  }

  /** Changes the baud rate (pyserial `Serial.baudrate = rate`). */
  setBaud(rate: number): Promise<void> {
    return this.request(SET_BAUDRATE, [(rate >>> 24) & 255, (rate >>> 16) & 255, (rate >>> 8) & 255, rate & 255], 'baudrate');
  }

  /** Sends data, 255 doubled (pyserial `Serial.write`). */
  write(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const out: number[] = [];
    for (const v of bytes) {
      out.push(v);
      if (v === 255) out.push(255);
    }
    this.raw(out);
  }

  /** Sends bytes as they are, no escaping (for tests of the server's robustness). */
  writeRaw(bytes: Uint8Array): void {
    this.write0(bytes);
  }

  /** The data received since the last {@link clear}. */
  get data(): Uint8Array {
    return Uint8Array.from(this.buf);
  }

  /** Forgets the data received so far. */
  clear(): void {
    this.buf = [];
  }

  /** Waits until the received data contains `text` (latin-1). */
  waitFor(text: string, timeoutMs = 10_000): Promise<void> {
    return this.until(() => latin1(this.buf).includes(text), JSON.stringify(text), timeoutMs).catch(() => {
      throw new Rfc2217Error(`timeout waiting for ${JSON.stringify(text)}; got ${JSON.stringify(latin1(this.buf).slice(-400))}`);
    });
  }

  /**
   * esptool's ClassicReset (`reset.py`) through this port, with its `_setRTS` that re-sends DTR:
   * D0 | R1 (D0) | 100 ms | D1 | R0 (D1) | 50 ms | D0 — the board ends in its ROM loader.
   */
  async classicReset(resetDelayMs = 50): Promise<void> {
    await this.setDTR(false);
    await this.setRTS(true);
    await this.setDTR(this.dtr);
    await sleep(100);
    await this.setDTR(true);
    await this.setRTS(false);
    await this.setDTR(this.dtr);
    await sleep(resetDelayMs);
    await this.setDTR(false);
  }

  /** esptool's HardReset: RTS on (EN low), 100 ms, RTS off — the board boots its firmware. */
  async hardReset(): Promise<void> {
    await this.setRTS(true);
    await this.setDTR(this.dtr);
    await sleep(100);
    await this.setRTS(false);
    await this.setDTR(this.dtr);
  }
}

function latin1(bytes: number[]): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}
