import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './processes.js';

let bin: string | undefined;

/** Builds (first time) or finds daprd and FerretDB through scripts/tools.sh; returns the bin dir. */
export function toolsBin(): string {
  if (bin) return bin;
  const script = path.join(REPO_ROOT, 'scripts/tools.sh');
  execFileSync('bash', [script, 'daprd', 'ferretdb'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const out = execFileSync('bash', [script, '--print-env'], { encoding: 'utf8' });
  bin = /TOOLS_BIN=(.*)/.exec(out)?.[1]?.trim();
  if (!bin || !existsSync(path.join(bin, 'daprd'))) throw new Error('scripts/tools.sh did not produce daprd');
  return bin;
}
