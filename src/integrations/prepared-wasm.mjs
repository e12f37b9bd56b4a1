// @ts-check
/**
 * Vite plugin: our patches of the MicroPython wasm (emulator/firmware/wasm-prepare.ts) run at
 * build time instead of in every visitor's emulator thread (100–250 ms of JavaScript each page
 * load, README "Start-up: where the time goes").
 *
 *     import patched from '@micropython/micropython-webassembly-pyscript/micropython.wasm?esp-patched';
 *     patched.url   // the patched wasm (memory shared), a hashed asset of the site
 *     patched.info  // what was patched: { surface, utf8Prompt, heapBudget, layout }
 *
 * The patched file comes from emulator/node/prepared-wasm.ts's cache (made there when missing)
 * and goes into the bundle through Vite's own `?url` handling, so `astro dev` serves it too. Used
 * for the page's modules and for the worker bundle (`vite.worker.plugins`). The loaders'
 * (micropython.mjs) own reference to the unpatched wasm is taken out, so that file is not in the
 * site at all.
 */
import { patchedWasmFile } from '../../emulator/node/prepared-wasm.ts';
import { readFileSync } from 'node:fs';

const QUERY = '?esp-patched';
const PREFIX = '\0esp-patched:';
const LOADER_DEFAULT = 'new URL("micropython.wasm",import.meta.url).href';

/** @returns {import('vite').Plugin} */
export default function preparedWasm() {
  return {
    name: 'esp8266-lab:prepared-wasm',
    enforce: 'pre',
    async resolveId(source, importer) {
      if (!source.endsWith(QUERY)) return null;
      const found = await this.resolve(source.slice(0, -QUERY.length), importer, { skipSelf: true });
      if (!found) throw new Error(`prepared-wasm: cannot resolve ${source}`);
      return PREFIX + found.id;
    },
    // the loader's own default location of the wasm: never used (it is given the compiled module,
    // and `locateFile` answers first), but Vite would emit the unpatched wasm for it
    transform(code, id) {
      if (!/micropython-webassembly-pyscript[^/]*\/micropython\.mjs$/.test(id.split('?')[0] ?? '')) return null;
      const out = code.replace(LOADER_DEFAULT, '"micropython.wasm"');
      return out === code ? null : { code: out, map: null };
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const original = id.slice(PREFIX.length);
      this.addWatchFile(original);
      const made = patchedWasmFile(new Uint8Array(readFileSync(original)));
      if (!made.path) throw new Error(`prepared-wasm: could not write the patched ${original} to the cache`);
      return `import url from ${JSON.stringify(`${made.path}?url`)};\nexport default { url, info: ${JSON.stringify(made.info)} };\n`;
    },
  };
}
