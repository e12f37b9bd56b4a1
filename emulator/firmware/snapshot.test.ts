/**
 * The interpreter's memory snapshot right after our firmware modules are installed (modules.ts,
 * interpreter.ts `MemorySnapshot`): a restore gives the state a fresh install gives, calls the
 * current board's firmware calls, and is not used when the board would answer the install
 * otherwise (another build, release or flash size). The whole boards' side (flash, reset cause,
 * RTC memory, builds and releases flashed in turn) is at the end.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { flashFirmware } from '../node/esptool.ts';
import { patchedWasmFile } from '../node/prepared-wasm.ts';
import { TestBoard } from '../node/test-board.ts';
import type { FlashSize } from '../link/host.ts';
import { bannerLine, firmwareIdentity, RELEASES, type BuildFlash, type ReleaseId } from './builds.ts';
import { guardedModule, type FirmwareCall } from './hal.ts';
import { HeapBudget } from './heap-budget.ts';
import { compilePatched, INITIAL_HEAP_BYTES, Interpreter, type InterpreterHooks, type PreparedWasm } from './interpreter.ts';
import { FirmwareModules, keptSnapshots, useSnapshots } from './modules.ts';

const require = createRequire(import.meta.url);
const pyDir = new URL('./python/', import.meta.url);
const sources: Record<string, string> = {};
for (const name of readdirSync(pyDir)) if (name.endsWith('.py')) sources[name] = readFileSync(new URL(name, pyDir), 'utf8');
/** Every firmware call our modules name (`_esp_hal.x`, `_hal.x`): a stand-in board answers them all. */
const CALL_NAMES = [...new Set(Object.values(sources).flatMap((s) => [...s.matchAll(/\b_(?:esp_)?hal\.([a-z_0-9]+)/g)].map((m) => m[1] as string)))];

/** A stand-in board's firmware calls: its identity answers as `machine` says, and calls are counted. */
function standInCalls(machine: string, counts: Map<string, number>): object {
  const fns: Record<string, FirmwareCall> = {};
  const count = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  for (const name of CALL_NAMES) {
    fns[name] = () => {
      count(name);
      return null;
    };
  }
  const answers: Record<string, string> = { machine, version: 'v1.28.0 on 2026-04-06', release: '1.28.0', vfs: 'lfs2' };
  fns.identity = ((key: string) => answers[key] ?? '') as FirmwareCall;
  fns.fs_region = () => [256, 763];
  return guardedModule(fns);
}

let wasm: PreparedWasm;
beforeAll(async () => {
  const path = require.resolve(`${RELEASES['1.28.0'].wasmPackage}/micropython.wasm`);
  const { bytes, info } = patchedWasmFile(new Uint8Array(readFileSync(path)));
  wasm = await compilePatched(bytes, info, path, false, '1.28.0');
});

function hooks(out: string[]): InterpreterHooks {
  return { stdout: (b) => out.push(new TextDecoder().decode(b)), ticksMs: () => 0, unixMs: () => 0, heapCheck: () => true };
}

const sha = (buffer: ArrayBufferLike) => createHash('sha256').update(new Uint8Array(buffer)).digest('hex');

