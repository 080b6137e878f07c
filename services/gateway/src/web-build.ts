// Builds the dashboard (Vite) into services/gateway/dist-web when it is missing or older than its
// sources. Used by `npm start` and by the browser tests' set-up, so neither serves a stale build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export function webPaths(repoRoot: string) {
  const web = path.join(repoRoot, 'services', 'gateway', 'web');
  return { web, dist: path.join(repoRoot, 'services', 'gateway', 'dist-web') };
}

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = path.join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

/** True when dist-web has no index.html or a source file is newer than it. */
export function webBuildStale(repoRoot: string): boolean {
  const { web, dist } = webPaths(repoRoot);
  const index = path.join(dist, 'index.html');
  if (!existsSync(index)) return true;
  return newest(web) > statSync(index).mtimeMs;
}

/** Runs `npm run build:web` when needed; throws with Vite's output if the build fails. */
export function ensureWebBuilt(repoRoot: string, say: (m: string) => void = () => undefined): { built: boolean; dist: string } {
  const { dist } = webPaths(repoRoot);
  if (!webBuildStale(repoRoot)) return { built: false, dist };
  say('building the dashboard (npm run build:web)');
  const r = spawnSync('npm', ['run', '--silent', 'build:web'], { cwd: repoRoot, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`npm run build:web failed (${r.status ?? r.signal ?? r.error?.message}):\n${r.stdout}\n${r.stderr}`);
  if (!existsSync(path.join(dist, 'index.html'))) throw new Error(`npm run build:web wrote no ${path.join(dist, 'index.html')}`);
  return { built: true, dist };
}
