import { env, failpointSetting, loadConfig } from '@bank/platform';
import { STATESTORE_NAME } from '@bank/contracts';

export const configSpec = {
  APP_PORT: env.int(3001, { min: 1, max: 65535 }),
  DAPR_HTTP_PORT: env.int(3501, { min: 1, max: 65535 }),
  DAPR_HOST: env.str('127.0.0.1'),
  /** The sidecar requires it from us when it runs with DAPR_API_TOKEN. */
  DAPR_API_TOKEN: env.secret(),
  STATESTORE: env.str(STATESTORE_NAME),
  BODY_LIMIT_BYTES: env.int(16 * 1024, { min: 256, max: 1024 * 1024 }),
  CHUNK_SIZE: env.int(100, { min: 10, max: 10_000 }),
  IDEMPOTENCY_WINDOW: env.int(64, { min: 1, max: 1000 }),
  SIDECAR_WAIT_MS: env.int(60_000, { min: 0 }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  /** Test-only, off by default: failpoints to turn on (see @bank/platform failpoints), e.g. crash-after-commit. */
  FAILPOINT: failpointSetting,
};

export const loadCommandConfig = (source: NodeJS.ProcessEnv = process.env) => loadConfig(configSpec, source);
export type CommandConfig = ReturnType<typeof loadCommandConfig>;
