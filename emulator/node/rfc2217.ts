/**
 * The access-server side of RFC 2217 ("Telnet Com Port Control Option", 1997): a serial port
 * reached over a TCP connection, as pyserial's `rfc2217://host:port` URLs (and so esptool,
 * miniterm and mpremote's pyserial transport) use it. Framework-free: bytes in, bytes out, and
 * callbacks for what the port must do; `rfc2217-port.ts` puts it on a TCP socket and the board.
 *
 * What it does, section by section:
 * - Telnet framing (RFC 854): data bytes pass through, `IAC` (255) starts a command, `IAC IAC` is
 *   a data byte 255 in both directions. Other commands (NOP, AYT, BRK, …) are read and ignored.
 * - Option negotiation (RFC 854/855, the DO/DONT/WILL/WONT rules of RFC 1143's "do not answer a
 *   request for a state already in effect"): we offer `WILL ECHO` and `WILL SGA` (so that a plain
 *   telnet client does neither local echo nor go-aheads: the board echoes), `DO BINARY` and
 *   `WILL BINARY` (RFC 856: an 8-bit path both ways) and `WILL COM-PORT-OPTION` (44). A client's
 *   `WILL COM-PORT-OPTION` is answered `DO` (RFC 2217 §2: the client is the one that offers it);
 *   any other option is refused (`DONT`/`WONT`).
 * - Without BINARY from the client, `CR NUL` is a bare CR (RFC 854 "NVT"); the NUL is dropped.
 * - Sub-negotiations `IAC SB 44 <command> <value> IAC SE` (RFC 2217 §3), answered with command +
 *   100 as the RFC asks (the value in effect, so a refused change is visible to the client):
 *   - SIGNATURE (0): an empty one is a request for ours; a client's own is noted.
 *   - SET-BAUDRATE (1, 4 bytes big-endian; 0 asks): any rate from 50 to 5 000 000 is taken.
 *   - SET-DATASIZE (2), SET-PARITY (3), SET-STOPSIZE (4): the UART here is 8N1 only (the
 *     ESP8266's REPL and ROM loader use nothing else): 8, NONE (1), 1 are accepted, other values
 *     are answered with those, i.e. refused (pyserial then raises "remote rejected value").
 *   - SET-CONTROL (5, §3 "SET-CONTROL"): DTR on/off (8/9) and RTS on/off (11/12) change the
 *     modem lines ({@link Rfc2217Handler.lines}); 7 and 10 ask for them; BREAK on/off (5/6) is
 *     acknowledged and reported but not sent; flow control: only "none" (1 outbound, 14 inbound).
 *   - NOTIFY-LINESTATE (6) / NOTIFY-MODEMSTATE (7) from the client are polls: answered with 106 /
 *     107 and the state masked by SET-LINESTATE-MASK (10) / SET-MODEMSTATE-MASK (11), whose new
 *     values are acknowledged (110 / 111). After the client agrees to COM-PORT-OPTION one
 *     NOTIFY-MODEMSTATE is sent unasked, as pyserial's server does (its client's `cts`/`dsr`
 *     raise until one has come). An adapter's CTS/DSR/RI/CD inputs are not wired on an ESP-07
 *     board: all read inactive (0).
 *   - FLOWCONTROL-SUSPEND (8) / -RESUME (9): the server stops / resumes sending data to the client
 *     ({@link Rfc2217Handler.suspend}); not acknowledged (the RFC gives them no answer).
 *   - PURGE-DATA (12, §3 "PURGE-DATA"): 1 the server's receive buffer (bytes from the board not yet
 *     sent to the client), 2 its transmit buffer (bytes for the board), 3 both; acknowledged (112).
 * - A sub-negotiation longer than {@link MAX_SUBNEGOTIATION} bytes, or one that never ends, is
 *   dropped with the bytes it swallowed, and reading goes on as data: a garbage stream does no
 *   harm beyond the garbage itself.
 *
 * The modem lines' meaning for the board (the auto-reset circuit) and the baud's (the terminal's
 * decoding of the board's output) are the caller's (`rfc2217-port.ts`).
 */

/** Telnet command bytes (RFC 854, "TELNET COMMAND STRUCTURE"). */
export const TELNET = {
  SE: 240,
  NOP: 241,
  SB: 250,
  WILL: 251,
  WONT: 252,
  DO: 253,
  DONT: 254,
  IAC: 255,
} as const;

/** Telnet options this server knows (RFC 856 BINARY, RFC 857 ECHO, RFC 858 SGA, RFC 2217 COM-PORT-OPTION). */
export const OPTION = { BINARY: 0, ECHO: 1, SGA: 3, COM_PORT: 44 } as const;

