// `import x from '…/micropython.wasm?esp-patched'`: the interpreter's wasm patched at build time
// (src/integrations/prepared-wasm.mjs, emulator/firmware/wasm-prepare.ts).
declare module '*.wasm?esp-patched' {
  const patched: {
    /** The patched wasm (memory shared), a hashed asset of the site. */
    url: string;
    /** What the patches did. */
    info: import('../emulator/firmware/wasm-prepare.ts').PatchedWasmInfo;
  };
  export default patched;
}
