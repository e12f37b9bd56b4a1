/**
 * `esp8266-lab board --rfc2217 PORT`: the board's UART0 as an RFC 2217 serial port on
 * 127.0.0.1:PORT (the protocol is rfc2217.ts), behind a USB-serial adapter with the
 * two-transistor DTR/RTS auto-reset circuit, so that `esptool --port rfc2217://127.0.0.1:PORT`
 * resets the board into the ROM loader and back, as it does through a real adapter.
 *
 * One client at a time, as pyserial's and esptool's servers (`examples/rfc2217_server.py`,
 * `esp_rfc2217_server`) serve one; another connection is refused (closed) while one is open. When
 * the client goes, its lines are let go (both released, as closing a serial port does); the board
 * keeps running, and its output with nobody connected is lost, as on an adapter nobody opened.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { autoResetPulls } from '../link/serial-port.ts';
import { Rfc2217Server } from './rfc2217.ts';
import type { SerialBridge } from './serial-bridge.ts';

/**
 * How long DTR and RTS may both stay asserted, right after holding EN low, before EN is let go, in ms.
 *
 * esptool's classic reset sets the lines one at a time: {DTR off, RTS on} → 100 ms → DTR on →
 * RTS off → 50 ms → DTR off (esptool `reset.py` ClassicReset). Between "DTR on" and "RTS off" both
 * are asserted, so neither transistor pulls (serial-port.ts {@link autoResetPulls}) and EN starts
 * to rise; on a local adapter the two changes are microseconds apart, and the RC on EN keeps the
 * chip in reset until GPIO0 is already low. Over RFC 2217 each SET-CONTROL is its own round trip
 * (pyserial waits for every answer, polling every 50 ms; with `?ign_set_control` it sleeps 100 ms
 * instead), so the in-between state lasts 50–100 ms. This port treats it as the circuit does on
 * the bench: the chip stays in reset through it, until the next line change or this long.
 * (Espressif's `esp_rfc2217_server` solves the same problem by replaying the sequence locally.)
 */
export const BOTH_ASSERTED_HOLD_MS = 250;

/**
 * How long, after a reset the adapter ended with GPIO0 low, the pull on GPIO0 is kept at most
 * while the emulator restarts, in ms (see {@link AutoResetLines}).
 */
export const STRAP_SAMPLE_WAIT_MS = 3000;

/** What the port drives on the board (BoardHost has both members). */
export interface AdapterBoard {
  /** BoardHost.setAdapterLines: the auto-reset circuit's pulls on EN and GPIO0. */
  setAdapterLines(lines: { enLow: boolean; gpio0Low: boolean }): void;
  /** BoardHost's `ready` event: the restarted chip is running (ROM loader or firmware). */
  on(event: 'ready', fn: () => void): () => void;
}

/**
 * The modem lines through the auto-reset circuit, with the bench's timing:
 * - the both-asserted state right after EN was held low keeps the chip in reset (see
 *   {@link BOTH_ASSERTED_HOLD_MS});
 * - the chip samples GPIO0 the moment EN rises; the emulator takes longer than esptool's 50 ms
 *   `reset_delay` to restart, so a GPIO0 pull that was on when EN was let go stays on until the
 *   restarted chip reports that it runs (at most {@link STRAP_SAMPLE_WAIT_MS}); what it samples is
 *   then what a real chip samples.
 */
export class AutoResetLines {
  private readonly board: AdapterBoard;
  /** What the board is given now. */
  private enLow = false;
  private gpio0Low = false;
  /** What the lines ask for (may differ from the above while a hold or a strap sample runs). */
  private want = { enLow: false, gpio0Low: false };
  private hold: ReturnType<typeof setTimeout> | null = null;
  private sampling: { timer: ReturnType<typeof setTimeout>; off: () => void } | null = null;
  private readonly holdMs: number;

  constructor(board: AdapterBoard, holdMs = BOTH_ASSERTED_HOLD_MS) {
    this.board = board;
    this.holdMs = holdMs;
  }

  /** The lines as the client set them (`true`: asserted). */
  set(dtr: boolean, rts: boolean): void {
    if (this.hold) clearTimeout(this.hold);
    this.hold = null;
    const pulls = autoResetPulls(dtr, rts);
    if (this.enLow && dtr && rts) {
      // EN was held low and both lines are now asserted: the chip stays in reset for now
      this.want = pulls;
      this.hold = setTimeout(() => {
        this.hold = null;
        this.apply(pulls);
      }, this.holdMs);
      return;
    }
    this.apply(pulls);
  }

