/**
 * A streaming server and a socket nobody reads: the far end must not queue without end (a real
 * server blocks on its full send buffer). White-box: drives NetStack directly on a fake clock and
 * looks at the connection's far-end queue.
 */
import { describe, expect, it } from 'vitest';
import { NetStack } from './stack.ts';

type Hal = Record<string, (...args: unknown[]) => unknown>;

describe('back-pressure from an unread socket', () => {
  it('24 virtual hours of the animation server into an unread socket keep its queue bounded', () => {
    let now = 0;
    const net = new NetStack({ nowUs: () => now, sleepUs: (us) => { now += us; return 0; }, print: () => undefined, hostMsFor: (us) => us / 1000, reply: () => undefined, flash: () => null });
    const h = net.halFunctions() as unknown as Hal;
    const step = (us: number) => {
      now += us;
      net.advance();
    };
    h.net_active!(0, 1);
    h.net_connect!('ESP-Lab', 'esp8266lab', null);
    for (let i = 0; i < 100 && h.net_status!(0) !== 5; i++) step(100_000);
    expect(h.net_status!(0)).toBe(5);
    const id = h.net_socket!(2, 1);
    let q = h.net_dns_start!('towel.blinkenlights.nl');
    while (typeof q === 'number') {
      step(10_000);
      const r = h.net_dns_result!(q);
      if (r !== null) q = r;
    }
    h.net_connect_tcp!(id, q, 23);
    for (let i = 0; i < 50; i++) step(100_000);
    expect(String(h.net_recv!(id, 100, 0)).length).toBeGreaterThan(0);
    const queued = () => {
      let n = 0;
      for (const s of (net as unknown as { socks: Map<number, { conn: { farOut: Uint8Array[] } | null }> }).socks.values()) {
        for (const b of s.conn?.farOut ?? []) n += b.length;
      }
      return n;
    };
    step(3600e6);
    const afterHour = queued();
    step(23 * 3600e6);
    expect(queued()).toBeLessThanOrEqual(afterHour + 4096);
    expect(queued()).toBeLessThan(64 * 1024);
  });
});
