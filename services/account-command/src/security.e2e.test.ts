// Security end to end: both services with their daprd sidecars, run with DAPR_API_TOKEN (the app
// must present it to its sidecar) and APP_API_TOKEN (the sidecar presents it to the app), with
// token values that are easy to find. One system for the file (command and query side).
//
//  - the system works end to end with the tokens;
//  - a sidecar refuses every API call without the token (or with a wrong one);
//  - component scopes: a daprd of another app id does not get the event store;
//  - no token value appears in any log file of the run, in any answer, or in component files
//    (secret metadata comes through secretKeyRef only);
//  - a delivery posted straight to account-query without the app token is refused and projects
//    nothing.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { REPO_ROOT, startStoreSidecar, startSystem, type StoreSidecar, type TestSystem } from '@bank/testkit';

jest.setTimeout(180_000);

// Recognizable and unique to this run: any occurrence in a log or an answer is a leak.
const nonce = randomUUID().replace(/-/g, '');
const DAPR_TOKEN = `dapr-tok-${nonce}-SENTINEL`;
const APP_TOKEN = `app-tok-${nonce}-SENTINEL`;
const ADMIN_TOKEN = `admin-tok-${nonce}-SENTINEL`;
const SECRETS = [DAPR_TOKEN, APP_TOKEN, ADMIN_TOKEN];
const DELIVERY_ROUTE = '/deliveries/account-events';

let sys: TestSystem;
let cmd: string;
let q: string;
let store: StoreSidecar | undefined;
/** Every answer body the suite received, checked for secrets at the end. */
const answers: string[] = [];

interface Res {
  status: number;
  type: string;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON of an answer, checked field by field
  body: any;
}

