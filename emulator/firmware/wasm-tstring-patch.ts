/**
 * Takes t-strings (PEP 750 template strings, `t'…'`) out of the lexer, as in the ESP8266 build.
 * `MICROPY_PY_TSTRINGS` defaults to `MICROPY_PY_FSTRINGS && MICROPY_CONFIG_ROM_LEVEL_AT_LEAST_FULL_FEATURES`
 * (MP@v1.28.0:py/mpconfig.h) and ports/esp8266/mpconfigport.h sets the EXTRA_FEATURES level, so
 * the board's lexer does not know the `t` prefix: `t'a{1}'` is the name `t` followed by a string,
 * `SyntaxError: invalid syntax`. The WebAssembly build (FULL_FEATURES) compiles it to a
 * `__template__(...)` call.
 *
 * Everything starts in py/lexer.c `is_string_or_bytes` (MP@v1.28.0:py/lexer.c), which decides
 * whether a token is a string literal, both for the first literal and for each adjacent one
 * concatenated to it. The patch gives that function the body of its `#elif MICROPY_PY_FSTRINGS`
 * variant, the one the board is built with:
 *
 *     c0 == '\'' || c0 == '"'
 *     || (c0 in 'rubf' && c1 in '\'"')
 *     || ((c0,c1) in {rf, fr, rb, br} && c2 in '\'"')
 *
 * (`chr0` a `uint32_t`, `chr1`/`chr2` `uint8_t`, py/lexer.h `mp_lexer_t`). With no `t` prefix
 * accepted there, the lexer's `t`/`rt`/`tr` branches are never reached, so a `t` before a quote
 * lexes as a name, as on the board.
 *
 * Found by shape: a small function with no calls, called by the lexer (the one function that
 * loads "__template__"), that loads a 32-bit word (chr0) and two bytes (chr1, chr2) of its
 * argument and compares with 't' (116). The field offsets are read from those loads.
 * A build without t-strings (v1.27.0) has no "__template__": the patch does not apply.
 *
 * The builtin the lexer's t-strings call, `__template__` (py/modbuiltins.c, under
 * `#if MICROPY_PY_TSTRINGS`), goes too: on the board the name is a NameError.
 * Binary format: WebAssembly Core Specification 2.0, §5.4, §5.5.13.
 */
import { Reader, codePayload, encodeS32 as sleb, encodeU32 as u32, functionBodies, importedFunctions, replaceSections, sectionList, type Section } from './wasm-binary.ts';
import { dataAddress } from './wasm-heap-patch.ts';
import { decodeBody } from './wasm-stack-patch.ts';
import { DataImage, planSurfacePatch, writeWords, type SurfaceRemoval } from './wasm-surface-patch.ts';

/** The t-strings' builtin, out of the builtins table (wasm-surface-patch.ts does the removal). */
export const TEMPLATE_BUILTIN: SurfaceRemoval = {
  what: 'builtins (__template__)',
  source: 'py/modbuiltins.c mp_module_builtins_globals_table; MICROPY_PY_TSTRINGS 0',
  has: ['abs', '__build_class__', '__template__'],
  remove: ['__template__'],
};

/** Where the patch goes. */
export interface TstringSite {
  /** `is_string_or_bytes` in the function index space. */
  functionIndex: number;
  /** Byte offsets in `mp_lexer_t` of `chr0` (32-bit), `chr1` and `chr2` (8-bit). */
  offsets: { chr0: number; chr1: number; chr2: number };
}

const T = 116;

/** The memory offset immediate of a load (after the alignment). */
function loadOffset(bytes: Uint8Array, at: number): number {
  const r = new Reader(bytes, at + 1);
  r.u32();
  return r.u32();
}

/** Whether defined function `definedIndex` has the type `(i32) -> i32`. */
function isI32ToI32(bytes: Uint8Array, definedIndex: number): boolean {
  const secs = sectionList(bytes);
  const types = secs.find((s) => s.id === 1);
  const funcs = secs.find((s) => s.id === 3);
  if (!types || !funcs) return false;
  const fr = new Reader(bytes, funcs.payload);
  const n = fr.u32();
  if (definedIndex >= n) return false;
  let typeIndex = -1;
  for (let i = 0; i <= definedIndex; i++) typeIndex = fr.u32();
  const tr = new Reader(bytes, types.payload);
  const count = tr.u32();
  for (let i = 0; i < count; i++) {
    if (tr.byte() !== 0x60) return false;
    const params: number[] = [];
    for (let k = tr.u32(); k > 0; k--) params.push(tr.byte());
    const results: number[] = [];
    for (let k = tr.u32(); k > 0; k--) results.push(tr.byte());
    if (i === typeIndex) return params.length === 1 && params[0] === 0x7f && results.length === 1 && results[0] === 0x7f;
  }
  return false;
}

