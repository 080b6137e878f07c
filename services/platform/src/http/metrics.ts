import type { Context, Next } from 'koa';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { problemStatus } from './problem-middleware.js';

/** One registry per service process, with Node's default metrics and HTTP timings. */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by route, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const middleware = async (ctx: Context, next: Next): Promise<void> => {
    const end = httpDuration.startTimer();
    // An error thrown through here is answered further out (problemMiddleware): until then
    // ctx.status still says 404, so the status is the one that error will get.
    let status: number | undefined;
    try {
      await next();
    } catch (err) {
      status = problemStatus(err);
      throw err;
    } finally {
      // The route template, never the raw path, keeps label cardinality bounded.
      const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      end({ method: ctx.method, route: String(route), status: String(status ?? ctx.status) });
    }
  };
  const handler = async (ctx: Context): Promise<void> => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  };
  return { registry, middleware, handler };
}
