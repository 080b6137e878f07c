#!/usr/bin/env node
// One-time (and idempotent) set-up shared by `npm start` and `npm test`: dependencies installed
// and current, then the external tools built from the Go module proxy (cached outside the clone).
// What each command needs:
//   node scripts/setup.mjs --for=start   npm ci, daprd, FerretDB, Hydra: all that `npm start` runs on
//   node scripts/setup.mjs [--for=test]  the same, plus helm, kubeconform, the Kubernetes schemas
//                                        and the Tiltfile checker, which only the packaging tests
//                                        (charts/test) use
// With everything cached either is a hash of package-lock.json and a few file tests (under a
// second). Chromium is not built here: the browser test installs Debian's package when missing.
// Plain JavaScript on purpose: it must run before anything is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (m) => console.error(`[setup] ${m}`);

// scripts/tools.sh arguments per command; `all` also notes that tilt is not built (see tools.sh).
const TOOLS = { start: ['daprd', 'ferretdb', 'hydra'], test: ['all'] };
const forArg = process.argv.slice(2).find((a) => a.startsWith('--for='));
const target = forArg ? forArg.slice('--for='.length) : 'test';
if (!Object.hasOwn(TOOLS, target) || process.argv.slice(2).some((a) => !a.startsWith('--for='))) {
  say(`usage: node scripts/setup.mjs [--for=start|--for=test] (got: ${process.argv.slice(2).join(' ')})`);
  process.exit(2);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  say(`Node ${process.versions.node} is too old: this project needs Node >= 20.19 (the mongodb driver does).`);
  process.exit(1);
}

// Reinstall when package-lock.json changed since the last install (or nothing is installed).
const lock = path.join(root, 'package-lock.json');
const stamp = path.join(root, 'node_modules', '.bank-install-stamp');
const want = existsSync(lock) ? createHash('sha256').update(readFileSync(lock)).digest('hex') : 'no-lock';
const have = existsSync(stamp) ? readFileSync(stamp, 'utf8') : '';
if (want !== have) {
  say('installing npm dependencies (npm ci)');
  const r = spawnSync('npm', [existsSync(lock) ? 'ci' : 'install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    say('npm install failed');
    process.exit(r.status ?? 1);
  }
  writeFileSync(stamp, want);
}

try {
  execFileSync('bash', [path.join(root, 'scripts/tools.sh'), ...TOOLS[target]], { cwd: root, stdio: 'inherit' });
} catch {
  process.exit(1);
}
say(`ready for ${target}: npm dependencies current; scripts/tools.sh ${TOOLS[target].join(' ')} done`);
