import { describe, expect, it } from 'vitest';
import { RawPaste } from './raw-paste.ts';

const bytes = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

/** Feeds a string; returns what the device replied and what it handed to the interpreter. */
function run(rp: RawPaste, s: string, raw = true) {
  let reply = '';
  const feed: number[] = [];
  for (const c of bytes(s)) {
    const step = rp.input(c, raw);
    reply += step.reply;
    feed.push(...step.feed);
  }
  return { reply, feed: String.fromCharCode(...feed) };
}

// Protocol: MicroPython docs/reference/repl.rst "raw-paste mode"; shared/runtime/pyexec.c do_reader_stdin
describe('raw-paste in the serial layer', () => {
  it('answers R\\x01, a 128-byte window (ESP8266) and \\x01, then \\x04 at the end of the source', () => {
    const rp = new RawPaste();
    const r = run(rp, '\x05A\x01print(123)\x04');
    expect(r.reply).toBe('R\x01\x80\x00\x01\x04');
    // the interpreter's raw line is cleared, then gets the source as an ordinary raw command
    expect(r.feed).toBe('\x05A\x03print(123)\x04');
  });

  it('sends \\x01 after each 128 bytes taken in', () => {
    const rp = new RawPaste();
    run(rp, '\x05A\x01');
    const r = run(rp, 'x'.repeat(300));
    expect(r.reply).toBe('\x01\x01');
    expect(r.feed).toBe('');
  });

  it('an unknown raw-paste command gets R\\x00 and a prompt', () => {
    const rp = new RawPaste();
    const r = run(rp, '\x05B\x01');
    expect(r.reply).toBe('R\x00>');
    expect(rp.collecting).toBe(false);
  });

  it('only a line that is exactly \\x05A starts it; outside the raw REPL nothing is intercepted', () => {
    const rp = new RawPaste();
    expect(run(rp, 'x\x05A\x01').reply).toBe('');
    expect(run(rp, '\x05A\x01', false).reply).toBe('');
    expect(rp.collecting).toBe(false);
  });

  it('Ctrl-C during the source ends it with a KeyboardInterrupt in the error section', () => {
    const rp = new RawPaste();
    run(rp, '\x05A\x01');
    const r = run(rp, 'print(1)\x03');
    expect(r.reply).toBe('\x04\x04KeyboardInterrupt: \r\n\x04>');
    expect(r.feed).toBe('');
    expect(rp.collecting).toBe(false);
  });
});
