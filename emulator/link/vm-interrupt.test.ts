import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { keyboardInterruptPending, pokeKeyboardInterrupt, runningUserCode } from './vm-interrupt.ts';
import { findInterruptLayout } from '../firmware/wasm-inspect.ts';

const require = createRequire(import.meta.url);
const layout = findInterruptLayout(new Uint8Array(readFileSync(require.resolve('@micropython/micropython-webassembly-pyscript/micropython.wasm'))));

function memory(interruptChar: number, schedState: number) {
  const mem = new SharedArrayBuffer(1 << 20);
  new Int32Array(mem)[layout.interruptCharAddr >> 2] = interruptChar;
  const guarded = layout.kbdInterruptStores.find((s) => s.guard)!;
  new Int16Array(mem)[guarded.addr >> 1] = schedState;
  return { mem, guarded };
}

describe('host-side KeyboardInterrupt', () => {
  it('does nothing while no user code runs (interrupt char -1)', () => {
    const { mem } = memory(-1, 1);
    expect(runningUserCode(mem, layout)).toBe(false);
    expect(pokeKeyboardInterrupt(mem, layout)).toBe(false);
    expect(keyboardInterruptPending(mem, layout)).toBe(false);
  });

  it('makes the KeyboardInterrupt pending and the scheduler pending while code runs', () => {
    const { mem, guarded } = memory(3, 1);
    expect(pokeKeyboardInterrupt(mem, layout)).toBe(true);
    expect(keyboardInterruptPending(mem, layout)).toBe(true);
    expect(new Int16Array(mem)[guarded.addr >> 1]).toBe(0);
  });

  it('leaves a scheduler that is not idle alone', () => {
    const { mem, guarded } = memory(3, 2);
    pokeKeyboardInterrupt(mem, layout);
    expect(new Int16Array(mem)[guarded.addr >> 1]).toBe(2);
    expect(keyboardInterruptPending(mem, layout)).toBe(true);
  });
});
