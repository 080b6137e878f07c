// A thin client for the daprd HTTP API. The @dapr/dapr SDK is not used for these calls: its
// state.get never returns the ETag, publish reports failure as a value instead of throwing, its
// debug log prints request headers (the dapr-api-token among them), and transactions over gRPC
// drop per-operation metadata. State and pub/sub calls, the hot path of every command, go through
// an undici connection pool (kept alive, far less CPU per call than fetch); service invocation
// keeps fetch, whose Response callers stream and pass on.
// HTTP, not gRPC, measured (2026-12-04, docs/performance.md "The sidecar over gRPC"): the same
// GET + transaction to one daprd over the @bufbuild/protobuf stubs of @dapr/dapr 3.18 cost this
// process 3-10x the CPU of undici (at 32 clients 0.5 ms with @grpc/grpc-js, 0.9 ms with the SDK's
// connect-node transport, against 0.1 ms), ran at a quarter to a half of the throughput, and saved
// daprd nothing.
// Dapr's own measurements that put gRPC ahead are Go's; in Node the protobuf and HTTP/2 layers
// cost more than the JSON they save.
import { Pool } from 'undici';

export class SidecarError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode: string | undefined,
  ) {
    super(message);
  }
}

export interface StateItem<T> {
  key: string;
  value: T | undefined;
  etag: string | undefined;
}

export interface UpsertOp<T> {
  key: string;
  value: T;
  /** Opaque ETag from the store; absent means "create only" (with first-write concurrency). */
  etag?: string | undefined;
  metadata?: Record<string, string>;
  /** first-write (default) makes a write without ETag create-only on the stores that allow it. */
  concurrency?: 'first-write' | 'last-write';
}

export interface SidecarOptions {
  httpPort: number;
  host?: string;
  apiToken?: string | undefined;
  /** Per-call timeout; a hung sidecar must not hang a request forever. */
  timeoutMs?: number;
}

/** The part of a response the state and pub/sub calls read. */
interface SidecarResponse {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export class Sidecar {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly pool: Pool;

  constructor(opts: SidecarOptions) {
    this.baseUrl = `http://${opts.host ?? '127.0.0.1'}:${opts.httpPort}`;
    this.headers = opts.apiToken ? { 'dapr-api-token': opts.apiToken } : {};
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.pool = new Pool(this.baseUrl, { connections: 64, keepAliveTimeout: 30_000 });
  }

