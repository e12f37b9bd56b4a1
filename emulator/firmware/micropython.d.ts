// Types for the parts of @micropython/micropython-webassembly-pyscript we use (the package ships
// no declarations; see its micropython.mjs `loadMicroPython`). The same for 1.27.0 and for
// 1.28.0-6, installed as @micropython/micropython-webassembly-pyscript-1.28 (builds.ts RELEASES).
declare module '@micropython/micropython-webassembly-pyscript' {
  export interface MicroPythonOptions {
    pystack?: number;
    heapsize?: number;
    url?: string;
    stdin?: () => number | null;
    stdout?: (data: Uint8Array) => void;
    stderr?: (data: Uint8Array) => void;
    linebuffer?: boolean;
  }
  export interface MicroPythonInstance {
    _module: Record<string, unknown>;
    FS: {
      mkdir(path: string): void;
      writeFile(path: string, data: string | Uint8Array): void;
      unlink(path: string): void;
      rmdir(path: string): void;
      readdir(path: string): string[];
    };
    registerJsModule(name: string, module: object): void;
    runPython(code: string): unknown;
    replInit(): void;
    replProcessChar(chr: number): number;
  }
  export function loadMicroPython(options?: MicroPythonOptions): Promise<MicroPythonInstance>;
}
declare module '@micropython/micropython-webassembly-pyscript-1.28' {
  export * from '@micropython/micropython-webassembly-pyscript';
}