describe('a snapshot of the installed firmware (one thread, stand-in firmware calls)', () => {
  afterEach(() => useSnapshots(true));

  it('restores the very memory a fresh install makes, and the restored interpreter calls the current board', async () => {
    useSnapshots(false);
    useSnapshots(true);
    const first = new Map<string, number>();
    const hal1 = standInCalls('ESP module with ESP8266', first);
    const modules = new FirmwareModules(sources, new HeapBudget());
    const fresh = await Interpreter.create(wasm, hooks([]));
    modules.install(fresh, hal1, wasm, INITIAL_HEAP_BYTES);
    expect(keptSnapshots()).toBe(1);
    const freshMemory = sha(fresh.memory.buffer);

    // another board of the same build: its own calls (a new object) answer the same
    const second = new Map<string, number>();
    const hal2 = standInCalls('ESP module with ESP8266', second);
    const plan = modules.restorePlan(wasm, hal2, INITIAL_HEAP_BYTES);
    expect(plan).not.toBeNull();
    const out: string[] = [];
    const restored = await Interpreter.create(wasm, hooks(out), INITIAL_HEAP_BYTES, plan!);
    expect(sha(restored.memory.buffer)).toBe(freshMemory);
    restored.mp.runPython("import os, time\nprint(os.uname().machine)\ntime.ticks_ms()\n");
    expect(out.join('')).toBe('ESP module with ESP8266\n');
    // time.ticks_ms() asked the second board, not the first
    expect(first.get('ticks_ms')).toBeUndefined();
    expect(second.get('ticks_ms')).toBe(1);
  });

  it('is not restored for a board whose build answers otherwise, nor with snapshots off', async () => {
    useSnapshots(false);
    useSnapshots(true);
    const modules = new FirmwareModules(sources, new HeapBudget());
    const fresh = await Interpreter.create(wasm, hooks([]));
    modules.install(fresh, standInCalls('ESP module with ESP8266', new Map()), wasm, INITIAL_HEAP_BYTES);
    expect(modules.restorePlan(wasm, standInCalls('ESP module (1M) with ESP8266', new Map()), INITIAL_HEAP_BYTES)).toBeNull();
    expect(modules.restorePlan(wasm, standInCalls('ESP module with ESP8266', new Map()), INITIAL_HEAP_BYTES * 2)).toBeNull();
    // other module sources: another key
    const edited = new FirmwareModules({ ...sources, '_fw_help.py': `${sources['_fw_help.py']}\n# edited\n` }, new HeapBudget());
    expect(edited.restorePlan(wasm, standInCalls('ESP module with ESP8266', new Map()), INITIAL_HEAP_BYTES)).toBeNull();
    expect(modules.restorePlan(wasm, standInCalls('ESP module with ESP8266', new Map()), INITIAL_HEAP_BYTES)).not.toBeNull();
    useSnapshots(false);
    expect(modules.restorePlan(wasm, standInCalls('ESP module with ESP8266', new Map()), INITIAL_HEAP_BYTES)).toBeNull();
    expect(keptSnapshots()).toBe(0);
  });
});

/** A first boot's limit: a cold worker thread under load takes longer than TestBoard's 5 s. */
const BOOT_MS = 20_000;
let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

/** The names of the last boot's phases. */
const lastPhases = async (b: TestBoard, n: number) => {
  await b.waitUntil(() => b.timings.length >= n, 10_000, () => `timing ${n}`);
  return b.timings[n - 1]!.phases.map((p) => p.name);
};

/** What a learner can see of the interpreter's state at the prompt. */
const STATE = "import sys, os; print(sorted(sys.modules), dir(), sys.path, os.uname(), os.listdir(), sorted(dir(__import__('machine'))))";
/** The heap as the firmware reports it. */
const HEAP = 'import gc; gc.collect(); print(gc.mem_free(), gc.mem_alloc())';

