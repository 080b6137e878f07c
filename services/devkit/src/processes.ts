// Child processes of tests: each in its own process group, logged to a file, killed as a group.
// A watchdog (one per test process) kills every group we started if this process dies without
// cleaning up (a crashed or killed Jest worker), so no daprd or service outlives its test.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The repository root: the nearest folder upwards whose package.json declares workspaces. */
function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && 'workspaces' in (JSON.parse(readFileSync(pkg, 'utf8')) as object)) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no workspace root above ${from}`);
  }
}
export const REPO_ROOT = findRoot(process.cwd());
const REGISTRY = path.join(tmpdir(), `bank-harness-${process.pid}`);
let watchdogStarted = false;

function startWatchdog(): void {
  if (watchdogStarted) return;
  watchdogStarted = true;
  mkdirSync(REGISTRY, { recursive: true });
  const script = `
    while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done
    for f in "${REGISTRY}"/*; do [ -f "$f" ] && kill -9 -- "-$(basename "$f")" 2>/dev/null; done
    rm -rf "${REGISTRY}"`;
  const w = spawn('bash', ['-c', script], { detached: true, stdio: 'ignore' });
  w.unref();
}

export interface Managed {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  logTail(lines?: number): string;
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  logDir: string;
}

export function spawnManaged(name: string, command: string, args: string[], opts: SpawnOptions): Managed {
  startWatchdog();
  mkdirSync(opts.logDir, { recursive: true });
  const logFile = path.join(opts.logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, ...opts.env } as NodeJS.ProcessEnv,
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  const pgid = child.pid!;
  writeFileSync(path.join(REGISTRY, String(pgid)), name);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      rmSync(path.join(REGISTRY, String(pgid)), { force: true });
      resolve(code ?? signal ?? -1);
    });
  });
  const m: Managed = {
    name,
    child,
    logFile,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-pgid, signal);
      } catch {
        return;
      }
      const t = setTimeout(() => {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 5000);
      await exited;
      clearTimeout(t);
    },
    logTail(lines = 40) {
      try {
        return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
  };
  return m;
}

export async function waitFor(what: string, check: () => Promise<boolean>, opts: { timeoutMs?: number; intervalMs?: number; proc?: Managed } = {}): Promise<void> {
  const until = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (opts.proc && (opts.proc.child.exitCode !== null || opts.proc.child.signalCode !== null)) {
      throw new Error(`${opts.proc.name} exited while waiting for ${what}:\n${opts.proc.logTail()}`);
    }
    if (await check().catch(() => false)) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${opts.proc ? `\n${opts.proc.logTail()}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

export async function httpOk(url: string, expect: (status: number) => boolean = (s) => s >= 200 && s < 300): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return expect(res.status);
}
