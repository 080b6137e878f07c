import type Router from '@koa/router';
import type { AllowedMethodsOptions } from '@koa/router';
import Koa from 'koa';
import { correlationMiddleware } from '../http/correlation.js';
import type { createMetrics } from '../http/metrics.js';
import { problemMiddleware } from '../http/problem-middleware.js';
import type { Logger } from '../log/logger.js';

/** A service's metrics registry with its HTTP timing middleware and /metrics handler. */
export type ServiceMetrics = ReturnType<typeof createMetrics>;

/** What /readyz answers: 200 when `ready`, 503 otherwise; `checks` says what each dependency did. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
}

export interface ServiceAppOptions {
  log: Logger;
  /** The service's metrics (createMetrics): every request is timed, /metrics serves the registry. */
  metrics: ServiceMetrics;
  /** The service's own readiness check, asked on every GET /readyz. */
  readiness: () => Promise<Readiness>;
  /** The service's router; /healthz, /readyz and /metrics are added to it. */
  router: Router;
  /**
   * Wrong methods on the router's paths: answered by the router's allowedMethods with these
   * options ({ throw: true }: a 405 problem); passed on to `after` when absent.
   */
  allowedMethods?: AllowedMethodsOptions;
  /** Middleware between the HTTP plumbing and the router: error mapping, a gate while starting. */
  before?: Koa.Middleware[];
  /** Middleware after the router, for what it does not answer. */
  after?: Koa.Middleware[];
  /** The service's OpenAPI document (@bank/contracts), served on GET /openapi.json. */
  openapi?: object;
}

/**
 * What createServiceApp itself serves on every service: the health and readiness checks, the
 * metrics, the OpenAPI document. A service that holds requests back while it starts lets these
 * through.
 */
export const SERVICE_APP_PATHS: readonly string[] = ['/healthz', '/readyz', '/metrics', '/openapi.json'];

/**
 * The Koa app of every service: no proxy headers trusted, a correlation id and a logger per
 * request, errors answered as problem documents, request timings; then the service's middleware
 * and router, which also serves /healthz (always 200), /readyz (the readiness check), /metrics
 * and, given one, the OpenAPI document on /openapi.json.
 */
export function createServiceApp({ log, metrics, readiness, router, allowedMethods, before = [], after = [], openapi }: ServiceAppOptions): Koa {
  const app = new Koa();
  app.proxy = false;
  app.use(correlationMiddleware(log));
  app.use(problemMiddleware(log));
  app.use(metrics.middleware);
  for (const middleware of before) app.use(middleware);
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const { ready, checks } = await readiness();
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not ready', checks };
  });
  router.get('/metrics', metrics.handler);
  if (openapi) {
    // Built once: the document does not change while the service runs.
    const document = JSON.stringify(openapi);
    router.get('/openapi.json', (ctx) => {
      ctx.type = 'application/json';
      ctx.body = document;
    });
  }
  app.use(router.routes());
  if (allowedMethods) app.use(router.allowedMethods(allowedMethods));
  for (const middleware of after) app.use(middleware);
  return app;
}
