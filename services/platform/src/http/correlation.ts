import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../log/logger.js';

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface RequestState {
  correlationId: string;
  log: Logger;
}

/**
 * The W3C trace id when Dapr or the caller sent a valid one, else x-correlation-id, else a new id.
 * An all-zero trace id is invalid (W3C Trace Context): daprd sends one when tracing is off, and
 * taking it would give every request the same id.
 */
export function correlationId(ctx: Pick<Context, 'get'>): string {
  const tp = TRACEPARENT.exec(ctx.get('traceparent'));
  if (tp?.[1] && !/^0+$/.test(tp[1])) return tp[1];
  const given = ctx.get('x-correlation-id');
  return SAFE_ID.test(given) ? given : randomUUID();
}

export function correlationMiddleware(log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const id = correlationId(ctx);
    const state = ctx.state as RequestState;
    state.correlationId = id;
    state.log = log.child({ correlationId: id });
    ctx.set('x-correlation-id', id);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      state.log.debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms }, 'request');
    }
  };
}
