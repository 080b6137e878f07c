// The whole system for a test: account-command (and, with `query`, account-query and FerretDB),
// each with its daprd, on a components profile, isolated from every other run.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './processes.js';
import { acquireRedisDb, REDIS_HOST, REDIS_PORT } from './redis.js';
import { startService, type RunningService } from './service.js';

export interface SystemOptions {
  profile?: string;
  daprApiToken?: string;
  appApiToken?: string;
  commandEnv?: Record<string, string | undefined>;
}

export interface TestSystem {
  runId: string;
  runDir: string;
  profile: string;
  redisDb: number;
  command: RunningService;
  stop(): Promise<void>;
}

export function runDirFor(runId: string): string {
  return path.join(REPO_ROOT, '.data', 'test-runs', runId);
}

export async function startSystem(o: SystemOptions = {}): Promise<TestSystem> {
  const profile = o.profile ?? process.env.PROFILE ?? 'redis';
  const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
  const runDir = runDirFor(runId);
  mkdirSync(runDir, { recursive: true });
  const redis = await acquireRedisDb();
  const daprEnv = {
    BANK_REDIS_ADDRESS: `${REDIS_HOST}:${REDIS_PORT}`,
    BANK_REDIS_PASSWORD: process.env.REDIS_PASSWORD ?? '',
    BANK_REDIS_DB: String(redis.db),
  };
  const common = {
    resourcesPath: path.join(REPO_ROOT, 'components', profile),
    runDir,
    nameResolutionDb: path.join(runDir, 'name-resolution.db'),
    daprEnv,
    daprApiToken: o.daprApiToken,
    appApiToken: o.appApiToken,
  };
  let command: RunningService | undefined;
  try {
    command = await startService({ ...common, appId: 'account-command', entry: 'services/account-command/src/main.ts', env: o.commandEnv ?? {} });
  } catch (err) {
    redis.release();
    throw err;
  }
  return {
    runId,
    runDir,
    profile,
    redisDb: redis.db,
    command,
    async stop() {
      await command?.stop();
      redis.release();
    },
  };
}