/** Finds `is_string_or_bytes` (see the file's header). @throws Error when not found unambiguously */
export function findTstringPrefix(bytes: Uint8Array): TstringSite {
  const code = sectionList(bytes).find((s) => s.id === 10);
  if (!code) throw new Error('wasm: no code section');
  const imports = importedFunctions(bytes).count;
  const template = dataAddress(bytes, '__template__');
  if (template < 0) throw new Error('wasm: no t-strings in this build ("__template__" not found)');
  const bodies = functionBodies(bytes, code);
  const decoded = bodies.map((b) => { try { return decodeBody(bytes, b.codeStart, b.end); } catch { return null; } });
  const s32 = (at: number) => new Reader(bytes, at + 1).s32();
  const lexers = bodies.filter((_, i) => decoded[i]?.some((x) => x.op === 0x41 && s32(x.at) === template));
  if (lexers.length !== 1) throw new Error(`wasm: ${lexers.length} candidates for mp_lexer_to_next`);
  const lexer = decoded[lexers[0]!.index]!;
  const callees = new Set(lexer.filter((x) => x.op === 0x10).map((x) => x.imm - imports));
  const found: TstringSite[] = [];
  for (const d of callees) {
    const ins = decoded[d];
    if (!ins || ins.length > 200 || ins.some((x) => x.op === 0x10 || x.op === 0x11)) continue;
    if (!ins.some((x) => x.op === 0x41 && s32(x.at) === T)) continue;
    // loads from the argument: local.get 0; i32.load (chr0) / i32.load8_u (chr1, chr2)
    const words = new Set<number>();
    const bytesAt = new Set<number>();
    ins.forEach((x, i) => {
      if (ins[i - 1]?.op !== 0x20 || ins[i - 1]?.imm !== 0) return;
      if (x.op === 0x28) words.add(loadOffset(bytes, x.at));
      else if (x.op === 0x2d) bytesAt.add(loadOffset(bytes, x.at));
    });
    if (words.size !== 1 || bytesAt.size !== 2) continue;
    const [chr1, chr2] = [...bytesAt].sort((a, b) => a - b) as [number, number];
    const chr0 = [...words][0]!;
    if (chr1 !== chr0 + 4 || chr2 !== chr1 + 1) continue;
    if (!isI32ToI32(bytes, d)) continue;
    found.push({ functionIndex: d + imports, offsets: { chr0, chr1, chr2 } });
  }
  if (found.length !== 1) throw new Error(`wasm: ${found.length} candidates for is_string_or_bytes`);
  return found[0]!;
}

/**
 * The body (locals and code) of `is_string_or_bytes` without t-strings (see the file's header):
 * straight-line, as every test only reads the lexer's cached characters.
 */
export function fstringOnlyBody(offsets: TstringSite['offsets']): Uint8Array<ArrayBuffer> {
  const C0 = 1, C1 = 2, C2 = 3; // locals after the parameter (the lexer)
  const get = (l: number) => [0x20, l];
  const eq = (l: number, c: number) => [...get(l), 0x41, ...sleb(c), 0x46]; // local == c
  const or = 0x72, and = 0x71;
  const quote = (l: number) => [...eq(l, 0x27), ...eq(l, 0x22), or];
  const pair = (a: number, b: number) => [...eq(C0, a), ...eq(C1, b), and];
  const r = 0x72 /* 'r' */, u = 0x75, b = 0x62, f = 0x66;
  const code = [
    // c0 = lex->chr0 (i32.load align 4), c1 = lex->chr1, c2 = lex->chr2 (i32.load8_u)
    0x20, 0, 0x28, 2, ...u32(offsets.chr0), 0x21, C0,
    0x20, 0, 0x2d, 0, ...u32(offsets.chr1), 0x21, C1,
    0x20, 0, 0x2d, 0, ...u32(offsets.chr2), 0x21, C2,
    ...quote(C0),
    ...eq(C0, r), ...eq(C0, u), or, ...eq(C0, b), or, ...eq(C0, f), or, ...quote(C1), and, or,
    ...pair(r, f), ...pair(f, r), or, ...pair(r, b), or, ...pair(b, r), or, ...quote(C2), and, or,
    0x0b,
  ];
  return Uint8Array.from([1, 3, 0x7f, ...code]); // one group of locals: 3 × i32
}

/**
 * Returns a copy of the module whose lexer reads `t'…'` as a name and a string, as the ESP8266
 * build's does, and whose builtins have no `__template__`.
 * @throws Error if the module has no t-strings or not the expected shape
 */
export function patchTstrings(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const site = findTstringPrefix(bytes);
  const secs = sectionList(bytes);
  const code = secs.find((s) => s.id === 10) as Section;
  const imports = importedFunctions(bytes).count;
  const bodies = functionBodies(bytes, code);
  const payload = codePayload(bytes, bodies, (b) => (b.index + imports === site.functionIndex ? fstringOnlyBody(site.offsets) : undefined));
  const out = replaceSections(bytes, secs, new Map([[10, payload]]));
  const img = new DataImage(out);
  writeWords(out, img, planSurfacePatch(img, [TEMPLATE_BUILTIN]).writes);
  return out;
}
