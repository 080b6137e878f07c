// Forwards an allowed /api request to its service through the gateway's Dapr sidecar
// (service invocation, POST /v1.0/invoke/<app>/method/<path>), passing the status, the body and
// the headers that matter through unchanged, errors included. Bodies are bytes both ways (never
// re-encoded). Server-Sent Events stream through: daprd (1.11+) streams invocation responses, so
// each event reaches the browser when the service writes it.
import { Readable } from 'node:stream';
import type { Context } from 'koa';
import { callerHeaders, Problem, type Caller } from '@bank/contracts';
import { readBodyBounded, retry, type RequestState } from '@bank/platform';
import type { Logger } from '@bank/platform';
import type { Route } from './routes.js';

/** Request headers a service may act on (never Authorization: the token stops at the edge). */
export const FORWARDED_REQUEST_HEADERS = ['content-type', 'accept', 'idempotency-key', 'if-match', 'if-none-match', 'traceparent', 'tracestate', 'last-event-id'] as const;

/** Response headers the browser needs. */
export const FORWARDED_RESPONSE_HEADERS = ['content-type', 'location', 'idempotent-replayed', 'retry-after', 'x-correlation-id', 'etag', 'cache-control', 'allow'] as const;

const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);

export interface ProxyOptions {
  /** http://host:port of the gateway's daprd. */
  sidecarUrl: string;
  daprApiToken: string | undefined;
  appIds: Record<Route['target'], string>;
  bodyLimit: number;
  timeoutMs: number;
  /** Where daprd's own failures are logged with its message (the client only sees the code). */
  log: Logger;
}

async function readBody(ctx: Context, limit: number): Promise<Buffer | undefined> {
  const body = await readBodyBounded(ctx, limit);
  return body.length === 0 && !ctx.get('content-type') ? undefined : body;
}

/** daprd's own failure (app not found, not reachable), as opposed to an answer of the service. */
function sidecarError(status: number, contentType: string, text: string): { code: string; message: string } | undefined {
  if (status < 500 || !/^application\/json/i.test(contentType)) return undefined;
  try {
    const j = JSON.parse(text) as { errorCode?: unknown; message?: unknown };
    return typeof j.errorCode === 'string' && j.errorCode.startsWith('ERR_') ? { code: j.errorCode, message: String(j.message ?? '').slice(0, 500) } : undefined;
  } catch {
    return undefined;
  }
}

/** What the service (or its sidecar) answered; `text` when it was read to look for daprd's own error. */
interface Answer {
  res: Response;
  text?: string;
}

/** An attempt that reached no one, or was answered 503: `retryable` when the request may go again. */
class Unavailable extends Error {
  constructor(
    readonly outcome: Problem | Answer,
    readonly retryable: boolean,
  ) {
    super(describe(outcome));
  }
}

function describe(outcome: Problem | Answer): string {
  return outcome instanceof Problem ? outcome.message : `the service answered ${outcome.res.status}`;
}

/** Attempts for a repeatable request: enough to ride over a pod that is going away. */
const ATTEMPTS = 3;

/**
 * A request the gateway may send again after a failure: a read, or a command to the command
 * service carrying an Idempotency-Key (that service applies a key once and replays its answer).
 * Anything else is sent once: a command without a key, and any POST to the query service (its
 * admin actions know no keys: a repeated rebuild would answer 409). A live stream is never repeated.
 */
function repeatable(method: string, headers: Record<string, string>, route: Route): boolean {
  if (route.live) return false;
  if (method === 'GET' || method === 'HEAD') return true;
  return route.target === 'commands' && Boolean(headers['idempotency-key']);
}