/** RFC 2217 §3 client-to-server command codes (the server answers with code + 100). */
export const CPC = {
  SIGNATURE: 0,
  SET_BAUDRATE: 1,
  SET_DATASIZE: 2,
  SET_PARITY: 3,
  SET_STOPSIZE: 4,
  SET_CONTROL: 5,
  NOTIFY_LINESTATE: 6,
  NOTIFY_MODEMSTATE: 7,
  FLOWCONTROL_SUSPEND: 8,
  FLOWCONTROL_RESUME: 9,
  SET_LINESTATE_MASK: 10,
  SET_MODEMSTATE_MASK: 11,
  PURGE_DATA: 12,
} as const;

/** The answer to a client command: RFC 2217 §3 "server to client" codes are the client's + 100. */
export const SERVER_OFFSET = 100;

/** RFC 2217 §3 SET-CONTROL values. */
export const CONTROL = {
  FLOW_REQUEST: 0,
  FLOW_NONE: 1,
  FLOW_XONXOFF: 2,
  FLOW_HARDWARE: 3,
  BREAK_REQUEST: 4,
  BREAK_ON: 5,
  BREAK_OFF: 6,
  DTR_REQUEST: 7,
  DTR_ON: 8,
  DTR_OFF: 9,
  RTS_REQUEST: 10,
  RTS_ON: 11,
  RTS_OFF: 12,
  INBOUND_FLOW_REQUEST: 13,
  INBOUND_FLOW_NONE: 14,
  INBOUND_FLOW_XONXOFF: 15,
  INBOUND_FLOW_HARDWARE: 16,
  FLOW_DCD: 17,
  INBOUND_FLOW_DTR: 18,
  FLOW_DSR: 19,
} as const;

/** RFC 2217 §3 PURGE-DATA values: which of the server's buffers to empty. */
export const PURGE = { RECEIVE: 1, TRANSMIT: 2, BOTH: 3 } as const;

/** RFC 2217 §3 NOTIFY-LINESTATE bits: transmit holding and shift registers empty (an idle UART). */
export const LINESTATE_IDLE = 0x60;

/** The longest sub-negotiation kept, in bytes (RFC 2217's longest is a signature; 4 bytes of baud). */
export const MAX_SUBNEGOTIATION = 256;

/** The framing this server carries (the ESP8266 UART as its firmware and ROM use it). */
const DATASIZE = 8;
const PARITY_NONE = 1;
const STOPSIZE_ONE = 1;
/** The baud rates accepted (pyserial's client sends any 0 < rate < 2^32; real adapters top out near 5 Mbaud). */
const MIN_BAUD = 50;
const MAX_BAUD = 5_000_000;

/** What the server does for the port; every member is called synchronously from {@link Rfc2217Server.receive}. */
export interface Rfc2217Handler {
  /** Bytes to send on the connection (already framed and escaped). */
  send(bytes: Uint8Array): void;
  /** Data bytes from the client, for the serial line (the board's RX). */
  data(bytes: Uint8Array): void;
  /** The client set the baud rate (bits per second). */
  baud(rate: number): void;
  /** The modem lines changed (`true`: asserted), after a SET-CONTROL DTR/RTS on/off. */
  lines(dtr: boolean, rts: boolean): void;
  /** Empty the server's buffers: `receive` the bytes from the board not yet sent, `transmit` those for the board. */
  purge(receive: boolean, transmit: boolean): void;
  /** Stop (true) or resume (false) sending board data to the client (FLOWCONTROL-SUSPEND/-RESUME). */
  suspend(on: boolean): void;
}

/** One side of one Telnet option: enabled, and whether we asked for it and wait for the answer. */
interface OptionSide {
  enabled: boolean;
  asked: boolean;
}

/** The reader's state: in data, after IAC, after WILL/WONT/DO/DONT, inside SB, after IAC inside SB. */
const Mode = { Data: 0, Iac: 1, Negotiate: 2, Sub: 3, SubIac: 4 } as const;
type Mode = (typeof Mode)[keyof typeof Mode];

/**
 * One client connection's protocol state. Call {@link start} once the connection is up, then
 * {@link receive} with every chunk read from it, and {@link sendData} with the board's output.
 */
export class Rfc2217Server {
  /** The signature sent to a client that asks (RFC 2217 §3 SIGNATURE). */
  static readonly SIGNATURE = 'esp8266-lab virtual ESP-07';

