/**
 * Our patched interpreter (firmware/wasm-prepare.ts `patchForEsp`) kept in a cache file, so that
 * it is made once per wasm build and version of the patches rather than in every emulator
 * thread: the site's build reads it (`src/integrations/prepared-wasm.mjs`, which emits it as an
 * asset) and so do Node's emulator threads (tests, the command-line board).
 *
 * The file is `node_modules/.cache/esp8266-lab/micropython-<key>.wasm` with its
 * {@link PatchedWasmInfo} in `….json` beside it; `<key>` is a SHA-256 over the original bytes and
 * the source text of the patch modules (firmware/wasm-*.ts), so a new wasm or a changed patch makes a new file. A cache
 * that cannot be written (read-only install) only costs the time of patching.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isPatchedWasmInfo, patchForEsp, type PatchedWasm, type PatchedWasmInfo } from '../firmware/wasm-prepare.ts';

/** The firmware's directory: its `wasm-*.ts` modules decide the patched bytes (their text is part of the cache key). */
const FIRMWARE_DIR = new URL('../firmware/', import.meta.url);

/** Where the cache files go. */
export const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/esp8266-lab/', import.meta.url));

let patchKeyPart: string | null = null;

/** The cache key of an original wasm: SHA-256 of its bytes and of the patch modules' sources (hex, 16 digits). */
export function patchedWasmKey(original: Uint8Array): string {
  if (patchKeyPart === null) {
    const h = createHash('sha256');
    const names = readdirSync(FIRMWARE_DIR).filter((n) => /^wasm-.*\.ts$/.test(n) && !n.endsWith('.test.ts')).sort();
    for (const name of names) h.update(name).update(readFileSync(new URL(name, FIRMWARE_DIR)));
    patchKeyPart = h.digest('hex');
  }
  return createHash('sha256').update(original).update(patchKeyPart).digest('hex').slice(0, 16);
}

/**
 * The patched build of `original` from the cache file, made (and written) when missing.
 * @returns the bytes, what was patched, and the file's path (null when it could not be written)
 */
export function patchedWasmFile(original: Uint8Array): PatchedWasm & { path: string | null } {
  const key = patchedWasmKey(original);
  const path = `${CACHE_DIR}micropython-${key}.wasm`;
  try {
    const info: unknown = JSON.parse(readFileSync(`${path}.json`, 'utf8'));
    const bytes = readFileSync(path);
    if (isPatchedWasmInfo(info)) return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) as Uint8Array<ArrayBuffer>, info, path };
  } catch {
    // not made yet
  }
  const made = patchForEsp(original);
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    // several threads (vitest workers) may make the same file: each writes its own, then renames
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(tmp, made.bytes);
    renameSync(tmp, path);
    writeFileSync(`${tmp}.json`, JSON.stringify(made.info satisfies PatchedWasmInfo));
    renameSync(`${tmp}.json`, `${path}.json`);
    return { ...made, path };
  } catch {
    return { ...made, path: null };
  }
}
