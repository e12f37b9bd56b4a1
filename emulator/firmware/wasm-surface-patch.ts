/**
 * Takes out of the MicroPython WebAssembly build the names the ESP8266 build does not compile in
 * (v1.27.0 `ports/esp8266/mpconfigport.h`), so that `'a'.center(5)`, `random.randint(1, 6)` or
 * `math.tau` fail in the lab as they fail on the board.
 *
 * A module's globals and a type's methods are `mp_rom_map_elem_t` tables in the wasm's data
 * section, each reached through a constant `mp_obj_dict_t` (`MP_DEFINE_CONST_DICT`, py/obj.h):
 *
 *     { &mp_type_dict, { all_keys_are_qstrs:1, is_fixed:1, is_ordered:1, used:29 }, alloc, table }
 *
 * An ordered map is searched linearly over its first `used` entries (py/map.c `mp_map_lookup`)
 * and iterated over `alloc` entries (dir()). Removing an entry therefore means moving the entries
 * after it down by one and lowering `used` and `alloc` of every dict that covers it. The str,
 * bytes, bytearray, array and memoryview dicts share one table at different offsets
 * (py/objstr.c `array_bytearray_str_bytes_locals_table`): all of them are adjusted together.
 *
 * Keys are qstr objects: in the build's object representation (MICROPY_OBJ_REPR_A, the default,
 * py/mpconfig.h) `MP_OBJ_NEW_QSTR(q)` is `(q << 3) | 2`. Qstr numbers come from the qstr pools in
 * the same data section (py/qstr.h `qstr_pool_t`; py/qstr.c: a static pool, the firmware's sorted
 * pool after it, then the frozen modules' pool), each found by its header and checked string by
 * string against its length table.
 *
 * The class hooks (`__setattr__`/`__delattr__` defined by a class, MICROPY_PY_DELATTR_SETATTR) are
 * code, not a table: `mp_obj_instance_store_attr` looks them up by qstr number, and the patch makes
 * it look up `__delete__` instead (see {@link findSetattrHooks}).
 *
 * One removed builtin the firmware itself needs, `compile` (boot.py and main.py run with their
 * file name in tracebacks), is not dropped but renamed to the qstr `<module>`, which no program
 * can write as a name; `_fw_init.py` takes it from there and `dir()` does not show it.
 *
 * Binary format: WebAssembly Core Specification 2.0, §5.5.14 (data section).
 */
import { Reader, sectionList } from './wasm-binary.ts';

/** One active data segment: where it lands in linear memory and where its bytes are in the file. */
interface Segment { addr: number; off: number; size: number }

/** The data section's active segments as one addressable image over the module's bytes. */
export class DataImage {
  readonly segments: Segment[];
  readonly bytes: Uint8Array;

  /** @throws Error without a data section, or with a segment the parser does not understand */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    const data = sectionList(bytes).find((s) => s.id === 11);
    if (!data) throw new Error('wasm: no data section');
    const r = new Reader(bytes, data.payload);
    this.segments = [];
    for (let n = r.u32(); n > 0; n--) {
      const flags = r.u32();
      if (flags === 1) { const size = r.u32(); r.pos += size; continue; } // passive
      if (flags === 2) r.u32();
      if (flags !== 0 && flags !== 2) throw new Error(`wasm: data segment flags ${flags}`);
      if (r.byte() !== 0x41) throw new Error('wasm: data offset is not i32.const');
      const addr = r.s32();
      if (r.byte() !== 0x0b) throw new Error('wasm: data offset expression too long');
      const size = r.u32();
      this.segments.push({ addr, off: r.pos, size });
      r.pos += size;
    }
  }

  /** File offset of a linear-memory address, or -1 when no segment initialises it. */
  offset(addr: number): number {
    for (const s of this.segments) if (addr >= s.addr && addr < s.addr + s.size) return s.off + addr - s.addr;
    return -1;
  }

  /** Byte at an address, or -1 outside the segments. */
  u8(addr: number): number {
    const o = this.offset(addr);
    return o < 0 ? -1 : (this.bytes[o] as number);
  }

  /** Little-endian 32-bit word at an address, or -1 when any byte is outside the segments. */
  u32(addr: number): number {
    const o = this.offset(addr);
    if (o < 0 || this.offset(addr + 3) !== o + 3) return -1;
    const b = this.bytes;
    return ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16) | ((b[o + 3] as number) << 24)) >>> 0;
  }

  /** NUL-terminated string of at most `max` bytes at an address, or null. */
  cstr(addr: number, max = 256): string | null {
    const out: number[] = [];
    for (let i = 0; i < max; i++) {
      const c = this.u8(addr + i);
      if (c < 0) return null;
      if (c === 0) return new TextDecoder().decode(Uint8Array.from(out));
      out.push(c);
    }
    return null;
  }
}

