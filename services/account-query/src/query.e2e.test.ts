// The query side end to end: real daprd sidecars, Redis (event store + bus), FerretDB (or the
// MongoDB at MONGODB_URL), both services started by the test kit.
import { randomUUID } from 'node:crypto';
import { Long, MongoClient } from 'mongodb';
import { call, expectedFromStore, metric, move, ok, openAccount, readModelOf, startSystem, waitConverged, waitUntil, type TestSystem } from '@bank/testkit';
import { commandDocument, queryDocument } from '@bank/contracts';
import { DELIVERY_ROUTE } from './http/subscription-routes.js';

const APP_TOKEN = 'app-token-for-tests';
const MIN_WAIT_MS = 1500;
let sys: TestSystem;
let cmd: string;
let q: string;
let mongo: MongoClient;

beforeAll(async () => {
  sys = await startSystem({
    query: true,
    appApiToken: APP_TOKEN,
    daprApiToken: 'dapr-token-for-tests',
    // PROJECTION_CACHE_ACCOUNTS=0: these tests lose notifications by deleting read models behind
    // the projector's back (forget()); a projector that remembers what it wrote would rightly take
    // a repeated notification for a duplicate. Every other suite runs with the cache on.
    queryEnv: { MIN_VERSION_WAIT_MS: String(MIN_WAIT_MS), PROJECTION_CACHE_ACCOUNTS: '0' },
  });
  cmd = sys.command.url;
  q = sys.query!.url;
  mongo = new MongoClient(sys.mongoUrl!);
  await mongo.connect();
});

afterAll(async () => {
  await mongo?.close();
  await sys?.stop();
});

const deliver = (data: unknown, token: string | null = APP_TOKEN) =>
  call<{ status: string }>(`${q}${DELIVERY_ROUTE}`, {
    body: {
      id: randomUUID(),
      specversion: '1.0',
      source: 'test',
      type: 'com.dapr.event.sent',
      datacontenttype: 'application/json',
      topic: 'account-events',
      pubsubname: 'pubsub',
      data,
    },
    headers: token ? { 'dapr-api-token': token, 'content-type': 'application/cloudevents+json' } : { 'content-type': 'application/cloudevents+json' },
  });

/** Forgets an account in the read model, as if every notification about it had been lost. */
/**
 * Wipes an account from the read model, operations first: a late notification (the outbox
 * repeats each commit about a second later) may pull between the two deletes, and the projector
 * writes operations before the account document, so this order never leaves an account document
 * without its operations.
 */
async function forget(id: string): Promise<void> {
  const db = mongo.db();
  await db.collection('operations').deleteMany({ accountId: id });
  await db.collection('accounts').deleteOne({ _id: id as never });
}

