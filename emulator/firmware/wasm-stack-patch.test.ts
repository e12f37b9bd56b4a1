/**
 * `re` recursion on the C stack (wasm-stack-patch.ts): a pattern that recurses too deeply raises
 * `RuntimeError: maximum recursion depth exceeded`, as extmod/modre.c's `re1_5_stack_chk()`
 * (`mp_cstack_check`, py/cstack.c) does on the ESP8266, and the board keeps running (its
 * variables stay). Expected output: MicroPython v1.27.0 tests/extmod/re_stack_overflow.py.exp.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';
import { decodeBody, findRegexStack, patchRegexStack } from './wasm-stack-patch.ts';
import { sectionList } from './wasm-binary.ts';

const WASMS = ['micropython-webassembly-pyscript', 'micropython-webassembly-pyscript-1.28'].map(
  (p) => new Uint8Array(readFileSync(new URL(`../../node_modules/@micropython/${p}/micropython.wasm`, import.meta.url))),
);

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

describe('the patch (both releases)', () => {
  it('finds mp_cstack_check and recursiveloop, and gives a valid module that only grows by the stack moves', () => {
    for (const bytes of WASMS) {
      const sites = findRegexStack(bytes);
      expect(sites.recursiveloop).toBeGreaterThan(sites.cstackCheck);
      const out = patchRegexStack(bytes);
      expect(WebAssembly.validate(out)).toBe(true);
      // one 8-byte prologue (frame 160 = two LEB bytes) and one epilogue after each of the 3 + 5 calls
      expect(out.length - bytes.length).toBe(8 * 9);
      expect(sectionList(out).map((s) => s.id)).toEqual(sectionList(bytes).map((s) => s.id));
    }
  });

  it('refuses a module without the engine', () => {
    expect(() => patchRegexStack(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toThrow(/wasm/);
  });

  it('decodes immediates, not bytes that look like calls', () => {
    // i32.const 0x10 0x81 0x09 (a call opcode inside an immediate), then call 1153, end
    const body = Uint8Array.from([0x41, 0x90, 0x82, 0x24, 0x10, 0x81, 0x09, 0x0b]);
    const ins = decodeBody(body, 0, body.length);
    expect(ins.map((i) => i.op)).toEqual([0x41, 0x10, 0x0b]);
    expect(ins[1]!.imm).toBe(1153);
  });
});

describe('on the board (extmod/modre.c, lib/re1.5/recursiveloop.c)', () => {
  it('raises RuntimeError for a runaway pattern and keeps running; ordinary patterns still match', async () => {
    board = await TestBoard.boot();
    await board.line('import re');
    // tests/extmod/re_stack_overflow.py
    expect(await board.exec("try:\n    re.match('(a*)*', 'aaa')\nexcept RuntimeError:\n    print('RuntimeError')")).toEqual({ out: 'RuntimeError\r\n', err: '' });
    const out = await board.session([
      'import re; keep = 42',
      'None',
      "re.match('(a|b)*', 'ab' * 5000)",
      'keep',
      "re.match('(a|b)*', 'ab' * 10).group(0)",
      "re.sub('a+', 'x', 'caaat')",
    ]);
    expect(out[2]).toBe('Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\nRuntimeError: maximum recursion depth exceeded\n');
    // wrong case: without the patch the interpreter died here, the board restarted and keep was gone
    expect(out[3]).toBe('42\n');
    expect(out[4]).toBe(`'${'ab'.repeat(10)}'\n`);
    expect(out[5]).toBe("'cxt'\n");
    expect(board.notices).toEqual([]);
  });
});
