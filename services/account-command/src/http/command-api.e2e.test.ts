// The command API end to end: account-command and a real daprd on the Redis profile, one system
// for the whole file. Every refused command is checked for "no partial write": the account's
// events (and, for opens, the stream list) are the same afterwards.
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { startSystem, type TestSystem } from '@bank/shared/testing';
import { uuidFromKey } from '../commands/idempotency.js';

jest.setTimeout(180_000);

let sys: TestSystem;
let base: string;

beforeAll(async () => {
  // debug: the per-request log line is what shows the correlation id in the logs.
  // CHUNK_SIZE at its minimum (10): the longer streams below cross sealed chunks.
  // IDEMPOTENCY_WINDOW 5: a test below pushes keys out of the window.
  sys = await startSystem({ commandEnv: { LOG_LEVEL: 'debug', CHUNK_SIZE: '10', IDEMPOTENCY_WINDOW: '5' } });
  base = sys.command.url;
});

afterAll(async () => {
  await sys?.stop();
});

interface Res {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of the response, checked field by field
  text: string;
}

interface Req {
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
}

async function call(method: string, path: string, r: Req = {}): Promise<Res> {
  const headers: Record<string, string> = { ...r.headers };
  let body: string | undefined = r.body;
  if (r.json !== undefined) {
    body = JSON.stringify(r.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, { method, headers, body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

const post = (path: string, json: unknown, headers: Record<string, string> = {}) => call('POST', path, { json, headers });
const open = (initialBalance: string, currency = 'MAD', headers: Record<string, string> = {}) => post('/accounts', { initialBalance, currency }, headers);
const credit = (id: string, amount: string, currency = 'MAD', headers: Record<string, string> = {}) => post(`/accounts/${id}/credit`, { amount, currency }, headers);
const debit = (id: string, amount: string, currency = 'MAD', headers: Record<string, string> = {}) => post(`/accounts/${id}/debit`, { amount, currency }, headers);
const events = (id: string, query = '') => call('GET', `/accounts/${id}/events${query}`);
const state = (id: string, query = '') => call('GET', `/accounts/${id}/state${query}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

async function opened(initialBalance: string, currency = 'MAD'): Promise<string> {
  const res = await open(initialBalance, currency);
  expect(res.status).toBe(201);
  return res.body.accountId as string;
}

function expectProblem(res: Res, status: number, code: string): void {
  const where = `${res.status} ${res.text}`;
  expect({ where, status: res.status }).toEqual({ where, status });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json(;|$)/);
  expect(res.body).toMatchObject({ type: `/problems/${code}`, status, title: expect.any(String) });
  expect(res.headers.get('x-correlation-id')).toBeTruthy();
}

/** The full event list of an account, as the API gives it. */
async function allEvents(id: string): Promise<unknown> {
  const res = await events(id);
  expect(res.status).toBe(200);
  return res.body;
}

async function streams(): Promise<string[]> {
  const res = await call('GET', '/streams?limit=10000');
  expect(res.status).toBe(200);
  return (res.body.items as string[]).slice().sort();
}

describe('happy path', () => {
  it('opens, credits, debits; the events and the state at every version and instant follow', async () => {
    const before = new Date().toISOString();
    await sleep(5);

    const o = await open('100.00');
    expect(o.status).toBe(201);
    expect(o.headers.get('content-type')).toMatch(/^application\/json/);
    expect(o.body).toEqual({ accountId: expect.stringMatching(UUID), version: 2 });
    const id = o.body.accountId as string;
    expect(o.headers.get('location')).toBe(`/accounts/${id}`);
    expect(o.headers.get('idempotent-replayed')).toBeNull();

    await sleep(5);
    const afterOpen = new Date().toISOString();
    await sleep(5);

    const c = await credit(id, '25.50');
    expect(c.status).toBe(200);
    expect(c.body).toEqual({ accountId: id, version: 3 });

    await sleep(5);
    const afterCredit = new Date().toISOString();
    await sleep(5);

    const d = await debit(id, '10');
    expect(d.status).toBe(200);
    expect(d.body).toEqual({ accountId: id, version: 4 });

    await sleep(5);
    const afterDebit = new Date().toISOString();

    const ev = await events(id);
    expect(ev.status).toBe(200);
    expect(ev.headers.get('content-type')).toMatch(/^application\/json/);
    expect(ev.body).toEqual({
      accountId: id,
      version: 4,
      events: [
        { eventId: expect.stringMatching(UUID), type: 'AccountCreated', version: 1, occurredAt: expect.stringMatching(ISO), schemaVersion: 1, data: { initialBalance: '100.00', currency: 'MAD' } },
        { eventId: expect.stringMatching(UUID), type: 'AccountActivated', version: 2, occurredAt: expect.stringMatching(ISO), schemaVersion: 1, data: {} },
        { eventId: expect.stringMatching(UUID), type: 'AccountCredited', version: 3, occurredAt: expect.stringMatching(ISO), schemaVersion: 1, data: { amount: '25.50', currency: 'MAD' } },
        { eventId: expect.stringMatching(UUID), type: 'AccountDebited', version: 4, occurredAt: expect.stringMatching(ISO), schemaVersion: 1, data: { amount: '10.00', currency: 'MAD' } },
      ],
    });
    const list = ev.body.events as Array<{ eventId: string; occurredAt: string }>;
    expect(new Set(list.map((e) => e.eventId)).size).toBe(4);
    // Event times lie between the client's marks (same host clock).
    expect(list[0]!.occurredAt > before && list[1]!.occurredAt <= afterOpen).toBe(true);
    expect(list[2]!.occurredAt > afterOpen && list[2]!.occurredAt <= afterCredit).toBe(true);
    expect(list[3]!.occurredAt > afterCredit && list[3]!.occurredAt <= afterDebit).toBe(true);

    // Paging.
    const page = await events(id, '?fromVersion=2&limit=2');
    expect(page.status).toBe(200);
    expect(page.body.version).toBe(4);
    expect((page.body.events as Array<{ version: number }>).map((e) => e.version)).toEqual([2, 3]);
    expect((await events(id, '?fromVersion=4')).body.events.map((e: { version: number }) => e.version)).toEqual([4]);
    expect((await events(id, '?fromVersion=5')).body).toEqual({ accountId: id, version: 4, events: [] });
    expect((await events(id, '?limit=1')).body.events.map((e: { version: number }) => e.version)).toEqual([1]);

    // State now.
    const now = await state(id);
    expect(now.status).toBe(200);
    expect(now.body).toEqual({ accountId: id, balance: '115.50', currency: 'MAD', status: 'ACTIVATED', version: 4 });

    // State at each version.
    const atVersion = await Promise.all([1, 2, 3, 4].map((v) => state(id, `?version=${v}`)));
    expect(atVersion.map((r) => [r.status, r.body.status, r.body.balance, r.body.version])).toEqual([
      [200, 'CREATED', '100.00', 1],
      [200, 'ACTIVATED', '100.00', 2],
      [200, 'ACTIVATED', '125.50', 3],
      [200, 'ACTIVATED', '115.50', 4],
    ]);

    // State at instants: between commands, exactly at an event's time, and after everything.
    const at = (iso: string) => state(id, `?at=${encodeURIComponent(iso)}`);
    const [a1, a2, a3, a4, a5, a6] = await Promise.all([at(afterOpen), at(afterCredit), at(afterDebit), at(list[2]!.occurredAt), at('2999-01-01T00:00:00Z'), at(list[0]!.occurredAt)]);
    expect(a1.body).toMatchObject({ accountId: id, balance: '100.00', status: 'ACTIVATED', version: 2, at: afterOpen });
    expect(a2.body).toMatchObject({ balance: '125.50', version: 3, at: afterCredit });
    expect(a3.body).toMatchObject({ balance: '115.50', version: 4 });
    expect(a4.body).toMatchObject({ balance: '125.50', version: 3 });
    expect(a5.body).toMatchObject({ balance: '115.50', version: 4, currency: 'MAD' });
    // Both opening events carry the time of the one command that made them.
    expect(a6.body).toMatchObject({ version: 2, status: 'ACTIVATED', balance: '100.00' });
    // The same instant written with an offset is the same instant.
    const shifted = new Date(Date.parse(afterCredit) + 3_600_000).toISOString().replace('Z', '+01:00');
    expect((await at(shifted)).body).toMatchObject({ version: 3 });

    // Before the account existed, or past its head: not found.
    expectProblem(await at(before), 404, 'account-not-found');
    expectProblem(await state(id, '?version=5'), 404, 'not-found');
  });

  it('keeps each currency in its own precision (JPY 0, KWD 3) and allows a zero opening balance', async () => {
    const [jpy, kwd, zero] = await Promise.all([opened('1000', 'JPY'), opened('1.5', 'KWD'), opened('0')]);
    const [c1, c2, c3] = await Promise.all([debit(jpy, '1000', 'JPY'), credit(kwd, '0.001', 'KWD'), credit(zero, '0.01')]);
    expect([c1.status, c2.status, c3.status]).toEqual([200, 200, 200]);
    const [s1, s2, s3] = await Promise.all([state(jpy), state(kwd), state(zero)]);
    expect(s1.body).toMatchObject({ balance: '0', currency: 'JPY', version: 3 });
    expect(s2.body).toMatchObject({ balance: '1.501', currency: 'KWD', version: 3 });
    expect(s3.body).toMatchObject({ balance: '0.01', currency: 'MAD', version: 3 });
    expect((await allEvents(kwd) as { events: Array<{ data: unknown }> }).events[0]!.data).toEqual({ initialBalance: '1.500', currency: 'KWD' });

    const beforeJ = await allEvents(jpy);
    const beforeK = await allEvents(kwd);
    const refused = await Promise.all([credit(jpy, '1.5', 'JPY'), credit(kwd, '0.0001', 'KWD'), credit(jpy, '1.0', 'JPY')]);
    for (const r of refused) expectProblem(r, 400, 'invalid-amount');
    expect(await allEvents(jpy)).toEqual(beforeJ);
    expect(await allEvents(kwd)).toEqual(beforeK);
  });

  it('allows a debit of exactly the balance, then refuses the next cent', async () => {
    const id = await opened('42.42');
    expect((await debit(id, '42.42')).status).toBe(200);
    expectProblem(await debit(id, '0.01'), 422, 'insufficient-funds');
    expect((await state(id)).body).toMatchObject({ balance: '0.00', version: 3 });
  });
});

describe('errors: status, problem type, and no partial write', () => {
  const big = 'x'.repeat(17 * 1024);

  it('refuses bad credits and debits on an existing account and changes nothing', async () => {
    const id = await opened('50.00');
    const before = await allEvents(id);
    const raw = (path: string, body: string, contentType = 'application/json') => call('POST', `/accounts/${id}/${path}`, { body, headers: { 'content-type': contentType } });

    const cases: Array<[string, Promise<Res>, number, string]> = [
      ['malformed JSON', raw('credit', '{"amount":"1.00",'), 400, 'malformed-json'],
      ['not JSON at all', raw('debit', 'amount=1.00'), 400, 'malformed-json'],
      ['empty body', raw('credit', ''), 400, 'malformed-json'],
      ['duplicate key', raw('credit', '{"amount":"1.00","currency":"MAD","amount":"900.00"}'), 400, 'malformed-json'],
      ['duplicate key in a debit', raw('debit', '{"amount":"100.00","amount":"1.00","currency":"MAD"}'), 400, 'malformed-json'],
      ['not an object', raw('credit', '["1.00","MAD"]'), 400, 'invalid-request'],
      ['null body', raw('credit', 'null'), 400, 'invalid-request'],
      ['missing amount', post(`/accounts/${id}/credit`, { currency: 'MAD' }), 400, 'invalid-request'],
      ['missing currency', post(`/accounts/${id}/debit`, { amount: '1.00' }), 400, 'invalid-request'],
      ['extra field', post(`/accounts/${id}/credit`, { amount: '1.00', currency: 'MAD', note: 'hi' }), 400, 'invalid-request'],
      ['extra accountId field', post(`/accounts/${id}/debit`, { amount: '1.00', currency: 'MAD', accountId: UNKNOWN }), 400, 'invalid-request'],
      ['numeric amount', post(`/accounts/${id}/credit`, { amount: 1, currency: 'MAD' }), 400, 'invalid-amount'],
      ['zero amount', credit(id, '0'), 400, 'invalid-amount'],
      ['zero amount with decimals', debit(id, '0.00'), 400, 'invalid-amount'],
      ['negative credit', credit(id, '-1.00'), 400, 'invalid-amount'],
      ['negative debit', debit(id, '-5'), 400, 'invalid-amount'],
      ['exponent', credit(id, '1e3'), 400, 'invalid-amount'],
      ['leading space', credit(id, ' 1'), 400, 'invalid-amount'],
      ['trailing dot', credit(id, '1.'), 400, 'invalid-amount'],
      ['leading dot', debit(id, '.5'), 400, 'invalid-amount'],
      ['plus sign', credit(id, '+1'), 400, 'invalid-amount'],
      ['leading zero', credit(id, '01'), 400, 'invalid-amount'],
      ['too many decimals', debit(id, '1.001'), 400, 'invalid-amount'],
      ['too large', credit(id, '1'.repeat(16)), 400, 'invalid-amount'],
      ['unknown currency', credit(id, '1.00', 'ABC'), 400, 'unknown-currency'],
      ['lower-case currency', debit(id, '1.00', 'mad'), 400, 'unknown-currency'],
      ['currency mismatch on credit', credit(id, '1.00', 'EUR'), 422, 'currency-mismatch'],
      ['currency mismatch on debit', debit(id, '1.00', 'USD'), 422, 'currency-mismatch'],
      ['insufficient funds', debit(id, '50.01'), 422, 'insufficient-funds'],
      ['text/plain', raw('credit', '{"amount":"1.00","currency":"MAD"}', 'text/plain'), 415, 'unsupported-media-type'],
      ['form content type', raw('debit', 'amount=1.00&currency=MAD', 'application/x-www-form-urlencoded'), 415, 'unsupported-media-type'],
      ['no content type', call('POST', `/accounts/${id}/credit`, { body: '{"amount":"1.00","currency":"MAD"}' }), 415, 'unsupported-media-type'],
      ['body over 16 KiB', raw('credit', `{"amount":"1.00","currency":"MAD","pad":"${big}"}`), 413, 'payload-too-large'],
      ['bad If-Match', post(`/accounts/${id}/credit`, { amount: '1.00', currency: 'MAD' }, { 'if-match': 'abc' }), 400, 'invalid-header'],
      ['bad Idempotency-Key', post(`/accounts/${id}/credit`, { amount: '1.00', currency: 'MAD' }, { 'idempotency-key': 'k'.repeat(129) }), 400, 'invalid-header'],
      ['stale If-Match', post(`/accounts/${id}/debit`, { amount: '1.00', currency: 'MAD' }, { 'if-match': '"1"' }), 412, 'precondition-failed'],
    ];
    const results = await Promise.all(cases.map(([, p]) => p));
    const got = cases.map(([name], i) => [name, results[i]!.status, results[i]!.body?.type]);
    expect(got).toEqual(cases.map(([name, , status, code]) => [name, status, `/problems/${code}`]));
    for (const [i, [, , status, code]] of cases.entries()) expectProblem(results[i]!, status, code);
    expect(results[cases.findIndex(([n]) => n === 'currency mismatch on credit')]!.body.accountCurrency).toBe('MAD');
    expect(results[cases.findIndex(([n]) => n === 'insufficient funds')]!.body).toMatchObject({ balance: '50.00', requested: '50.01' });
    expect(results[cases.findIndex(([n]) => n === 'extra field')]!.body.errors).toEqual([{ pointer: '/note', detail: 'is not a known field' }]);
    expect(results[cases.findIndex(([n]) => n === 'stale If-Match')]!.body.currentVersion).toBe(2);

    expect(await allEvents(id)).toEqual(before);
    expect((await state(id)).body).toMatchObject({ balance: '50.00', version: 2 });
  });

  it('refuses a chunked body that crosses the limit with 413, and the service keeps working', async () => {
    const id = await opened('1.00');
    const before = await allEvents(id);
    const res = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const url = new URL(`${base}/accounts/${id}/credit`);
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, type: String(r.headers['content-type']), body }));
      });
      req.on('error', reject);
      void (async () => {
        req.write('{"amount":"1.00","currency":"MAD","pad":"');
        for (let i = 0; i < 20 && !req.destroyed; i++) {
          req.write('y'.repeat(1024));
          await sleep(2);
        }
        if (!req.destroyed) req.end('"}');
      })();
    });
    expect(res.status).toBe(413);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ type: '/problems/payload-too-large' });
    expect(await allEvents(id)).toEqual(before);
    expect((await credit(id, '1.00')).status).toBe(200);
  });

  it('refuses bad opens and writes no stream', async () => {
    const streamsBefore = await streams();
    const key = (n: string) => ({ 'idempotency-key': `bad-open-${n}-${process.pid}-${Date.now()}` });
    const cases: Array<[string, Record<string, string>, Promise<Res>, number, string]> = [];
    const add = (name: string, status: number, code: string, send: (h: Record<string, string>) => Promise<Res>) => {
      const h = key(name.replace(/\W+/g, '-'));
      cases.push([name, h, send(h), status, code]);
    };
    add('negative balance', 400, 'invalid-amount', (h) => open('-1.00', 'MAD', h));
    add('exponent', 400, 'invalid-amount', (h) => open('1e3', 'MAD', h));
    add('too many decimals', 400, 'invalid-amount', (h) => open('1.5', 'JPY', h));
    add('numeric balance', 400, 'invalid-amount', (h) => post('/accounts', { initialBalance: 100, currency: 'MAD' }, h));
    add('unknown currency', 400, 'unknown-currency', (h) => open('1.00', 'XYZ', h));
    add('missing currency', 400, 'invalid-request', (h) => post('/accounts', { initialBalance: '1.00' }, h));
    add('extra field', 400, 'invalid-request', (h) => post('/accounts', { initialBalance: '1.00', currency: 'MAD', accountId: UNKNOWN }, h));
    add('duplicate key', 400, 'malformed-json', (h) => call('POST', '/accounts', { body: '{"initialBalance":"1.00","currency":"MAD","currency":"EUR"}', headers: { ...h, 'content-type': 'application/json' } }));
    add('malformed', 400, 'malformed-json', (h) => call('POST', '/accounts', { body: '{', headers: { ...h, 'content-type': 'application/json' } }));
    add('wrong content type', 415, 'unsupported-media-type', (h) => call('POST', '/accounts', { body: '{"initialBalance":"1.00","currency":"MAD"}', headers: { ...h, 'content-type': 'text/plain' } }));
    add('too large', 413, 'payload-too-large', (h) => call('POST', '/accounts', { body: `{"initialBalance":"1.00","currency":"MAD","pad":"${big}"}`, headers: { ...h, 'content-type': 'application/json' } }));
    const results = await Promise.all(cases.map(([, , p]) => p));
    expect(cases.map(([name], i) => [name, results[i]!.status, results[i]!.body?.type])).toEqual(cases.map(([name, , , status, code]) => [name, status, `/problems/${code}`]));
    for (const [i, [, , , status, code]] of cases.entries()) expectProblem(results[i]!, status, code);
    // The id an open with that key would have created holds nothing.
    const after = await Promise.all(cases.map(([, h]) => events(uuidFromKey(h['idempotency-key']!))));
    for (const r of after) expectProblem(r, 404, 'account-not-found');
    expect(await streams()).toEqual(streamsBefore);
  });

  it('answers 400 for an id that is not a UUID, on every route', async () => {
    const results = await Promise.all([
      credit('not-a-uuid', '1.00'),
      debit('12345', '1.00'),
      events('not-a-uuid'),
      state('0000-0000'),
      call('GET', `/accounts/${UNKNOWN}x/state`),
    ]);
    for (const r of results) expectProblem(r, 400, 'invalid-account-id');
  });

  it('answers 404 for an unknown account, and creates nothing', async () => {
    const streamsBefore = await streams();
    const results = await Promise.all([
      credit(UNKNOWN, '1.00'),
      debit(UNKNOWN, '1.00'),
      events(UNKNOWN),
      state(UNKNOWN),
      state(UNKNOWN, '?version=1'),
      state(UNKNOWN, '?at=2026-01-01T00:00:00Z'),
      credit(UNKNOWN, '1.00', 'MAD', { 'idempotency-key': `unknown-${Date.now()}` }),
      debit(UNKNOWN, '1.00', 'MAD', { 'if-match': '"0"' }),
    ]);
    for (const r of results) expectProblem(r, 404, 'account-not-found');
    expectProblem(await events(UNKNOWN), 404, 'account-not-found');
    expect(await streams()).toEqual(streamsBefore);
  });

  it('refuses bad query parameters with 400', async () => {
    const id = await opened('1.00');
    const results = await Promise.all([
      events(id, '?fromVersion=0'),
      events(id, '?fromVersion=abc'),
      events(id, '?limit=0'),
      events(id, '?limit=10001'),
      events(id, '?limit=1&limit=2'),
      state(id, '?version=0'),
      state(id, '?version=-1'),
      state(id, '?version=1.5'),
      state(id, '?at=yesterday'),
      state(id, '?at=2026-01-31T12:00:00'),
      state(id, '?at=2026-02-30T00:00:00Z'),
      state(id, '?version=1&at=2026-01-01T00:00:00Z'),
    ]);
    for (const r of results) expectProblem(r, 400, 'invalid-query');
  });

  it('answers unknown routes with 404 and wrong methods with 405, as problems', async () => {
    expectProblem(await call('GET', '/nope'), 404, 'not-found');
    expectProblem(await call('DELETE', '/accounts'), 405, 'method-not-allowed');
    const id = await opened('1.00');
    expectProblem(await call('PUT', `/accounts/${id}/credit`, { json: { amount: '1.00', currency: 'MAD' } }), 405, 'method-not-allowed');
    expect((await allEvents(id) as { version: number }).version).toBe(2);
  });
});

describe('idempotency', () => {
  it('replays the first answer for the same key and body, and writes once', async () => {
    const id = await opened('10.00');
    const key = { 'idempotency-key': `credit-${id}` };
    const first = await credit(id, '5.00', 'MAD', key);
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const written = await allEvents(id);

    const again = await credit(id, '5.00', 'MAD', key);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await allEvents(id)).toEqual(written);

    // Field order does not make it another request.
    const reordered = await call('POST', `/accounts/${id}/credit`, { body: '{"currency":"MAD","amount":"5.00"}', headers: { ...key, 'content-type': 'application/json' } });
    expect(reordered.status).toBe(200);
    expect(reordered.headers.get('idempotent-replayed')).toBe('true');

    // Other body with the same key: refused, nothing written.
    const reused = await credit(id, '6.00', 'MAD', key);
    expectProblem(reused, 422, 'idempotency-key-reused');
    const reusedAsDebit = await debit(id, '5.00', 'MAD', key);
    expectProblem(reusedAsDebit, 422, 'idempotency-key-reused');
    expect(await allEvents(id)).toEqual(written);

    // Still the first answer after later commands moved the stream on.
    expect((await credit(id, '1.00')).body.version).toBe(4);
    const late = await credit(id, '5.00', 'MAD', key);
    expect(late.body).toEqual({ accountId: id, version: 3 });
    expect(late.headers.get('idempotent-replayed')).toBe('true');
    expect((await state(id)).body).toMatchObject({ balance: '16.00', version: 4 });
  });

  it('applies a key once when its repeats arrive in parallel', async () => {
    const id = await opened('100.00');
    const key = { 'idempotency-key': `parallel-${id}` };
    const results = await Promise.all(Array.from({ length: 8 }, () => debit(id, '30.00', 'MAD', key)));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    // (Member order may differ: daprd re-encodes the stored JSON; the objects are the same.)
    for (const r of results) expect(r.body).toEqual({ accountId: id, version: 3 });
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(7);
    const ev = (await allEvents(id)) as { version: number; events: Array<{ type: string }> };
    expect(ev.version).toBe(3);
    expect(ev.events.filter((e) => e.type === 'AccountDebited')).toHaveLength(1);
    expect((await state(id)).body.balance).toBe('70.00');
  });

  it('opens one account for a key sent twice, and refuses the key with another body', async () => {
    const streamsBefore = await streams();
    const key = `open-${process.pid}-${Date.now()}`;
    const first = await open('20.00', 'MAD', { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const id = first.body.accountId as string;
    expect(id).toBe(uuidFromKey(key));
    const written = await allEvents(id);

    const again = await open('20.00', 'MAD', { 'idempotency-key': key });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('location')).toBe(`/accounts/${id}`);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    expectProblem(await open('21.00', 'MAD', { 'idempotency-key': key }), 422, 'idempotency-key-reused');
    expectProblem(await open('20.00', 'EUR', { 'idempotency-key': key }), 422, 'idempotency-key-reused');
    expect(await allEvents(id)).toEqual(written);
    expect(await streams()).toEqual([...streamsBefore, id].sort());

    // In parallel too: one account, one AccountCreated.
    const key2 = `open-par-${process.pid}-${Date.now()}`;
    const par = await Promise.all(Array.from({ length: 5 }, () => open('3.00', 'KWD', { 'idempotency-key': key2 })));
    expect(par.map((r) => r.status)).toEqual(Array(5).fill(201));
    expect(new Set(par.map((r) => r.body.accountId as string))).toEqual(new Set([uuidFromKey(key2)]));
    const ev = (await allEvents(uuidFromKey(key2))) as { version: number; events: Array<{ type: string }> };
    expect(ev.events.map((e) => e.type)).toEqual(['AccountCreated', 'AccountActivated']);
  });

  it('replays a keyed open even after more keyed commands than the window holds; forgets old credit keys', async () => {
    const key = `open-window-${process.pid}-${Date.now()}`;
    const first = await open('0.00', 'MAD', { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const id = first.body.accountId as string;
    for (let i = 0; i < 7; i++) expect((await credit(id, '1.00', 'MAD', { 'idempotency-key': `${key}-c${i}` })).status).toBe(200);
    const again = await open('0.00', 'MAD', { 'idempotency-key': key });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // The newest credit keys are still remembered; the oldest one has left the window.
    const recent = await credit(id, '1.00', 'MAD', { 'idempotency-key': `${key}-c6` });
    expect(recent.headers.get('idempotent-replayed')).toBe('true');
    const old = await credit(id, '1.00', 'MAD', { 'idempotency-key': `${key}-c0` });
    expect(old.headers.get('idempotent-replayed')).toBeNull();
    expect(old.body.version).toBe(2 + 7 + 1);
  });

  it('opens distinct accounts without a key', async () => {
    const [a, b] = await Promise.all([open('1.00'), open('1.00')]);
    expect(a.body.accountId).not.toBe(b.body.accountId);
  });
});

describe('If-Match', () => {
  it('applies a command at the expected version and refuses a stale one with 412', async () => {
    const id = await opened('10.00');
    const ok = await credit(id, '1.00', 'MAD', { 'if-match': '"2"' });
    expect(ok.status).toBe(200);
    expect(ok.body.version).toBe(3);
    const written = await allEvents(id);

    for (const stale of ['"2"', '"4"', '"0"']) expectProblem(await debit(id, '1.00', 'MAD', { 'if-match': stale }), 412, 'precondition-failed');
    expect(await allEvents(id)).toEqual(written);

    const weak = await debit(id, '1.00', 'MAD', { 'if-match': 'W/"3"' });
    expect(weak.status).toBe(200);
    expect(weak.body.version).toBe(4);

    // A retried request is answered as the first time, even though its If-Match is now stale.
    const keyed = { 'if-match': '"4"', 'idempotency-key': `if-match-${id}` };
    const first = await credit(id, '2.00', 'MAD', keyed);
    expect(first.body).toEqual({ accountId: id, version: 5 });
    const retried = await credit(id, '2.00', 'MAD', keyed);
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ accountId: id, version: 5 });
    expect(retried.headers.get('idempotent-replayed')).toBe('true');

    // Two writers with the same expectation: exactly one wins.
    const race = await Promise.all([credit(id, '1.00', 'MAD', { 'if-match': '"5"' }), debit(id, '1.00', 'MAD', { 'if-match': '"5"' })]);
    expect(race.map((r) => r.status).sort()).toEqual([200, 412]);
    expect((await state(id)).body.version).toBe(6);
  });
});

describe('concurrency', () => {
  it('30 parallel debits of 10.00 on 100.00: exactly 10 succeed, contiguous versions, balance 0.00', async () => {
    const id = await opened('100.00');
    const results = await Promise.all(Array.from({ length: 30 }, () => debit(id, '10.00')));
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status !== 200);
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(20);
    for (const r of refused) expectProblem(r, 422, 'insufficient-funds');
    expect(ok.map((r) => r.body.version as number).sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

    expect((await state(id)).body).toEqual({ accountId: id, balance: '0.00', currency: 'MAD', status: 'ACTIVATED', version: 12 });
    const ev = (await allEvents(id)) as { version: number; events: Array<{ eventId: string; type: string; version: number; data: unknown }> };
    expect(ev.version).toBe(12);
    expect(ev.events.map((e) => e.version)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(new Set(ev.events.map((e) => e.eventId)).size).toBe(12);
    expect(ev.events.slice(2).every((e) => e.type === 'AccountDebited')).toBe(true);
    expect(ev.events.slice(2).map((e) => e.data)).toEqual(Array(10).fill({ amount: '10.00', currency: 'MAD' }));

    // 12 events with chunks of 10: pages and past states across the sealed chunk agree.
    const page = await events(id, '?fromVersion=9&limit=3');
    expect(page.body.events).toEqual(ev.events.slice(8, 11));
    const [v10, v11] = await Promise.all([state(id, '?version=10'), state(id, '?version=11')]);
    expect([v10.body.balance, v11.body.balance]).toEqual(['20.00', '10.00']);
  });

  it('keeps parallel commands on different accounts apart', async () => {
    const ids = await Promise.all([opened('0.00'), opened('0.00'), opened('0.00')]);
    await Promise.all(ids.flatMap((id, n) => Array.from({ length: 5 }, () => credit(id, `${n + 1}.00`))));
    const states = await Promise.all(ids.map((id) => state(id)));
    expect(states.map((s) => [s.body.balance, s.body.version])).toEqual([['5.00', 7], ['10.00', 7], ['15.00', 7]]);
  });
});

describe('operations', () => {
  it('/healthz and /readyz', async () => {
    const h = await call('GET', '/healthz');
    expect(h.status).toBe(200);
    expect(h.body).toEqual({ status: 'ok' });
    const r = await call('GET', '/readyz');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ready', checks: { sidecar: true, store: true, started: true } });
  });

  it('carries the trace id of a traceparent as the correlation id, on answers and in the logs', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    const ok = await open('1.00', 'MAD', { traceparent });
    expect(ok.status).toBe(201);
    expect(ok.headers.get('x-correlation-id')).toBe(traceId);
    const bad = await debit(ok.body.accountId as string, '2.00', 'MAD', { traceparent });
    expectProblem(bad, 422, 'insufficient-funds');
    expect(bad.headers.get('x-correlation-id')).toBe(traceId);

    const own = await call('GET', '/healthz', { headers: { 'x-correlation-id': 'my-request-1' } });
    expect(own.headers.get('x-correlation-id')).toBe('my-request-1');
    const fresh = await call('GET', '/healthz', { headers: { traceparent: 'garbage' } });
    expect(fresh.headers.get('x-correlation-id')).toMatch(UUID);

    const logged = (): Array<Record<string, unknown>> =>
      readFileSync(sys.command.app.logFile, 'utf8')
        .split('\n')
        .filter((l) => l.includes(traceId))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (let i = 0; i < 50 && logged().length < 2; i++) await sleep(100);
    const lines = logged();
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l.correlationId).toBe(traceId);
    expect(lines.map((l) => l.status)).toEqual(expect.arrayContaining([201, 422]));
  });

  it('/metrics exposes command counts by type and outcome, durations, conflicts and retries', async () => {
    const res = await call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const value = (re: RegExp): number => {
      const line = res.text.split('\n').find((l) => re.test(l));
      if (!line) throw new Error(`no metric line matches ${re}`);
      return Number(line.split(' ').pop());
    };
    expect(value(/^commands_total\{.*type="DebitAccount".*outcome="accepted"/)).toBeGreaterThanOrEqual(10);
    expect(value(/^commands_total\{.*type="DebitAccount".*outcome="insufficient-funds"/)).toBeGreaterThanOrEqual(20);
    expect(value(/^commands_total\{.*type="CreditAccount".*outcome="replayed"/)).toBeGreaterThanOrEqual(1);
    expect(value(/^commands_total\{.*type="OpenAccount".*outcome="accepted"/)).toBeGreaterThanOrEqual(10);
    expect(value(/^commands_total\{.*type="CreditAccount".*outcome="invalid-amount"/)).toBeGreaterThanOrEqual(1);
    expect(value(/^command_duration_seconds_count\{.*type="DebitAccount"/)).toBeGreaterThanOrEqual(30);
    expect(res.text).toMatch(/^command_duration_seconds_bucket\{.*le="\+Inf".*type="OpenAccount"|^command_duration_seconds_bucket\{.*type="OpenAccount".*le="\+Inf"/m);
    expect(value(/^eventstore_concurrency_conflicts_total/)).toBeGreaterThanOrEqual(0);
    expect(value(/^command_retries_total/)).toBeGreaterThanOrEqual(0);
    expect(res.text).toMatch(/^# TYPE commands_total counter$/m);
    expect(res.text).toMatch(/^# TYPE command_duration_seconds histogram$/m);
    expect(res.text).toMatch(/^# TYPE eventstore_concurrency_conflicts_total counter$/m);
    expect(res.text).toMatch(/^# TYPE command_retries_total counter$/m);
    expect(res.text).toMatch(/service="account-command"/);
    // HTTP timings carry the status the client got, refusals included.
    expect(value(/^http_request_duration_seconds_count\{.*route="\/accounts\/:id\/debit",status="422"/)).toBeGreaterThanOrEqual(20);
    expect(value(/^http_request_duration_seconds_count\{.*route="\/accounts",status="400"/)).toBeGreaterThanOrEqual(1);
    expect(value(/^http_request_duration_seconds_count\{.*route="\/accounts\/:id\/credit",status="415"/)).toBeGreaterThanOrEqual(1);
    // No answer to any request of this suite was a 5xx (startup probes of /readyz and of daprd
    // may get 503 before the service is ready; they are not the API).
    expect(res.text).not.toMatch(/^http_request_duration_seconds_count\{[^}]*route="\/(accounts|streams)[^"]*",status="5\d\d"/m);
    expect(res.text).not.toMatch(/^commands_total\{[^}]*outcome="(error|internal)"/m);
  });
});

describe('many streams at once (read-side rebuild and reconciliation)', () => {
  it('GET /streams/versions and /streams/events give each known stream its version (and events), unknown ids left out', async () => {
    const a = await opened('1.00');
    const b = await opened('2.00');
    expect((await credit(b, '1.00')).status).toBe(200);
    const v = await call('GET', `/streams/versions?ids=${a},${UNKNOWN},${b},${a}`);
    expect(v.status).toBe(200);
    expect(v.body.streams.sort((x: { version: number }, y: { version: number }) => x.version - y.version)).toEqual([
      { accountId: a, version: 2 },
      { accountId: b, version: 3 },
    ]);
    const e = await call('GET', `/streams/events?ids=${b}&limit=2`);
    expect(e.status).toBe(200);
    expect(e.body.streams).toEqual([{ accountId: b, version: 3, events: [expect.objectContaining({ version: 1, type: 'AccountCreated' }), expect.objectContaining({ version: 2, type: 'AccountActivated' })] }]);
  });

  it.each([
    { what: 'no ids', query: '', code: 'invalid-query' },
    { what: 'empty ids', query: '?ids=', code: 'invalid-query' },
    { what: 'ids twice', query: `?ids=${UNKNOWN}&ids=${UNKNOWN}`, code: 'invalid-query' },
    { what: 'a malformed id', query: `?ids=${UNKNOWN},nope`, code: 'invalid-account-id' },
    { what: '201 ids', query: `?ids=${Array.from({ length: 201 }, () => UNKNOWN).join(',')}`, code: 'invalid-query' },
  ])('GET /streams/versions with $what -> 400 $code', async ({ query, code }) => {
    expectProblem(await call('GET', `/streams/versions${query}`), 400, code);
  });
});
