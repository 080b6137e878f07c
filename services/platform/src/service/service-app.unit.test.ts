import Router from '@koa/router';
import { Problem } from '@bank/contracts';
import { createMetrics } from '../http/metrics.js';
import { createLogger } from '../log/logger.js';
import { createServiceApp, type Readiness } from './service-app.js';
import { listenOnLoopback, type ListeningServer } from '@bank/testkit';

describe('createServiceApp', () => {
  let server: ListeningServer;
  let base: string;
  let readiness: Readiness = { ready: false, checks: { sidecar: false } };
  const order: string[] = [];

  beforeAll(async () => {
    const router = new Router({ strict: true, sensitive: true });
    router.get('/own', (ctx) => {
      order.push('route');
      ctx.body = { own: true };
    });
    const app = createServiceApp({
      log: createLogger('unit', 'silent'),
      metrics: createMetrics('unit'),
      readiness: () => Promise.resolve(readiness),
      router,
      allowedMethods: { throw: true },
      before: [
        async (ctx, next) => {
          order.push('before');
          if (ctx.path === '/gated') throw new Problem('dependency-unavailable', 'starting');
          await next();
        },
      ],
      after: [
        async (ctx, next) => {
          order.push('after');
          if (ctx.path === '/elsewhere') ctx.body = { after: true };
          await next();
        },
      ],
    });
    server = await listenOnLoopback(app);
    base = server.base;
  });
  afterAll(() => server.close());

  it('serves /healthz, and /readyz from the readiness check: 503 until ready, 200 then', async () => {
    const health = await fetch(`${base}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const notReady = await fetch(`${base}/readyz`);
    expect([notReady.status, await notReady.json()]).toEqual([503, { status: 'not ready', checks: { sidecar: false } }]);
    readiness = { ready: true, checks: { sidecar: true } };
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', checks: { sidecar: true } }]);
  });

  it('serves /metrics with the timings of the requests, a correlation id on every answer', async () => {
    await fetch(`${base}/own`);
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('x-correlation-id')).toBeTruthy();
    expect(await metrics.text()).toMatch(/^http_request_duration_seconds_count\{[^}]*route="\/own",status="200"[^}]*\} [1-9]/m);
  });

  it('runs `before`, then the router, then `after`; errors become problems; wrong methods 405', async () => {
    order.length = 0;
    expect((await fetch(`${base}/own`)).status).toBe(200);
    expect(order).toEqual(['before', 'route']);
    order.length = 0;
    expect(await (await fetch(`${base}/elsewhere`)).json()).toEqual({ after: true });
    expect(order).toEqual(['before', 'after']);
    const gated = await fetch(`${base}/gated`);
    expect([gated.status, gated.headers.get('content-type')]).toEqual([503, 'application/problem+json']);
    const wrongMethod = await fetch(`${base}/own`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
  });
});
