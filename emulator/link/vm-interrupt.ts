/**
 * Host-thread side of Ctrl-C: reads and writes the interpreter's interrupt words in its shared
 * memory, as the ESP8266's UART interrupt handler does on the chip. Kept apart from
 * `interpreter.ts` so the page never loads the interpreter's JavaScript.
 */
import type { InterruptLayout, MemoryStore } from '../firmware/wasm-inspect.ts';

/** Whether the KeyboardInterrupt scheduled by `pokeKeyboardInterrupt` is still waiting to be raised. */
export function keyboardInterruptPending(memory: SharedArrayBuffer, layout: InterruptLayout): boolean {
  const pending = layout.kbdInterruptStores.find((s) => !s.guard && s.value !== 0);
  return pending !== undefined && Atomics.load(new Int32Array(memory), pending.addr >> 2) === pending.value;
}

/** Whether the interpreter is running user code (its interrupt character is Ctrl-C). */
export function runningUserCode(memory: SharedArrayBuffer, layout: InterruptLayout): boolean {
  return Atomics.load(new Int32Array(memory), layout.interruptCharAddr >> 2) === 3;
}

/**
 * Does, from another thread, what `mp_sched_keyboard_interrupt` does: only when user code is
 * running (interrupt char 3). Returns whether it did.
 * @param memory the interpreter's shared memory buffer
 */
export function pokeKeyboardInterrupt(memory: SharedArrayBuffer, layout: InterruptLayout): boolean {
  const i32 = new Int32Array(memory);
  const i16 = new Int16Array(memory);
  if (Atomics.load(i32, layout.interruptCharAddr >> 2) !== 3) return false;
  const load = (addr: number, width: 2 | 4) => (width === 4 ? Atomics.load(i32, addr >> 2) : Atomics.load(i16, addr >> 1) & 0xffff);
  const store = (s: MemoryStore) => (s.width === 4 ? Atomics.store(i32, s.addr >> 2, s.value) : Atomics.store(i16, s.addr >> 1, s.value));
  for (const s of layout.kbdInterruptStores) {
    if (s.guard && load(s.guard.addr, s.guard.width) !== s.guard.equals) continue;
    store(s);
  }
  return true;
}
