/**
 * What MicroPython's `tests/run-tests.py -t port:<pty>` does to a board, done to the command-line
 * board: enter the raw REPL over its serial line (stdin/stdout of the spawned CLI, as
 * cli.test.ts runs it), send each test program, read its output (a traceback's text included, as
 * run-tests takes stdout and stderr together), turn `\r\n` into `\n`, and compare with the
 * expected output exactly.
 *
 * The checks are short programs of our own, each with the output the MicroPython documentation
 * (and CPython, where the two agree) gives, named after the v1.27.0 test they mirror. One check
 * expects CPython's message for `int('x')`, which MicroPython words differently ("invalid syntax
 * for integer", py/objint.c; run-tests would need a .exp file for it): it must be reported as
 * failed, so the comparison is seen to fail on a difference.
 *
 * Unlike run-tests, the board is not soft-reset between checks (the raw REPL client keeps the
 * session as mpremote's `resume` does); the checks use distinct names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawReplClient, RawReplError, type SerialLink } from './raw-repl-client.ts';
import { startStdioBoard, type StdioBoard } from '../node/cli-spawn.ts';

interface Check {
  /** The v1.27.0 test it mirrors (tests/<dir>/<name>.py). */
  mirrors: string;
  code: string;
  expected: string;
}

const CHECKS: Check[] = [
  {
    mirrors: 'basics/int_big_mul',
    code: 'print(123456789012345678901234567890 * 987654321098765432109876543210)',
    expected: '121932631137021795226185032733622923332237463801111263526900\n',
  },
  {
    mirrors: 'basics/int_big_pow, basics/int_big_div, basics/int_big_mod',
    code: 'print(2**100, -(2**70)//3, (2**70) % 7)\nprint(10**30 // 7, 10**30 % 7)',
    expected: '1267650600228229401496703205376 -393530540239137101142 2\n142857142857142857142857142857 1\n',
  },
  {
    mirrors: 'basics/int_big_lshift, basics/int_big_rshift',
    code: "print(hex(2**64 - 1), (1 << 80) >> 77, int('1' * 25) + 1)",
    expected: '0xffffffffffffffff 8 1111111111111111111111112\n',
  },
  {
    mirrors: 'basics/string_format',
    code: "print('{:>6}|{:<4}|{:^5}|'.format('ab', 12, 'c'))\nprint('{0}{1}{0}'.format('x', 'y'), '{:08.3f}'.format(-3.5))",
    expected: '    ab|12  |  c  |\nxyx -003.500\n',
  },
  {
    mirrors: 'basics/string_format_modulo',
    code: "print('%5s|%-5d|%x|%%' % ('ab', 42, 255))",
    expected: '   ab|42   |ff|%\n',
  },
  {
    mirrors: 'basics/string_fstring',
    code: "n = 7\nprint(f'{n}*{n}={n*n:>4}')",
    expected: '7*7=  49\n',
  },
  {
    mirrors: 'basics/list_slice, basics/list_slice_3arg',
    code: 'sl = list(range(10))\nprint(sl[::3], sl[-3:], sl[7:2:-2])',
    expected: '[0, 3, 6, 9] [7, 8, 9] [7, 5, 3]\n',
  },
  {
    mirrors: 'basics/generator1, basics/gen_yield_from',
    code: 'def gen():\n    yield 1\n    yield from (2, 3)\nprint(list(gen()), sum(x * x for x in gen()))',
    expected: '[1, 2, 3] 14\n',
  },
  {
    mirrors: 'basics/try_finally1, basics/exception1',
    code: "def tf():\n    try:\n        raise ValueError('bad', 3)\n    except ValueError as e:\n        print('caught', e.args)\n    finally:\n        print('finally')\ntf()",
    expected: "caught ('bad', 3)\nfinally\n",
  },
  {
    mirrors: 'basics/class_super',
    code: "class A:\n    def who(self):\n        return 'A'\nclass B(A):\n    def who(self):\n        return 'B' + super().who()\nprint(B().who(), isinstance(B(), A))",
    expected: 'BA True\n',
  },
  {
    mirrors: 'basics/bytes, basics/bytearray1',
    code: "print(bytes([65, 66]) + b'\\x00', bytearray(b'ab')[1], b'abc'.find(b'c'))",
    expected: "b'AB\\x00' 98 2\n",
  },
  {
    mirrors: 'micropython/heap_lock',
    code: "import micropython\nmicropython.heap_lock()\ntry:\n    hl = [1, 2, 3]\n    print('allocated')\nexcept MemoryError:\n    print('MemoryError')\nmicropython.heap_unlock()\nprint(len([1, 2, 3]))",
    expected: 'MemoryError\n3\n',
  },
  {
    mirrors: 'micropython/const',
    code: 'from micropython import const\nCX = const(21)\nprint(CX * 2)',
    expected: '42\n',
  },
  {
    mirrors: 'extmod/json_dumps',
    code: "import json\nprint(json.dumps({'a': [1, 2.5, None, True, 'q\"']}))",
    expected: '{"a": [1, 2.5, null, true, "q\\""]}\n',
  },
  {
    mirrors: 'extmod/json_loads',
    code: "import json\nprint(json.loads('{\"x\": [1, \"two\", false, null]}'))",
    expected: "{'x': [1, 'two', False, None]}\n",
  },
  {
    mirrors: 'extmod/binascii_hexlify, extmod/binascii_a2b_base64',
    code: "import binascii\nprint(binascii.hexlify(b'\\x01\\xff'), binascii.a2b_base64(b'aGk='))",
    expected: "b'01ff' b'hi'\n",
  },
  {
    mirrors: 'extmod/re1',
    code: "import re\nm = re.match(r'(\\d+)-(\\w+)', '42-abc!')\nprint(m.group(1), m.group(2), re.sub('a+', '_', 'caaab'))",
    expected: '42 abc c_b\n',
  },
  {
    mirrors: 'basics/exception traceback (run-tests compares stderr too)',
    code: "def boom():\n    return 1 // 0\nboom()",
    expected: 'Traceback (most recent call last):\n  File "<stdin>", line 3, in <module>\n  File "<stdin>", line 2, in boom\nZeroDivisionError: divide by zero\n',
  },
];

