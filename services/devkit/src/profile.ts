// What a components profile needs from a run: its folder, the environment its component secrets
// are read from (secretstores.local.env, prefix BANK_), and its idempotent set-up (databases,
// streams). Each run takes a slot (1..15; `npm start` uses 0) that isolates it from every other
// run on the same servers: its own Redis database, tables, schema, queues and consumers.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './processes.js';
import { acquireSlot, REDIS_HOST, REDIS_PORT, redisCommand } from './redis.js';

export interface ProfileRun {
  profile: string;
  slot: number;
  resourcesPath: string;
  daprEnv: Record<string, string>;
  /** Frees what the run reserved. */
  release(): void;
}

const host = (name: string, def: string) => process.env[name] ?? def;
const PG = { host: host('PGHOST', '127.0.0.1'), port: host('PGPORT', '5432'), user: host('PGUSER', 'postgres'), db: host('BANK_PG_DATABASE', 'bank') };
const MYSQL = { host: host('MYSQL_HOST', '127.0.0.1'), port: host('MYSQL_PORT', '3306'), user: host('MYSQL_USER', 'root'), password: process.env.MYSQL_PASSWORD ?? '' };

function sh(cmd: string, args: string[], what: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PGPASSWORD: process.env.PGPASSWORD ?? '' } });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${what} failed: ${err.stderr?.trim() || err.message}`);
  }
}

const psql = (sql: string, db = PG.db) =>
  sh('psql', ['-h', PG.host, '-p', PG.port, '-U', PG.user, '-d', db, '-v', 'ON_ERROR_STOP=1', '-qtAc', sql], `psql (${PG.host}:${PG.port}) "${sql}"`);
const mysql = (sql: string) =>
  sh(
    'mariadb',
    ['-h', MYSQL.host, '-P', MYSQL.port, '-u', MYSQL.user, ...(MYSQL.password ? [`-p${MYSQL.password}`] : []), '-e', sql],
    `mariadb (${MYSQL.host}:${MYSQL.port}) "${sql}"`,
  );

/** Names that differ per slot; slot 0 (npm start) keeps the plain names. */
const suffix = (slot: number) => (slot === 0 ? '' : `_s${slot}`);
const consumer = (slot: number) => (slot === 0 ? '{appID}' : `t${slot}-{appID}`);

async function redis(slot: number, fresh: boolean, server = { host: REDIS_HOST, port: REDIS_PORT }) {
  if (fresh) await redisCommand([['FLUSHDB']], slot, server);
  return { BANK_REDIS_ADDRESS: `${server.host}:${server.port}`, BANK_REDIS_PASSWORD: process.env.REDIS_PASSWORD ?? '', BANK_REDIS_DB: String(slot) };
}

function ensurePgDatabase(name: string): void {
  if (psql(`SELECT 1 FROM pg_database WHERE datname = '${name}'`, 'postgres').trim() === '1') return;
  try {
    psql(`CREATE DATABASE ${name}`, 'postgres');
  } catch (err) {
    // A parallel run created it between the check and the CREATE.
    if (!/already exists/.test((err as Error).message)) throw err;
  }
}

/**
 * The PostgreSQL database under FerretDB's read models for a slot (`bank_readmodels`, with the
 * slot suffix): emptied for a fresh run, kept for `npm start`.
 */
export function readModelsPostgresUrl(slot: number, fresh: boolean): string {
  const db = `bank_readmodels${suffix(slot)}`;
  if (fresh) psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`, 'postgres');
  ensurePgDatabase(db);
  const pw = process.env.PGPASSWORD ? `:${encodeURIComponent(process.env.PGPASSWORD)}` : '';
  return `postgres://${encodeURIComponent(PG.user)}${pw}@${PG.host}:${PG.port}/${db}`;
}

function postgres(slot: number, fresh: boolean) {
  ensurePgDatabase(PG.db);
  const table = `state${suffix(slot)}`;
  const meta = `dapr_metadata${suffix(slot)}`;
  if (fresh) psql(`DROP TABLE IF EXISTS ${table}; DROP TABLE IF EXISTS ${meta}`);
  const password = process.env.PGPASSWORD ? ` password=${process.env.PGPASSWORD}` : '';
  return {
    BANK_PG_CONNECTION: `host=${PG.host} port=${PG.port} user=${PG.user}${password} dbname=${PG.db} sslmode=disable`,
    BANK_STATE_TABLE: table,
    BANK_STATE_METADATA_TABLE: meta,
  };
}

function mariadb(slot: number, fresh: boolean) {
  const schema = `bank${suffix(slot)}`;
  if (fresh) mysql(`DROP DATABASE IF EXISTS ${schema}`);
  return {
    BANK_MYSQL_CONNECTION: `${MYSQL.user}:${MYSQL.password}@tcp(${MYSQL.host}:${MYSQL.port})/?allowNativePasswords=true&parseTime=true`,
    BANK_MYSQL_SCHEMA: schema,
    BANK_STATE_TABLE: 'state',
  };
}

