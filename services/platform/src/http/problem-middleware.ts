import type { Context, Next } from 'koa';
import { Problem, PROBLEM_CONTENT_TYPE, type ProblemCode } from '@bank/contracts';
import type { Logger } from '../log/logger.js';

const byStatus: Record<number, ProblemCode> = {
  400: 'invalid-request',
  401: 'unauthorized',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  501: 'method-not-allowed',
};

export function sendProblem(ctx: Context, p: Problem): void {
  ctx.status = p.status;
  ctx.type = PROBLEM_CONTENT_TYPE;
  ctx.body = p.toBody(ctx.path);
}

/** The status problemMiddleware answers a thrown error with (for layers it wraps, such as metrics). */
export function problemStatus(err: unknown): number {
  if (err instanceof Problem) return err.status;
  const status = (err as { status?: unknown } | null)?.status;
  const code = typeof status === 'number' ? byStatus[status] : undefined;
  return code ? new Problem(code).status : 500;
}

/**
 * Turns every failure into an RFC 9457 document. Known causes keep their status; anything else
 * is a 500 whose detail says nothing about internals (the log has the stack, with the
 * correlation id to find it).
 */
export function problemMiddleware(log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) sendProblem(ctx, new Problem('not-found', `no route for ${ctx.method} ${ctx.path}`));
    } catch (err) {
      if (err instanceof Problem) {
        sendProblem(ctx, err);
        return;
      }
      const e = err as { status?: number; expose?: boolean; message?: string; headers?: Record<string, string> };
      const code = e.status !== undefined ? byStatus[e.status] : undefined;
      if (code) {
        if (e.headers) ctx.set(e.headers);
        sendProblem(ctx, new Problem(code, e.expose ? e.message : undefined));
        return;
      }
      const reqLog = (ctx.state as { log?: Logger }).log ?? log;
      reqLog.error({ err }, 'unhandled error');
      sendProblem(ctx, new Problem('internal', 'the request could not be completed; see the service log with this correlation id'));
    }
  };
}