async function call(url: string, init: { method?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...init.headers };
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  answers.push(`${res.status} ${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${text}`);
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, body: parsed };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function expectProblem(res: Res, status: number, code?: string): void {
  const where = `${res.status} ${res.text}`;
  expect({ where, status: res.status }).toEqual({ where, status });
  expect(res.type).toMatch(/^application\/problem\+json(;|$)/);
  expect(res.body).toMatchObject({ status, title: expect.any(String), type: code ? `/problems/${code}` : expect.stringMatching(/^\/problems\//) });
}

async function openAccount(balance = '100.00'): Promise<string> {
  const res = await call(`${cmd}/accounts`, { json: { initialBalance: balance, currency: 'MAD' } });
  expect(res.status).toBe(201);
  return res.body.accountId as string;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

beforeAll(async () => {
  sys = await startSystem({
    daprApiToken: DAPR_TOKEN,
    appApiToken: APP_TOKEN,
    query: true,
    // debug: the most the services ever log, request lines included.
    commandEnv: { LOG_LEVEL: 'debug' },
    // PROJECTION_CACHE_ACCOUNTS=0: a test deletes a read model behind the projector's back and
    // expects a repeated delivery to bring it back (see account-query's query.e2e.test.ts).
    queryEnv: { LOG_LEVEL: 'debug', ADMIN_TOKEN, PROJECTION_CACHE_ACCOUNTS: '0' },
  });
  cmd = sys.command.url;
  q = sys.query!.url;
});

afterAll(async () => {
  await store?.stop();
  await sys?.stop();
});

describe('with DAPR_API_TOKEN and APP_API_TOKEN', () => {
  it('works end to end: open, credit, read the events, through service invocation, and on the query side', async () => {
    const id = await openAccount('100.00');
    const c = await call(`${cmd}/accounts/${id}/credit`, { json: { amount: '25.50', currency: 'MAD' } });
    expect(c.status).toBe(200);
    expect(c.body).toEqual({ accountId: id, version: 3 });

    const ev = await call(`${cmd}/accounts/${id}/events`);
    expect(ev.status).toBe(200);
    expect(ev.body.events.map((e: { type: string }) => e.type)).toEqual(['AccountCreated', 'AccountActivated', 'AccountCredited']);

    // The way account-query reads the store: service invocation through a sidecar, with the token.
    const invoked = await sys.command.daprd.sidecar.invoke('account-command', `accounts/${id}/events`);
    expect(invoked.status).toBe(200);
    expect(((await invoked.json()) as { version: number }).version).toBe(3);

    // The notification reached account-query through its sidecar (which presents APP_API_TOKEN).
    const projected = await until('the query side to project the account', async () => {
      const r = await call(`${q}/accounts/${id}`);
      return r.status === 200 && r.body.version === 3 ? r : undefined;
    });
    expect(projected.body).toMatchObject({ accountId: id, balance: '125.50', currency: 'MAD', version: 3 });
  });

  it('the sidecars refuse every API call without the token, or with a wrong one (401)', async () => {
    for (const svc of [sys.command, sys.query!]) {
      const base = `http://127.0.0.1:${svc.daprd.ports.http}`;
      const calls: Array<[string, string, string | undefined]> = [
        ['GET', '/v1.0/state/statestore/x', undefined],
        ['POST', '/v1.0/state/statestore', JSON.stringify([{ key: 'x', value: 1 }])],
        ['POST', '/v1.0/state/statestore/transaction', JSON.stringify({ operations: [{ operation: 'upsert', request: { key: 'x', value: 1 } }] })],
        ['POST', '/v1.0/publish/pubsub/account-events', JSON.stringify({ accountId: randomUUID(), version: 1 })],
        ['GET', `/v1.0/invoke/account-command/method/streams`, undefined],
        ['GET', '/v1.0/metadata', undefined],
        ['GET', '/v1.0/secrets/envsecrets/REDIS_PASSWORD', undefined],
      ];
      for (const [method, p, body] of calls) {
        for (const headers of [{}, { 'dapr-api-token': 'wrong' }, { 'dapr-api-token': `${DAPR_TOKEN}x` }, { authorization: `Bearer ${DAPR_TOKEN}` }] as Array<
          Record<string, string>
        >) {
          const res = await call(base + p, { method, ...(body ? { body, headers: { ...headers, 'content-type': 'application/json' } } : { headers }) });
          expect({ svc: svc.appId, method, p, headers: Object.keys(headers), status: res.status }).toEqual({
            svc: svc.appId,
            method,
            p,
            headers: Object.keys(headers),
            status: 401,
          });
        }
      }
      // The same sidecar answers with the token (the refusal above is the token check).
      const withToken = await call(`${base}/v1.0/metadata`, { headers: { 'dapr-api-token': DAPR_TOKEN } });
      expect(withToken.status).toBe(200);
    }
    // With the token, the command's sidecar serves its state store.
    const ok = await call(`http://127.0.0.1:${sys.command.daprd.ports.http}/v1.0/state/statestore/x`, { headers: { 'dapr-api-token': DAPR_TOKEN } });
    expect([200, 204]).toContain(ok.status);
  });
});

describe('component scopes', () => {
  it('a daprd with app id account-query does not get the state store statestore', async () => {
    store = await startStoreSidecar('account-query', { profile: sys.profile });
    const sidecar = store.daprd.sidecar;
    const res = await sidecar.fetch('/v1.0/state/statestore/account-x');
    const text = await res.text();
    answers.push(text);
    expect(res.status).toBeGreaterThanOrEqual(400);
    const err = JSON.parse(text) as { errorCode: string; message: string };
    expect(err.errorCode).toMatch(/^ERR_STATE_STORES?_NOT_(CONFIGURED|FOUND)$/);
    expect(err.message).toMatch(/not (configured|found)/);
    const write = await sidecar.fetch('/v1.0/state/statestore', { body: [{ key: 'account-x', value: { forged: true } }] });
    expect(write.status).toBeGreaterThanOrEqual(400);
    expect(((await write.json()) as { errorCode: string }).errorCode).toMatch(/^ERR_STATE_STORES?_NOT_(CONFIGURED|FOUND)$/);
    // Its metadata lists no state store at all; the pub/sub (not scoped) is there.
    const meta = (await sidecar.metadata()) as { components?: Array<{ name: string; type: string }> };
    const names = (meta.components ?? []).map((c) => c.name);
    expect(names).not.toContain('statestore');
    expect(names).toContain('pubsub');
    // The command side's own sidecar does have it (same profile): the scope is what differs.
    const own = (await sys.command.daprd.sidecar.metadata()) as { components?: Array<{ name: string }> };
    expect((own.components ?? []).map((c) => c.name)).toContain('statestore');
  });
});

describe('account-query deliveries', () => {
  const cloudEvent = (data: unknown) => ({
    id: randomUUID(),
    specversion: '1.0',
    source: 'forged',
    type: 'com.dapr.event.sent',
    datacontenttype: 'application/json',
    topic: 'account-events',
    pubsubname: 'pubsub',
    data,
  });

  it('refuses a delivery without the app token (or with a wrong one) with 401, and it projects nothing', async () => {
    const id = await openAccount('40.00');
    await until('projection', async () => ((await call(`${q}/accounts/${id}`)).status === 200 ? true : undefined));
    // Let every legitimate notification of that commit arrive (the outbox one comes about 1 s
    // later), then forget the account in the read model: only a delivery can bring it back.
    await sleep(2500);
    const mongo = new MongoClient(sys.mongoUrl!);
    await mongo.connect();
    try {
      await mongo
        .db()
        .collection('accounts')
        .deleteOne({ _id: id as never });
      await mongo.db().collection('operations').deleteMany({ accountId: id });
    } finally {
      await mongo.close();
    }
    expectProblem(await call(`${q}/accounts/${id}`), 404, 'account-not-found');

    const data = { accountId: id, version: 2, events: [] };
    for (const headers of [
      {},
      { 'dapr-api-token': '' },
      { 'dapr-api-token': 'wrong' },
      { 'dapr-api-token': APP_TOKEN.slice(0, -1) },
      { 'dapr-api-token': DAPR_TOKEN },
      { authorization: `Bearer ${APP_TOKEN}` },
    ] as Array<Record<string, string>>) {
      const res = await call(`${q}${DELIVERY_ROUTE}`, { json: cloudEvent(data), headers: { ...headers, 'content-type': 'application/cloudevents+json' } });
      expectProblem(res, 401, 'unauthorized');
      // Raw JSON (no envelope) too.
      expectProblem(await call(`${q}${DELIVERY_ROUTE}`, { json: data, headers }), 401, 'unauthorized');
    }
    // The subscription list is refused too.
    expectProblem(await call(`${q}/dapr/subscribe`), 401, 'unauthorized');
    await sleep(1000);
    expectProblem(await call(`${q}/accounts/${id}`), 404, 'account-not-found');

    // Control: the same delivery with the token is taken, and brings the account back.
    const taken = await call(`${q}${DELIVERY_ROUTE}`, { json: cloudEvent(data), headers: { 'dapr-api-token': APP_TOKEN, 'content-type': 'application/cloudevents+json' } });
    expect(taken.status).toBe(200);
    expect(taken.body).toEqual({ status: 'SUCCESS' });
    await until('the account back in the read model', async () => ((await call(`${q}/accounts/${id}`)).status === 200 ? true : undefined));
  });

  it('refuses the admin API without its bearer token', async () => {
    expectProblem(await call(`${q}/admin/projections`), 401, 'unauthorized');
    expectProblem(await call(`${q}/admin/projections/rebuild`, { method: 'POST', headers: { authorization: 'Bearer wrong' } }), 401, 'unauthorized');
    expectProblem(await call(`${q}/admin/projections`, { headers: { authorization: ADMIN_TOKEN } }), 401, 'unauthorized');
    expect((await call(`${q}/admin/projections`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
  });
});

describe('no secret in logs, answers or component files', () => {
  it('no token value appears in any file of the run or in any answer, after failing requests too', async () => {
    // Requests meant to make the services and sidecars log: refused commands, unknown accounts,
    // bad content, clients that send the tokens themselves, wrong tokens to the sidecars.
    const id = await openAccount('10.00');
    const withTokens = { 'dapr-api-token': DAPR_TOKEN, authorization: `Bearer ${APP_TOKEN}`, 'x-api-key': ADMIN_TOKEN };
    const failing: Array<Promise<Res>> = [
      call(`${cmd}/accounts/${id}/debit`, { json: { amount: '1000.00', currency: 'MAD' }, headers: withTokens }),
      call(`${cmd}/accounts/${randomUUID()}/credit`, { json: { amount: '1.00', currency: 'MAD' }, headers: withTokens }),
      call(`${cmd}/accounts`, { body: '{', headers: { ...withTokens, 'content-type': 'application/json' } }),
      call(`${cmd}/nope`, { headers: withTokens }),
      call(`${q}/accounts/${randomUUID()}`, { headers: withTokens }),
      call(`${q}/accounts/not-a-uuid`, { headers: withTokens }),
      call(`${q}${DELIVERY_ROUTE}`, { json: { accountId: id, version: 1 }, headers: { 'dapr-api-token': 'wrong' } }),
      call(`${q}${DELIVERY_ROUTE}`, { body: 'not json', headers: { 'dapr-api-token': APP_TOKEN, 'content-type': 'application/json' } }),
      call(`${q}/admin/projections`, { headers: { authorization: 'Bearer nope' } }),
      call(`http://127.0.0.1:${sys.command.daprd.ports.http}/v1.0/state/statestore/x`, { headers: { 'dapr-api-token': 'wrong' } }),
      call(`http://127.0.0.1:${sys.query!.daprd.ports.http}/v1.0/invoke/account-command/method/accounts/${id}/events`, { headers: { 'dapr-api-token': DAPR_TOKEN } }),
      call(`http://127.0.0.1:${sys.query!.daprd.ports.http}/v1.0/invoke/account-command/method/accounts/not-a-uuid/events`, { headers: { 'dapr-api-token': DAPR_TOKEN } }),
      call(`${cmd}/metrics`),
      call(`${q}/metrics`),
    ];
    const results = await Promise.all(failing);
    expect(results.map((r) => r.status)).toEqual([422, 404, 400, 404, 404, 400, 401, 200, 401, 401, 200, 400, 200, 200]);
    // Give the services time to flush their logs.
    await sleep(500);

    const files = [...filesUnder(sys.runDir), ...(store ? filesUnder(path.dirname(store.daprd.proc.logFile)) : [])];
    const logs = files.filter((f) => f.endsWith('.log'));
    expect(logs.map((f) => path.basename(f)).sort()).toEqual(
      expect.arrayContaining(['account-command.log', 'account-query.log', 'daprd-account-command.log', 'daprd-account-query.log']),
    );
    // The debug request lines are there: the logs were really written.
    expect(readFileSync(sys.command.app.logFile, 'utf8')).toMatch(/"msg":"request"/);
    const leaks: string[] = [];
    for (const f of files) {
      const text = readFileSync(f).toString('latin1');
      for (const s of SECRETS) if (text.includes(s)) leaks.push(`${path.relative(REPO_ROOT, f)} contains ${s.slice(0, 9)}…`);
    }
    for (const a of answers) for (const s of SECRETS) if (a.includes(s)) leaks.push(`an answer contains ${s.slice(0, 9)}…: ${a.slice(0, 300)}`);
    expect(leaks).toEqual([]);
  });

  it('component files carry no secret values: secret metadata comes through secretKeyRef', () => {
    const dir = path.join(REPO_ROOT, 'components');
    const yamls = filesUnder(dir).filter((f) => /\.ya?ml$/.test(f));
    expect(yamls.length).toBeGreaterThan(0);
    const SECRET_NAME = /(password|passwd|secret|token|apikey|api_key|accesskey|privatekey|credential|sasl|key$)/i;
    const URLISH = /(connectionstring|url|uri|dsn|host|address|brokers|servers)$/i;
    // user:password@ in a URL or DSN, password=... in a key/value connection string.
    const CREDENTIAL = /[^\s/:@]+:[^\s/@]+@|password\s*=|pwd\s*=/i;
    const problems: string[] = [];
    let checked = 0;
    for (const f of yamls) {
      const rel = path.relative(REPO_ROOT, f);
      const lines = readFileSync(f, 'utf8').split('\n');
      let name: string | undefined;
      for (const line of lines) {
        // "- name: x" then "value: y" on the next lines, or "- { name: x, value: y }".
        const inline = /^\s*-\s*\{\s*name:\s*([^,}\s]+)\s*,\s*(value|secretKeyRef)\s*:\s*(.*)\}\s*$/.exec(line);
        const item = /^\s*-\s*name:\s*(\S+)\s*$/.exec(line);
        const value = /^\s*value:\s*(.*)$/.exec(line);
        let pair: [string, string] | undefined;
        if (inline) {
          name = undefined;
          if (inline[2] === 'value') pair = [inline[1]!, inline[3]!.trim()];
          checked++;
        } else if (item) {
          name = item[1];
          checked++;
        } else if (value && name) {
          pair = [name, value[1]!.trim()];
        }
        if (!pair) continue;
        const [n, v] = pair;
        if (SECRET_NAME.test(n)) problems.push(`${rel}: ${n} has a literal value (use secretKeyRef)`);
        else if (URLISH.test(n) && CREDENTIAL.test(v)) problems.push(`${rel}: ${n} carries credentials`);
        else if (CREDENTIAL.test(v) && /:\/\//.test(v)) problems.push(`${rel}: ${n} looks like a URL with credentials`);
      }
    }
    expect(checked).toBeGreaterThan(10);
    expect(problems).toEqual([]);
    // And none of the run's token values is in any of them.
    for (const f of yamls) for (const s of SECRETS) expect(readFileSync(f, 'utf8')).not.toContain(s);
  });
});