/** The interpreter's qstrs: number by name (first pool wins) and the total count. */
export interface QstrTable { byName: Map<string, number>; count: number }

/**
 * Reads the qstr pools (static, firmware, frozen) from the data section.
 * @throws Error when the static pool or the pool after it is not found
 */
export function readQstrs(img: DataImage): QstrTable {
  // header: prev, total_prev_len | is_sorted << 31, alloc, len, hashes, lengths, qstrs[len]
  const pools = new Map<number, { prev: number; prevLen: number; names: string[] }>();
  for (const s of img.segments) {
    for (let a = s.addr + ((4 - (s.addr & 3)) & 3); a + 24 <= s.addr + s.size; a += 4) {
      const len = img.u32(a + 12);
      if (len < 8 || len > 20000) continue;
      const lengths = img.u32(a + 20);
      const names: string[] = [];
      let ok = true;
      for (let i = 0; i < len && ok; i++) {
        const p = img.u32(a + 24 + 4 * i);
        const name = p < 0 ? null : img.cstr(p);
        if (name === null || img.u8(lengths + i) !== new TextEncoder().encode(name).length) ok = false;
        else names.push(name);
      }
      if (ok) pools.set(a, { prev: img.u32(a), prevLen: img.u32(a + 4) & 0x7fffffff, names });
    }
  }
  const byName = new Map<string, number>();
  type PoolEntry = [number, { prev: number; prevLen: number; names: string[] }];
  let at: PoolEntry | undefined = [...pools].find(([, p]) => p.prev === 0 && p.prevLen === 0);
  if (!at) throw new Error('wasm: static qstr pool not found');
  let count = 0;
  let chain = 0;
  while (at) {
    const [addr, pool]: PoolEntry = at;
    if (pool.prevLen !== count) throw new Error('wasm: qstr pool chain inconsistent');
    pool.names.forEach((n, i) => { if (!byName.has(n)) byName.set(n, count + i); });
    count += pool.names.length;
    chain++;
    at = [...pools].find(([, p]) => p.prev === addr);
  }
  if (chain < 2) throw new Error('wasm: firmware qstr pool not found');
  return { byName, count };
}

/** A constant dict (`MP_DEFINE_CONST_DICT`) found in the data section. */
export interface RomDict {
  /** Address of the `mp_obj_dict_t`. */
  addr: number;
  /** Address of its first table entry. */
  table: number;
  /** Number of entries. */
  used: number;
  /** Key qstr numbers, in table order. */
  keys: number[];
}

const qstrObj = (q: number) => ((q << 3) | 2) >>> 0;

/** Every constant ordered dict whose keys are all qstrs. */
export function findRomDicts(img: DataImage, qstrs: QstrTable): RomDict[] {
  const found: RomDict[] = [];
  for (const s of img.segments) {
    for (let a = s.addr + ((4 - (s.addr & 3)) & 3); a + 16 <= s.addr + s.size; a += 4) {
      const flags = img.u32(a + 4);
      if (flags < 0 || (flags & 7) !== 7) continue;
      const used = flags >>> 3;
      if (used === 0 || used > 1000 || img.u32(a + 8) !== used) continue;
      const table = img.u32(a + 12);
      if (table < 0 || table & 3 || img.u32(img.u32(a)) < 0) continue;
      const keys: number[] = [];
      for (let i = 0; i < used; i++) {
        const k = img.u32(table + 8 * i);
        if (k < 0 || (k & 7) !== 2 || k >>> 3 >= qstrs.count) break;
        keys.push(k >>> 3);
      }
      if (keys.length === used) found.push({ addr: a, table, used, keys });
    }
  }
  return found;
}

