// The command API as its end-to-end suites call it (test code only: no production module imports
// this). useCommandSystem() starts account-command and a real daprd on the selected profile for
// the calling test file, as every suite of the former command-api.e2e.test.ts shared one; the
// helpers below then call that file's system. Every refused command is checked for "no partial
// write": the account's events (and, for opens, the stream list) are the same afterwards.
import { expectDescribed, startSystem, type TestSystem } from '@bank/testkit';

let system: TestSystem | undefined;

/** Starts the file's system before its first test and stops it after its last. */
export function useCommandSystem(): void {
  jest.setTimeout(180_000);
  beforeAll(async () => {
    // debug: the per-request log line is what shows the correlation id in the logs.
    // CHUNK_SIZE at its minimum (10): the longer streams in the suites cross sealed chunks.
    // IDEMPOTENCY_WINDOW 5: an idempotency test pushes keys out of the window.
    system = await startSystem({ commandEnv: { LOG_LEVEL: 'debug', CHUNK_SIZE: '10', IDEMPOTENCY_WINDOW: '5' } });
  });
  afterAll(async () => {
    await system?.stop();
  });
}

/** The running system of this test file. */
export function commandSystem(): TestSystem {
  if (!system) throw new Error('no system: call useCommandSystem() at the top of the test file');
  return system;
}

/** The command service's URL. */
export const baseUrl = (): string => commandSystem().command.url;

export interface Res {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of the response, checked field by field
  text: string;
}

export interface Req {
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
}

export async function call(method: string, path: string, request: Req = {}): Promise<Res> {
  const headers: Record<string, string> = { ...request.headers };
  let body: string | undefined = request.body;
  if (request.json !== undefined) {
    body = JSON.stringify(request.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(baseUrl() + path, { method, headers, body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  // An answer the OpenAPI document of account-command does not describe fails the test here.
  expectDescribed({
    method,
    url: baseUrl() + path,
    requestJson: request.json ?? (body === undefined ? undefined : jsonOrUndefined(body)),
    requestHadBody: body !== undefined && body !== '',
    requestHeaders: headers,
    status: res.status,
    headers: res.headers,
    text,
  });
  return { status: res.status, headers: res.headers, body: jsonOrUndefined(text), text };
}

function jsonOrUndefined(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

export const post = (path: string, json: unknown, headers: Record<string, string> = {}) => call('POST', path, { json, headers });
export const open = (initialBalance: string, currency = 'MAD', headers: Record<string, string> = {}) => post('/accounts', { initialBalance, currency }, headers);
export const credit = (id: string, amount: string, currency = 'MAD', headers: Record<string, string> = {}) => post(`/accounts/${id}/credit`, { amount, currency }, headers);
export const debit = (id: string, amount: string, currency = 'MAD', headers: Record<string, string> = {}) => post(`/accounts/${id}/debit`, { amount, currency }, headers);
export const events = (id: string, query = '') => call('GET', `/accounts/${id}/events${query}`);
export const state = (id: string, query = '') => call('GET', `/accounts/${id}/state${query}`);
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UNKNOWN = '00000000-0000-4000-8000-000000000000';

export async function opened(initialBalance: string, currency = 'MAD'): Promise<string> {
  const res = await open(initialBalance, currency);
  expect(res.status).toBe(201);
  return res.body.accountId as string;
}

export function expectProblem(res: Res, status: number, code: string): void {
  const where = `${res.status} ${res.text}`;
  expect({ where, status: res.status }).toEqual({ where, status });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json(;|$)/);
  expect(res.body).toMatchObject({ type: `/problems/${code}`, status, title: expect.any(String) });
  expect(res.headers.get('x-correlation-id')).toBeTruthy();
}

/** The full event list of an account, as the API gives it. */
export async function allEvents(id: string): Promise<unknown> {
  const res = await events(id);
  expect(res.status).toBe(200);
  return res.body;
}

export async function streams(): Promise<string[]> {
  const res = await call('GET', '/streams?limit=10000');
  expect(res.status).toBe(200);
  return (res.body.items as string[]).slice().sort();
}