export function createProxy({ appIds, bodyLimit, daprApiToken, timeoutMs, sidecarUrl, log }: ProxyOptions) {
  /** `caller`: the signed-in user, passed on to the service (callerHeaders); none with sign-in off. */
  return async function proxy(ctx: Context, route: Route, caller?: Caller): Promise<void> {
    const appId = appIds[route.target];
    const body = BODYLESS.has(ctx.method) ? undefined : await readBody(ctx, bodyLimit);
    const headers: Record<string, string> = {};
    for (const h of FORWARDED_REQUEST_HEADERS) {
      const v = ctx.get(h);
      if (v) headers[h] = v;
    }
    const correlationId = (ctx.state as Partial<RequestState>).correlationId;
    if (correlationId) headers['x-correlation-id'] = correlationId;
    if (daprApiToken) headers['dapr-api-token'] = daprApiToken;
    if (caller) Object.assign(headers, callerHeaders(caller));

    // The upstream call ends when the browser goes away (a closed live page stops its stream).
    const abort = new AbortController();
    // (The response's close, not the request's: that one fires once a request body is read.)
    ctx.res.once('close', () => abort.abort());
    // One deadline for every attempt: a retry never stretches the request past timeoutMs.
    const signal = route.live ? abort.signal : AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)]);
    const url = `${sidecarUrl}/v1.0/invoke/${appId}/method/${route.path}${ctx.querystring ? `?${ctx.querystring}` : ''}`;

    const send = async (): Promise<Answer> => {
      let res: Response;
      try {
        res = await fetch(url, { method: ctx.method, headers, body, signal, redirect: 'manual' });
      } catch (e) {
        const timedOut = (e as Error).name === 'TimeoutError';
        throw new Unavailable(
          new Problem('dependency-unavailable', timedOut ? `${appId} did not answer within ${timeoutMs} ms` : `${appId} is not reachable through the gateway's sidecar`),
          !signal.aborted,
        );
      }
      if (res.status < 500) return { res };
      const text = await res.text();
      const failure = sidecarError(res.status, res.headers.get('content-type') ?? '', text);
      if (failure) {
        log.warn({ appId, status: res.status, errorCode: failure.code, sidecarMessage: failure.message, path: route.path }, 'the sidecar could not invoke the service');
        throw new Unavailable(new Problem('dependency-unavailable', `${appId} is not reachable (${failure.code})`), true);
      }
      // The service's own 503 (its store or sidecar is going away): passed on if it is the last word.
      if (res.status === 503) throw new Unavailable({ res, text }, true);
      return { res, text };
    };

    let answer: Answer;
    try {
      answer = await retry(send, {
        attempts: repeatable(ctx.method, headers, route) ? ATTEMPTS : 1,
        baseMs: 200,
        maxMs: 1000,
        retryable: (e) => e instanceof Unavailable && e.retryable && !signal.aborted,
        onRetry: (e, attempt) => log.info({ appId, path: route.path, attempt }, `retrying a repeatable request: ${describe((e as Unavailable).outcome)}`),
      });
    } catch (e) {
      if (!(e instanceof Unavailable)) throw e;
      if (e.outcome instanceof Problem) {
        ctx.set('retry-after', '1');
        throw e.outcome;
      }
      answer = e.outcome;
    }

    const { res, text } = answer;
    ctx.status = res.status;
    if (text !== undefined) {
      ctx.body = text;
    } else {
      if (route.live && res.ok && res.body) {
        ctx.req.socket.setTimeout(0);
        ctx.req.socket.setNoDelay(true);
        ctx.set('x-accel-buffering', 'no');
      }
      if (res.body && ctx.method !== 'HEAD' && res.status !== 204 && res.status !== 304) {
        // Piped as it arrives: a live stream is never buffered here.
        ctx.body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
      } else {
        await res.body?.cancel();
        ctx.body = null;
        ctx.status = res.status;
      }
    }
    for (const h of FORWARDED_RESPONSE_HEADERS) {
      const v = res.headers.get(h);
      if (v !== null) ctx.set(h, v);
    }
    if (!res.headers.get('content-type')) ctx.remove('content-type');
  };
}
