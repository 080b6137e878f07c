import Router from '@koa/router';
import type { Middleware } from 'koa';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createMetrics, createServiceApp, type Logger, type Readiness, type Sidecar } from '@bank/platform';
import { Problem } from '@bank/contracts';
import type { GatewayConfig } from './config.js';
import { createProxy } from './proxy.js';
import { matchRoute } from './routes.js';
import { SECURITY_HEADERS, staticFiles } from './static.js';

export interface GatewayDeps {
  config: GatewayConfig;
  sidecar: Sidecar;
  log: Logger;
  /** Folder of the built dashboard. */
  staticDir: string;
}

export function createGatewayApp({ config, sidecar, log, staticDir }: GatewayDeps) {
  const httpMetrics = createMetrics('gateway');
  const { registry } = httpMetrics;
  const proxy = createProxy({
    sidecarUrl: sidecar.baseUrl,
    daprApiToken: config.DAPR_API_TOKEN,
    appIds: { commands: config.COMMAND_APP_ID, queries: config.QUERY_APP_ID },
    bodyLimit: config.BODY_LIMIT_BYTES,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    log,
  });
  const dashboard = () => existsSync(path.join(staticDir, 'index.html'));

  const readiness = async (): Promise<Readiness> => {
    const sidecarUp = await sidecar.healthy();
    return { ready: sidecarUp, checks: { sidecar: sidecarUp, dashboard: dashboard() } };
  };
  const router = new Router();
  // daprd asks every app for its subscriptions: the gateway has none.
  router.get('/dapr/subscribe', (ctx) => {
    ctx.body = [];
  });

  const api: Middleware = async (ctx, next) => {
    if (!ctx.path.startsWith('/api/')) return next();
    const route = matchRoute(ctx.path);
    if (!route) throw new Problem('not-found', `no route for ${ctx.method} ${ctx.path}`);
    // The metrics label: the template, never the raw path.
    (ctx as typeof ctx & { _matchedRoute?: string })._matchedRoute = route.template;
    ctx.set('x-content-type-options', 'nosniff');
    await proxy(ctx, route);
  };
  const dashboardMissing: Middleware = async (ctx, next) => {
    await next();
    if (ctx.status === 404 && ctx.body === undefined && !dashboard() && (ctx.path === '/' || ctx.path === '/index.html')) {
      ctx.set(SECURITY_HEADERS);
      throw new Problem('not-found', 'the dashboard is not built: run npm run build:web');
    }
  };

  const app = createServiceApp({ log, metrics: httpMetrics, readiness, router, allowedMethods: {}, after: [api, staticFiles(staticDir), dashboardMissing] });
  // A browser closing a page mid-stream (a live feed) is the normal end of a response.
  app.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ERR_STREAM_PREMATURE_CLOSE' || err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.name === 'AbortError') return;
    log.error({ err }, 'response failed');
  });

  return { app, registry, dashboard };
}
