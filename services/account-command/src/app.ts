import Koa from 'koa';
import { correlationMiddleware, createMetrics, problemMiddleware, type Logger, type Sidecar } from '@bank/platform';
import { Problem } from '@bank/contracts';
import { CommandHandler } from './commands/command-handler.js';
import { accountNotifications, accountStreams, type AccountCommandHandler, type AccountStore } from './commands/account-commands.js';
import { StoreUnavailableError, StreamStore } from './eventstore/stream-store.js';
import { StreamIndex, type StreamRegistered } from './eventstore/stream-index.js';
import { createCommandMetrics } from './http/metrics.js';
import { commandRoutes } from './http/routes.js';
import type { CommandConfig } from './config.js';

// daprd asks for /dapr/subscribe while the app starts: answer it, ready or not.
const ALWAYS_SERVED = new Set(['/healthz', '/readyz', '/metrics', '/dapr/subscribe']);

/**
 * The app listens before its sidecar is up (daprd waits for the app port), but takes commands
 * only once markReady() says whether the store has the outbox: a commit must know that.
 */
export function createCommandApp(config: CommandConfig, sidecar: Sidecar, log: Logger) {
  const { registry, middleware: httpMetrics, handler: metricsHandler } = createMetrics('account-command');
  const metrics = createCommandMetrics(registry);
  const storeOpts = { storeName: config.STATESTORE, outboxEnabled: false };
  const store: AccountStore = new StreamStore(sidecar, { ...storeOpts, chunkSize: config.CHUNK_SIZE, idempotencyWindow: config.IDEMPOTENCY_WINDOW });
  // Index partitions hold one short entry per stream: larger chunks make enumeration cheaper.
  // Nobody subscribes to them, so they stay off the transaction API and out of the outbox.
  const index = new StreamIndex(new StreamStore<StreamRegistered, null>(sidecar, { storeName: config.STATESTORE, chunkSize: 1000, transactional: false }));
  const newId = () => crypto.randomUUID();
  const handler: AccountCommandHandler = new CommandHandler({
    kind: accountStreams,
    store,
    index,
    publisher: accountNotifications(sidecar),
    log,
    metrics,
    newId,
    failpoints: config.FAILPOINT,
  });

  const app = new Koa();
  app.proxy = false;
  app.use(correlationMiddleware(log));
  app.use(problemMiddleware(log));
  app.use(httpMetrics);
  // The store or the sidecar failing is an outage, not a bug: 503, so that clients retry.
  app.use(async (_ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw new Problem('dependency-unavailable', 'the event store is not reachable; retry shortly');
      throw err;
    }
  });
  let ready = false;
  app.use(async (ctx, next) => {
    if (!ready && !ALWAYS_SERVED.has(ctx.path)) throw new Problem('dependency-unavailable', 'the service is starting; retry shortly');
    await next();
  });
  const router = commandRoutes({ isReady: () => ready, handler, store, index, sidecar, storeName: config.STATESTORE, metrics, bodyLimit: config.BODY_LIMIT_BYTES, newId });
  router.get('/metrics', metricsHandler);
  // The command side subscribes to nothing; saying so spares daprd an error at start-up.
  router.get('/dapr/subscribe', (ctx) => {
    ctx.body = [];
  });
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  const markReady = (outboxEnabled: boolean): void => {
    store.outboxEnabled = outboxEnabled;
    ready = true;
  };
  return { app, store, index, registry, markReady, isReady: () => ready };
}
