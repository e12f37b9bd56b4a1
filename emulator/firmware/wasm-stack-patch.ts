/**
 * Gives the regular-expression engine's recursion a C stack, so that a pattern that recurses too
 * deeply raises `RuntimeError: maximum recursion depth exceeded` as on the ESP8266 instead of
 * overflowing the host's stack (which stopped the interpreter and restarted the board).
 *
 * `re` runs lib/re1.5/recursiveloop.c: `recursiveloop()` calls itself for every Split, RSplit and
 * Save instruction and calls `re1_5_stack_chk()` (= `mp_cstack_check()`, extmod/modre.c) first.
 * `mp_cstack_check` (py/cstack.c) compares how far the C stack pointer has moved from where
 * `mp_cstack_init_with_sp_here` left it with the limit: 8 KB on the ESP8266
 * (ports/esp8266/main.c `mp_cstack_init_with_top(0x40000000, 8192)`), 32 KB in the WebAssembly
 * build (ports/webassembly/main.c `CSTACK_SIZE`). In the wasm, `recursiveloop` keeps everything in
 * wasm locals and never moves the C (shadow) stack pointer, global 0, so the check never fires and
 * the engine recurses until V8's own stack overflows. The patch makes each call reserve
 * {@link RE_FRAME_BYTES} of shadow stack: `recursiveloop` lowers global 0 on entry, and each of its
 * call sites raises it again after the call returns. An exception unwinding through it is caught
 * by an emscripten `invoke_*` trampoline, which restores the stack pointer it saved.
 *
 * The functions are found by shape: `mp_cstack_check` lowers global 0, compares with the limit
 * and calls `mp_raise_recursion_depth`, which loads the qstr `maximum recursion depth exceeded`;
 * `recursiveloop` starts by calling `mp_cstack_check` and calls itself three times.
 * Binary format: WebAssembly Core Specification 2.0, §5.4 (instructions), §5.5.13 (code section).
 */
import { Reader, codePayload, encodeS32, functionBodies, importedFunctions, replaceSections, sectionList, type Body, type Section } from './wasm-binary.ts';
import { DataImage, readQstrs } from './wasm-surface-patch.ts';

/**
 * Shadow-stack bytes each `recursiveloop` call takes. The ESP8266's frame is smaller, but its
 * limit is 8 KB with ~1.5 KB in use at the REPL: about 190 levels of recursion, the depth this
 * gives in the wasm's 32 KB (an estimate; the board's exact depth depends on its compiler).
 */
export const RE_FRAME_BYTES = 160;

/** One decoded instruction: its opcode, where it starts and ends, and its first u32 immediate. */
interface Instr { op: number; at: number; end: number; imm: number }

/**
 * Decodes a function body's instructions (MVP, sign extension, saturating truncation and bulk
 * memory: what emscripten emits for this build; SIMD and exception-handling opcodes throw).
 */
export function decodeBody(bytes: Uint8Array, from: number, to: number): Instr[] {
  const r = new Reader(bytes, from);
  const out: Instr[] = [];
  const skipLeb = () => { while ((r.byte() & 0x80) !== 0) { /* LEB128 continuation */ } };
  while (r.pos < to) {
    const at = r.pos;
    const op = r.byte();
    let imm = -1;
    if (op === 0x02 || op === 0x03 || op === 0x04) {
      const t = bytes[r.pos] as number;
      if (t === 0x40 || (t >= 0x7b && t <= 0x7f) || t === 0x70 || t === 0x6f) r.pos++;
      else skipLeb(); // a type index (s33)
    } else if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x20 && op <= 0x26) || op === 0xd2) {
      imm = r.u32();
    } else if (op === 0x0e) {
      for (let n = r.u32() + 1; n > 0; n--) r.u32();
    } else if (op === 0x11) {
      imm = r.u32();
      r.u32();
    } else if (op >= 0x28 && op <= 0x3e) {
      r.u32();
      r.u32();
    } else if (op === 0x3f || op === 0x40 || op === 0xd0) {
      r.byte();
    } else if (op === 0x41 || op === 0x42) {
      skipLeb();
    } else if (op === 0x43) {
      r.pos += 4;
    } else if (op === 0x44) {
      r.pos += 8;
    } else if (op === 0x1c) {
      for (let n = r.u32(); n > 0; n--) r.byte();
    } else if (op === 0xfc) {
      const sub = r.u32();
      if (sub === 8) { r.u32(); r.byte(); }
      else if (sub === 9 || sub === 13 || sub === 15 || sub === 16 || sub === 17) r.u32();
      else if (sub === 10) { r.byte(); r.byte(); }
      else if (sub === 11) r.byte();
      else if (sub === 12 || sub === 14) { r.u32(); r.u32(); }
      else if (sub > 17) throw new Error(`wasm: unknown 0xfc ${sub}`);
    } else if (op === 0xfd || (op >= 0x06 && op <= 0x09) || op === 0x18 || op === 0x19 || op === 0x1f) {
      throw new Error(`wasm: opcode 0x${op.toString(16)} not decoded`);
    }
    out.push({ op, at, end: r.pos, imm });
  }
  if (r.pos !== to) throw new Error('wasm: body overran');
  return out;
}

