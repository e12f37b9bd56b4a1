import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { evaluateBody, exportedFunctionBody, findInterruptLayout, widenReadlinePrintable } from './wasm-inspect.ts';

const require = createRequire(import.meta.url);
const wasm = new Uint8Array(readFileSync(require.resolve('@micropython/micropython-webassembly-pyscript/micropython.wasm'))) as Uint8Array<ArrayBuffer>;

describe('wasm inspection of the MicroPython build', () => {
  it('finds the interrupt char word and the KeyboardInterrupt stores', () => {
    const l = findInterruptLayout(wasm);
    expect(l.interruptCharAddr).toBeGreaterThan(0);
    const unguarded = l.kbdInterruptStores.filter((s) => !s.guard);
    const guarded = l.kbdInterruptStores.filter((s) => s.guard);
    // pending exception := &mp_kbd_exception, and the exception's traceback cleared
    expect(unguarded.length).toBeGreaterThanOrEqual(1);
    expect(unguarded.some((s) => s.value > 0x1000)).toBe(true);
    // sched_state: IDLE (1) -> PENDING (0), 16 bits wide
    expect(guarded).toEqual([{ addr: guarded[0]?.addr, value: 0, width: 2, guard: { addr: guarded[0]?.addr, width: 2, equals: 1 } }]);
  });

  it('evaluates a hand-made body and rejects what it does not model', () => {
    // no locals; i32.const 0; i32.const 7; i32.store offset=100; end
    const body = Uint8Array.from([0x00, 0x41, 0x00, 0x41, 0x07, 0x36, 0x02, 0x64, 0x0b]);
    expect(evaluateBody(body).stores).toEqual([{ addr: 100, value: 7, width: 4 }]);
    expect(() => evaluateBody(Uint8Array.from([0x00, 0x10, 0x00, 0x0b]))).toThrow(/opcode 0x10/);
    expect(() => exportedFunctionBody(wasm, 'no_such_function')).toThrow();
  });

  it('widens the readline printable range with a same-length edit, exactly once', () => {
    const patched = widenReadlinePrintable(wasm);
    expect(patched).not.toBeNull();
    expect(patched!.length).toBe(wasm.length);
    let diffs = 0;
    for (let i = 0; i < wasm.length; i++) if (wasm[i] !== patched![i]) diffs++;
    expect(diffs).toBe(2);
    expect(WebAssembly.validate(patched!)).toBe(true);
    expect(widenReadlinePrintable(patched!)).toBeNull();
  });
});
