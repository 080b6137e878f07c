// What a components profile needs from the run: its folder and the environment its component
// secrets are read from (secretstores.local.env, prefix BANK_), isolated per run.
import path from 'node:path';
import { REPO_ROOT } from './processes.js';
import { acquireRedisDb, REDIS_HOST, REDIS_PORT } from './redis.js';

export interface ProfileRun {
  profile: string;
  resourcesPath: string;
  daprEnv: Record<string, string>;
  /** Frees what the run reserved (its Redis database). */
  release(): void;
}

export function selectedProfile(): string {
  return process.env.PROFILE ?? 'redis';
}

export async function prepareProfile(profile = selectedProfile()): Promise<ProfileRun> {
  const redis = await acquireRedisDb();
  return {
    profile,
    resourcesPath: path.join(REPO_ROOT, 'components', profile),
    daprEnv: {
      BANK_REDIS_ADDRESS: `${REDIS_HOST}:${REDIS_PORT}`,
      BANK_REDIS_PASSWORD: process.env.REDIS_PASSWORD ?? '',
      BANK_REDIS_DB: String(redis.db),
    },
    release: redis.release,
  };
}
