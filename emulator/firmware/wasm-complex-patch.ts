/**
 * Makes an imaginary literal (`1j`, `2.5J`, `1e3j`) a SyntaxError at compile time, as in the
 * ESP8266 build, which has `MICROPY_PY_BUILTINS_COMPLEX 0` (ports/esp8266/mpconfigport.h): there
 * py/parsenum.c `mp_parse_num_float` meets the `j` and calls
 * `raise_exc(mp_obj_new_exception_msg(&mp_type_ValueError, "complex values not supported"), lex)`,
 * and `raise_exc` turns it into a SyntaxError at the token's line when the parser called it. The
 * WebAssembly build has complex numbers; its `mp_parse_num_decimal` takes the `j` instead.
 *
 * The patch puts the board's raise at the start of that branch, copying the function's own
 * `value_error` sequence (`i32.const &mp_type_ValueError; i32.const msg; call
 * mp_obj_new_exception_msg; local.get lex; call raise_exc; unreachable`) with the board's
 * message. The build has no such string, so it goes where "can't truncate-divide a complex
 * number" was: with literals and `complex()` gone (wasm-surface-patch.ts) a complex number only
 * comes from a negative float raised to a fractional power (the board gives nan there), and
 * `//` of one would print the new text (the differences page lists both).
 *
 * Found by shape: the one function that loads "invalid syntax for number" and tests a byte with
 * `i32.const 0xdf; i32.and; i32.const 74 ('J'); i32.ne; br_if` (`(*str | 0x20) == 'j'`).
 * Binary format: WebAssembly Core Specification 2.0, §5.4, §5.5.13, §5.5.14.
 */
import { Reader, codePayload, concat, encodeS32 as sleb, functionBodies, importedFunctions, replaceSections, sectionList, type Body, type Section } from './wasm-binary.ts';
import { dataAddress } from './wasm-heap-patch.ts';
import { decodeBody } from './wasm-stack-patch.ts';
import { DataImage } from './wasm-surface-patch.ts';

/** py/parsenum.c's message when the build has no complex numbers. */
export const COMPLEX_MESSAGE = 'complex values not supported';
/** The complex-only message whose bytes carry {@link COMPLEX_MESSAGE}. */
const DONOR = "can't truncate-divide a complex number";
const INVALID = 'invalid syntax for number';

/** Where the patch goes. */
export interface ImaginarySite {
  /** `mp_parse_num_decimal` in the function index space. */
  functionIndex: number;
  /** File offset just after the `br_if` that skips the `j` branch. */
  insertAt: number;
  /** The raise sequence to insert (the value_error one with the board's message). */
  raise: Uint8Array;
  /** `mp_obj_float_binary_op`, where a negative float to a fractional power becomes complex. */
  powerFunction: number;
  /** File offset of the arguments of its `mp_obj_complex_binary_op(MP_BINARY_OP_POWER, ...)` call. */
  powerAt: number;
  /** `raise` with no lexer: a plain ValueError, as objfloat.c's `mp_raise_ValueError`. */
  powerRaise: Uint8Array;
}

const s32At = (bytes: Uint8Array, at: number): number => new Reader(bytes, at).s32();

