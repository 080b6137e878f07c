import Koa from 'koa';
import { createLogger } from '../log/logger.js';
import { Problem } from '@bank/contracts';
import { createMetrics } from './metrics.js';
import { problemMiddleware, problemStatus } from './problem-middleware.js';
import { listenOnLoopback, type ListeningServer } from '@bank/testkit';

describe('problemStatus', () => {
  it('is the status problemMiddleware answers with', () => {
    expect(problemStatus(new Problem('insufficient-funds'))).toBe(422);
    expect(problemStatus(Object.assign(new Error('x'), { status: 415 }))).toBe(415);
    expect(problemStatus(Object.assign(new Error('x'), { status: 501 }))).toBe(405);
    expect(problemStatus(Object.assign(new Error('x'), { status: 418 }))).toBe(500);
    expect(problemStatus(new Error('boom'))).toBe(500);
    expect(problemStatus(null)).toBe(500);
    expect(problemStatus('text')).toBe(500);
  });
});

describe('HTTP metrics behind the problem middleware', () => {
  let server: ListeningServer;
  let base: string;
  let metrics: ReturnType<typeof createMetrics>;

  beforeAll(async () => {
    metrics = createMetrics('unit');
    const app = new Koa();
    app.use(problemMiddleware(createLogger('unit', 'silent')));
    app.use(metrics.middleware);
    app.use((ctx) => {
      if (ctx.path === '/refuse') throw new Problem('insufficient-funds');
      if (ctx.path === '/crash') throw new Error('boom');
      if (ctx.path === '/metrics') return metrics.handler(ctx);
      if (ctx.path === '/ok') ctx.body = { ok: true };
    });
    server = await listenOnLoopback(app);
    base = server.base;
  });
  afterAll(() => server.close());

  it('labels each request with the status the client received', async () => {
    const statuses = [];
    for (const p of ['/ok', '/refuse', '/crash', '/nothing']) statuses.push((await fetch(base + p)).status);
    expect(statuses).toEqual([200, 422, 500, 404]);
    const text = await (await fetch(`${base}/metrics`)).text();
    const counts = text.split('\n').filter((l) => l.startsWith('http_request_duration_seconds_count'));
    const byStatus = counts.map((l) => /status="(\d+)"/.exec(l)?.[1]).sort();
    expect(byStatus).toEqual(['200', '404', '422', '500']);
  });
});
