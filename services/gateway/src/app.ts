import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createMetrics, createServiceApp, type Logger, type Readiness, type Sidecar } from '@bank/platform';
import { gatewayDocument, Problem } from '@bank/contracts';
import type { GatewayConfig } from './config.js';
import { createProxy } from './proxy.js';
import { matchRoute } from './routes.js';
import { securityHeaders, staticFiles } from './static.js';
import { createAuthenticator, Unauthenticated, type Authenticate } from './auth/authenticate.js';
import { UserDirectory } from './auth/directory.js';
import { createHydraAdmin } from './auth/hydra-admin.js';
import { mayCall } from './auth/policy.js';
import type { Principal } from './auth/principal.js';
import { RateLimiter } from './auth/rate-limit.js';
import { signInRouter } from './auth/sign-in-pages.js';

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
  const authenticate: Authenticate | undefined =
    config.AUTH_MODE === 'oidc'
      ? createAuthenticator({
          issuer: config.OIDC_ISSUER!,
          jwksUrl: config.OIDC_JWKS_URL,
          audience: config.OIDC_AUDIENCE,
          clockSkewSeconds: config.OIDC_CLOCK_SKEW_SECONDS,
        })
      : undefined;
  const pageHeaders = securityHeaders(config.OIDC_ISSUER ? [new URL(config.OIDC_ISSUER).origin] : []);

  const readiness = async (): Promise<Readiness> => {
    const sidecarUp = await sidecar.healthy();
    return { ready: sidecarUp, checks: { sidecar: sidecarUp, dashboard: dashboard() } };
  };
  const router = new Router();
  // daprd asks every app for its subscriptions: the gateway has none.
  router.get('/dapr/subscribe', (ctx) => {
    ctx.body = [];
  });

  const byAddress = new RateLimiter({ perSecond: config.RATE_LIMIT_ADDRESS_PER_SECOND, burst: config.RATE_LIMIT_ADDRESS_BURST });
  const bySubject = new RateLimiter({ perSecond: config.RATE_LIMIT_SUBJECT_PER_SECOND, burst: config.RATE_LIMIT_SUBJECT_BURST });
  /** Takes one request of `key` from `limiter`, or answers 429 with when to come back. */
  const within = (ctx: Context, limiter: RateLimiter, key: string, who: string) => {
    const limited = limiter.take(key);
    if (!limited) return;
    ctx.set('retry-after', String(limited.retryAfterSeconds));
    throw new Problem('too-many-requests', `too many requests from this ${who}; retry in ${limited.retryAfterSeconds} s`);
  };
  // Sign-in attempts count against the client's address (a password guesser has no token yet).
  const signInLimit: Middleware = async (ctx, next) => {
    if (ctx.path.startsWith('/auth/login') && ctx.method === 'POST') within(ctx, byAddress, ctx.ip, 'address');
    await next();
  };
  router.use(signInLimit);

  // What the dashboard needs to sign in (or that sign-in is off), whichever provider serves the pages.
  router.get('/auth/config', (ctx) => {
    ctx.set('cache-control', 'no-store');
    ctx.body =
      config.AUTH_MODE === 'oidc'
        ? { mode: 'oidc', issuer: config.OIDC_ISSUER, clientId: config.OIDC_DASHBOARD_CLIENT_ID, audience: config.OIDC_AUDIENCE, scope: 'openid offline_access' }
        : { mode: 'off' };
  });
  // The provider's login, consent and logout pages, when the provider is our Hydra.
  if (config.HYDRA_ADMIN_URL && config.OIDC_ISSUER) {
    const pages = signInRouter({
      directory: UserDirectory.parse(config.LOGIN_USERS),
      hydra: createHydraAdmin(config.HYDRA_ADMIN_URL),
      issuer: config.OIDC_ISSUER,
      audience: config.OIDC_AUDIENCE,
    });
    router.use(pages.routes());
  }

  const api: Middleware = async (ctx, next) => {
    if (!ctx.path.startsWith('/api/')) return next();
    const route = matchRoute(ctx.path);
    if (!route) throw new Problem('not-found', `no route for ${ctx.method} ${ctx.path}`);
    // The metrics label: the template, never the raw path.
    (ctx as typeof ctx & { _matchedRoute?: string })._matchedRoute = route.template;
    ctx.set('x-content-type-options', 'nosniff');
    ctx.set('cache-control', 'no-store');
    // Before the token is looked at: a flood of bad tokens is limited too.
    within(ctx, byAddress, ctx.ip, 'address');
    let principal: Principal | undefined;
    if (authenticate) {
      try {
        principal = await authenticate(ctx.get('authorization') || undefined);
      } catch (err) {
        if (err instanceof Unauthenticated) {
          ctx.set('www-authenticate', err.challenge);
          throw err.problem;
        }
        throw err;
      }
      within(ctx, bySubject, principal.subject, 'user');
      if (!mayCall(principal, route)) throw new Problem('forbidden', `${ctx.method} ${route.template} is for administrators`);
    }
    await proxy(ctx, route, principal);
  };
  const dashboardMissing: Middleware = async (ctx, next) => {
    await next();
    if (ctx.status === 404 && ctx.body === undefined && !dashboard() && (ctx.path === '/' || ctx.path === '/index.html')) {
      ctx.set(pageHeaders);
      throw new Problem('not-found', 'the dashboard is not built: run npm run build:web');
    }
  };

  // The document is public: a client reads it before it has signed in.
  const app = createServiceApp({
    log,
    metrics: httpMetrics,
    readiness,
    router,
    allowedMethods: {},
    after: [api, staticFiles(staticDir, pageHeaders), dashboardMissing],
    openapi: gatewayDocument(),
  });
  if (config.TRUSTED_PROXY_HOPS > 0) {
    // ctx.ip: the address the nearest trusted proxy saw, the last of X-Forwarded-For's last N entries.
    app.proxy = true;
    app.maxIpsCount = config.TRUSTED_PROXY_HOPS;
  }
  // A browser closing a page mid-stream (a live feed) is the normal end of a response.
  app.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ERR_STREAM_PREMATURE_CLOSE' || err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.name === 'AbortError') return;
    log.error({ err }, 'response failed');
  });

  return { app, registry, dashboard };
}