  private readonly h: Rfc2217Handler;
  private mode: Mode = Mode.Data;
  private verb = 0;
  private sub: number[] = [];
  private subOverflow = false;
  private lastWasCr = false;
  /** Our side of each option (WILL/WONT) and the client's (DO/DONT answers to our DO). */
  private readonly us = new Map<number, OptionSide>();
  private readonly them = new Map<number, OptionSide>();
  private announced = false;

  /** The baud rate in effect (SET-BAUDRATE). */
  baudRate: number;
  /** Data Terminal Ready and Request To Send as the client last set them. */
  dtr = false;
  rts = false;
  /** BREAK as the client last set it (not sent to the board). */
  breakOn = false;
  /** SET-LINESTATE-MASK / SET-MODEMSTATE-MASK (RFC 2217 §3; pyserial's server starts with 0 and 255). */
  linestateMask = 0;
  modemstateMask = 0xff;
  /** The client's signature, if it sent one. */
  clientSignature: string | null = null;

  /** @param baud the rate the port starts at, until the client sets one */
  constructor(handler: Rfc2217Handler, baud = 115200) {
    this.h = handler;
    this.baudRate = baud;
  }

  /** Sends our opening offers (RFC 2217 §2). */
  start(): void {
    this.offer(TELNET.WILL, OPTION.ECHO);
    this.offer(TELNET.WILL, OPTION.SGA);
    this.offer(TELNET.WILL, OPTION.BINARY);
    this.offer(TELNET.WILL, OPTION.COM_PORT);
    this.offer(TELNET.DO, OPTION.BINARY);
  }

  /** Whether the client agreed to COM-PORT-OPTION (either direction, as pyserial's server counts it). */
  get comPortActive(): boolean {
    return this.side(this.us, OPTION.COM_PORT).enabled || this.side(this.them, OPTION.COM_PORT).enabled;
  }

  /** Whether the client sends binary (RFC 856): otherwise `CR NUL` is a bare CR. */
  get clientBinary(): boolean {
    return this.side(this.them, OPTION.BINARY).enabled;
  }

  /** Sends board output to the client, 255 doubled (RFC 854). */
  sendData(bytes: Uint8Array): void {
    if (bytes.length) this.h.send(escapeIac(bytes));
  }

  /** Reads a chunk from the connection: data, commands, negotiations, sub-negotiations. */
  receive(chunk: Uint8Array): void {
    let data: number[] = [];
    const flush = () => {
      if (data.length) this.h.data(Uint8Array.from(data));
      data = [];
    };
    for (const b of chunk) {
      switch (this.mode) {
        case Mode.Data:
          if (b === TELNET.IAC) this.mode = Mode.Iac;
          else {
            if (!(b === 0 && this.lastWasCr && !this.clientBinary)) data.push(b);
            this.lastWasCr = b === 13;
          }
          break;
        case Mode.Iac:
          if (b === TELNET.IAC) {
            data.push(255);
            this.lastWasCr = false;
            this.mode = Mode.Data;
          } else if (b === TELNET.SB) {
            this.sub = [];
            this.subOverflow = false;
            this.mode = Mode.Sub;
          } else if (b >= TELNET.WILL && b <= TELNET.DONT) {
            this.verb = b;
            this.mode = Mode.Negotiate;
          } else {
            this.mode = Mode.Data; // NOP, AYT, BRK, a stray SE, …: nothing to do
          }
          break;
        case Mode.Negotiate:
          flush(); // answers go out after the data before them
          this.negotiate(this.verb, b);
          this.mode = Mode.Data;
          break;
        case Mode.Sub:
          if (b === TELNET.IAC) this.mode = Mode.SubIac;
          else this.subByte(b);
          break;
        case Mode.SubIac:
          if (b === TELNET.IAC) {
            this.subByte(255);
            this.mode = Mode.Sub;
          } else if (b === TELNET.SE) {
            flush();
            if (!this.subOverflow) this.subnegotiation(this.sub);
            this.sub = [];
            this.mode = Mode.Data;
          } else {
            // IAC <command> inside SB: the sub-negotiation was cut short; take the command as one
            this.sub = [];
            this.mode = Mode.Iac;
            if (b >= TELNET.WILL && b <= TELNET.DONT) {
              this.verb = b;
              this.mode = Mode.Negotiate;
            } else this.mode = Mode.Data;
          }
          break;
      }
    }
    flush();
  }

  private subByte(b: number): void {
    if (this.sub.length >= MAX_SUBNEGOTIATION) {
      // never a valid RFC 2217 request: drop it and read on as data
      this.subOverflow = true;
      this.sub = [];
      this.mode = Mode.Data;
      return;
    }
    this.sub.push(b);
  }

