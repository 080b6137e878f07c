import { env, failpointSetting, loadConfig, serviceSettings, startSettings } from '@bank/platform';
import { STATESTORE_NAME } from '@bank/contracts';
import { DEFAULT_CHUNK_SIZE } from './eventstore/stream-store.js';

export const configSpec = {
  ...serviceSettings({ appPort: 3001, daprHttpPort: 3501 }),
  STATESTORE: env.str(STATESTORE_NAME),
  BODY_LIMIT_BYTES: env.int(16 * 1024, { min: 256, max: 1024 * 1024 }),
  CHUNK_SIZE: env.int(DEFAULT_CHUNK_SIZE, { min: 10, max: 10_000 }),
  IDEMPOTENCY_WINDOW: env.int(64, { min: 1, max: 1000 }),
  /** Between two sweeps for transfers left unsettled (a crash, another replica); 0: none. */
  TRANSFER_SWEEP_MS: env.int(2000, { min: 0, max: 3_600_000 }),
  /** Account heads a sweep reads per second at most (its cost grows with the accounts); 0: no bound. */
  TRANSFER_SWEEP_HEADS_PER_S: env.int(250, { min: 0, max: 1_000_000 }),
  /** Notifications published together while a publish is in flight (one bulk publish); 1: each alone. */
  PUBLISH_BATCH: env.int(64, { min: 1, max: 1000 }),
  ...startSettings,
  /** Test-only, off by default: failpoints to turn on (see @bank/platform failpoints), e.g. crash-after-commit. */
  FAILPOINT: failpointSetting,
};

export const loadCommandConfig = (source: NodeJS.ProcessEnv = process.env) => loadConfig(configSpec, source);
export type CommandConfig = ReturnType<typeof loadCommandConfig>;