/** Names to take out of the dicts that have all of `has` (and none of `lacks`). */
export interface SurfaceRemoval {
  /** What this is, for errors and the fidelity notes. */
  what: string;
  /** The MicroPython source of the table and the esp8266 setting that leaves the names out. */
  source: string;
  /** Keys that identify the dict(s). */
  has: string[];
  /** Keys a matching dict must not have (tells math from cmath). */
  lacks?: string[];
  /** Names removed. */
  remove: string[];
  /** Names kept under another qstr (name → qstr it is renamed to) instead of removed. */
  rename?: Record<string, string>;
}

/** What the ESP8266 build leaves out (v1.27.0 ports/esp8266/mpconfigport.h). */
export const SURFACE_REMOVALS: SurfaceRemoval[] = [
  {
    what: 'str/bytes/bytearray methods',
    source: 'py/objstr.c array_bytearray_str_bytes_locals_table; MICROPY_PY_BUILTINS_STR_CENTER/PARTITION/SPLITLINES 0',
    has: ['center', 'partition', 'find', 'join'],
    remove: ['center', 'partition', 'rpartition', 'splitlines'],
  },
  {
    what: 'random',
    source: 'extmod/modrandom.c mp_module_random_globals_table; MICROPY_PY_RANDOM_EXTRA_FUNCS 0',
    has: ['getrandbits', 'seed', 'randint'],
    remove: ['randrange', 'randint', 'choice', 'random', 'uniform'],
  },
  {
    what: 'math',
    source: 'py/modmath.c mp_module_math_globals_table; MICROPY_PY_MATH_CONSTANTS/SPECIAL_FUNCTIONS/FACTORIAL/ISCLOSE 0',
    has: ['sqrt', 'atan2', 'degrees'],
    remove: ['tau', 'inf', 'nan', 'expm1', 'log2', 'log10', 'cosh', 'sinh', 'tanh', 'acosh', 'asinh', 'atanh',
      'isclose', 'factorial', 'erf', 'erfc', 'gamma', 'lgamma'],
  },
  {
    what: 'builtins',
    source: 'py/modbuiltins.c mp_module_builtins_globals_table; MICROPY_PY_BUILTINS_COMPLEX/COMPILE/EXECFILE/NOTIMPLEMENTED 0',
    has: ['abs', '__build_class__', 'compile'],
    remove: ['complex', 'execfile', 'NotImplemented'],
    rename: { compile: '<module>' },
  },
  {
    what: 'binascii',
    source: 'extmod/modbinascii.c mp_module_binascii_globals_table; MICROPY_PY_BINASCII_CRC32 0',
    has: ['hexlify', 'crc32'],
    remove: ['crc32'],
  },
  {
    what: 'object.__setattr__/__delattr__',
    source: 'py/objobject.c object_locals_dict_table; MICROPY_PY_DELATTR_SETATTR 0',
    has: ['__init__', '__new__', '__setattr__', '__delattr__'],
    remove: ['__setattr__', '__delattr__'],
  },
];

/** What {@link planSurfacePatch} would change. */
export interface SurfacePlan {
  /** Writes of 32-bit words: linear-memory address and new value. */
  writes: Array<[number, number]>;
  /** Per removal: the dicts it touched and the names it took out. */
  done: Array<{ what: string; dicts: number; removed: string[] }>;
}

/**
 * Works out the word writes that take the {@link SURFACE_REMOVALS} out.
 * @throws Error when a removal's dict is not found or a name to remove is not in it
 */
