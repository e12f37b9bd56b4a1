/**
 * Reads what two small exported functions of the MicroPython WebAssembly build do to memory,
 * so that another thread can do the same with `Atomics` while the interpreter is busy:
 *
 * - `mp_hal_get_interrupt_char()` loads one word: the address of `mp_interrupt_char`
 *   (3 while user code runs, -1 at the prompt; MicroPython `shared/runtime/interrupt_char.c`).
 * - `mp_sched_keyboard_interrupt()` stores the pending KeyboardInterrupt, clears its traceback
 *   and, if the scheduler is idle, marks it pending (MicroPython `py/scheduler.c`).
 *
 * The bodies are evaluated symbolically: only constants, additions, loads, stores, `ne`,
 * `block` and `br_if` are understood; anything else makes the extraction fail, and the caller
 * falls back to a slower interrupt path. Binary format: WebAssembly Core Specification 2.0, §5.
 */
import { Reader, importedFunctions, sectionList } from './wasm-binary.ts';

export interface MemoryStore {
  /** Byte address. */
  addr: number;
  /** Value stored. */
  value: number;
  /** Store width in bytes (2 or 4). */
  width: 2 | 4;
  /** Only store when the `width`-byte value at `guard.addr` equals `guard.equals`. */
  guard?: { addr: number; width: 2 | 4; equals: number };
}

export interface InterruptLayout {
  /** Address of the 32-bit interrupt character. */
  interruptCharAddr: number;
  /** The stores `mp_sched_keyboard_interrupt` performs, in order. */
  kbdInterruptStores: MemoryStore[];
}

/** Returns the body (locals + code) of an exported function. @throws Error if absent */
export function exportedFunctionBody(bytes: Uint8Array, name: string): Uint8Array {
  const secs = sectionList(bytes);
  const imported = importedFunctions(bytes).count;
  const exp = secs.find((x) => x.id === 7);
  if (!exp) throw new Error('wasm: no export section');
  const er = new Reader(bytes, exp.payload);
  let index = -1;
  for (let n = er.u32(); n > 0; n--) {
    const nm = er.name();
    const kind = er.byte();
    const idx = er.u32();
    if (kind === 0 && nm === name) index = idx;
  }
  if (index < imported) throw new Error(`wasm: no exported function ${name}`);
  const code = secs.find((x) => x.id === 10);
  if (!code) throw new Error('wasm: no code section');
  const cr = new Reader(bytes, code.payload);
  const count = cr.u32();
  const target = index - imported;
  if (target >= count) throw new Error('wasm: bad function index');
  for (let i = 0; i < target; i++) {
    const size = cr.u32();
    cr.pos += size;
  }
  const size = cr.u32();
  return bytes.subarray(cr.pos, cr.pos + size);
}

type Sym = { k: 'const'; v: number } | { k: 'load'; addr: number; width: 2 | 4 } | { k: 'ne'; a: Sym; b: Sym };

interface Evaluated {
  stores: MemoryStore[];
  result: Sym | undefined;
}

