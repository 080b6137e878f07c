import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** The binaries folder of the tools cache, as scripts/tools.sh computes it. */
export function toolsCacheBin(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.BANK_TOOLS_CACHE || path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'bank-cqrs-tools');
  return path.join(cache, 'bin');
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