  private side(map: Map<number, OptionSide>, option: number): OptionSide {
    let s = map.get(option);
    if (!s) {
      s = { enabled: false, asked: false };
      map.set(option, s);
    }
    return s;
  }

  private sendCommand(verb: number, option: number): void {
    this.h.send(Uint8Array.of(TELNET.IAC, verb, option));
  }

  /** Asks for an option (WILL for ours, DO for theirs) unless it is on or asked already. */
  private offer(verb: number, option: number): void {
    const s = this.side(verb === TELNET.WILL ? this.us : this.them, option);
    if (s.enabled || s.asked) return;
    s.asked = true;
    this.sendCommand(verb, option);
  }

  private supportsUs(option: number): boolean {
    return option === OPTION.BINARY || option === OPTION.ECHO || option === OPTION.SGA || option === OPTION.COM_PORT;
  }

  private supportsThem(option: number): boolean {
    return option === OPTION.BINARY || option === OPTION.SGA || option === OPTION.COM_PORT;
  }

  /** RFC 854/855 negotiation; RFC 1143: never acknowledge a state already in effect (no loops). */
  private negotiate(verb: number, option: number): void {
    const ours = verb === TELNET.DO || verb === TELNET.DONT;
    const yes = verb === TELNET.DO || verb === TELNET.WILL;
    const s = this.side(ours ? this.us : this.them, option);
    const supported = ours ? this.supportsUs(option) : this.supportsThem(option);
    const accept = ours ? TELNET.WILL : TELNET.DO;
    const refuse = ours ? TELNET.WONT : TELNET.DONT;
    if (yes) {
      if (!supported) {
        s.asked = false;
        this.sendCommand(refuse, option);
        return;
      }
      if (!s.enabled) {
        s.enabled = true;
        if (!s.asked) this.sendCommand(accept, option);
      }
      s.asked = false;
    } else {
      if (s.enabled) {
        s.enabled = false;
        if (!s.asked) this.sendCommand(refuse, option);
      }
      s.asked = false;
    }
    if (option === OPTION.COM_PORT && this.comPortActive && !this.announced) {
      // pyserial's PortManager._client_ok: a first modem-state notification, unasked
      this.announced = true;
      this.reply(CPC.NOTIFY_MODEMSTATE, [this.modemState() & this.modemstateMask]);
    }
  }

  /** Sends `IAC SB 44 <code + 100> <value> IAC SE`, value bytes 255 doubled. */
  private reply(command: number, value: number[] | Uint8Array): void {
    const body = escapeIac(Uint8Array.from(value));
    const out = new Uint8Array(body.length + 6);
    out.set([TELNET.IAC, TELNET.SB, OPTION.COM_PORT, command + SERVER_OFFSET]);
    out.set(body, 4);
    out.set([TELNET.IAC, TELNET.SE], body.length + 4);
    this.h.send(out);
  }

  /** The adapter's modem inputs (CTS, DSR, RI, CD): none is wired on an ESP-07 board. */
  private modemState(): number {
    return 0;
  }

