import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Db } from 'mongodb';
import { createMetrics, createServiceApp, SERVICE_APP_PATHS, type Logger, type Readiness, type Sidecar } from '@bank/platform';
import { Problem, queryDocument } from '@bank/contracts';
import type { QueryConfig } from './config.js';
import { adminRoutes } from './http/admin-routes.js';
import { queryRoutes } from './http/query-routes.js';
import { subscriptionRoutes, type SubscriptionDeps } from './http/subscription-routes.js';
import { createLive, liveRoutes, type Live } from './live/index.js';
import { createQueryMetrics, type QueryMetrics } from './metrics.js';
import { CommandSideClient } from './projections/command-side-client.js';
import { Projector } from './projections/projector.js';
import { Reconciler } from './projections/reconciler.js';
import { VersionWaiters } from './projections/waiters.js';
import { Generations } from './readmodel/generations.js';
import { BatchingWriter } from './readmodel/batching-writer.js';
import { readModelWriter } from './readmodel/writer.js';
import { Rebuilder } from './rebuild/rebuilder.js';

/** Served before the read store is connected (daprd asks for subscriptions as soon as the port opens). */
const ALWAYS_SERVED = new Set([...SERVICE_APP_PATHS, '/dapr/subscribe', '/dapr/config']);

/** What the app has from the start, before the read store is reachable. */
interface Foundation {
  config: QueryConfig;
  commandSide: CommandSideClient;
  waiters: VersionWaiters;
  metrics: QueryMetrics;
  log: Logger;
  live: Live;
}

/** What start() builds once the read store is connected. */
interface ReadSide {
  db: Db;
  generations: Generations;
  projector: Projector;
  reconciler: Reconciler;
  rebuilder: Rebuilder;
  /** The query, admin and live routes, which all need the read models. */
  routes: ReturnType<Router['routes']>;
}

/** Connects the read models and builds what works on them; starts the reconciliation sweeps and the live updates. */
async function startReadSide(db: Db, { config, commandSide, waiters, metrics, log, live }: Foundation): Promise<ReadSide> {
  const generations = new Generations(db);
  await generations.init(config.META_REFRESH_MS);
  const writer = config.PROJECTION_WRITE_BATCH > 1 ? new BatchingWriter(readModelWriter, config.PROJECTION_WRITE_BATCH) : readModelWriter;
  const projector = new Projector({
    commandSide,
    generations,
    writer,
    waiters,
    metrics,
    log,
    pageSize: config.PULL_PAGE_SIZE,
    retryAttempts: config.PULL_RETRY_ATTEMPTS,
    retryMaxMs: config.PULL_RETRY_MAX_MS,
    applyCommittedEvents: config.APPLY_COMMITTED_EVENTS,
    cacheAccounts: config.PROJECTION_CACHE_ACCOUNTS,
    onApplied: (doc) => live.published(doc),
  });
  const reconciler = new Reconciler({
    commandSide,
    generations,
    pull: (accountId, version) => projector.catchUp(accountId, version),
    metrics,
    log,
    intervalMs: config.RECONCILE_INTERVAL_MS,
  });
  // Other replicas may keep using the old generation for one meta refresh after a switch.
  const rebuilder = new Rebuilder({
    commandSide,
    generations,
    writer,
    projector,
    metrics,
    log,
    concurrency: config.REBUILD_CONCURRENCY,
    settleMs: 2 * config.META_REFRESH_MS + 250,
  });

  const queries = queryRoutes({ generations, projector, waiters, minVersionWaitMs: config.MIN_VERSION_WAIT_MS, minVersionPullAfterMs: config.MIN_VERSION_PULL_AFTER_MS });
  const admin = adminRoutes({ generations, projector, rebuilder, reconciler, adminToken: config.ADMIN_TOKEN });
  const liveFeeds = liveRoutes({ hub: live.hub, available: live.available, findAccount: (id) => generations.active.accounts.findOne({ _id: id }), retryMs: 2000 });
  const router = new Router({ strict: true, sensitive: true });
  router.use(
    queries.routes(),
    queries.allowedMethods({ throw: true }),
    admin.routes(),
    admin.allowedMethods({ throw: true }),
    liveFeeds.routes(),
    liveFeeds.allowedMethods({ throw: true }),
  );

  reconciler.start();
  live.start();
  return { db, generations, projector, reconciler, rebuilder, routes: router.routes() };
}