/** Finds the `j` branch of `mp_parse_num_decimal` (see the file's header). @throws Error when not found unambiguously */
export function findImaginary(bytes: Uint8Array): ImaginarySite {
  const code = sectionList(bytes).find((s) => s.id === 10);
  if (!code) throw new Error('wasm: no code section');
  const imports = importedFunctions(bytes).count;
  const invalid = dataAddress(bytes, INVALID);
  const donor = dataAddress(bytes, DONOR);
  if (invalid < 0 || donor < 0) throw new Error('wasm: number messages not found');
  const found: ImaginarySite[] = [];
  for (const b of functionBodies(bytes, code)) {
    let ins;
    try {
      ins = decodeBody(bytes, b.codeStart, b.end);
    } catch {
      continue;
    }
    // value_error: i32.const type; i32.const msg; call new_exc; local.get lex; call raise; unreachable
    const k = ins.findIndex((x, i) => x.op === 0x41 && s32At(bytes, x.at + 1) === invalid && ins[i - 1]?.op === 0x41
      && ins[i + 1]?.op === 0x10 && ins[i + 2]?.op === 0x20 && ins[i + 3]?.op === 0x10 && ins[i + 4]?.op === 0x00);
    if (k < 0) continue;
    const j = ins.findIndex((x, i) => x.op === 0x41 && s32At(bytes, x.at + 1) === 0xdf && ins[i + 1]?.op === 0x71
      && ins[i + 2]?.op === 0x41 && s32At(bytes, (ins[i + 2] as { at: number }).at + 1) === 74 && ins[i + 3]?.op === 0x47 && ins[i + 4]?.op === 0x0d);
    if (j < 0) continue;
    const seq = ins.slice(k - 1, k + 5);
    const head = [...bytes.subarray(seq[0]!.at, seq[0]!.end), 0x41, ...sleb(donor), ...bytes.subarray(seq[2]!.at, seq[2]!.end)];
    const tail = bytes.subarray(seq[4]!.at, seq[5]!.end); // call raise_exc; unreachable
    const raise = Uint8Array.from([...head, ...bytes.subarray(seq[3]!.at, seq[3]!.end), ...tail]);
    const powerRaise = Uint8Array.from([...head, 0x41, 0x00, ...tail]);
    found.push({ functionIndex: b.index + imports, insertAt: ins[j + 4]!.end, raise, powerFunction: -1, powerAt: -1, powerRaise });
  }
  if (found.length !== 1) throw new Error(`wasm: ${found.length} candidates for mp_parse_num_decimal`);
  const site = found[0] as ImaginarySite;
  // mp_obj_complex_binary_op: the one function loading "0.0 to a complex power"; the POWER call
  // of mp_obj_float_binary_op passes a constant op: i32.const op; local.get; f64.const 0; local.get; call
  const power = dataAddress(bytes, '0.0 to a complex power');
  const bodies = functionBodies(bytes, code);
  const decoded = bodies.map((b) => { try { return decodeBody(bytes, b.codeStart, b.end); } catch { return []; } });
  const ops = bodies.filter((b, i) => decoded[i]!.some((x) => x.op === 0x41 && s32At(bytes, x.at + 1) === power)).map((b) => b.index + imports);
  if (ops.length !== 1) throw new Error(`wasm: ${ops.length} candidates for mp_obj_complex_binary_op`);
  const calls: [number, number][] = [];
  bodies.forEach((b, i) => decoded[i]!.forEach((x, k, ins) => {
    if (x.op === 0x10 && x.imm === ops[0] && ins[k - 4]?.op === 0x41 && ins[k - 3]?.op === 0x20 && ins[k - 2]?.op === 0x44 && ins[k - 1]?.op === 0x20) calls.push([b.index + imports, ins[k - 4]!.at]);
  }));
  if (calls.length !== 1) throw new Error(`wasm: ${calls.length} candidates for the float power call`);
  [site.powerFunction, site.powerAt] = calls[0] as [number, number];
  return site;
}

/**
 * Returns a copy of the module in which an imaginary literal raises the board's SyntaxError.
 * @throws Error if the module does not have the expected shape
 */
export function patchImaginary(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const site = findImaginary(bytes);
  const secs = sectionList(bytes);
  const code = secs.find((s) => s.id === 10) as Section;
  const imports = importedFunctions(bytes).count;
  const bodies = functionBodies(bytes, code);
  const inserts = new Map([[site.functionIndex, [site.insertAt, site.raise] as const], [site.powerFunction, [site.powerAt, site.powerRaise] as const]]);
  const payload = codePayload(bytes, bodies, (b) => {
    const ins = inserts.get(b.index + imports);
    return ins && concat([bytes.subarray(b.start, ins[0]), ins[1], bytes.subarray(ins[0], b.end)]);
  });
  const result = replaceSections(bytes, secs, new Map([[10, payload]]));
  // the message, NUL-terminated, over the donor's bytes (the data section moved with the code)
  const img = new DataImage(result);
  const at = img.offset(dataAddress(result, DONOR));
  if (at < 0) throw new Error('wasm: donor message not in the data section');
  result.set([...new TextEncoder().encode(COMPLEX_MESSAGE), 0], at);
  return result;
}