/** Symbolically runs a straight-line function body. @throws Error on anything it does not model */
export function evaluateBody(body: Uint8Array): Evaluated {
  const r = new Reader(body);
  for (let groups = r.u32(); groups > 0; groups--) { r.u32(); r.byte(); }
  const stack: Sym[] = [];
  const stores: MemoryStore[] = [];
  const blocks: { guard?: MemoryStore['guard'] }[] = [];
  const pop = (): Sym => {
    const v = stack.pop();
    if (!v) throw new Error('wasm eval: stack underflow');
    return v;
  };
  const constOf = (s: Sym): number => {
    if (s.k !== 'const') throw new Error('wasm eval: non-constant address or value');
    return s.v;
  };
  const activeGuard = () => blocks.map((b) => b.guard).filter(Boolean).at(-1);
  while (r.pos < body.length) {
    const op = r.byte();
    switch (op) {
      case 0x41: stack.push({ k: 'const', v: r.s32() }); break;
      case 0x6a: { const b = constOf(pop()); const a = constOf(pop()); stack.push({ k: 'const', v: (a + b) | 0 }); break; }
      case 0x28: case 0x2f: {
        r.u32(); const offset = r.u32();
        stack.push({ k: 'load', addr: constOf(pop()) + offset, width: op === 0x28 ? 4 : 2 });
        break;
      }
      case 0x36: case 0x3b: {
        r.u32(); const offset = r.u32();
        const value = constOf(pop());
        const addr = constOf(pop()) + offset;
        const guard = activeGuard();
        stores.push({ addr, value, width: op === 0x36 ? 4 : 2, ...(guard ? { guard } : {}) });
        break;
      }
      case 0x47: { const b = pop(); const a = pop(); stack.push({ k: 'ne', a, b }); break; }
      case 0x02: if (r.byte() !== 0x40) throw new Error('wasm eval: typed block'); blocks.push({}); break;
      case 0x0d: {
        if (r.u32() !== 0) throw new Error('wasm eval: br_if to outer block');
        const cond = pop();
        if (cond.k !== 'ne' || cond.a.k !== 'load' || cond.b.k !== 'const') throw new Error('wasm eval: unsupported condition');
        const block = blocks.at(-1);
        if (!block) throw new Error('wasm eval: br_if outside block');
        // br_if leaves the block when load != const: the rest runs only when they are equal
        block.guard = { addr: cond.a.addr, width: cond.a.width, equals: cond.b.v };
        break;
      }
      case 0x0b: if (blocks.length) blocks.pop(); else return { stores, result: stack.pop() }; break;
      default: throw new Error(`wasm eval: opcode 0x${op.toString(16)}`);
    }
  }
  throw new Error('wasm eval: no end');
}

/** Finds the interrupt words of the MicroPython build. @throws Error if the build does not have the expected shape */
export function findInterruptLayout(bytes: Uint8Array): InterruptLayout {
  const get = evaluateBody(exportedFunctionBody(bytes, 'mp_hal_get_interrupt_char'));
  if (!get.result || get.result.k !== 'load' || get.result.width !== 4) throw new Error('wasm: unexpected mp_hal_get_interrupt_char');
  const kbd = evaluateBody(exportedFunctionBody(bytes, 'mp_sched_keyboard_interrupt'));
  if (kbd.stores.length === 0) throw new Error('wasm: mp_sched_keyboard_interrupt stores nothing');
  return { interruptCharAddr: get.result.addr, kbdInterruptStores: kbd.stores };
}

/**
 * Widens the REPL line editor's printable range from 32–126 to 32–255 so UTF-8 bytes typed at
 * the friendly prompt are kept (MicroPython `shared/readline/readline.c`, `readline_process_char`:
 * `32 <= c && c <= 126`, compiled as `(c - 32) > 94 → skip`). The edit has the same length.
 * @returns a patched copy, or null when the expected code is not found exactly once
 */
export function widenReadlinePrintable(bytes: Uint8Array): Uint8Array<ArrayBuffer> | null {
  // local.get 0; i32.const -32; i32.add; i32.const 94; i32.gt_u; br_if
  const pattern = [0x20, 0x00, 0x41, 0x60, 0x6a, 0x41, 0xde, 0x00, 0x4b, 0x0d];
  let found = -1;
  for (let i = 0; i + pattern.length <= bytes.length; i++) {
    let ok = true;
    for (let j = 0; j < pattern.length; j++) if (bytes[i + j] !== pattern[j]) { ok = false; break; }
    if (!ok) continue;
    if (found !== -1) return null;
    found = i;
  }
  if (found === -1) return null;
  const out = new Uint8Array(bytes);
  out[found + 6] = 0xdf; // 223 as signed LEB128: 0xdf 0x01
  out[found + 7] = 0x01;
  return out;
}
