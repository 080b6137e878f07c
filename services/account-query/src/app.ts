import Koa from 'koa';
import type { Db } from 'mongodb';
import { correlationMiddleware, createMetrics, Problem, problemMiddleware, type Logger, type Sidecar } from '@bank/shared';
import type { QueryConfig } from './config.js';
import { adminRoutes } from './http/admin-routes.js';
import { createQueryMetrics } from './metrics.js';
import { queryRoutes } from './http/query-routes.js';
import { subscriptionRoutes } from './http/subscription-routes.js';
import { CommandSideClient } from './projections/command-side-client.js';
import { Projector } from './projections/projector.js';
import { VersionWaiters } from './projections/waiters.js';
import { Generations } from './readmodel/generations.js';
import { Rebuilder } from './rebuild/rebuilder.js';
import { Reconciler } from './projections/reconciler.js';
import { createLive, liveRoutes } from './live/index.js';
import Router from '@koa/router';

/** Served before the read store is connected (daprd asks for subscriptions as soon as the port opens). */
const ALWAYS_SERVED = new Set(['/healthz', '/readyz', '/metrics', '/dapr/subscribe', '/dapr/config']);

/**
 * The app listens before its sidecar and the database are reachable; start(db) connects the read
 * models. Deliveries that arrive earlier are answered RETRY, queries 503.
 */
export function createQueryApp(config: QueryConfig, sidecar: Sidecar, log: Logger) {
  const { registry, middleware: httpMetrics, handler: metricsHandler } = createMetrics('account-query');
  const metrics = createQueryMetrics(registry);
  const commandSide = new CommandSideClient(sidecar, config.COMMAND_APP_ID, config.PULL_TIMEOUT_MS);
  const waiters = new VersionWaiters();
  let db: Db | undefined;
  let generations: Generations | undefined;
  let projector: Projector | undefined;
  let rebuilder: Rebuilder | undefined;
  let reconciler: Reconciler | undefined;
  const ready = () => generations !== undefined;
  const live = createLive({
    enabled: config.LIVE_ENABLED,
    redisUrl: config.LIVE_REDIS_URL,
    channel: config.LIVE_CHANNEL,
    maxClients: config.LIVE_MAX_CLIENTS,
    heartbeatMs: config.LIVE_HEARTBEAT_MS,
    log,
    registry,
  });

  const app = new Koa();
  app.proxy = false;
  app.use(correlationMiddleware(log));
  app.use(problemMiddleware(log));
  app.use(httpMetrics);

  const base = new Router({ strict: true, sensitive: true });
  base.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  base.get('/readyz', async (ctx) => {
    const side = await sidecar.healthy();
    let mongo = false;
    try {
      mongo = db !== undefined && (await db.command({ ping: 1 }, { timeoutMS: 2000 })).ok === 1;
    } catch {
      mongo = false;
    }
    ctx.status = side && mongo && ready() ? 200 : 503;
    ctx.body = { status: ctx.status === 200 ? 'ready' : 'not ready', checks: { sidecar: side, mongo, started: ready() } };
  });
  base.get('/metrics', metricsHandler);
  app.use(base.routes());

  // Subscription routes are built lazily: the projector exists only once the database is there.
  const pull = (id: string, v: number): Promise<void> => (projector ? projector.request(id, v) : Promise.reject(new Error('not started')));
  const subs = subscriptionRoutes({ appApiToken: config.APP_API_TOKEN, pull, metrics, log, isReady: ready });
  app.use(subs.routes());

  app.use(async (ctx, next) => {
    if (!ready() && !ALWAYS_SERVED.has(ctx.path)) throw new Problem('dependency-unavailable', 'the read models are not connected yet; retry shortly');
    await next();
  });
  let routes: ReturnType<Router['routes']> | undefined;
  app.use(async (ctx, next) => {
    if (!routes) return next();
    // The router's context type adds params, which it sets itself.
    await routes(ctx as Parameters<typeof routes>[0], next);
  });

  async function start(database: Db): Promise<void> {
    db = database;
    const g = new Generations(database);
    await g.init(config.META_REFRESH_MS);
    projector = new Projector({ commandSide, generations: g, waiters, metrics, log, pageSize: config.PULL_PAGE_SIZE, retryAttempts: config.PULL_RETRY_ATTEMPTS, retryMaxMs: config.PULL_RETRY_MAX_MS, onApplied: (doc) => live.published(doc) });
    reconciler = new Reconciler({ commandSide, generations: g, pull: (id, v) => projector!.request(id, v), metrics, log, intervalMs: config.RECONCILE_INTERVAL_MS });
    reconciler.start();
    rebuilder = new Rebuilder({ commandSide, generations: g, projector, metrics, log, concurrency: config.REBUILD_CONCURRENCY, settleMs: 2 * config.META_REFRESH_MS + 250 });
    const router = new Router({ strict: true, sensitive: true });
    const q = queryRoutes({ generations: g, projector, waiters, minVersionWaitMs: config.MIN_VERSION_WAIT_MS });
    const a = adminRoutes({ generations: g, projector, rebuilder, reconciler, adminToken: config.ADMIN_TOKEN });
    const l = liveRoutes({ hub: live.hub, available: live.available, findAccount: (id) => g.active.accounts.findOne({ _id: id }), retryMs: 2000 });
    router.use(q.routes(), q.allowedMethods({ throw: true }), a.routes(), a.allowedMethods({ throw: true }), l.routes(), l.allowedMethods({ throw: true }));
    live.start();
    routes = router.routes();
    generations = g;
  }

  async function stop(): Promise<void> {
    await live.close();
    generations?.close();
    projector?.close();
    reconciler?.close();
    await rebuilder?.settled().catch(() => undefined);
  }

  return { app, registry, start, stop, live, get projector() { return projector; } };
}
