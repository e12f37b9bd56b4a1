/**
 * What the parts of the virtual network share with the board and the page: the board's services
 * the stack calls ({@link NetContext}), and the laptop panel's request and reply. Kept apart from
 * `stack.ts` so that every part (`wlan.ts`, `ip.ts`, `tcp-udp.ts`, `laptop.ts`, `hal.ts`) can
 * import them without importing the stack back; `stack.ts` re-exports them.
 *
 * Sources: none outside the lab — these are the emulator's own interfaces (moved from `stack.ts`).
 */

/** What the stack needs from the board. */
export interface NetContext {
  /** Virtual time, µs. */
  nowUs(): number;
  /** Waits `us` virtual µs as `time.sleep_us` does: 0 done, 1 Ctrl-C, 2 a callback is due. */
  sleepUs(us: number): number;
  /** Writes on UART0 as the SDK's os_printf does (only called while osdebug is on). */
  print(text: string): void;
  /** Host ms for `us` virtual µs at the clock's rate (Infinity while paused). */
  hostMsFor(us: number): number;
  /** A reply to the laptop panel. */
  reply(r: LaptopReply): void;
  /** The SPI flash, where the SDK keeps its WiFi settings (null: not kept). */
  flash(): { size: number; read(addr: number, n: number): Uint8Array; eraseSector(s: number): void; program(addr: number, d: Uint8Array): void } | null;
  /** WebREPL's dupterm (webrepl.ts): input read as UART0 input, UART0 output watched, files. */
  termInput?(bytes: Uint8Array): void;
  onTermOutput?(fn: (bytes: Uint8Array) => void): () => void;
  fileOp?(op: 'put' | 'get', name: string, hex: string, append: boolean, done: (ok: boolean, hex: string) => void): void;
}

/** A request from the lab's laptop panel: an HTTP request over the virtual network. */
export interface LaptopRequest {
  id: number;
  url: string;
  method?: string;
  body?: string;
}

/** What the stack answers the laptop panel: an HTTP request's one answer, or a WebREPL client's event. */
export interface LaptopReply {
  id: number;
  /** A WebREPL client's event (webrepl.ts); absent for an HTTP request's one answer. */
  ws?: 'open' | 'data' | 'closed' | 'file';
  /** The whole response as received (status line, headers, body), or '' on error. */
  response: string;
  /** Why there is no response: 'refused', 'reset', 'timeout', 'unreachable', 'bad-url'. */
  error: string | null;
  /** What the laptop did, for the panel ("joined MicroPython-c1dd42", …). */
  notes: string[];
  /** Virtual ms from the request to the end. */
  ms: number;
}
