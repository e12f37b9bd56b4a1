/**
 * Reading and writing the WebAssembly binary format, as much as our load-time patches need:
 * LEB128 integers, names, the section list and the function imports.
 * WebAssembly Core Specification 2.0, §5.2 (values), §5.5 (sections).
 */
export class Reader {
  pos: number;
  readonly b: Uint8Array;

  constructor(b: Uint8Array, pos = 0) {
    this.b = b;
    this.pos = pos;
  }

  /** @throws Error past the end */
  byte(): number {
    const v = this.b[this.pos++];
    if (v === undefined) throw new Error('wasm: unexpected end');
    return v;
  }

  /** Unsigned LEB128 (also padded encodings, as the linker writes relocatable immediates). */
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
      shift += 7;
      if (shift > 35) throw new Error('wasm: LEB128 too long');
    }
  }

  /** Signed LEB128, 32-bit. */
  s32(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = this.byte();
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80 && shift < 35);
    if (shift < 32 && b & 0x40) result |= -1 << shift;
    return result;
  }

  /** A length-prefixed UTF-8 name. */
  name(): string {
    const n = this.u32();
    const s = new TextDecoder().decode(this.b.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
}

/** Unsigned LEB128 encoding, shortest form. */
export function encodeU32(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/**
 * Signed LEB128 encoding, shortest form: the immediate of `i32.const` (WebAssembly Core
 * Specification 2.0, §5.2.2).
 */
export function encodeS32(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

/** A length-prefixed UTF-8 name. */
export function encodeName(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...encodeU32(b.length), ...b];
}

export interface Section {
  id: number;
  /** Offset of the section id byte. */
  start: number;
  /** Offset of the first payload byte. */
  payload: number;
  /** Offset just past the payload. */
  end: number;
}

/** The module's sections in order. @throws Error for a non-wasm file */
export function sectionList(bytes: Uint8Array): Section[] {
  if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw new Error('wasm: bad magic');
  const out: Section[] = [];
  const r = new Reader(bytes, 8);
  while (r.pos < bytes.length) {
    const start = r.pos;
    const id = r.byte();
    const size = r.u32();
    out.push({ id, start, payload: r.pos, end: r.pos + size });
    r.pos += size;
  }
  return out;
}

/** Function imports: how many, and their indices by `module.name`. */
export function importedFunctions(bytes: Uint8Array): { count: number; byName: Map<string, number> } {
  const imp = sectionList(bytes).find((s) => s.id === 2);
  const byName = new Map<string, number>();
  let count = 0;
  if (!imp) return { count, byName };
  const r = new Reader(bytes, imp.payload);
  for (let n = r.u32(); n > 0; n--) {
    const mod = r.name();
    const name = r.name();
    const kind = r.byte();
    if (kind === 0) {
      r.u32();
      byName.set(`${mod}.${name}`, count++);
    } else if (kind === 1) {
      r.byte();
      if (r.byte() & 1) r.u32();
      r.u32();
    } else if (kind === 2) {
      if (r.byte() & 1) r.u32();
      r.u32();
    } else if (kind === 3) {
      r.byte();
      r.byte();
    } else throw new Error(`wasm: import kind ${kind}`);
  }
  return { count, byName };
}

/** One function body of the code section: its index among defined functions, its byte range, and where its code starts (after the locals). */
export interface Body { index: number; start: number; end: number; codeStart: number }

/** The function bodies of a code section (WebAssembly Core Specification 2.0, §5.5.13). */
export function functionBodies(bytes: Uint8Array, code: Section): Body[] {
  const r = new Reader(bytes, code.payload);
  const n = r.u32();
  const out: Body[] = [];
  for (let i = 0; i < n; i++) {
    const size = r.u32();
    const start = r.pos;
    const lr = new Reader(bytes, start);
    for (let groups = lr.u32(); groups > 0; groups--) { lr.u32(); lr.byte(); }
    out.push({ index: i, start, end: start + size, codeStart: lr.pos });
    r.pos = start + size;
  }
  return out;
}

/**
 * A code section's payload with some bodies rewritten (§5.5.13: count, then each body with its
 * u32 size). `rewrite` gets each body and returns its new bytes (locals and code, without the
 * size), or `undefined` to keep the body as it is.
 */
export function codePayload(bytes: Uint8Array, bodies: Body[], rewrite: (b: Body) => Uint8Array | undefined): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [Uint8Array.from(encodeU32(bodies.length))];
  for (const b of bodies) {
    const body = rewrite(b) ?? bytes.subarray(b.start, b.end);
    parts.push(Uint8Array.from(encodeU32(body.length)), body);
  }
  return concat(parts);
}

/** The parts one after another, in a new buffer. */
export function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A copy of the module with the payloads of some sections replaced (by section id), the others
 * copied as they are (WebAssembly Core Specification 2.0, §5.5.2: id, u32 size, payload).
 */
export function replaceSections(bytes: Uint8Array, secs: Section[], replace: Map<number, Uint8Array>): Uint8Array<ArrayBuffer> {
  const out: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const sec of secs) {
    const payload = replace.get(sec.id);
    if (payload) out.push(Uint8Array.from([sec.id, ...encodeU32(payload.length)]), payload);
    else out.push(bytes.subarray(sec.start, sec.end));
  }
  return concat(out);
}