describe('account-query end to end', () => {
  it('serves what the command side did, read-your-writes with minVersion, and balances at past instants', async () => {
    const instants: Date[] = [new Date()];
    const pause = () => new Promise((r) => setTimeout(r, 15)); // distinct millisecond timestamps
    await pause();
    const { accountId: id } = await openAccount(cmd, '100.00');
    await pause();
    instants.push(new Date());
    await pause();
    await ok(move(cmd, id, 'credit', '25.50'));
    await pause();
    instants.push(new Date());
    await pause();
    const last = await ok(move(cmd, id, 'debit', '10'));
    await pause();
    instants.push(new Date());

    const started = Date.now();
    const acc = await call<Record<string, unknown>>(`${q}/accounts/${id}?minVersion=${last.version}`);
    expect(acc.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(MIN_WAIT_MS);
    expect(acc.body).toMatchObject({ accountId: id, balance: '115.50', currency: 'MAD', status: 'ACTIVATED', version: 4 });
    const state = await ok(call<Record<string, unknown>>(`${cmd}/accounts/${id}/state`));
    expect(acc.body).toMatchObject({ balance: state.balance, status: state.status, version: state.version });

    const ops = await ok(call<{ items: Array<Record<string, unknown>> }>(`${q}/accounts/${id}/operations`));
    expect(ops.items.map((o) => [o.type, o.amount, o.balanceAfter, o.version])).toEqual([
      ['DEBIT', '10.00', '115.50', 4],
      ['CREDIT', '25.50', '125.50', 3],
    ]);
    expect(await readModelOf(q, id)).toEqual(await expectedFromStore(cmd, id));

    for (const at of instants) {
      const iso = at.toISOString();
      const [want, got] = await Promise.all([
        call<Record<string, unknown>>(`${cmd}/accounts/${id}/state?at=${iso}`),
        call<Record<string, unknown>>(`${q}/accounts/${id}/balance?at=${iso}`),
      ]);
      expect(got.status).toBe(want.status);
      if (want.status === 200) expect(got.body).toEqual({ accountId: id, balance: want.body.balance, currency: 'MAD', at: iso });
    }
    expect(instants.length).toBe(4);
  });

  it('minVersion beyond the stream: 504 read-model-behind after the bound, with the current version', async () => {
    const { accountId: id, version } = await openAccount(cmd, '1.00');
    await ok(call(`${q}/accounts/${id}?minVersion=${version}`));
    const started = Date.now();
    const r = await call<Record<string, unknown>>(`${q}/accounts/${id}?minVersion=${version + 1}`);
    const took = Date.now() - started;
    expect(r.status).toBe(504);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body).toMatchObject({ type: '/problems/read-model-behind', currentVersion: version, minVersion: version + 1 });
    expect(took).toBeGreaterThanOrEqual(MIN_WAIT_MS - 50);
    expect(took).toBeLessThan(MIN_WAIT_MS + 3000);
  });

  it('lists accounts and operations with filters and cursors, and sums balances per currency', async () => {
    const opened = await Promise.all([openAccount(cmd, '10.00', 'EUR'), openAccount(cmd, '20.00', 'EUR'), openAccount(cmd, '5', 'JPY')]);
    const ids = opened.map((o) => o.accountId);
    await ok(move(cmd, ids[0]!, 'credit', '1.25', 'EUR'));
    await ok(move(cmd, ids[1]!, 'debit', '2.00', 'EUR'));
    await waitConverged(cmd, q, ids, 15_000);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ accountId: string; currency: string }>; nextCursor: string | null } = await ok(
        call(`${q}/accounts?currency=EUR&limit=1${cursor ? `&cursor=${cursor}` : ''}`),
      );
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((a) => a.accountId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids.slice(0, 2)].sort());

    const eur = await ok(call<{ items: Array<Record<string, unknown>> }>(`${q}/operations?currency=EUR&limit=1`));
    expect(eur.items).toHaveLength(1);
    const all = await ok(call<{ items: Array<Record<string, unknown>> }>(`${q}/operations?currency=EUR&type=debit`));
    expect(all.items).toEqual([expect.objectContaining({ accountId: ids[1], type: 'DEBIT', amount: '2.00', balanceAfter: '18.00' })]);

    // The system is ours alone: every account in the read model was opened by this file.
    const stats = await ok(call<{ currencies: Array<{ currency: string; accounts: number; totalBalance: string }> }>(`${q}/stats`));
    expect(stats.currencies.find((c) => c.currency === 'EUR')).toEqual({ currency: 'EUR', accounts: 2, totalBalance: '29.25' });
    expect(stats.currencies.find((c) => c.currency === 'JPY')).toEqual({ currency: 'JPY', accounts: 1, totalBalance: '5' });
  });

  it.each([
    ['/accounts/not-a-uuid', 'invalid-account-id'],
    [`/accounts/${randomUUID()}?minVersion=abc`, 'invalid-query'],
    ['/accounts?limit=0', 'invalid-query'],
    ['/accounts?limit=5&limit=6', 'invalid-query'],
    ['/accounts?cursor=garbage!', 'invalid-query'],
    ['/accounts?currency=XXX', 'invalid-query'],
    ['/accounts?curency=MAD', 'invalid-query'],
    [`/accounts/${randomUUID()}/balance?at=yesterday`, 'invalid-query'],
    [`/accounts/${randomUUID()}/operations?type=FOO`, 'invalid-query'],
    ['/operations?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'invalid-query'],
  ])('GET %s -> 400 %s problem', async (path, code) => {
    const r = await call<{ type: string; status: number }>(`${q}${path}`);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body.type).toBe(`/problems/${code}`);
  });

  it('given both services, when their OpenAPI documents are asked for, then each serves its own', async () => {
    // given, when
    const [commands, queries] = await Promise.all([ok(call(`${cmd}/openapi.json`)), ok(call(`${q}/openapi.json`))]);
    // then
    expect(commands).toEqual(JSON.parse(JSON.stringify(commandDocument())));
    expect(queries).toEqual(JSON.parse(JSON.stringify(queryDocument())));
  });

  it('404 problems for an unknown account, and before it existed', async () => {
    const r = await call<{ type: string }>(`${q}/accounts/${randomUUID()}`);
    expect(r.status).toBe(404);
    expect(r.body.type).toBe('/problems/account-not-found');
    const { accountId: id, version } = await openAccount(cmd, '3.00');
    await ok(call(`${q}/accounts/${id}?minVersion=${version}`));
    const before = await call(`${q}/accounts/${id}/balance?at=2000-01-01T00:00:00Z`);
    expect(before.status).toBe(404);
  });

  it('refuses deliveries and /dapr/subscribe without the app token', async () => {
    const { accountId: id, version } = await openAccount(cmd, '7.00');
    await ok(call(`${q}/accounts/${id}?minVersion=${version}`));
    await forget(id);
    const r = await deliver({ accountId: id, version }, null);
    expect(r.status).toBe(401);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect((await deliver({ accountId: id, version }, 'wrong-token')).status).toBe(401);
    expect((await call(`${q}/accounts/${id}`)).status).toBe(404); // nothing projected
    expect((await call(`${q}/dapr/subscribe`)).status).toBe(401);
    const subs = await ok(call(`${q}/dapr/subscribe`, { headers: { 'dapr-api-token': APP_TOKEN } }));
    expect(subs).toEqual([{ pubsubname: 'pubsub', topic: 'account-events', route: DELIVERY_ROUTE }]);
    expect((await deliver({ accountId: id, version })).body).toEqual({ status: 'SUCCESS' });
    expect(await readModelOf(q, id)).toEqual(await expectedFromStore(cmd, id));
  });
});