describe('boards that restore the snapshot at a reset', () => {
  it('a hard and a soft reset restore it; what the prompt sees is what a fresh install gives', async () => {
    // a board whose filesystem is made already (the first boot's initial setup leaves other objects)
    board = await TestBoard.boot({}, BOOT_MS);
    const flash = board.host.flashSnapshot();
    board.dispose();
    board = await TestBoard.boot({ flashContents: flash }, BOOT_MS);
    const b = board;
    expect(await lastPhases(b, 1)).toContain('install');
    b.since();
    b.host.reset();
    await b.waitFor(/>>> $/, 10_000);
    const hard = await lastPhases(b, 2);
    expect(hard).toContain('restore');
    expect(hard).not.toContain('install');
    expect(hard).not.toContain('create');
    const restored = (await b.exec(STATE)).out;
    const heap = (await b.exec(HEAP)).out;
    expect(heap).toMatch(/^\d+ \d+\r\n$/);
    b.since();
    b.type('\x04');
    await b.waitFor(/>>> $/, 10_000);
    expect(await lastPhases(b, 3)).toContain('restore');
    expect((await b.exec(STATE)).out).toBe(restored);
    expect((await b.exec(HEAP)).out).toBe(heap);
    // the same flash in a new thread: a fresh install
    b.dispose();
    board = await TestBoard.boot({ flashContents: flash }, BOOT_MS);
    expect(await lastPhases(board, 1)).toContain('install');
    expect((await board.exec(STATE)).out).toBe(restored);
    // (the heap figure of a thread's first boot differs from a reset's by 32 bytes, snapshot or
    // not: the byte-for-byte equality of a restore and a fresh install is checked above)
  }, 90_000);

  it('the flash decides what boots after a restore (boot.py, main.py), the board gives the reset cause and the RTC memory', async () => {
    board = await TestBoard.boot({}, BOOT_MS);
    const b = board;
    expect((await b.exec("f = open('main.py', 'w'); f.write('print(\"main says hi\")'); f.close()")).err).toBe('');
    b.since();
    b.host.reset();
    await b.waitFor(/>>> $/, 10_000);
    expect(await lastPhases(b, 2)).toContain('restore');
    expect(b.recent).toContain('main says hi\r\n');
    expect((await b.exec("import machine; machine.RTC().memory(b'kept'); print(machine.reset_cause())")).out).toBe('6\r\n');
    b.since();
    b.type('import os; os.remove("main.py"); machine.reset()\r');
    await b.waitFor(/>>> $/, 10_000);
    expect(b.recent).not.toContain('main says hi');
    expect(await lastPhases(b, 3)).toContain('restore');
    expect((await b.exec('import machine; print(machine.reset_cause(), machine.RTC().memory())')).out).toBe("4 b'kept'\r\n");
  }, 90_000);

  /** Writes a build's image with esptool and waits for its prompt. */
  const flash = (b: TestBoard, release: ReleaseId, flashSize: BuildFlash) => flashFirmware(b, firmwareIdentity(flashSize, release));

  /**
   * Flashes builds in turn on one board (one thread) and resets each: the builds chosen keep the
   * filesystem of the one before readable (the 512 KB image ends below the others' filesystems).
   */
  async function flashInTurn(size: FlashSize, steps: [ReleaseId, BuildFlash, 'install' | 'restore'][]): Promise<void> {
    board = await TestBoard.boot({ flashSize: size }, BOOT_MS);
    const b = board;
    await lastPhases(b, 1);
    const identity = async () => (await b.exec('import os; print(os.uname().machine, os.uname().version)')).out;
    for (const [release, build, how] of steps) {
      const id = firmwareIdentity(build, release);
      const shown = `${id.machine} ${id.version}\r\n`;
      const n = b.timings.length;
      await flash(b, release, build);
      expect(await lastPhases(b, n + 1)).toContain(how);
      expect(b.recent).toContain(bannerLine(id));
      expect(await identity()).toBe(shown);
      b.since();
      b.host.reset();
      await b.waitFor(/>>> $/, 10_000);
      expect(await lastPhases(b, n + 2)).toContain('restore');
      expect(b.recent).toContain(bannerLine(id));
      expect(await identity()).toBe(shown);
    }
  }

  it('another build or release in flash installs afresh; each restores its own afterwards (4 MB board)', async () => {
    await flashInTurn('4M', [['1.28.0', '512K', 'install'], ['1.27.0', '4M', 'install'], ['1.28.0', '4M', 'restore']]);
  }, 240_000);

  it('the same on a 1 MB board: 1M and 512K builds, both releases', async () => {
    await flashInTurn('1M', [['1.28.0', '512K', 'install'], ['1.28.0', '1M', 'restore'], ['1.27.0', '1M', 'install'], ['1.27.0', '512K', 'install']]);
  }, 240_000);
});
