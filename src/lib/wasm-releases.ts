/**
 * Where the browser finds each release's interpreter: the official MicroPython wasm builds
 * (emulator/firmware/builds.ts `RELEASES`), emitted by Vite as hashed assets of the site's own
 * origin. Nothing is fetched until the emulator thread asks for a release (`wasmFile`), so a page
 * loads only the wasm of the release the board runs.
 */
import wasm127 from '@micropython/micropython-webassembly-pyscript/micropython.wasm?esp-patched';
import wasm128 from '@micropython/micropython-webassembly-pyscript-1.28/micropython.wasm?esp-patched';
import type { ReleaseId } from '../../emulator/firmware/builds.ts';
import type { ReleaseWasm } from '../../emulator/link/worker-main.ts';

/**
 * Each release's `micropython.wasm`, patched when the site was built (`?esp-patched`:
 * src/integrations/prepared-wasm.mjs), and what the patches did.
 */
const PATCHED = { '1.27.0': wasm127, '1.28.0': wasm128 } satisfies Record<ReleaseId, unknown>;

/** The URL of each release's (patched) `micropython.wasm`. */
export const WASM_URLS: Record<ReleaseId, string> = { '1.27.0': wasm127.url, '1.28.0': wasm128.url };

/**
 * A release's wasm for the emulator thread's environment (emulator/link/worker-main.ts `wasm`).
 * @param fetchFn the thread's own fetch, kept before the thread's lock-down takes it away
 * @throws (from `load`) Error when the server does not answer 200
 */
export function wasmFile(release: ReleaseId, fetchFn: typeof fetch): ReleaseWasm {
  const url = WASM_URLS[release];
  return {
    url,
    patched: PATCHED[release].info,
    fetch: () => fetchFn(url, { credentials: 'same-origin' }),
    load: async () => {
      const r = await fetchFn(url);
      if (!r.ok) throw new Error(`could not load ${url} (HTTP ${r.status})`);
      return new Uint8Array(await r.arrayBuffer());
    },
  };
}
