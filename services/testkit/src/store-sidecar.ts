// A daprd with no app, for suites that drive a building block directly (the event-store suite).
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { prepareProfile, REPO_ROOT, startDaprd, type Daprd, type ProfileRun } from '@bank/devkit';

export interface StoreSidecar {
  daprd: Daprd;
  profile: ProfileRun;
  stop(): Promise<void>;
}

export async function startStoreSidecar(appId: string, opts: { profile?: string; daprApiToken?: string } = {}): Promise<StoreSidecar> {
  const profile = await prepareProfile(opts.profile);
  const runDir = path.join(REPO_ROOT, '.data', 'test-runs', `${appId}-${randomUUID().slice(0, 8)}`);
  try {
    const daprd = await startDaprd({
      appId,
      resourcesPath: profile.resourcesPath,
      runDir,
      nameResolutionDb: path.join(runDir, 'name-resolution.db'),
      env: profile.daprEnv,
      daprApiToken: opts.daprApiToken,
    });
    return {
      daprd,
      profile,
      async stop() {
        await daprd.stop();
        profile.release();
      },
    };
  } catch (err) {
    profile.release();
    throw err;
  }
}