export function planSurfacePatch(img: DataImage, removals: SurfaceRemoval[] = SURFACE_REMOVALS): SurfacePlan {
  const qstrs = readQstrs(img);
  const dicts = findRomDicts(img, qstrs);
  const q = (name: string) => {
    const n = qstrs.byName.get(name);
    if (n === undefined) throw new Error(`wasm: no qstr '${name}'`);
    return n;
  };
  const words = new Map<number, number>(); // pending writes, also read back by later removals
  const read = (a: number) => words.get(a) ?? img.u32(a);
  const plan: SurfacePlan = { writes: [], done: [] };
  const live = dicts.map((d) => ({ ...d }));
  for (const rm of removals) {
    const has = rm.has.map(q);
    const lacks = (rm.lacks ?? []).map(q);
    const targets = live.filter((d) => has.every((k) => d.keys.includes(k)) && !lacks.some((k) => d.keys.includes(k)));
    if (targets.length === 0) throw new Error(`wasm: the ${rm.what} table was not found`);
    const gone = new Set(rm.remove.map(q));
    // entries to drop, by address, within the target dicts
    const drop = new Set<number>();
    for (const d of targets) {
      for (const name of rm.remove) if (!d.keys.includes(q(name))) throw new Error(`wasm: '${name}' not in the ${rm.what} table`);
      d.keys.forEach((k, i) => { if (gone.has(k)) drop.add(d.table + 8 * i); });
    }
    for (const [name, to] of Object.entries(rm.rename ?? {})) {
      for (const d of targets) {
        const i = d.keys.indexOf(q(name));
        if (i < 0) throw new Error(`wasm: '${name}' not in the ${rm.what} table`);
        words.set(d.table + 8 * i, qstrObj(q(to)));
        d.keys[i] = q(to);
      }
    }
    // each run of overlapping dicts (str's table also serves bytes, bytearray, array, memoryview)
    const sharing = new Set<typeof live[number]>();
    for (const t of targets) {
      let lo = t.table;
      let hi = t.table + 8 * t.used;
      const run = new Set([t]);
      for (let grew = true; grew;) {
        grew = false;
        for (const d of live) {
          if (run.has(d) || d.table >= hi || d.table + 8 * d.used <= lo) continue;
          run.add(d);
          lo = Math.min(lo, d.table);
          hi = Math.max(hi, d.table + 8 * d.used);
          grew = true;
        }
      }
      if ([...run].some((d) => sharing.has(d))) continue; // already compacted with another target
      const inRun = [...drop].filter((x) => x >= lo && x < hi);
      const kept: Array<[number, number]> = [];
      for (let a = lo; a < hi; a += 8) if (!inRun.includes(a)) kept.push([read(a), read(a + 4)]);
      kept.forEach(([k, v], i) => { words.set(lo + 8 * i, k); words.set(lo + 8 * i + 4, v); });
      for (let a = lo + 8 * kept.length; a < hi; a += 8) { words.set(a, 0); words.set(a + 4, 0); }
      for (const d of run) {
        const inside = inRun.filter((x) => x >= d.table && x < d.table + 8 * d.used).length;
        const table = d.table - 8 * inRun.filter((x) => x < d.table).length;
        const used = d.used - inside;
        words.set(d.addr + 4, ((used << 3) | (read(d.addr + 4) & 7)) >>> 0);
        words.set(d.addr + 8, used);
        words.set(d.addr + 12, table);
        d.keys = d.keys.filter((_, i) => !inRun.includes(d.table + 8 * i));
        d.table = table;
        d.used = used;
        sharing.add(d);
      }
    }
    plan.done.push({ what: rm.what, dicts: sharing.size, removed: rm.remove });
  }
  plan.writes = [...words];
  return plan;
}

/** Signed LEB128 of a non-negative value below 2^13, in exactly two bytes (padded if needed). */
function leb2(v: number): [number, number] {
  if (v < 0 || v >= 1 << 13) throw new Error('wasm: qstr out of range for a two-byte immediate');
  return [(v & 0x7f) | 0x80, v >> 7];
}

/**
 * Where `mp_obj_instance_store_attr`'s `__setattr__`/`__delattr__` lookups are (py/objtype.c,
 * MICROPY_PY_DELATTR_SETATTR): the one function that loads both qstr numbers as `i32.const`.
 * Returns the file offsets of the two-byte immediates.
 * @throws Error when there is not exactly one such function with one of each
 */
