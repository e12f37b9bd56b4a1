import { describe, expect, it } from 'vitest';
import { Uart } from './uart.ts';

describe('Uart', () => {
  it('transmits chunks tagged with the baud rate they were sent at', () => {
    const u = new Uart();
    const seen: { text: string; baud: number }[] = [];
    u.onTransmit((c) => seen.push({ text: new TextDecoder().decode(c.data), baud: c.baud }));
    u.transmit(new TextEncoder().encode('>>> '));
    u.baud = 74880;
    u.transmit(new Uint8Array([0x20]));
    u.transmit(new Uint8Array());
    expect(seen).toEqual([{ text: '>>> ', baud: 115200 }, { text: ' ', baud: 74880 }]);
  });

  it('carries nothing while its pads are GPIOs, until a reset', () => {
    const u = new Uart();
    const seen: number[] = [];
    u.onTransmit((c) => seen.push(...c.data));
    u.txConnected = false;
    u.rxConnected = false;
    u.transmit(Uint8Array.of(65));
    u.receive([66]);
    expect(seen).toEqual([]);
    expect(u.available()).toBe(0);
    u.clear();
    u.transmit(Uint8Array.of(67));
    expect(seen).toEqual([67]);
  });

  it('queues received bytes in order and reports -1 when empty', () => {
    const u = new Uart();
    u.receive([0x31, 0x2b, 0x131]);
    expect(u.available()).toBe(3);
    expect([u.read(), u.read(), u.read(), u.read()]).toEqual([0x31, 0x2b, 0x31, -1]);
    u.receive([1, 2]);
    u.clear();
    expect(u.read()).toBe(-1);
  });
});
