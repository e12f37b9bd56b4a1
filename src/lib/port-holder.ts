/**
 * Who else has the board's serial port open (the Flash panel's esptool), or null. As on a
 * computer, one program at a time owns a serial port: while another holds it the terminal is
 * disconnected (shows nothing, sends nothing) and connects again when it is let go.
 */
let portHolder: string | null = null;
const portListeners = new Set<(holder: string | null) => void>();

/** Takes (a name, e.g. "the Flash panel (esptool)") or lets go (null) of the serial port. */
export function setPortHolder(holder: string | null): void {
  if (holder === portHolder) return;
  portHolder = holder;
  for (const fn of portListeners) fn(holder);
}

/**
 * Calls `fn` with the port's holder now and at every change.
 * @returns an unsubscribe function
 */
export function onPortHolder(fn: (holder: string | null) => void): () => void {
  fn(portHolder);
  portListeners.add(fn);
  return () => portListeners.delete(fn);
}
