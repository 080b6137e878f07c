// The whole system for a test: account-command (and, with `query`, account-query and FerretDB),
// each with its daprd, on a components profile, isolated from every other run.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  devLoginUsers,
  devUser,
  freePort,
  prepareProfile,
  signIn,
  startHydra,
  REDIS_HOST,
  REDIS_PORT,
  REPO_ROOT,
  selectedProfile,
  startFerretDb,
  startService,
  waitFor,
  type ProfileServers,
  type RunningFerretDb,
  type RunningHydra,
  type RunningService,
} from '@bank/devkit';
import { commandDocument, gatewayDocument, queryDocument } from '@bank/contracts';
import { describeService, DocumentCheck, gatewayPaths, servicePaths } from './openapi-check.js';

export interface SystemOptions {
  profile?: string;
  /** Servers the test started itself (fault suites kill and restart them). */
  servers?: ProfileServers;
  daprApiToken?: string;
  appApiToken?: string;
  commandEnv?: Record<string, string | undefined>;
  /** Also start account-query with its daprd, and FerretDB unless MONGODB_URL is set. */
  query?: boolean;
  queryEnv?: Record<string, string | undefined>;
  /**
   * Also start the gateway (dashboard + /api routes through Dapr service invocation) with its
   * daprd, and Hydra, the sign-in provider it trusts (the demo users of @bank/devkit's users.ts);
   * implies `query`. The harness does not build the dashboard: a suite that needs it builds
   * it first (the gateway's ensureWebBuilt), as services/gateway/src/dashboard.e2e.test.ts does.
   */
  gateway?: boolean;
  gatewayEnv?: Record<string, string | undefined>;
}

export interface TestSystem {
  runId: string;
  runDir: string;
  profile: string;
  /** The run's isolation slot (its Redis database, table suffix, consumer names). */
  slot: number;
  command: RunningService;
  /** Present when started with `query: true`. */
  query?: RunningService;
  /** Present when started with `gateway: true`. */
  gateway?: RunningService;
  /** The sign-in provider, with `gateway: true`. */
  hydra?: RunningHydra;
  /** An access token for a demo user (alice, bob, admin), signed in through the provider's real flow. */
  tokenFor?(username: string): Promise<string>;
  /** The read-model database of account-query (with `query: true`). */
  mongoUrl?: string;
  stop(): Promise<void>;
}

/** A started system that has the query side, for tests that need it. */
export type TestSystemWithQuery = TestSystem & { query: RunningService; mongoUrl: string };

/** A started system with the gateway in front (`gateway: true`). */
export type TestSystemWithGateway = TestSystemWithQuery & { gateway: RunningService; hydra: RunningHydra; tokenFor(username: string): Promise<string> };

/**
 * With MONGODB_URL set (a real MongoDB), each run gets its own database on it, named after the
 * run, so runs never see each other's read models.
 */
export function mongoUrlForRun(base: string, runId: string): string {
  const db = `bank_${runId.replace(/[^A-Za-z0-9]/g, '_').slice(-40)}`;
  return base.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?/, `$1/${db}`);
}

export function runDirFor(runId: string): string {
  return path.join(REPO_ROOT, '.data', 'test-runs', runId);
}

