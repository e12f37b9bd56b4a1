import { describe, expect, it } from 'vitest';
import { OutputFilter } from './output-filter.ts';

function harness() {
  const chunks: number[] = [];
  const f = new OutputFilter(
    [
      { prefix: 'MicroPython v', rewrite: (l) => l.replace('JS with Emscripten', 'ESP module with ESP8266') },
      { prefix: '  File "/_fw/', rewrite: () => null },
    ],
    (b) => chunks.push(...b),
  );
  const feed = (s: string) => { for (const b of new TextEncoder().encode(s)) f.write(Uint8Array.of(b)); };
  return { f, feed, text: () => new TextDecoder().decode(Uint8Array.from(chunks)) };
}

describe('OutputFilter', () => {
  it('rewrites the banner line and keeps the prompt streaming', () => {
    const h = harness();
    h.feed('MicroPython v1.27.0 on 2025-12-10; JS with Emscripten\r\nType "help()" for more information.\r\n>>> ');
    expect(h.text()).toBe('MicroPython v1.27.0 on 2025-12-10; ESP module with ESP8266\r\nType "help()" for more information.\r\n>>> ');
  });

  it('drops firmware frames from a traceback, keeping the user frames', () => {
    const h = harness();
    h.feed('Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n  File "/_fw/machine.py", line 40, in __init__\nValueError: invalid pin\n');
    expect(h.text()).toBe('Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nValueError: invalid pin\r\n');
  });

  it('drops a traceback header whose frames are all dropped, keeps it otherwise', () => {
    const h = harness();
    h.feed('Traceback (most recent call last):\n  File "/_fw/machine.py", line 3, in _service\nTypeError: \'NoneType\' object isn\'t callable\n');
    expect(h.text()).toBe("TypeError: 'NoneType' object isn't callable\r\n");
    const k = harness();
    k.feed('Traceback (most recent call last):\n  File "/_fw/a.py", line 1, in f\n  File "<stdin>", line 2, in g\nValueError: x\n');
    expect(k.text()).toBe('Traceback (most recent call last):\r\n  File "<stdin>", line 2, in g\r\nValueError: x\r\n');
  });

  it('keeps a header line a program prints itself, followed by other lines (MP tests/misc/print_exception.py)', () => {
    // print_exception.py prints sys.print_exception's text line by line, rewriting frames to
    // `  File  , line N, in f` (no quote): the board prints the Traceback line as it is
    const h = harness();
    h.feed('caught\nTraceback (most recent call last):\n  File  , line 36, in <module>\nException: msg\n');
    expect(h.text()).toBe('caught\r\nTraceback (most recent call last):\r\n  File  , line 36, in <module>\r\nException: msg\r\n');
    const k = harness();
    k.feed('Traceback (most recent call last):\nhello\n');
    expect(k.text()).toBe('Traceback (most recent call last):\r\nhello\r\n');
  });

  it('turns bare \\n into \\r\\n but leaves \\r\\n alone', () => {
    const h = harness();
    h.feed('a\nb\r\nc\n');
    expect(h.text()).toBe('a\r\nb\r\nc\r\n');
  });

  it('passes a line that only starts like a rule as soon as it diverges', () => {
    const h = harness();
    h.feed('Micro');
    expect(h.text()).toBe('');
    h.feed('bit');
    expect(h.text()).toBe('Microbit');
    h.feed('  Fil');
    h.f.flush();
    expect(h.text()).toBe('Microbit  Fil');
  });

  it('keeps multi-byte UTF-8 intact', () => {
    const h = harness();
    h.feed('你好\n');
    expect(h.text()).toBe('你好\r\n');
  });
});