describe('delivery faults leave the read model equal to the fold of the event store', () => {
  let id: string;
  beforeAll(async () => {
    id = (await openAccount(cmd, '50.00')).accountId;
    for (const [kind, amount] of [
      ['credit', '5.00'],
      ['debit', '1.25'],
      ['credit', '0.75'],
    ] as const)
      await ok(move(cmd, id, kind, amount));
    await waitConverged(cmd, q, [id], 15_000);
  });

  it('the same notification three times changes nothing', async () => {
    const before = await readModelOf(q, id);
    for (let i = 0; i < 3; i++) expect((await deliver({ accountId: id, version: 5 })).body).toEqual({ status: 'SUCCESS' });
    expect(await readModelOf(q, id)).toEqual(before);
    expect(before).toEqual(await expectedFromStore(cmd, id));
  });

  it('a gap heals, and notifications in reverse order change nothing more', async () => {
    await forget(id);
    for (const v of [4, 3, 2, 1]) expect((await deliver({ accountId: id, version: v })).body).toEqual({ status: 'SUCCESS' });
    expect(await readModelOf(q, id)).toEqual(await expectedFromStore(cmd, id));
  });

  it('version 999 of a real account (a phantom) changes nothing', async () => {
    const before = await readModelOf(q, id);
    expect((await deliver({ accountId: id, version: 999 })).body).toEqual({ status: 'SUCCESS' });
    expect(await readModelOf(q, id)).toEqual(before);
  });

  it('an unknown account is acknowledged and nothing is written', async () => {
    const ghost = randomUUID();
    expect((await deliver({ accountId: ghost, version: 1 })).body).toEqual({ status: 'SUCCESS' });
    expect(
      await mongo
        .db()
        .collection('accounts')
        .countDocuments({ _id: ghost as never }),
    ).toBe(0);
    expect((await call(`${q}/accounts/${ghost}`)).status).toBe(404);
  });

  it('malformed messages are dropped, the outbox probe acknowledged', async () => {
    expect((await deliver({ accountId: 'nope', version: 1 })).body).toEqual({ status: 'DROP' });
    expect((await deliver({ accountId: id, version: -1 })).body).toEqual({ status: 'DROP' });
    expect((await deliver('not json {')).body).toEqual({ status: 'DROP' });
    expect((await deliver({ probe: 'projection', nonce: 'x' })).body).toEqual({ status: 'SUCCESS' });
  });

  it('twenty concurrent notifications for a forgotten account apply each event once', async () => {
    await forget(id);
    const appliedBefore = await metric(q, 'projection_events_applied_total', 'mode="live"');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => deliver({ accountId: id, version: 1 + (i % 5) })));
    expect(answers.every((a) => a.status === 200 && (a.body as { status: string }).status === 'SUCCESS')).toBe(true);
    expect(await readModelOf(q, id)).toEqual(await expectedFromStore(cmd, id));
    expect((await metric(q, 'projection_events_applied_total', 'mode="live"')) - appliedBefore).toBe(5);
  });

  it('the same faults published for real through the bus converge too', async () => {
    const ghost = randomUUID();
    const before = await metric(q, 'notification_deliveries_total');
    const side = sys.command.daprd.sidecar;
    const messages = [
      { accountId: id, version: 5 },
      { accountId: id, version: 5 },
      { accountId: id, version: 5 },
      { accountId: id, version: 3 },
      { accountId: id, version: 999 },
      { accountId: ghost, version: 1 },
      { accountId: 'bad', version: 1 },
      { probe: 'projection', nonce: 'n' },
    ];
    await forget(id);
    for (const m of messages) await side.publish('pubsub', 'account-events', m);
    await waitUntil('8 deliveries', 20_000, async () => (await metric(q, 'notification_deliveries_total')) - before >= messages.length);
    await waitConverged(cmd, q, [id], 10_000);
    expect((await call(`${q}/accounts/${ghost}`)).status).toBe(404);
  });
});

