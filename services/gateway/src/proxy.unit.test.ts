// The proxy against a fake sidecar (a loopback server that answers as daprd would): which
// requests are sent again after a failure, and what the browser gets when every attempt failed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import Koa from 'koa';
import { createLogger, problemMiddleware } from '@bank/platform';
import { listenOnLoopback, type ListeningServer } from '@bank/testkit';
import { createProxy } from './proxy.js';
import { matchRoute } from './routes.js';

type Reply = (req: IncomingMessage, res: ServerResponse) => void;

const sidecarFailure: Reply = (_req, res) => {
  res.writeHead(500, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ errorCode: 'ERR_DIRECT_INVOKE', message: 'connection refused' }));
};
const serviceUnavailable: Reply = (_req, res) => {
  res.writeHead(503, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'urn:problem:dependency-unavailable', status: 503, detail: 'the event store is not reachable' }));
};
const serviceUnavailableJson: Reply = (_req, res) => {
  res.writeHead(503, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ detail: 'the event store is not reachable' }));
};
const accepted: Reply = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ accountId: 'a-1', version: 2 }));
};

let sidecar: ListeningServer;
let gateway: ListeningServer;
let replies: Reply[] = [];
let calls: Array<{ url: string; body: string; key: string | undefined }> = [];

beforeEach(async () => {
  replies = [];
  calls = [];
  sidecar = await listenOnLoopback((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      calls.push({ url: req.url ?? '', body, key: req.headers['idempotency-key'] as string | undefined });
      (replies.shift() ?? accepted)(req, res);
    });
  });
  const log = createLogger('unit', 'silent');
  const proxy = createProxy({
    sidecarUrl: sidecar.base,
    daprApiToken: undefined,
    appIds: { commands: 'account-command', queries: 'account-query' },
    bodyLimit: 10_000,
    timeoutMs: 5000,
    log,
  });
  const app = new Koa();
  app.use(problemMiddleware(log));
  app.use(async (ctx) => proxy(ctx, matchRoute(ctx.path)!));
  gateway = await listenOnLoopback(app);
});

afterEach(async () => {
  await gateway.close();
  await sidecar.close();
});

const credit = (key?: string) =>
  fetch(`${gateway.base}/api/commands/accounts/a-1/credit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify({ amount: '10.00', currency: 'MAD' }),
  });

test('given a keyed command, when the sidecar fails to reach the service twice, then the third attempt answers and the client sees only it', async () => {
  replies = [sidecarFailure, serviceUnavailable];
  const res = await credit('k-1');
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ accountId: 'a-1', version: 2 });
  expect(calls).toHaveLength(3);
  // The same request each time: same path, same body, same key.
  expect(new Set(calls.map((c) => `${c.url} ${c.body} ${c.key}`)).size).toBe(1);
});

test('given a command without a key, when the sidecar fails, then it is sent once and the client gets a retryable 503', async () => {
  replies = [sidecarFailure];
  const res = await credit();
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('1');
  expect(((await res.json()) as { detail: string }).detail).toMatch(/account-command is not reachable \(ERR_DIRECT_INVOKE\)/);
  expect(calls).toHaveLength(1);
});

test("given a keyed command, when every attempt is answered 503 by the service, then the service's own last answer reaches the client", async () => {
  replies = [serviceUnavailable, serviceUnavailable, serviceUnavailableJson];
  const res = await credit('k-2');
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual({ detail: 'the event store is not reachable' });
  expect(calls).toHaveLength(3);
});

test('given a POST to the query service, even with an Idempotency-Key, when the sidecar fails, then it is sent once', async () => {
  replies = [sidecarFailure];
  const res = await fetch(`${gateway.base}/api/queries/admin/projections/rebuild`, { method: 'POST', headers: { 'idempotency-key': 'k-rebuild' } });
  expect(res.status).toBe(503);
  expect(calls).toHaveLength(1);
});

test('given a read, when the sidecar fails once, then it is read again', async () => {
  replies = [sidecarFailure];
  const res = await fetch(`${gateway.base}/api/queries/accounts/a-1`);
  expect(res.status).toBe(200);
  expect(calls.map((c) => c.url)).toEqual(['/v1.0/invoke/account-query/method/accounts/a-1', '/v1.0/invoke/account-query/method/accounts/a-1']);
});

test('given a keyed command, when the service refuses it (a 4xx or another 5xx), then that answer is final', async () => {
  replies = [
    (_req, res) => {
      res.writeHead(500, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ status: 500, detail: 'a bug' }));
    },
  ];
  const res = await credit('k-3');
  expect(res.status).toBe(500);
  expect(calls).toHaveLength(1);
});