/** Stops the timers and waits for a rebuild in flight. */
async function stopReadSide(side: ReadSide): Promise<void> {
  side.generations.close();
  side.projector.close();
  side.reconciler.close();
  await side.rebuilder.stop();
}

/**
 * The app listens before its sidecar and the database are reachable; start(db) connects the read
 * models. Deliveries that arrive earlier are answered RETRY, queries 503.
 */
export function createQueryApp(config: QueryConfig, sidecar: Sidecar, log: Logger) {
  const httpMetrics = createMetrics('account-query');
  const { registry } = httpMetrics;
  const metrics = createQueryMetrics(registry);
  const waiters = new VersionWaiters();
  const live = createLive({
    enabled: config.LIVE_ENABLED,
    redisUrl: config.LIVE_REDIS_URL,
    channel: config.LIVE_CHANNEL,
    maxClients: config.LIVE_MAX_CLIENTS,
    heartbeatMs: config.LIVE_HEARTBEAT_MS,
    log,
    registry,
    // Seen on the cluster with two replicas: a ?minVersion read parked on one replica while the
    // other applied the version, and answered only at its 5 s bound.
    onApplied: (accountId, version) => waiters.notify(accountId, version),
  });
  const foundation: Foundation = { config, commandSide: new CommandSideClient(sidecar, config.COMMAND_APP_ID, config.PULL_TIMEOUT_MS), waiters, metrics, log, live };
  let started: ReadSide | undefined;
  const isStarted = () => started !== undefined;

  const readiness = async (): Promise<Readiness> => {
    const sidecarUp = await sidecar.healthy();
    let mongo = false;
    try {
      mongo = started !== undefined && (await started.db.command({ ping: 1 }, { timeoutMS: 2000 })).ok === 1;
    } catch {
      mongo = false;
    }
    return { ready: sidecarUp && mongo && isStarted(), checks: { sidecar: sidecarUp, mongo, started: isStarted() } };
  };

  // Deliveries are routed from the start (daprd sends them as soon as it runs); they are
  // answered RETRY until the projector exists.
  const pull: SubscriptionDeps['pull'] = (accountId, version, committedEvents) =>
    started ? started.projector.request(accountId, version, committedEvents) : Promise.reject(new Error('not started'));
  const subscriptions = subscriptionRoutes({ appApiToken: config.APP_API_TOKEN, pull, metrics, log, isReady: isStarted }).routes();
  // The router's context type adds params, which it sets itself.
  const subscriptionRoutesMiddleware: Middleware = (ctx, next) => subscriptions(ctx as Parameters<typeof subscriptions>[0], next);

  // Everything else needs the read models: 503 until start() has built them.
  const readSideRoutes: Middleware = async (ctx, next) => {
    if (started) {
      // The router's context type adds params, which it sets itself.
      await started.routes(ctx as Parameters<ReadSide['routes']>[0], next);
      return;
    }
    if (!ALWAYS_SERVED.has(ctx.path)) throw new Problem('dependency-unavailable', 'the read models are not connected yet; retry shortly');
    await next();
  };

  const app = createServiceApp({
    log,
    metrics: httpMetrics,
    readiness,
    router: new Router({ strict: true, sensitive: true }),
    after: [subscriptionRoutesMiddleware, readSideRoutes],
    openapi: queryDocument(),
  });

  async function start(db: Db): Promise<void> {
    started = await startReadSide(db, foundation);
  }

  async function stop(): Promise<void> {
    await live.close();
    if (started) await stopReadSide(started);
  }

  return { app, registry, live, start, stop };
}
