import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { Problem } from '@bank/contracts';
import { readJson } from '../http/json-body.js';

/** What the app answers a delivery: ack, ask Dapr to redeliver later, or give up on it. */
export type DeliveryStatus = 'SUCCESS' | 'RETRY' | 'DROP';

export interface Subscription {
  pubsubname: string;
  topic: string;
  route: string;
  metadata?: Record<string, string>;
}

export interface CloudEvent<T> {
  id: string;
  source?: string;
  type?: string;
  topic?: string;
  pubsubname?: string;
  datacontenttype?: string;
  data: T;
  traceparent?: string;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * With APP_API_TOKEN set, daprd sends it in `dapr-api-token` on every call to the app; anything
 * without it did not come from our sidecar and is refused before it can change a read model.
 */
export function requireAppToken(ctx: Context, appApiToken: string | undefined): void {
  if (!appApiToken) return;
  const given = ctx.get('dapr-api-token');
  if (!given || !sameSecret(given, appApiToken)) throw new Problem('unauthorized', 'missing or wrong dapr-api-token');
}

/** Reads a delivery: a CloudEvent envelope, or raw JSON when the subscription asked for it. */
export async function readDelivery<T>(ctx: Context, limit = 1024 * 1024): Promise<CloudEvent<T>> {
  const body = (await readJson(ctx, { limit })) as Partial<CloudEvent<T>> | null;
  if (!body || typeof body !== 'object') throw new Problem('invalid-request', 'delivery is not a JSON object');
  if ('data' in body && 'id' in body) {
    let data = body.data as unknown;
    // A publisher that forgot the JSON content type gets its payload delivered as a string.
    if (typeof data === 'string') {
      try {
        data = JSON.parse(data);
      } catch {
        /* leave as is; the handler validates */
      }
    }
    return { ...(body as CloudEvent<T>), data: data as T };
  }
  return { id: '', data: body as T };
}

export function answerDelivery(ctx: Context, status: DeliveryStatus): void {
  ctx.status = 200;
  ctx.body = { status };
}
