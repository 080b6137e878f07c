import { COMMAND_APP_ID } from '@bank/contracts';
import { ConfigError, env, loadConfig, serviceSettings, startSettings } from '@bank/platform';

/** Where the read side reads from and writes to, and who may call it. */
const connectionSettings = {
  /** The sidecar sends it to us: deliveries without it are refused. */
  APP_API_TOKEN: env.secret(),
  /** Optional bearer token for /admin; without it the admin API relies on the network. */
  ADMIN_TOKEN: env.secret(),
  MONGODB_URL: env.str('mongodb://127.0.0.1:27017/bank'),
  COMMAND_APP_ID: env.str(COMMAND_APP_ID),
};

/** Read-your-writes: a query with ?minVersion= waits for the read model to reach that version. */
const readYourWritesSettings = {
  /** Bound of a ?minVersion= read-your-writes wait. */
  MIN_VERSION_WAIT_MS: env.int(5000, { min: 0, max: 60_000 }),
  /** A ?minVersion read still waiting after this long pulls the account itself (a lost or slow notification). */
  MIN_VERSION_PULL_AFTER_MS: env.int(1000, { min: 0, max: 60_000 }),
};

/** Pulls of an account's events from the command side. */
const pullSettings = {
  /** Events asked per pull round trip. */
  PULL_PAGE_SIZE: env.int(500, { min: 1, max: 10_000 }),
  PULL_TIMEOUT_MS: env.int(10_000, { min: 100, max: 120_000 }),
  /** A failed pull is retried in process this many times (backoff doubling from 250 ms up to the cap). */
  PULL_RETRY_ATTEMPTS: env.int(20, { min: 0, max: 1000 }),
  PULL_RETRY_MAX_MS: env.int(5000, { min: 100, max: 600_000 }),
};

/** How the projector applies events and writes the read models, and the sweep that catches what it missed. */
const projectionSettings = {
  /**
   * Apply the events a notification carries (only the command service's direct publish, sent
   * after a confirmed commit, has them) when they follow the version the read model holds,
   * instead of pulling them from the event store; false: always pull.
   */
  APPLY_COMMITTED_EVENTS: env.bool(true),
  /**
   * Accounts the projector writes together: the changes that arrive while a write is in flight
   * go in the next one, up to this many (readmodel/batching-writer.ts); 1: each on its own.
   */
  PROJECTION_WRITE_BATCH: env.int(256, { min: 1, max: 10_000 }),
  /** Accounts whose last written document this process remembers (the base of the next change); 0: none. */
  PROJECTION_CACHE_ACCOUNTS: env.int(20_000, { min: 0, max: 10_000_000 }),
  /** Pause between reconciliation sweeps (every stream's version against the read models); 0: off. */
  RECONCILE_INTERVAL_MS: env.int(300_000, { min: 0, max: 86_400_000 }),
};

/** Rebuilds of the read models into a new generation, and how soon a replica sees the switch to it. */
const rebuildSettings = {
  REBUILD_CONCURRENCY: env.int(8, { min: 1, max: 64 }),
  /** How often the active generation is re-read (another replica may have switched it). */
  META_REFRESH_MS: env.int(1000, { min: 50, max: 60_000 }),
};

/** Live updates (SSE): the Redis whose pub/sub channel fans updates out to every replica. */
const liveUpdateSettings = {
  LIVE_ENABLED: env.bool(true),
  LIVE_REDIS_URL: env.str('redis://127.0.0.1:6379'),
  LIVE_CHANNEL: env.str('bank:live'),
  LIVE_MAX_CLIENTS: env.int(1000, { min: 1, max: 100_000 }),
  LIVE_HEARTBEAT_MS: env.int(15_000, { min: 100, max: 300_000 }),
};

/** Every variable account-query reads, in the order a bad value is reported. */
export const configSpec = {
  ...serviceSettings({ appPort: 3002, daprHttpPort: 3502 }),
  ...connectionSettings,
  ...readYourWritesSettings,
  ...pullSettings,
  ...projectionSettings,
  ...rebuildSettings,
  ...liveUpdateSettings,
  ...startSettings,
};

export function loadQueryConfig(source: NodeJS.ProcessEnv = process.env) {
  const c = loadConfig(configSpec, source);
  // Fail at start-up, not at the first connection attempt.
  if (!/^mongodb(\+srv)?:\/\/[^/]+/.test(c.MONGODB_URL)) throw new ConfigError(`invalid configuration:\n  - MONGODB_URL must be a mongodb:// URL, got "${c.MONGODB_URL}"`);
  if (!/^[A-Za-z0-9_.-]+$/.test(c.COMMAND_APP_ID)) throw new ConfigError(`invalid configuration:\n  - COMMAND_APP_ID must be a Dapr app id, got "${c.COMMAND_APP_ID}"`);
  if (!/^rediss?:\/\/[^/]+/.test(c.LIVE_REDIS_URL))
    throw new ConfigError(`invalid configuration:\n  - LIVE_REDIS_URL must be a redis:// or rediss:// URL, got "${c.LIVE_REDIS_URL.replace(/\/\/[^@/]*@/, '//[redacted]@')}"`);
  if (!/^[A-Za-z0-9_.:-]{1,200}$/.test(c.LIVE_CHANNEL))
    throw new ConfigError(`invalid configuration:\n  - LIVE_CHANNEL must be 1-200 letters, digits or _.:-, got "${c.LIVE_CHANNEL}"`);
  return c;
}

export type QueryConfig = ReturnType<typeof loadQueryConfig>;