  private subnegotiation(sub: number[]): void {
    if (sub[0] !== OPTION.COM_PORT || sub.length < 2) return; // another option's SB: ignored
    const command = sub[1] as number;
    const value = sub.slice(2);
    const byte = value[0];
    switch (command) {
      case CPC.SIGNATURE:
        if (value.length === 0) this.reply(CPC.SIGNATURE, [...new TextEncoder().encode(Rfc2217Server.SIGNATURE)]);
        else this.clientSignature = new TextDecoder().decode(Uint8Array.from(value));
        return;
      case CPC.SET_BAUDRATE: {
        if (value.length !== 4) return;
        const rate = ((value[0] as number) << 24 | (value[1] as number) << 16 | (value[2] as number) << 8 | (value[3] as number)) >>> 0;
        if (rate !== 0 && rate >= MIN_BAUD && rate <= MAX_BAUD && rate !== this.baudRate) {
          this.baudRate = rate;
          this.h.baud(rate);
        }
        const r = this.baudRate;
        this.reply(CPC.SET_BAUDRATE, [(r >>> 24) & 0xff, (r >>> 16) & 0xff, (r >>> 8) & 0xff, r & 0xff]);
        return;
      }
      case CPC.SET_DATASIZE:
        if (byte !== undefined) this.reply(CPC.SET_DATASIZE, [DATASIZE]);
        return;
      case CPC.SET_PARITY:
        if (byte !== undefined) this.reply(CPC.SET_PARITY, [PARITY_NONE]);
        return;
      case CPC.SET_STOPSIZE:
        if (byte !== undefined) this.reply(CPC.SET_STOPSIZE, [STOPSIZE_ONE]);
        return;
      case CPC.SET_CONTROL:
        if (byte !== undefined) this.control(byte);
        return;
      case CPC.NOTIFY_LINESTATE:
        this.reply(CPC.NOTIFY_LINESTATE, [LINESTATE_IDLE & this.linestateMask]);
        return;
      case CPC.NOTIFY_MODEMSTATE:
        this.reply(CPC.NOTIFY_MODEMSTATE, [this.modemState() & this.modemstateMask]);
        return;
      case CPC.FLOWCONTROL_SUSPEND:
        this.h.suspend(true);
        return;
      case CPC.FLOWCONTROL_RESUME:
        this.h.suspend(false);
        return;
      case CPC.SET_LINESTATE_MASK:
        if (byte === undefined) return;
        this.linestateMask = byte;
        this.reply(CPC.SET_LINESTATE_MASK, [byte]);
        return;
      case CPC.SET_MODEMSTATE_MASK:
        if (byte === undefined) return;
        this.modemstateMask = byte;
        this.reply(CPC.SET_MODEMSTATE_MASK, [byte]);
        return;
      case CPC.PURGE_DATA:
        if (byte !== PURGE.RECEIVE && byte !== PURGE.TRANSMIT && byte !== PURGE.BOTH) return;
        this.h.purge(byte !== PURGE.TRANSMIT, byte !== PURGE.RECEIVE);
        this.reply(CPC.PURGE_DATA, [byte]);
        return;
      default:
        return; // not an RFC 2217 command: ignored
    }
  }

  /** RFC 2217 §3 SET-CONTROL; the answer is the state in effect. */
  private control(v: number): void {
    const lines = (dtr: boolean, rts: boolean) => {
      const changed = dtr !== this.dtr || rts !== this.rts;
      this.dtr = dtr;
      this.rts = rts;
      if (changed) this.h.lines(dtr, rts);
    };
    switch (v) {
      case CONTROL.FLOW_REQUEST:
      case CONTROL.FLOW_NONE:
      case CONTROL.FLOW_XONXOFF:
      case CONTROL.FLOW_HARDWARE:
      case CONTROL.FLOW_DCD:
      case CONTROL.FLOW_DSR:
        return this.reply(CPC.SET_CONTROL, [CONTROL.FLOW_NONE]);
      case CONTROL.INBOUND_FLOW_REQUEST:
      case CONTROL.INBOUND_FLOW_NONE:
      case CONTROL.INBOUND_FLOW_XONXOFF:
      case CONTROL.INBOUND_FLOW_HARDWARE:
      case CONTROL.INBOUND_FLOW_DTR:
        return this.reply(CPC.SET_CONTROL, [CONTROL.INBOUND_FLOW_NONE]);
      case CONTROL.BREAK_ON:
      case CONTROL.BREAK_OFF:
        this.breakOn = v === CONTROL.BREAK_ON;
        return this.reply(CPC.SET_CONTROL, [v]);
      case CONTROL.BREAK_REQUEST:
        return this.reply(CPC.SET_CONTROL, [this.breakOn ? CONTROL.BREAK_ON : CONTROL.BREAK_OFF]);
      case CONTROL.DTR_ON:
      case CONTROL.DTR_OFF:
        lines(v === CONTROL.DTR_ON, this.rts);
        return this.reply(CPC.SET_CONTROL, [v]);
      case CONTROL.DTR_REQUEST:
        return this.reply(CPC.SET_CONTROL, [this.dtr ? CONTROL.DTR_ON : CONTROL.DTR_OFF]);
      case CONTROL.RTS_ON:
      case CONTROL.RTS_OFF:
        lines(this.dtr, v === CONTROL.RTS_ON);
        return this.reply(CPC.SET_CONTROL, [v]);
      case CONTROL.RTS_REQUEST:
        return this.reply(CPC.SET_CONTROL, [this.rts ? CONTROL.RTS_ON : CONTROL.RTS_OFF]);
      default:
        return; // not a SET-CONTROL value: ignored
    }
  }
}

/** Doubles every 255 (RFC 854: a data byte 255 is sent as IAC IAC). */
export function escapeIac(bytes: Uint8Array): Uint8Array {
  let n = 0;
  for (const b of bytes) if (b === 255) n++;
  if (n === 0) return bytes;
  const out = new Uint8Array(bytes.length + n);
  let j = 0;
  for (const b of bytes) {
    out[j++] = b;
    if (b === 255) out[j++] = 255;
  }
  return out;
}