  private async request(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<SidecarResponse> {
    const { headers, body } = this.prepare(init);
    const timeout = init.timeoutMs ?? this.timeoutMs;
    try {
      const res = await this.pool.request({
        path,
        method: (init.method ?? (body === undefined ? 'GET' : 'POST')) as 'GET' | 'POST',
        headers,
        body,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      const text = await res.body.text();
      const responseHeaders = res.headers;
      return {
        status: res.statusCode,
        ok: res.statusCode >= 200 && res.statusCode < 300,
        headers: {
          get: (name) => {
            const value = responseHeaders[name.toLowerCase()];
            return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
          },
        },
        text: async () => text,
        json: async () => JSON.parse(text) as unknown,
      };
    } catch (err) {
      throw new SidecarError(`sidecar unreachable at ${this.baseUrl}${path}: ${(err as Error).message}`, 503, 'ERR_SIDECAR_UNREACHABLE');
    }
  }

  /** Headers (the API token first) and a JSON body for one call. */
  private prepare(init: { body?: unknown; headers?: Record<string, string> }): { headers: Record<string, string>; body: string | undefined } {
    const headers: Record<string, string> = { ...this.headers, ...init.headers };
    let body: string | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    return { headers, body };
  }

  /** Closes the connection pool (shutdown). */
  close(): Promise<void> {
    return this.pool.close();
  }

  async fetch(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Response> {
    const { headers, body } = this.prepare(init);
    try {
      return await fetch(this.baseUrl + path, {
        method: init.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        body,
        signal: AbortSignal.timeout(init.timeoutMs ?? this.timeoutMs),
      });
    } catch (err) {
      throw new SidecarError(`sidecar unreachable at ${this.baseUrl}${path}: ${(err as Error).message}`, 503, 'ERR_SIDECAR_UNREACHABLE');
    }
  }

  private static async fail(res: SidecarResponse, what: string): Promise<never> {
    const text = await res.text().catch(() => '');
    let code: string | undefined;
    let message = text;
    try {
      const error = JSON.parse(text) as { errorCode?: string; message?: string };
      code = error.errorCode;
      message = error.message ?? text;
    } catch {
      /* not JSON: keep the text */
    }
    throw new SidecarError(`${what}: HTTP ${res.status} ${code ?? ''} ${message}`.trim(), res.status, code);
  }

  async getState<T>(store: string, key: string): Promise<StateItem<T>> {
    const res = await this.request(`/v1.0/state/${store}/${encodeURIComponent(key)}?metadata.consistency=strong`, {
      headers: { consistency: 'strong' },
    });
    if (res.status === 204) return { key, value: undefined, etag: undefined };
    if (!res.ok) return Sidecar.fail(res, `get state ${key}`);
    const text = await res.text();
    return { key, value: text === '' ? undefined : (JSON.parse(text) as T), etag: res.headers.get('etag') ?? undefined };
  }

  async getBulkState<T>(store: string, keys: string[], parallelism = 16): Promise<Map<string, StateItem<T>>> {
    const out = new Map<string, StateItem<T>>();
    if (keys.length === 0) return out;
    const res = await this.request(`/v1.0/state/${store}/bulk`, { body: { keys, parallelism } });
    if (!res.ok) return Sidecar.fail(res, 'bulk get state');
    const items = (await res.json()) as Array<{ key: string; data?: T; etag?: string; error?: string }>;
    for (const it of items) {
      if (it.error) throw new SidecarError(`bulk get ${it.key}: ${it.error}`, 500, 'ERR_STATE_BULK_GET');
      out.set(it.key, { key: it.key, value: it.data, etag: it.etag });
    }
    return out;
  }

  /** Plain upserts (no transaction): each item on its own; 409 on an ETag mismatch. */
  async saveState<T>(store: string, items: UpsertOp<T>[], concurrency: 'first-write' | 'last-write' = 'first-write'): Promise<void> {
    const res = await this.request(`/v1.0/state/${store}`, {
      body: items.map((item) => ({
        key: item.key,
        value: item.value,
        ...(item.etag !== undefined ? { etag: item.etag } : {}),
        options: { concurrency, consistency: 'strong' },
        ...(item.metadata ? { metadata: item.metadata } : {}),
      })),
    });
    if (!res.ok) return Sidecar.fail(res, 'save state');
  }

  /**
   * State transaction. Any failure, an ETag mismatch included, comes back as HTTP 500
   * ERR_STATE_TRANSACTION: the caller decides by re-reading whether it lost a race.
   */
  async transact<T>(store: string, upserts: UpsertOp<T>[], metadata?: Record<string, string>): Promise<void> {
    const res = await this.request(`/v1.0/state/${store}/transaction`, {
      body: {
        operations: upserts.map((upsert) => ({
          operation: 'upsert',
          request: {
            key: upsert.key,
            value: upsert.value,
            ...(upsert.etag !== undefined ? { etag: upsert.etag } : {}),
            options: { concurrency: upsert.concurrency ?? 'first-write', consistency: 'strong' },
            ...(upsert.metadata ? { metadata: upsert.metadata } : {}),
          },
        })),
        ...(metadata ? { metadata } : {}),
      },
    });
    if (!res.ok) return Sidecar.fail(res, 'state transaction');
  }

  async publish(pubsub: string, topic: string, data: unknown, metadata: Record<string, string> = {}): Promise<void> {
    const qs = Object.entries(metadata)
      .map(([k, v]) => `metadata.${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    const res = await this.request(`/v1.0/publish/${pubsub}/${topic}${qs ? `?${qs}` : ''}`, { body: data });
    if (!res.ok) return Sidecar.fail(res, `publish ${pubsub}/${topic}`);
  }

  /**
   * Many messages in one request (Dapr's bulk publish; daprd wraps each in a CloudEvent as a
   * single publish does). Answers, per message in order, undefined or the error that failed it.
   */
  async publishBulk(pubsub: string, topic: string, messages: Array<{ data: unknown; metadata?: Record<string, string> }>): Promise<Array<Error | undefined>> {
    const res = await this.request(`/v1.0-alpha1/publish/bulk/${pubsub}/${topic}`, {
      body: messages.map((message, n) => ({
        entryId: String(n),
        event: message.data,
        contentType: 'application/json',
        ...(message.metadata ? { metadata: message.metadata } : {}),
      })),
    });
    if (res.ok) return messages.map(() => undefined);
    const text = await res.text().catch(() => '');
    let answer: { failedEntries?: Array<{ entryId: string; error?: string }>; errorCode?: string; message?: string } = {};
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      /* not JSON: the whole request failed */
    }
    if (!answer.failedEntries?.length)
      throw new SidecarError(`bulk publish ${pubsub}/${topic}: HTTP ${res.status} ${answer.errorCode ?? ''} ${answer.message ?? text}`, res.status, answer.errorCode);
    const failed = new Map(answer.failedEntries.map((entry) => [entry.entryId, entry.error ?? 'failed']));
    return messages.map((_message, n) => {
      const error = failed.get(String(n));
      return error === undefined ? undefined : new SidecarError(`bulk publish ${pubsub}/${topic}: ${error}`, res.status, 'ERR_PUBSUB_PUBLISH_MESSAGE');
    });
  }

  /** Service invocation; the raw response is returned so callers see the callee's status. */
  invoke(appId: string, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Response> {
    return this.fetch(`/v1.0/invoke/${appId}/method/${path.replace(/^\//, '')}`, init);
  }

  /** True when the sidecar is up and its components are initialised. */
  async healthy(): Promise<boolean> {
    try {
      const res = await this.request('/v1.0/healthz', { timeoutMs: 2000 });
      return res.status === 204 || res.ok;
    } catch {
      return false;
    }
  }

  async metadata(): Promise<unknown> {
    const res = await this.request('/v1.0/metadata', { timeoutMs: 2000 });
    if (!res.ok) return Sidecar.fail(res, 'metadata');
    return res.json();
  }
}
