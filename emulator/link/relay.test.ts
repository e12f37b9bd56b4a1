/**
 * The serial relay (relay.ts, workshop/RELAY.md): message mode, as on a page that is not
 * cross-origin isolated, with a relay for input while code runs. The workshop servers' HTTP
 * relay is tested in workshop/servers.test.ts and, with the real lab, in e2e/lan-mode.spec.ts;
 * here a memory relay (node/memory-relay.ts) stands in for it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HttpRelaySender, InputStream } from './relay.ts';
import { memoryRelayLink } from '../node/memory-relay.ts';
import { TestBoard } from '../node/test-board.ts';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

describe('InputStream: two copies of one stream, each byte used once', () => {
  it('keeps the first copy, drops repeats and overlaps, carries on after a gap', () => {
    const s = new InputStream();
    const t = (at: number, text: string) => new TextDecoder().decode(s.take(at, new TextEncoder().encode(text)));
    expect(t(0, 'abc')).toBe('abc');
    expect(t(0, 'abc')).toBe(''); // the other route's copy
    expect(t(1, 'bcde')).toBe('de'); // overlaps what was used
    expect(s.consumed).toBe(5);
    expect(t(8, 'xy')).toBe('xy'); // bytes 5..7 lost on both routes
    expect(s.consumed).toBe(10);
    expect(t(5, 'fgh')).toBe(''); // older than what was used: too late
  });
});

describe('HttpRelaySender', () => {
  it('posts one request at a time, in order, joining what was sent meanwhile', async () => {
    const calls: { url: string; body: string }[] = [];
    let release: (() => void) | null = null;
    const fakeFetch = ((url: string, init: RequestInit) => {
      calls.push({ url, body: new TextDecoder().decode(init.body as Uint8Array) });
      return new Promise<Response>((resolve) => {
        release = () => resolve(new Response(null, { status: 204 }));
      });
    }) as unknown as typeof fetch;
    const sender = new HttpRelaySender(fakeFetch, 'http://lab.test/__lab/relay/abcdefgh-1');
    const enc = (s: string) => new TextEncoder().encode(s);
    sender.send(0, enc('ab'));
    sender.send(2, enc('cd'));
    sender.send(4, enc('e'));
    expect(calls).toEqual([{ url: 'http://lab.test/__lab/relay/abcdefgh-1/in?at=0', body: 'ab' }]);
    (release as unknown as () => void)();
    await new Promise((r) => setTimeout(r, 0));
    expect(calls[1]).toEqual({ url: 'http://lab.test/__lab/relay/abcdefgh-1/in?at=2', body: 'cde' });
  });
});

describe('message mode with a relay', () => {
  it('input() inside a running program reads the line typed meanwhile (without a relay the REPL gets it)', async () => {
    board = await TestBoard.boot({ shared: false });
    board.since().type('x = input("name? ")\r');
    await board.waitFor('")\r\nname? ', 5000); // the prompt input() prints, not the echo of the line
    board.type('Ada\r');
    // the control: without a relay, input() cannot see keys typed while the program runs: it
    // reads end of file, and the line reaches the REPL after the program, which runs it
    const control = /\r\nEOFError: \r\n[\s\S]*NameError: name 'Ada' isn't defined/;
    await board.waitUntil(() => control.test(board!.all), 8000, () => board!.all);
    board.dispose();

    const link = memoryRelayLink();
    board = await TestBoard.boot({ shared: false, relay: link });
    expect(board.host.inputMode).toBe('relay');
    board.since().type('x = input("name? ")\r');
    await board.waitFor('")\r\nname? ', 5000);
    board.type('Ada\r');
    await board.waitFor(/^Ada\r\n>>> $/, 5000); // echoed by input(), then the prompt: no error
    expect(await board.line('print("hello", x)')).toContain('\r\nhello Ada\r\n');
    expect(link.sent).toBeGreaterThan(0);
  });

  it('time.sleep waits its time and Ctrl-C ends a sleeping loop with KeyboardInterrupt, keeping variables', async () => {
    board = await TestBoard.boot({ shared: false, relay: memoryRelayLink(), interruptTimeoutMs: 3000 });
    const out = await board.line('import time; t = time.ticks_ms(); time.sleep(0.5); d = time.ticks_diff(time.ticks_ms(), t); print(d >= 500, d < 900)', '>>> ', 5000);
    expect(out).toContain('\r\nTrue True\r\n');
    board.type('n = 0\r');
    await board.waitFor('>>> ');
    board.since().type('while True:\r n += 1\r time.sleep(0.05)\r\r');
    await new Promise((r) => setTimeout(r, 400));
    board.type('\x03');
    await board.waitFor('KeyboardInterrupt: \r\n>>> ', 3000);
    expect(board.notices).toEqual([]);
    expect(await board.line('n > 2')).toContain('\r\nTrue\r\n');
  });

  it('Ctrl-C stops a loop that never waits nor prints, without a reset', async () => {
    board = await TestBoard.boot({ shared: false, relay: memoryRelayLink(), interruptTimeoutMs: 3000 });
    board.type('a = 0\r');
    await board.waitFor('>>> ');
    board.since().type('while True: a += 1\r\r');
    await new Promise((r) => setTimeout(r, 300));
    board.type('\x03');
    await board.waitFor('KeyboardInterrupt: \r\n>>> ', 3000);
    expect(board.notices).toEqual([]);
    expect(await board.line('a > 1000')).toContain('\r\nTrue\r\n');
  });

  it('an empty `while True: pass` still needs the announced hard reset', async () => {
    board = await TestBoard.boot({ shared: false, relay: memoryRelayLink(), interruptTimeoutMs: 400 });
    board.type('b = 7\r');
    await board.waitFor('>>> ');
    board.type('while True: pass\r\r');
    await new Promise((r) => setTimeout(r, 100));
    board.type('\x03');
    await board.waitUntil(() => board!.notices.join().includes('hard reset'), 5000);
    await board.waitFor('>>> ', 5000);
    expect(await board.line('b')).toContain('NameError');
  });

  it('uses each typed byte once although it comes by message and by relay', async () => {
    board = await TestBoard.boot({ shared: false, relay: memoryRelayLink() });
    board.since().type('print(6 * 7)\r');
    await board.waitFor('>>> ');
    await new Promise((r) => setTimeout(r, 200));
    expect(board.recent).toBe('print(6 * 7)\r\n42\r\n>>> ');
    // typed while a program sleeps: the relay brings it then, the message copy is dropped later
    board.since().type('import time; time.sleep(0.3)\r');
    await new Promise((r) => setTimeout(r, 50));
    board.type('1+1\r');
    await board.waitFor('\r\n2\r\n>>> ', 3000);
    await new Promise((r) => setTimeout(r, 200));
    expect(board.recent.match(/1\+1/g)).toHaveLength(1);
  });

  it('Reset right after a file was written keeps the file (the thread is reset in place, with its flash)', async () => {
    board = await TestBoard.boot({ shared: false, relay: memoryRelayLink() });
    await board.line("f = open('kept.txt', 'w'); f.write('still here'); f.close()");
    board.since();
    board.host.reset();
    await board.waitFor('>>> ', 8000);
    expect(await board.line("print(open('kept.txt').read())")).toContain('\r\nstill here\r\n');
    // the RTC memory survives too, as on a real hard reset
    expect(board.notices).toEqual([]);
  });
});
