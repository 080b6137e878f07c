// What the fault suites share: the system on the suite's own Redis (event store and broker, with
// an fsync'd append-only file), which they kill and restart without touching the machine's
// shared Redis, and a run of faults with how long each took to come back.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startOwnRedis, startSystem, type OwnRedis, type TestSystemWithQuery } from '@bank/testkit';

export interface FaultSystem {
  sys: TestSystemWithQuery;
  redis: OwnRedis;
}

/** Starts the system on its own Redis before the file's tests and stops both after them. */
export function useFaultSystem(name: string): FaultSystem {
  const started = {} as FaultSystem;
  beforeAll(async () => {
    started.redis = await startOwnRedis(mkdtempSync(path.join(tmpdir(), `bank-${name}-`)));
    started.sys = (await startSystem({
      query: true,
      servers: { redis: started.redis },
      commandEnv: { LOG_LEVEL: 'warn' },
      queryEnv: { LOG_LEVEL: 'warn' },
    })) as TestSystemWithQuery;
  });
  afterAll(async () => {
    await started.sys?.stop();
    await started.redis?.stop();
  });
  return started;
}

/**
 * Each fault in turn, after `pauseMs()` of load: what it was, how long until it was back, and
 * `progress()` (say, how many commands were accepted) before it.
 */
export async function runFaults(faults: Array<[string, () => Promise<void>]>, pauseMs: () => number, progress: () => string): Promise<string[]> {
  const timeline: string[] = [];
  for (const [what, fault] of faults) {
    await new Promise((resolve) => setTimeout(resolve, pauseMs()));
    const before = progress();
    const t0 = Date.now();
    await fault();
    timeline.push(`${what}: back in ${Date.now() - t0} ms (${before} before)`);
  }
  return timeline;
}
