import { describe, expect, it } from 'vitest';
import { SlipDecoder, slipEncode } from './slip.ts';

// esptool docs serial-protocol.rst "Low Level Protocol"
describe('SLIP framing', () => {
  it('escapes C0 and DB inside a frame', () => {
    expect([...slipEncode(Uint8Array.of(1, 0xc0, 2, 0xdb, 3))]).toEqual([0xc0, 1, 0xdb, 0xdc, 2, 0xdb, 0xdd, 3, 0xc0]);
  });

  it('decodes frames split anywhere; noise before the first C0 is ignored, noise between frames is a junk packet; bad escapes drop the frame', () => {
    const d = new SlipDecoder();
    const wire = [0x55, 0x55, ...slipEncode(Uint8Array.of(9, 0xc0, 8)), 0x41, ...slipEncode(Uint8Array.of(7, 0xdb))];
    const got: number[][] = [];
    for (const b of wire) for (const f of d.push([b])) got.push([...f]);
    // a C0 both closes a frame and may open the next, so 0x41 arrives as a one-byte packet
    // (the loader ignores packets too short to be a request)
    expect(got).toEqual([[9, 0xc0, 8], [0x41], [7, 0xdb]]);
    expect(d.push([0xc0, 1, 0xdb, 0x00, 2, 0xc0])).toEqual([]);
  });
});