export function findSetattrHooks(bytes: Uint8Array, qstrs: QstrTable): number[] {
  const code = sectionList(bytes).find((s) => s.id === 10);
  if (!code) throw new Error('wasm: no code section');
  const wanted = ['__setattr__', '__delattr__'].map((n) => {
    const q = qstrs.byName.get(n);
    if (q === undefined || q < 128 || q >= 1 << 13) throw new Error(`wasm: qstr ${n} not a two-byte immediate`);
    return [0x41, ...leb2(q)];
  });
  const r = new Reader(bytes, code.payload);
  const found: number[][] = [];
  for (let n = r.u32(); n > 0; n--) {
    const size = r.u32();
    const start = r.pos;
    const hits = wanted.map((pat) => {
      const at: number[] = [];
      for (let i = start; i + 3 <= start + size; i++) if (bytes[i] === pat[0] && bytes[i + 1] === pat[1] && bytes[i + 2] === pat[2]) at.push(i + 1);
      return at;
    });
    if (hits.every((h) => h.length > 0)) found.push(hits.flat());
    r.pos = start + size;
  }
  if (found.length !== 1 || (found[0] as number[]).length !== 2) throw new Error(`wasm: __setattr__ hooks not identified (${found.length} candidates)`);
  return found[0] as number[];
}

/**
 * Where `slice_attr` offers `indices` (py/objslice.c, MICROPY_PY_BUILTINS_SLICE_INDICES): the one
 * place in the code that loads the qstr number of `indices` as an `i32.const`. Returns the file
 * offset of the two-byte immediate.
 * @throws Error when the constant is not found exactly once
 */
export function findSliceIndices(bytes: Uint8Array, qstrs: QstrTable): number {
  const code = sectionList(bytes).find((s) => s.id === 10);
  if (!code) throw new Error('wasm: no code section');
  const q = qstrs.byName.get('indices');
  if (q === undefined || q < 128 || q >= 1 << 13) throw new Error('wasm: qstr indices not a two-byte immediate');
  const [b1, b2] = leb2(q);
  const hits: number[] = [];
  const r = new Reader(bytes, code.payload);
  for (let n = r.u32(); n > 0; n--) {
    const size = r.u32();
    for (let i = r.pos; i + 3 <= r.pos + size; i++) if (bytes[i] === 0x41 && bytes[i + 1] === b1 && bytes[i + 2] === b2) hits.push(i + 1);
    r.pos += size;
  }
  if (hits.length !== 1) throw new Error(`wasm: slice.indices not identified (${hits.length} candidates)`);
  return hits[0] as number;
}

/**
 * Returns a copy of the module whose data section no longer has the names the ESP8266 build
 * leaves out (see {@link SURFACE_REMOVALS}); sizes and the other sections are unchanged.
 * @throws Error if the module does not have the expected tables (an unknown build)
 */
export function patchSurface(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = Uint8Array.from(bytes);
  const img = new DataImage(out);
  const plan = planSurfacePatch(new DataImage(bytes));
  // the class hooks: look up `__delete__` instead, a name the instance lookup never hands to
  // __getattr__ (py/objtype.c mp_obj_instance_load_attr). The lookup only happens for classes
  // flagged MP_TYPE_FLAG_HAS_SPECIAL_ACCESSORS (a property or descriptor among their attributes,
  // or their own __setattr__/__delattr__), so only such a class that also defines __delete__
  // would see it called (differences page)
  const qstrs = readQstrs(img);
  const standIn = qstrs.byName.get('__delete__');
  if (standIn === undefined) throw new Error('wasm: no qstr __delete__');
  const hidden = leb2(standIn);
  for (const at of findSetattrHooks(bytes, qstrs)) {
    out[at] = hidden[0];
    out[at + 1] = hidden[1];
  }
  // slice.indices: compare the attribute with '<module>', a qstr no attribute access asks for
  const at = findSliceIndices(bytes, qstrs);
  [out[at], out[at + 1]] = leb2(qstrs.byName.get('<module>') as number);
  writeWords(out, img, plan.writes);
  return out;
}

/**
 * Stores each little-endian 32-bit word of `writes` ([address, value]) at its place in the
 * module's data section (`img` reads `out`'s layout).
 * @throws Error if a word does not lie whole in one data segment
 */
export function writeWords(out: Uint8Array, img: DataImage, writes: Iterable<readonly [number, number]>): void {
  for (const [addr, value] of writes) {
    const o = img.offset(addr);
    if (o < 0 || img.offset(addr + 3) !== o + 3) throw new Error(`wasm: address 0x${addr.toString(16)} not in the data section`);
    out[o] = value & 0xff;
    out[o + 1] = (value >>> 8) & 0xff;
    out[o + 2] = (value >>> 16) & 0xff;
    out[o + 3] = (value >>> 24) & 0xff;
  }
}
