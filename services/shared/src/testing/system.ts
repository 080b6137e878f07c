// The whole system for a test: account-command (and, with `query`, account-query and FerretDB),
// each with its daprd, on a components profile, isolated from every other run.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './processes.js';
import { prepareProfile, selectedProfile } from './profile.js';
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
  /** The run's isolation slot (its Redis database, table suffix, consumer names). */
  slot: number;
  command: RunningService;
  stop(): Promise<void>;
}

export function runDirFor(runId: string): string {
  return path.join(REPO_ROOT, '.data', 'test-runs', runId);
}

export async function startSystem(o: SystemOptions = {}): Promise<TestSystem> {
  const profile = o.profile ?? selectedProfile();
  const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
  const runDir = runDirFor(runId);
  mkdirSync(runDir, { recursive: true });
  const run = await prepareProfile(profile);
  const common = {
    resourcesPath: run.resourcesPath,
    runDir,
    nameResolutionDb: path.join(runDir, 'name-resolution.db'),
    daprEnv: run.daprEnv,
    daprApiToken: o.daprApiToken,
    appApiToken: o.appApiToken,
  };
  let command: RunningService | undefined;
  try {
    command = await startService({ ...common, appId: 'account-command', entry: 'services/account-command/src/main.ts', env: o.commandEnv ?? {} });
  } catch (err) {
    run.release();
    throw err;
  }
  return {
    runId,
    runDir,
    profile,
    slot: run.slot,
    command,
    async stop() {
      await command?.stop();
      run.release();
    },
  };
}
