#!/usr/bin/env node
// Records optional platform-specific packages that the npm registry mirror we build
// against does not serve (other operating systems' native bindings) in package-lock.json,
// with their `os`/`cpu`/`libc` constraints and no tarball address. `npm ci` checks that every
// optional dependency has a lock entry, and skips entries whose platform does not match,
// so these entries are never fetched. Run after `npm install` rewrote the lock:
//   node scripts/lock-platform-stubs.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const pkgs = lock.packages;

/** Platform constraints read from a binding package's name suffix. */
function platformOf(name) {
  const p = {};
  if (name.includes('wasm32')) return { cpu: ['wasm32'] };
  for (const os of ['android', 'darwin', 'linux', 'win32', 'freebsd', 'openbsd', 'openharmony']) {
    if (name.includes(`-${os}-`)) p.os = [os];
  }
  for (const cpu of ['arm64', 'x64', 'ia32', 'arm', 'riscv64', 'ppc64', 's390x', 'loong64']) {
    if (new RegExp(`-${cpu}(-|$)`).test(name)) { p.cpu = [cpu]; break; }
  }
  if (name.endsWith('-musl')) p.libc = ['musl'];
  if (name.endsWith('-gnu')) p.libc = ['glibc'];
  return p.os && p.cpu ? p : null;
}

let added = 0;
for (const [path, entry] of Object.entries(pkgs)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path}/node_modules/${dep}`;
    const hoisted = `node_modules/${dep}`;
    if (pkgs[nested] || pkgs[hoisted]) continue;
    const platform = platformOf(dep);
    if (!platform) { console.warn(`skipped ${dep}: platform unknown`); continue; }
    pkgs[hoisted] = { version, dev: entry.dev, optional: true, ...platform };
    added++;
  }
}
writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`lock-platform-stubs: ${added} entries added`);