/** The apps that subscribe (their consumer names carry the slot). */
const SUBSCRIBERS = ['account-command', 'account-query'];

// A fresh run must not inherit the queued messages of an earlier run on the same slot: their
// outbox markers are gone with that run's tables, and daprd's outbox consumer spends ~11 s on
// each before discarding it, so a backlog delays every new commit's outbox message for minutes.
function rabbitmq(slot: number, fresh: boolean) {
  if (fresh) {
    const queues = sh('rabbitmqctl', ['-q', 'list_queues', 'name'], 'rabbitmqctl list_queues')
      .split('\n')
      .map((l) => l.trim());
    for (const q of queues.filter((q) => q.startsWith(`t${slot}-`))) sh('rabbitmqctl', ['-q', 'delete_queue', q], `rabbitmqctl delete_queue ${q}`);
  }
  return { BANK_RABBITMQ_URL: process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672', BANK_CONSUMER_ID: consumer(slot) };
}

function mqtt(slot: number, fresh: boolean) {
  const url = new URL((process.env.MQTT_URL ?? 'tcp://127.0.0.1:1883').replace(/^tcp:/, 'http:'));
  // A clean-session connection with a client id ends that id's persistent session and its queue.
  if (fresh)
    for (const app of SUBSCRIBERS)
      sh('mosquitto_sub', ['-h', url.hostname, '-p', url.port || '1883', '-i', `t${slot}-${app}`, '-t', 'bank/none', '-E'], 'mosquitto_sub (session reset)');
  return { BANK_MQTT_URL: process.env.MQTT_URL ?? 'tcp://127.0.0.1:1883', BANK_CONSUMER_ID: consumer(slot) };
}

async function jetstream(slot: number, fresh: boolean) {
  const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const { ensureJetStream } = await import('./jetstream.js');
  await ensureJetStream(url, fresh ? SUBSCRIBERS.map((app) => `t${slot}-${app}`) : []);
  return { BANK_NATS_URL: url, BANK_CONSUMER_ID: consumer(slot) };
}

/** Environment (and set-up) per runnable profile. */
type ProfileEnv = (slot: number, fresh: boolean, servers: ProfileServers) => Promise<Record<string, string>>;

/** Servers a run may bring itself (fault suites start their own, to kill them). */
export interface ProfileServers {
  redis?: { host: string; port: number };
}

const PROFILES: Record<string, ProfileEnv> = {
  redis: (slot, fresh, servers) => redis(slot, fresh, servers.redis),
  'postgres-rabbitmq': async (slot, fresh) => ({ ...postgres(slot, fresh), ...rabbitmq(slot, fresh) }),
  'mysql-jetstream': async (slot, fresh) => ({ ...mariadb(slot, fresh), ...(await jetstream(slot, fresh)) }),
  'postgres-mqtt': async (slot, fresh) => ({ ...postgres(slot, fresh), ...mqtt(slot, fresh) }),
};

export const RUNNABLE_PROFILES = Object.keys(PROFILES);

export function selectedProfile(): string {
  return process.env.PROFILE ?? 'redis';
}

/**
 * Prepares a profile for a run. Tests take a free slot and start from empty storage; `npm start`
 * passes slot 0 and keeps its data.
 */
export async function prepareProfile(profile = selectedProfile(), opts: { slot?: number; servers?: ProfileServers } = {}): Promise<ProfileRun> {
  const env = PROFILES[profile];
  if (!env) throw new Error(`unknown or not runnable profile "${profile}"; runnable here: ${RUNNABLE_PROFILES.join(', ')}`);
  const lease = opts.slot === undefined ? await acquireSlot() : { slot: opts.slot, release: () => undefined };
  try {
    const daprEnv = await env(lease.slot, opts.slot === undefined, opts.servers ?? {});
    return { profile, slot: lease.slot, resourcesPath: path.join(REPO_ROOT, 'components', profile), daprEnv, release: lease.release };
  } catch (err) {
    lease.release();
    throw err;
  }
}

/** Profiles a cross-profile suite runs on: TEST_PROFILES ("all" or a list), else the selected one. */
export function profilesUnderTest(): string[] {
  const wanted = process.env.TEST_PROFILES?.trim();
  if (!wanted) return [selectedProfile()];
  if (wanted === 'all') return RUNNABLE_PROFILES;
  const list = wanted
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const unknown = list.filter((p) => !RUNNABLE_PROFILES.includes(p));
  if (unknown.length) throw new Error(`TEST_PROFILES names profiles that are not runnable here: ${unknown.join(', ')}`);
  return list;
}
