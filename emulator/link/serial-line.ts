/**
 * What a receiver set to one baud rate makes of bytes sent at another: the sender's bytes become
 * a bit stream (8N1: start bit 0, 8 data bits LSB first, stop bit 1, line idle at 1), and the
 * receiver samples it at its own rate, starting a byte on each falling edge and sampling the
 * middle of each of its bit periods. The result is the deterministic garbage a real terminal
 * shows, e.g. the ESP8266 boot ROM's 74880-baud lines on a 115200-baud terminal
 * (ESP8266 Technical Reference §11 UART; 8N1 framing).
 */

/**
 * Decodes `data`, sent at `fromBaud` bits/s, as a receiver at `toBaud` bits/s would.
 * Bytes whose stop bit is missing are still delivered, as most USB-serial adapters do.
 * @throws RangeError for a baud rate that is not a positive number
 */
export function resample(data: Uint8Array, fromBaud: number, toBaud: number): Uint8Array {
  if (!(fromBaud > 0) || !(toBaud > 0)) throw new RangeError('baud rates must be positive');
  if (fromBaud === toBaud) return data.slice();
  // the sent line, one level per sender bit
  const bits: number[] = [];
  for (const byte of data) {
    bits.push(0);
    for (let i = 0; i < 8; i++) bits.push((byte >> i) & 1);
    bits.push(1);
  }
  bits.push(1, 1); // the line returns to idle
  const level = (t: number) => {
    const i = Math.floor(t * fromBaud);
    return i < bits.length ? (bits[i] as number) : 1;
  };
  const end = bits.length / fromBaud;
  const rx = 1 / toBaud;
  const out: number[] = [];
  let t = 0;
  const step = Math.min(1 / fromBaud, rx) / 4;
  while (t < end) {
    // wait for a falling edge (start bit)
    if (level(t) === 1) {
      t += step;
      continue;
    }
    // sample the middle of the start bit, then of each data bit, at the receiver's rate
    if (level(t + rx / 2) !== 0) {
      t += step;
      continue;
    }
    let byte = 0;
    for (let i = 0; i < 8; i++) byte |= level(t + rx * (1.5 + i)) << i;
    out.push(byte);
    t += rx * 9.5; // middle of the stop bit; the next start is searched from there
  }
  return Uint8Array.from(out);
}
