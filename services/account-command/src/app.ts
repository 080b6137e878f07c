import type { Middleware } from 'koa';
import { createMetrics, createServiceApp, SERVICE_APP_PATHS, type Logger, type Readiness, type Sidecar } from '@bank/platform';
import { commandDocument, Problem } from '@bank/contracts';
import { CommandHandler } from './commands/command-handler.js';
import { accountNotifications, accountStore, accountStreams, type AccountCommandHandler, type AccountStore } from './commands/account-commands.js';
import { StoreUnavailableError } from './eventstore/stream-store.js';
import { streamIndexOn } from './eventstore/stream-index.js';
import { createCommandMetrics } from './http/metrics.js';
import { commandRoutes } from './http/routes.js';
import { TransferProcess } from './transfers/transfer-process.js';
import type { CommandConfig } from './config.js';

// daprd asks for /dapr/subscribe while the app starts: answer it, ready or not.
const ALWAYS_SERVED = new Set([...SERVICE_APP_PATHS, '/dapr/subscribe']);

/**
 * The app listens before its sidecar is up (daprd waits for the app port), but takes commands
 * only once markReady() says whether the store has the outbox: a commit must know that.
 */
export function createCommandApp(config: CommandConfig, sidecar: Sidecar, log: Logger) {
  const httpMetrics = createMetrics('account-command');
  const { registry } = httpMetrics;
  const metrics = createCommandMetrics(registry);
  const storeOpts = { storeName: config.STATESTORE, outboxEnabled: false };
  const store: AccountStore = accountStore(sidecar, { ...storeOpts, chunkSize: config.CHUNK_SIZE, idempotencyWindow: config.IDEMPOTENCY_WINDOW });
  const index = streamIndexOn(sidecar, config.STATESTORE);
  const newId = () => crypto.randomUUID();
  const handler: AccountCommandHandler = new CommandHandler({
    kind: accountStreams,
    store,
    index,
    publisher: accountNotifications(sidecar, config.PUBLISH_BATCH),
    log,
    metrics,
    newId,
    failpoints: config.FAILPOINT,
  });

  // The store or the sidecar failing is an outage, not a bug: 503, so that clients retry.
  const storeOutage: Middleware = async (_ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw new Problem('dependency-unavailable', 'the event store is not reachable; retry shortly');
      throw err;
    }
  };
  let ready = false;
  const startingGate: Middleware = async (ctx, next) => {
    if (!ready && !ALWAYS_SERVED.has(ctx.path)) throw new Problem('dependency-unavailable', 'the service is starting; retry shortly');
    await next();
  };
  const readiness = async (): Promise<Readiness> => {
    const sidecarUp = await sidecar.healthy();
    let storeUp = false;
    if (sidecarUp) {
      try {
        await sidecar.getState(config.STATESTORE, 'readyz-probe');
        storeUp = true;
      } catch {
        storeUp = false;
      }
    }
    return { ready: sidecarUp && storeUp && ready, checks: { sidecar: sidecarUp, store: storeUp, started: ready } };
  };
  const transfers = new TransferProcess({
    handler,
    store,
    index,
    log,
    sweepIntervalMs: config.TRANSFER_SWEEP_MS,
    sweepHeadsPerSecond: config.TRANSFER_SWEEP_HEADS_PER_S,
    failpoints: config.FAILPOINT,
  });
  const router = commandRoutes({ handler, store, index, metrics, bodyLimit: config.BODY_LIMIT_BYTES, newId, transfers, failpoints: config.FAILPOINT });
  // The command side subscribes to nothing; saying so spares daprd an error at start-up.
  router.get('/dapr/subscribe', (ctx) => {
    ctx.body = [];
  });
  const app = createServiceApp({ log, metrics: httpMetrics, readiness, router, allowedMethods: { throw: true }, before: [storeOutage, startingGate], openapi: commandDocument() });
  const markReady = (outboxEnabled: boolean): void => {
    store.outboxEnabled = outboxEnabled;
    ready = true;
    // From now on, transfers a crash or another replica left unsettled are taken on.
    transfers.start();
  };
  return { app, store, index, registry, transfers, markReady, isReady: () => ready };
}