describe('crash between commit and publish', () => {
  it('the read model converges through the outbox once the command service is back', async () => {
    const { accountId: id } = await openAccount(cmd, '10.00');
    await waitConverged(cmd, q, [id], 15_000);
    await sys.command.restartApp({ env: { FAILPOINT: 'crash-after-commit' } });
    const crashedAt = Date.now();
    const r = await move(cmd, id, 'credit', '2.00').catch((e: Error) => e);
    expect(r).toHaveProperty('message'); // the process died before answering (fetch failed)
    await sys.command.app.exited;
    await sys.command.restartApp({ env: { FAILPOINT: '' } });
    const page = await ok(call<{ version: number }>(`${cmd}/accounts/${id}/events`));
    expect(page.version).toBe(3); // the commit happened
    await waitConverged(cmd, q, [id], 30_000);
    const took = Date.now() - crashedAt;
    console.log(`crash recovery: read model converged ${took} ms after the crash (command restart included)`);
    expect((await readModelOf(q, id))?.account.balance).toBe('12.00');
  });
});

describe('reconciliation (event store versions against read models)', () => {
  it('heals read models that no notification will announce again, and finds nothing on a second sweep', async () => {
    const a = await openAccount(cmd, '10.00');
    const b = await openAccount(cmd, '20.00');
    await ok(move(cmd, b.accountId, 'debit', '5.00'));
    await waitConverged(cmd, q, [a.accountId, b.accountId], 15_000);
    // As if every message about them had been lost: one read model gone, one set back.
    await forget(a.accountId);
    await mongo.db().collection('operations').deleteOne({ accountId: b.accountId, version: 3 });
    await mongo
      .db()
      .collection('accounts')
      .updateOne({ _id: b.accountId as never }, { $set: { version: 2, balance: '20.00', balanceMinor: Long.fromNumber(2000) } });
    const healedBefore = await metric(q, 'reconcile_accounts_behind_total');
    const first = await ok(call<{ reconciliation: { checked: number; healed: number } }>(`${q}/admin/projections/reconcile`, { method: 'POST' }));
    expect(first.reconciliation.checked).toBeGreaterThanOrEqual(2);
    expect(first.reconciliation.healed).toBeGreaterThanOrEqual(1);
    expect(await readModelOf(q, a.accountId)).toEqual(await expectedFromStore(cmd, a.accountId));
    expect(await readModelOf(q, b.accountId)).toEqual(await expectedFromStore(cmd, b.accountId));
    expect((await readModelOf(q, b.accountId))?.account).toMatchObject({ version: 3, balance: '15.00' });
    expect((await metric(q, 'reconcile_accounts_behind_total')) - healedBefore).toBe(first.reconciliation.healed);
    const second = await ok(call<{ reconciliation: { checked: number; healed: number } }>(`${q}/admin/projections/reconcile`, { method: 'POST' }));
    expect(second.reconciliation).toEqual({ checked: first.reconciliation.checked, healed: 0 });
  });
});