export async function startSystem(options: SystemOptions = {}): Promise<TestSystem> {
  const profile = options.profile ?? selectedProfile();
  const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
  const runDir = runDirFor(runId);
  mkdirSync(runDir, { recursive: true });
  const run = await prepareProfile(profile, { servers: options.servers });
  const common = {
    resourcesPath: run.resourcesPath,
    runDir,
    nameResolutionDb: path.join(runDir, 'name-resolution.db'),
    daprEnv: run.daprEnv,
    daprApiToken: options.daprApiToken,
    appApiToken: options.appApiToken,
  };
  let command: RunningService | undefined;
  let query: RunningService | undefined;
  let gateway: RunningService | undefined;
  let hydra: RunningHydra | undefined;
  let ferret: RunningFerretDb | undefined;
  let mongoUrl: string | undefined;
  const stopAll = async () => {
    await Promise.all([command?.stop(), query?.stop(), gateway?.stop()]);
    await Promise.all([ferret?.stop(), hydra?.stop()]);
    run.release();
  };
  const withQuery = options.query === true || options.gateway === true;
  // One sign-in at a time: two at once on the test provider's SQLite store failed under load
  // (2026-12-04, 3 runs of auth.e2e in 4 on a busy machine: Hydra's "sqlite create: named insert:
  // database is locked" after its 10 s busy timeout, the sign-in's connection closed); with at
  // most one open connection Hydra deadlocked instead, so it writes outside its own transactions.
  let signIns: Promise<unknown> = Promise.resolve();
  const tokenFor = (username: string): Promise<string> => {
    if (!hydra) return Promise.reject(new Error('tokenFor needs the gateway and its provider (gateway: true)'));
    const { issuer } = hydra;
    const { password } = devUser(username);
    const token = signIns.then(async () => (await signIn({ issuer, username, password })).accessToken);
    signIns = token.catch(() => undefined);
    return token;
  };
  try {
    const startCommand = startService({ ...common, appId: 'account-command', entry: 'services/account-command/src/main.ts', env: options.commandEnv ?? {} }).then(
      (s) => (command = s),
    );
    const startQuery = async () => {
      if (!withQuery) return;
      if (process.env.MONGODB_URL) mongoUrl = mongoUrlForRun(process.env.MONGODB_URL, runId);
      else mongoUrl = (ferret = await startFerretDb({ runDir, slot: run.slot, fresh: true })).url;
      query = await startService({
        ...common,
        appId: 'account-query',
        entry: 'services/account-query/src/main.ts',
        // Live updates on a channel of this run only (parallel runs share the Redis server).
        env: { MONGODB_URL: mongoUrl, LIVE_REDIS_URL: `redis://${REDIS_HOST}:${REDIS_PORT}`, LIVE_CHANNEL: `bank:live:${runId}`, ...options.queryEnv },
      });
    };
    const startGateway = async () => {
      if (!options.gateway) return;
      // The provider and the gateway name each other: the gateway's port is chosen first.
      const appPort = await freePort();
      hydra = await startHydra({ runDir, gatewayOrigin: `http://127.0.0.1:${appPort}` });
      gateway = await startService({
        ...common,
        appId: 'gateway',
        entry: 'services/gateway/src/main.ts',
        appPort,
        env: { OIDC_ISSUER: hydra.issuer, HYDRA_ADMIN_URL: hydra.adminUrl, LOGIN_USERS: await devLoginUsers(), ...options.gatewayEnv },
      });
    };
    // The services come up together: each waits for its own sidecar, not for the others.
    const results = await Promise.allSettled([startCommand, startQuery(), startGateway()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    // Each service is ready when its own sidecar is; the gateway's routes also need the other
    // services' sidecars to be resolvable through name resolution. A test's first gateway call
    // answered 503 "account-command is not reachable (ERR_DIRECT_INVOKE)" in CI runs: the system
    // is handed over only once both upstreams answer through the gateway (any status but 5xx).
    if (gateway) {
      const gw = gateway.url;
      const probe = `00000000-0000-4000-8000-${runId
        .replace(/[^0-9a-f]/g, '')
        .padEnd(12, '0')
        .slice(0, 12)}`;
      const last: Record<string, string> = {};
      const authorization = `Bearer ${await tokenFor('admin')}`;
      const answers = async (url: string) => {
        try {
          const res = await fetch(url, { headers: { authorization }, signal: AbortSignal.timeout(5_000) });
          last[url] = `${res.status} ${(await res.text()).slice(0, 300)}`;
          return res.status < 500;
        } catch (e) {
          last[url] = `no answer: ${(e as Error).message}`;
          return false;
        }
      };
      const commandProbe = `${gw}/api/commands/accounts/${probe}/events`;
      const queryProbe = `${gw}/api/queries/accounts/${probe}`;
      const reached = (timeoutMs: number) =>
        waitFor('the gateway reaching account-command and account-query', async () => (await answers(commandProbe)) && (await answers(queryProbe)), {
          timeoutMs,
          intervalMs: 250,
        });
      // What the gateway last answered, and what it and its sidecar logged, say which hop failed
      // (the gateway logs daprd's own message for an invocation daprd could not make).
      const whatFailed = (gatewayNow: RunningService) =>
        `last answers: ${JSON.stringify(last, null, 1)}\ngateway's daprd:\n${gatewayNow.daprd.proc.logTail(30)}\ngateway:\n${gatewayNow.app.logTail(15)}`;
      try {
        await reached(20_000);
      } catch (first) {
        // Seen in two CI runs and never by hand: the gateway's sidecar answered ERR_DIRECT_INVOKE
        // for a whole minute while every service was up. Until its cause is known the sidecars
        // are restarted once, loudly, with what the gateway said, and the probe runs again.
        const sidecars = [command, query, gateway].filter((service): service is RunningService => service !== undefined);
        console.warn(`${(first as Error).message} after 20 s; restarting the sidecars once and trying again\n${whatFailed(gateway)}`);
        await Promise.all(sidecars.map((service) => service.restartDaprd()));
        try {
          await reached(40_000);
        } catch (e) {
          throw new Error(`${(e as Error).message} (after restarting the sidecars)\n${whatFailed(gateway)}`);
        }
      }
    }
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
  // From now on the test clients check every answer of these services against their documents.
  describeService(command!.url, new DocumentCheck(commandDocument(), servicePaths));
  if (query) describeService(query.url, new DocumentCheck(queryDocument(), servicePaths));
  if (gateway) describeService(gateway.url, new DocumentCheck(gatewayDocument(), gatewayPaths));
  return {
    runId,
    runDir,
    profile,
    slot: run.slot,
    command: command!,
    ...(query ? { query } : {}),
    ...(gateway ? { gateway, hydra, tokenFor } : {}),
    ...(mongoUrl ? { mongoUrl } : {}),
    stop: stopAll,
  };
}