/** CPython's wording of the error; MicroPython's differs (py/objint.c `mp_obj_new_int_from_str_len`). */
const KNOWN_DIFFERENT: Check = {
  mirrors: "basics/int_parse (CPython's expected output, not MicroPython's)",
  code: "try:\n    int('x')\nexcept ValueError as e:\n    print('ValueError:', e)",
  expected: "ValueError: invalid literal for int() with base 10: 'x'\n",
};

/** The child's stdin/stdout as the serial line the raw REPL client wants. */
function stdioLink(board: StdioBoard): SerialLink {
  return {
    write: (data) => board.write(data),
    on: (_event, fn) => {
      const h = (b: Buffer) => fn(new Uint8Array(b), 115200);
      board.child.stdout!.on('data', h);
      return () => board.child.stdout!.off('data', h);
    },
  };
}

/** What run-tests takes as a test's output: stdout, then the traceback; `\r\n` → `\n`. */
async function runCheck(client: RawReplClient, check: Check): Promise<string> {
  let out: string;
  try {
    out = (await client.exec(check.code)).out;
  } catch (e) {
    if (!(e instanceof RawReplError)) throw e;
    out = e.out + e.traceback;
  }
  return out.replace(/\r\n/g, '\n');
}

describe('run-tests style checks through the raw REPL of the command-line board', () => {
  let board: StdioBoard;
  let client: RawReplClient;
  const results = new Map<string, string>();
  beforeAll(async () => {
    board = startStdioBoard([]);
    board.write('\r');
    await board.until((o) => o.toString('latin1').includes('>>> '), 30_000);
    client = new RawReplClient(stdioLink(board));
    await client.session(async (s) => {
      for (const check of [...CHECKS, KNOWN_DIFFERENT]) {
        let out: string;
        try {
          out = (await s.exec(check.code)).out;
        } catch (e) {
          if (!(e instanceof RawReplError)) throw e;
          out = e.out + e.traceback;
        }
        results.set(check.mirrors, out.replace(/\r\n/g, '\n'));
      }
    });
  }, 120_000);
  afterAll(async () => {
    await board?.stop();
  });

  for (const check of CHECKS) {
    it(`${check.mirrors}: output matches exactly`, () => {
      expect(results.get(check.mirrors)).toBe(check.expected);
    });
  }

  it('the comparison fails on a known difference (the wording of a ValueError)', () => {
    const got = results.get(KNOWN_DIFFERENT.mirrors) as string;
    expect(got).not.toBe(KNOWN_DIFFERENT.expected);
    expect(got).toMatch(/^ValueError: invalid syntax for integer with base 10/);
  });

  it('one more visit runs a check on its own, as run-tests does test by test', async () => {
    expect(await runCheck(client, CHECKS[0] as Check)).toBe((CHECKS[0] as Check).expected);
  }, 30_000);
});
