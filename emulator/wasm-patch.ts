/**
 * Rewrites the memory declaration of a WebAssembly module.
 *
 * The official MicroPython WebAssembly build (`@micropython/micropython-webassembly-pyscript`)
 * defines its own linear memory (one entry in the memory section, limits flag 0x01 with an
 * initial and a maximum page count). Marking it shared (flag 0x03) lets the host thread write
 * the VM's pending-exception words while the interpreter spins in a tight loop — what a UART
 * interrupt does on the real chip — and lowering the maximum bounds what a memory bomb can take
 * from the browser. Nothing else in the module changes.
 *
 * Binary format: WebAssembly Core Specification 2.0, §5.5.8 (memory section) and §5.3.8 (limits).
 */
export interface MemoryPatch {
  /** Make the memory shared (needs a maximum, and cross-origin isolation in browsers). */
  shared?: boolean;
  /** New maximum, in 64 KiB pages. */
  maxPages?: number;
}

export interface MemoryLimits {
  shared: boolean;
  initial: number;
  maximum: number | undefined;
}

const MEMORY_SECTION = 5;

function readU32(bytes: Uint8Array, pos: number): [value: number, next: number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++];
    if (b === undefined) throw new Error('wasm: truncated LEB128');
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7;
    if (shift > 35) throw new Error('wasm: LEB128 too long');
  }
}

function writeU32(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) b |= 0x80;
    out.push(b);
  } while (value !== 0);
  return out;
}

function findMemorySection(bytes: Uint8Array): { start: number; payload: number; end: number } {
  if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error('wasm: bad magic');
  }
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos] as number;
    const [size, payload] = readU32(bytes, pos + 1);
    if (id === MEMORY_SECTION) return { start: pos, payload, end: payload + size };
    pos = payload + size;
  }
  throw new Error('wasm: no memory section (memory is imported?)');
}

/** Reads the limits of the module's single defined memory. @throws Error if the module has none */
export function readMemoryLimits(bytes: Uint8Array): MemoryLimits {
  const sec = findMemorySection(bytes);
  const [count, p] = readU32(bytes, sec.payload);
  if (count !== 1) throw new Error(`wasm: ${count} memories`);
  const flag = bytes[p] as number;
  const [initial, p2] = readU32(bytes, p + 1);
  const maximum = flag & 1 ? readU32(bytes, p2)[0] : undefined;
  return { shared: (flag & 2) !== 0, initial, maximum };
}

/**
 * Returns a copy of `bytes` with its memory limits changed as asked.
 * @throws Error if the module has no memory section of its own, or `maxPages` < initial
 */
export function patchMemory(bytes: Uint8Array, patch: MemoryPatch): Uint8Array<ArrayBuffer> {
  const sec = findMemorySection(bytes);
  const limits = readMemoryLimits(bytes);
  const maximum = patch.maxPages ?? limits.maximum;
  const shared = patch.shared ?? limits.shared;
  if (maximum !== undefined && maximum < limits.initial) {
    throw new Error(`wasm: maximum ${maximum} pages is below the initial ${limits.initial}`);
  }
  if (shared && maximum === undefined) throw new Error('wasm: a shared memory needs a maximum');
  const flag = (maximum !== undefined ? 1 : 0) | (shared ? 2 : 0);
  const payload = [...writeU32(1), flag, ...writeU32(limits.initial), ...(maximum !== undefined ? writeU32(maximum) : [])];
  const section = [MEMORY_SECTION, ...writeU32(payload.length), ...payload];
  const out = new Uint8Array(bytes.length - (sec.end - sec.start) + section.length);
  out.set(bytes.subarray(0, sec.start), 0);
  out.set(section, sec.start);
  out.set(bytes.subarray(sec.end), sec.start + section.length);
  return out;
}
