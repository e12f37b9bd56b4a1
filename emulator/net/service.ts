/**
 * The shapes a service of the virtual internet and the stack share: the connection a TCP service
 * is given ({@link ServiceConn}), the session it answers with, and the signatures of TCP and UDP
 * services. The services (`services.ts`, `mqtt.ts`, `tls.ts`) and the stack (`tcp-far.ts`) import
 * them from here; this file imports nothing.
 *
 * Sources: none outside the lab — the emulator's own interfaces (moved from `services.ts`).
 */

/** A TCP service's side of one connection, as the stack (`tcp-far.ts`) gives it. */
export interface ServiceConn {
  /** Sends bytes to the client (segmented and paced by the stack). */
  send(data: Uint8Array | string): void;
  /** Closes our side (FIN after what was sent). */
  close(): void;
  /** Runs `fn` after `ms` of virtual time, unless the connection has ended by then. */
  after(ms: number, fn: () => void): void;
  /** Bytes sent but still waiting at our end (the client is not taking them): back-pressure. */
  buffered(): number;
  /** The client's address and port as the service sees them (the router's public address). */
  readonly remote: { ip: string; port: number };
}

/** What a TCP service answers a new connection with: its handlers for the client's bytes and end. */
export interface Session {
  data(bytes: Uint8Array): void;
  /** The client closed its side (FIN) or reset the connection. */
  ended?(): void;
}

/** A TCP service: called once per connection, when the connection is set up. */
export type TcpService = (c: ServiceConn) => Session;
/** A UDP service: called per datagram with the sender's address (as NAT shows it) and a way to answer. */
export type UdpService = (data: Uint8Array, from: { ip: string; port: number }, reply: (d: Uint8Array) => void) => void;
