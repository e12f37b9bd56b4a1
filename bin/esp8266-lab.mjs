#!/usr/bin/env node
// The esp8266-lab command (`npx esp8266-lab board`): runs emulator/node/cli.ts, the TypeScript
// source, with a Node that strips types. That is this Node if it does so (≥ 22.18, as the
// project's pinned `node` package is); otherwise the pinned Node in node_modules, or this Node
// with --experimental-strip-types (22.6–22.17). Older Nodes get a clear message.
// Kept to syntax that any Node can parse, so that the message reaches old ones.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const cli = fileURLToPath(new URL('emulator/node/cli.ts', root));
const args = process.argv.slice(2);

function version(v) {
  const m = /^v?(\d+)\.(\d+)/.exec(v);
  return m ? Number(m[1]) * 1000 + Number(m[2]) : 0;
}

if (process.features && process.features.typescript) {
  const { run } = await import(cli);
  await run(args);
} else {
  const pinned = fileURLToPath(new URL('node_modules/node/bin/node', root));
  let node = null;
  let flags = [];
  if (existsSync(pinned)) node = pinned;
  else if (version(process.version) >= 22006) {
    node = process.execPath;
    flags = ['--experimental-strip-types', '--disable-warning=ExperimentalWarning'];
  }
  if (!node) {
    process.stderr.write(`esp8266-lab: needs Node 22.6 or newer (to run its TypeScript sources); this is Node ${process.version}.\n`
      + 'Run "npm ci" in the esp8266-lab folder (it installs the pinned Node 22) and use "npx esp8266-lab", or install Node 22.\n');
    process.exit(1);
  }
  const child = spawn(node, [...flags, cli, ...args], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('error', (e) => {
    process.stderr.write(`esp8266-lab: cannot start ${node}: ${e.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code === null ? (signal ? 1 : 0) : code));
}