  /** Lets go of both lines at once (the client closed the port). */
  release(): void {
    if (this.hold) clearTimeout(this.hold);
    this.hold = null;
    this.apply({ enLow: false, gpio0Low: false });
  }

  private apply(p: { enLow: boolean; gpio0Low: boolean }): void {
    this.want = p;
    if (p.enLow) this.endSampling();
    const resetEnds = this.enLow && !p.enLow;
    // GPIO0 stays pulled while the chip has not sampled it yet
    const gpio0Low = p.gpio0Low || (this.sampling !== null && this.gpio0Low);
    this.give({ enLow: p.enLow, gpio0Low });
    if (resetEnds && gpio0Low) this.startSampling();
  }

  private give(p: { enLow: boolean; gpio0Low: boolean }): void {
    if (p.enLow === this.enLow && p.gpio0Low === this.gpio0Low) return;
    this.enLow = p.enLow;
    this.gpio0Low = p.gpio0Low;
    this.board.setAdapterLines(p);
  }

  private startSampling(): void {
    this.endSampling();
    const done = () => {
      this.endSampling();
      this.give(this.want);
    };
    const off = this.board.on('ready', done);
    this.sampling = { timer: setTimeout(done, STRAP_SAMPLE_WAIT_MS), off };
  }

  private endSampling(): void {
    if (!this.sampling) return;
    clearTimeout(this.sampling.timer);
    this.sampling.off();
    this.sampling = null;
  }
}

export interface Rfc2217PortOptions {
  /** TCP port on 127.0.0.1 (0: any free one; {@link Rfc2217Port.listen} tells which). */
  port: number;
  /** The serial line (its computer side must be {@link Rfc2217Port.toClient}). */
  bridge: () => SerialBridge;
  board: AdapterBoard;
  /** Notices for the person running the CLI (stderr). */
  say: (text: string) => void;
  /** The rate a new connection starts at (pyserial sets its own at once). */
  baud: number;
}

export class Rfc2217Port {
  private readonly o: Rfc2217PortOptions;
  private server: Server | null = null;
  private client: { socket: Socket; rfc: Rfc2217Server } | null = null;
  readonly lines: AutoResetLines;

  constructor(opts: Rfc2217PortOptions) {
    this.o = opts;
    this.lines = new AutoResetLines(opts.board);
  }

  /**
   * Starts listening on 127.0.0.1.
   * @returns the TCP port
   * @throws Error (e.g. EADDRINUSE) if the port cannot be had
   */
  listen(): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, '127.0.0.1', () => {
        server.off('error', reject);
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : this.o.port);
      });
    });
  }

  /** Board output for the connected client (dropped with nobody connected). */
  toClient(bytes: Uint8Array): void {
    this.client?.rfc.sendData(bytes);
  }

  /** Closes the client and stops listening. */
  close(): void {
    this.client?.socket.destroy();
    this.client = null;
    this.server?.close();
    this.server = null;
  }

  private accept(socket: Socket): void {
    if (this.client) {
      this.o.say(`refused a second connection from ${socket.remoteAddress}:${socket.remotePort} (one client at a time)`);
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const bridge = this.o.bridge();
    const rfc = new Rfc2217Server({
      send: (b) => {
        if (!socket.destroyed) socket.write(b);
      },
      data: (b) => bridge.fromComputer(b),
      baud: (rate) => bridge.setTermBaud(rate),
      lines: (dtr, rts) => this.lines.set(dtr, rts),
      purge: (receive, transmit) => bridge.purge(receive, transmit),
      suspend: (on) => bridge.suspend(on),
    }, bridge.baud ?? this.o.baud);
    const me = { socket, rfc };
    this.client = me;
    bridge.setTermBaud(this.o.baud);
    this.o.say(`client connected from ${socket.remoteAddress}:${socket.remotePort}`);
    socket.on('data', (chunk: Buffer) => {
      try {
        rfc.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } catch (e) {
        // never expected; a bad client must not end the board
        this.o.say(`dropped a client after an error: ${(e as Error).message}`);
        socket.destroy();
      }
    });
    const gone = () => {
      if (this.client !== me) return;
      this.client = null;
      this.lines.release();
      bridge.suspend(false);
      this.o.say('client disconnected');
    };
    socket.on('close', gone);
    socket.on('error', () => socket.destroy());
    rfc.start();
  }
}