/** The functions the patch changes (indices in the function index space). */
export interface RegexStackSites {
  /** `mp_cstack_check`. */
  cstackCheck: number;
  /** re1.5's `recursiveloop`. */
  recursiveloop: number;
}

/** Finds `mp_cstack_check` and `recursiveloop` (see the file's header). @throws Error when not found unambiguously */
export function findRegexStack(bytes: Uint8Array): RegexStackSites {
  const code = sectionList(bytes).find((s) => s.id === 10);
  if (!code) throw new Error('wasm: no code section');
  const imports = importedFunctions(bytes).count;
  const bodies = functionBodies(bytes, code);
  const q = readQstrs(new DataImage(bytes)).byName.get('maximum recursion depth exceeded');
  if (q === undefined) throw new Error('wasm: no qstr for the recursion message');
  const qobj = (q << 3) | 2;
  const decoded = (b: Body) => decodeBody(bytes, b.codeStart, b.end);
  const constOf = (b: Body): number[] => {
    const vals: number[] = [];
    for (const ins of decoded(b)) {
      if (ins.op !== 0x41) continue;
      const r = new Reader(bytes, ins.at + 1);
      vals.push(r.s32());
    }
    return vals;
  };
  // mp_raise_recursion_depth: small, loads the qstr object
  const raisers = bodies.filter((b) => b.end - b.start < 64 && constOf(b).includes(qobj)).map((b) => b.index + imports);
  if (raisers.length !== 1) throw new Error(`wasm: ${raisers.length} functions raise the recursion error`);
  const raiser = raisers[0] as number;
  const callsTo = (b: Body, f: number) => decoded(b).filter((i) => i.op === 0x10 && i.imm === f).length;
  // mp_cstack_check: small, moves global 0 and calls the raiser
  const checks = bodies.filter((b) => b.end - b.start < 128 && callsTo(b, raiser) === 1 && decoded(b).some((i) => i.op === 0x23 && i.imm === 0));
  if (checks.length !== 1) throw new Error(`wasm: ${checks.length} candidates for mp_cstack_check`);
  const cstackCheck = (checks[0] as Body).index + imports;
  const loops = bodies.filter((b) => {
    const ins = decoded(b);
    const self = b.index + imports;
    return ins[0]?.op === 0x10 && ins[0].imm === cstackCheck && ins.filter((i) => i.op === 0x10 && i.imm === self).length === 3 && !ins.some((i) => (i.op === 0x23 || i.op === 0x24) && i.imm === 0);
  });
  if (loops.length !== 1) throw new Error(`wasm: ${loops.length} candidates for recursiveloop`);
  return { cstackCheck, recursiveloop: (loops[0] as Body).index + imports };
}

/**
 * Returns a copy of the module in which each `recursiveloop` call holds {@link RE_FRAME_BYTES}
 * of shadow stack (see the file's header).
 * @throws Error if the module does not have the expected shape
 */
export function patchRegexStack(bytes: Uint8Array, frameBytes = RE_FRAME_BYTES): Uint8Array<ArrayBuffer> {
  const secs = sectionList(bytes);
  const code = secs.find((s) => s.id === 10) as Section;
  const imports = importedFunctions(bytes).count;
  const { recursiveloop } = findRegexStack(bytes);
  const down = [0x23, 0x00, 0x41, ...encodeS32(frameBytes), 0x6b, 0x24, 0x00]; // sp -= frame
  const up = [0x23, 0x00, 0x41, ...encodeS32(frameBytes), 0x6a, 0x24, 0x00]; // sp += frame
  const bodies = functionBodies(bytes, code);
  let sites = 0;
  const payload = codePayload(bytes, bodies, (b) => {
    const ins = decodeBody(bytes, b.codeStart, b.end);
    const isLoop = b.index + imports === recursiveloop;
    if (!isLoop && !ins.some((i) => i.op === 0x10 && i.imm === recursiveloop)) return undefined;
    const body: number[] = Array.from(bytes.subarray(b.start, b.codeStart));
    if (isLoop) body.push(...down);
    for (const i of ins) {
      body.push(...bytes.subarray(i.at, i.end));
      if (i.op === 0x10 && i.imm === recursiveloop) {
        body.push(...up);
        sites++;
      }
    }
    return Uint8Array.from(body);
  });
  if (sites < 4) throw new Error(`wasm: only ${sites} calls of recursiveloop`);
  return replaceSections(bytes, secs, new Map([[10, payload]]));
}
