// A Redis server of the test's own, on its own port, with an append-only file synced on every
// write: fault suites kill and restart it without touching the machine's shared Redis, and
// nothing acknowledged before a SIGKILL is lost.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { freePort, redisCommand, spawnManaged, waitFor, type Managed } from '@bank/devkit';

export interface OwnRedis {
  host: string;
  port: number;
  /** Stops it (SIGKILL by default: a crash) and starts it again on the same port and data. */
  restart(opts?: { signal?: NodeJS.Signals; downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnRedis(runDir: string): Promise<OwnRedis> {
  const port = await freePort();
  const dir = path.join(runDir, `redis-${port}`);
  mkdirSync(dir, { recursive: true });
  let proc: Managed;
  const launch = async () => {
    proc = spawnManaged(
      `redis-${port}`,
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'no'],
      { logDir: runDir },
    );
    await waitFor(`redis on ${port}`, async () => (await redisCommand([['PING']], 0, { host: '127.0.0.1', port })).includes('PONG'), { proc, timeoutMs: 20_000 });
  };
  await launch();
  return {
    host: '127.0.0.1',
    port,
    async restart(opts = {}) {
      await proc.kill(opts.signal ?? 'SIGKILL');
      if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
      await launch();
    },
    stop: () => proc.kill('SIGTERM'),
  };
}
