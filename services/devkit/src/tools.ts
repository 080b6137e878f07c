import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './processes.js';

let cachedBin: string | undefined;

/**
 * The binaries folder of the tools cache: $TOOLS_BIN when set, else what scripts/tools.sh (the one
 * place that defines the cache's location) prints with --print-env, asked once per process.
 */
export function toolsCacheBin(): string {
  if (process.env.TOOLS_BIN) return process.env.TOOLS_BIN;
  if (cachedBin === undefined) {
    const printed = execFileSync('bash', [path.join(REPO_ROOT, 'scripts/tools.sh'), '--print-env'], { encoding: 'utf8' });
    const line = printed.split('\n').find((entry) => entry.startsWith('TOOLS_BIN='));
    if (!line) throw new Error(`scripts/tools.sh --print-env printed no TOOLS_BIN line: ${printed}`);
    cachedBin = line.slice('TOOLS_BIN='.length);
  }
  return cachedBin;
}

/**
 * The folder that holds daprd and FerretDB, built by `npm run setup` (scripts/setup.mjs, which
 * `npm start` and `npm test` run first). Builds nothing itself: missing tools are an error that
 * says how to get them.
 */
export function toolsBin(): string {
  const bin = toolsCacheBin();
  const missing = ['daprd', 'ferretdb'].filter((tool) => !existsSync(path.join(bin, tool)));
  if (missing.length > 0) throw new Error(`${missing.join(' and ')} not found in ${bin}: run npm run setup (it builds them into the tools cache)`);
  return bin;
}
