/**
 * The emulator's shape (emulator/README.md): its folders are its layers, each may use only the
 * layers below it, and no file imports one that imports it back — neither among the TypeScript
 * sources (`import type` and `import()` count) nor among our firmware's Python modules.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

/**
 * What each layer may import from outside itself. `link` is both ends of the thread boundary:
 * the firmware uses its low files (channel, protocol, relay: {@link LINK_FOR_FIRMWARE}), while
 * its host and worker entry sit above the firmware.
 */
const ALLOWED: Record<string, readonly string[]> = {
  chip: [],
  rom: ['chip'],
  board: ['chip', 'rom'],
  net: [],
  firmware: ['chip', 'rom', 'board', 'net', 'link'],
  link: ['chip', 'rom', 'board', 'net', 'firmware'],
  clients: ['chip', 'rom', 'board', 'link'],
  node: ['chip', 'rom', 'board', 'net', 'firmware', 'link', 'clients'],
};
/** The only link files the firmware may import: what both sides of the boundary share. */
const LINK_FOR_FIRMWARE = ['link/channel.ts', 'link/protocol.ts', 'link/relay.ts'];

/** Every TypeScript source under emulator/ (tests and declarations left out), relative to it. */
function sources(dir = ROOT): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(path.relative(ROOT, p));
  }
  return out.sort();
}

/** The relative imports of a TypeScript file (static, type-only, re-exports and `import()`), as paths relative to emulator/. */
export function tsImports(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1] as string);
  return [...new Set(specs.map((s) => path.relative(ROOT, path.resolve(ROOT, path.dirname(file), s))))];
}

/** The `_fw_*` modules a Python file imports (`import`, `from … import`, `__import__('…')`), itself left out. */
export function pyImports(name: string, text: string): string[] {
  const found = [
    ...text.matchAll(/^\s*(?:import|from)\s+(_fw_\w+)/gm),
    ...text.matchAll(/__import__\(\s*['"](_fw_\w+)['"]/g),
  ].map((m) => m[1] as string);
  return [...new Set(found)].filter((m) => m !== name);
}

/** One cycle of a directed graph as a path `a → … → a`, or null. */
export function findCycle(graph: Map<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (u: string): string[] | null => {
    state.set(u, 'open');
    stack.push(u);
    for (const v of graph.get(u) ?? []) {
      if (state.get(v) === 'open') return [...stack.slice(stack.indexOf(v)), v];
      if (!state.has(v)) {
        const c = visit(v);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(u, 'done');
    return null;
  };
  for (const u of graph.keys()) {
    if (!state.has(u)) {
      const c = visit(u);
      if (c) return c;
    }
  }
  return null;
}

const layerOf = (file: string): string => (file.includes('/') ? (file.split('/')[0] as string) : '.');

describe('the emulator layout', () => {
  const files = sources();
  const graph = new Map(files.map((f) => [f, tsImports(f, readFileSync(path.join(ROOT, f), 'utf8'))]));

  it('has every source in a layer folder, and every import resolves to a source', () => {
    expect(files.filter((f) => !(layerOf(f) in ALLOWED))).toEqual([]);
    const missing = [...graph].flatMap(([f, ds]) => ds.filter((d) => !files.includes(d)).map((d) => `${f} → ${d}`));
    expect(missing).toEqual([]);
  });

  it('has no import cycle between its TypeScript files', () => {
    expect(findCycle(graph)).toBeNull();
  });

  it('lets each layer use only the layers below it', () => {
    const wrong: string[] = [];
    for (const [f, deps] of graph) {
      const from = layerOf(f);
      for (const d of deps) {
        const to = layerOf(d);
        if (to === from) continue;
        const ok = (ALLOWED[from] ?? []).includes(to) && !(from === 'firmware' && to === 'link' && !LINK_FOR_FIRMWARE.includes(d));
        if (!ok) wrong.push(`${f} → ${d}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('has no import cycle between the firmware\'s Python modules', () => {
    const dir = path.join(ROOT, 'firmware', 'python');
    const modules = readdirSync(dir).filter((f) => f.endsWith('.py'));
    const py = new Map(modules.map((f) => [f.slice(0, -3), pyImports(f.slice(0, -3), readFileSync(path.join(dir, f), 'utf8'))]));
    expect(py.get('_fw_rtc')).toContain('_fw_args');
    expect(findCycle(py)).toBeNull();
  });
});

describe('the checks themselves', () => {
  it('find a cycle, including one through a type-only import', () => {
    const a = tsImports('net/a.ts', "import type { B } from './b.ts';\nexport const x = 1;");
    const b = tsImports('net/b.ts', "import { x } from './a.ts';\nconst m = import('../chip/gpio.ts');");
    expect(b).toEqual(['net/a.ts', 'chip/gpio.ts']);
    expect(findCycle(new Map([['net/a.ts', a], ['net/b.ts', b]]))).toEqual(['net/a.ts', 'net/b.ts', 'net/a.ts']);
    expect(findCycle(new Map([['net/a.ts', a], ['net/b.ts', []]]))).toBeNull();
  });

  it('read Python imports, lazy ones included, but not a module naming itself', () => {
    const text = "import _fw_args as _m\nfrom _fw_rtc import RTC\ndef f():\n    __import__('_fw_machine', None, None, (), -7)\n    __import__('_fw_x')\n";
    expect(pyImports('_fw_x', text).sort()).toEqual(['_fw_args', '_fw_machine', '_fw_rtc']);
  });
});
