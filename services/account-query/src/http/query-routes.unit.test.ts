// The query routes against fakes: a read store that counts its reads and answers simple filters,
// a projector that remembers what it wrote and records the pulls it is asked for, and the real
// waiters. The read-your-writes read (GET /accounts/{id}?minVersion=N), and who may read what
// (the caller in x-bank-subject and x-bank-role). No database, no sidecar.
import Koa from 'koa';
import { callerHeaders, type Caller } from '@bank/contracts';
import { createLogger, problemMiddleware } from '@bank/platform';
import { listenOnLoopback, type ListeningServer } from '@bank/testkit';
import type { Projector } from '../projections/projector.js';
import { VersionWaiters } from '../projections/waiters.js';
import { accountDoc, operationDoc, type AccountDoc, type OperationDoc, type TransferStepDoc } from '../readmodel/documents.js';
import type { Generations } from '../readmodel/generations.js';
import { queryRoutes } from './query-routes.js';

const ID = '00000000-0000-4000-8000-000000000001';
const BOBS = '00000000-0000-4000-8000-000000000002';
const BANKS = '00000000-0000-4000-8000-000000000003';
const TRANSFER = '00000000-0000-4000-8000-0000000000f1';
const ALICE: Caller = { subject: 'alice', role: 'customer' };
const BOB: Caller = { subject: 'bob', role: 'customer' };
const CAROL: Caller = { subject: 'carol', role: 'customer' };
const ADMIN: Caller = { subject: 'root', role: 'admin' };

/** Alice's account at `version` (another account and owner when given). */
function docAt(version: number, accountId = ID, owner: string | null = 'alice'): AccountDoc {
  const at = new Date(Date.UTC(2026, 0, 1)).toISOString();
  return accountDoc({
    accountId,
    owner,
    version,
    balanceMinor: 1000n + BigInt(version),
    initialBalanceMinor: 1000n,
    currency: 'MAD',
    status: 'ACTIVATED',
    createdAt: at,
    updatedAt: at,
  });
}

/** Whether a document matches a filter of equalities, $in and $gt (all this fake store understands). */
function matches(doc: object, filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([field, condition]) => {
    const value = (doc as Record<string, unknown>)[field];
    if (condition && typeof condition === 'object' && '$in' in condition) return (condition.$in as unknown[]).includes(value);
    if (condition && typeof condition === 'object' && '$gt' in condition) return String(value) > String(condition.$gt);
    return value === condition;
  });
}

/** A fake collection's find(): the documents that match, with the cursor calls the queries make. */
function finder<Doc extends object>(docs: () => Doc[], filters: Array<Record<string, unknown>>) {
  return (filter: Record<string, unknown> = {}) => {
    filters.push(filter);
    let limit = Infinity;
    const found = () =>
      docs()
        .filter((doc) => matches(doc, filter))
        .slice(0, limit);
    const cursor = {
      sort: () => cursor,
      limit: (n: number) => ((limit = n), cursor),
      toArray: async () => found(),
      next: async () => found()[0] ?? null,
      async *[Symbol.asyncIterator]() {
        yield* found();
      },
    };
    return cursor;
  };
}

function setUp(settings: { waitMs: number; pullAfterMs: number }) {
  /** `doc`: the account most tests read; `others`: more accounts; every find's filter, by collection. */
  const store = {
    doc: null as AccountDoc | null,
    others: [] as AccountDoc[],
    operations: [] as OperationDoc[],
    steps: [] as TransferStepDoc[],
    reads: 0,
    filters: { accounts: [] as Array<Record<string, unknown>>, operations: [] as Array<Record<string, unknown>> },
  };
  const accounts = () => [...(store.doc ? [store.doc] : []), ...store.others];
  const projector = { written: undefined as AccountDoc | undefined, pulls: [] as number[] };
  const waiters = new VersionWaiters();
  const app = new Koa();
  app.use(problemMiddleware(createLogger('unit', 'silent')));
  const routes = queryRoutes({
    generations: {
      active: {
        accounts: {
          findOne: async (filter: { _id: string }) => {
            store.reads++;
            return accounts().find((doc) => doc._id === filter._id) ?? null;
          },
          find: finder(accounts, store.filters.accounts),
        },
        operations: { find: finder(() => store.operations, store.filters.operations) },
        transferSteps: { find: finder(() => store.steps, []) },
      },
    } as unknown as Generations,
    projector: {
      remembered: () => projector.written,
      request: async (_accountId: string, version: number) => {
        projector.pulls.push(version);
      },
    } as unknown as Projector,
    waiters,
    minVersionWaitMs: settings.waitMs,
    minVersionPullAfterMs: settings.pullAfterMs,
  });
  app.use(routes.routes());
  /** What the projector does when it applies a version: remember it, store it, wake the waiters. */
  const apply = (version: number) => {
    projector.written = store.doc = docAt(version);
    waiters.notify(ID, version);
  };
  return { store, projector, app, apply };
}

let server: ListeningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
async function listen(app: Koa): Promise<string> {
  server = await listenOnLoopback(app);
  return server.base;
}

describe('GET /accounts/{id}?minVersion', () => {
  it('given the projector has just written version 3, when version 3 is asked, then it answers without reading the store', async () => {
    const env = setUp({ waitMs: 2000, pullAfterMs: 1000 });
    env.apply(3);
    const base = await listen(env.app);

    const res = await fetch(`${base}/accounts/${ID}?minVersion=3`);

    expect([res.status, ((await res.json()) as { version: number }).version]).toEqual([200, 3]);
    expect(env.store.reads).toBe(0);
  });

  it('given the read model at version 2, when version 3 is asked and applied 100 ms later, then one read of the store, no pull, and version 3', async () => {
    const env = setUp({ waitMs: 2000, pullAfterMs: 1000 });
    env.store.doc = docAt(2);
    const base = await listen(env.app);

    setTimeout(() => env.apply(3), 100);
    const res = await fetch(`${base}/accounts/${ID}?minVersion=3`);

    expect([res.status, ((await res.json()) as { version: number }).version]).toEqual([200, 3]);
    expect(env.store.reads).toBe(1);
    expect(env.projector.pulls).toEqual([]);
  });

  it('given no notification brings version 3, then the read asks for a pull after MIN_VERSION_PULL_AFTER_MS and answers 504 read-model-behind at the wait bound', async () => {
    const env = setUp({ waitMs: 600, pullAfterMs: 200 });
    env.store.doc = docAt(2);
    const base = await listen(env.app);

    const started = Date.now();
    const pullAsked = new Promise<number>((resolve) => {
      const poll = setInterval(() => {
        if (env.projector.pulls.length > 0) {
          clearInterval(poll);
          resolve(Date.now() - started);
        }
      }, 10);
    });
    const res = await fetch(`${base}/accounts/${ID}?minVersion=3`);

    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ currentVersion: 2, minVersion: 3 });
    expect(res.headers.get('retry-after')).toBe('1');
    expect(env.projector.pulls).toEqual([3]);
    expect(await pullAsked).toBeGreaterThanOrEqual(150);
  });
});

/** GET `path` as `caller` (none: a caller inside the system), or with these headers: status, JSON body, ETag. */
async function get(base: string, path: string, caller?: Caller, headers: Record<string, string> = caller ? callerHeaders(caller) : {}) {
  const res = await fetch(`${base}${path}`, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, etag: res.headers.get('etag') };
}

let opSeq = 0;
function operationOf(accountId: string): OperationDoc {
  const version = 3 + opSeq++;
  return operationDoc({
    operationId: `op-${version}`,
    accountId,
    version,
    type: 'CREDIT',
    amountMinor: 1n,
    currency: 'MAD',
    balanceAfterMinor: 1001n,
    occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, version)).toISOString(),
    description: null,
    transferId: null,
    counterpartyAccountId: null,
    correlationId: null,
  });
}

function stepOf(type: TransferStepDoc['type'], accountId: string, from: string, to: string): TransferStepDoc {
  return {
    _id: `${type}-${accountId}`,
    transferId: TRANSFER,
    type,
    accountId,
    version: 3,
    fromAccountId: from,
    toAccountId: to,
    amount: '1.00',
    currency: 'MAD',
    description: null,
    reason: null,
    detail: null,
    occurredAt: new Date(Date.UTC(2026, 0, 1)),
    correlationId: null,
  };
}

describe('who may read which account', () => {
  const ALICES_SECOND = '00000000-0000-4000-8000-000000000004';

  it("given alice's account, then alice, an admin and a caller inside the system read it with its owner, and bob gets exactly the 404 of an unknown account", async () => {
    const env = setUp({ waitMs: 2000, pullAfterMs: 1000 });
    env.store.doc = docAt(2);
    const base = await listen(env.app);

    for (const caller of [ALICE, ADMIN, undefined]) {
      const read = await get(base, `/accounts/${ID}`, caller);
      expect([read.status, read.body.owner, read.etag]).toEqual([200, 'alice', '"2"']);
    }
    const refused = await get(base, `/accounts/${ID}`, BOB);
    env.store.doc = null;
    const unknown = await get(base, `/accounts/${ID}`, BOB);

    expect(refused.status).toBe(404);
    expect(refused).toEqual(unknown);
    expect(refused.body).toMatchObject({ type: '/problems/account-not-found', detail: `account ${ID} is not known to the read model` });
  });

  it("given the bank's account (owner null, or a document projected before owners), then a customer gets 404 and an admin reads it with owner null", async () => {
    const env = setUp({ waitMs: 2000, pullAfterMs: 1000 });
    const { owner: _absent, ...projectedBeforeOwners } = docAt(2);
    const base = await listen(env.app);

    for (const doc of [docAt(2, ID, null), projectedBeforeOwners]) {
      env.store.doc = doc;
      expect((await get(base, `/accounts/${ID}`, ALICE)).status).toBe(404);
      const read = await get(base, `/accounts/${ID}`, ADMIN);
      expect([read.status, read.body.owner]).toEqual([200, null]);
    }
  });

  it("given bob asks for alice's account with ?minVersion, then he waits as for an unknown account and gets its 404, never a 504 with the version", async () => {
    const env = setUp({ waitMs: 300, pullAfterMs: 1000 });
    env.apply(2);
    const base = await listen(env.app);

    for (const minVersion of [1, 3]) {
      const started = Date.now();
      const refused = await get(base, `/accounts/${ID}?minVersion=${minVersion}`, BOB);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(refused.status).toBe(404);
      expect(refused.body).not.toHaveProperty('currentVersion');
      expect(refused.body.detail).toBe(`account ${ID} is not known to the read model`);
    }
    const own = await get(base, `/accounts/${ID}?minVersion=2`, ALICE);
    expect([own.status, own.body.version]).toEqual([200, 2]);
  });

  it.each(['operations', 'balance', 'transfers'])("given alice's account, then its %s answer alice and 404 to bob as for an unknown account", async (resource) => {
    const env = setUp({ waitMs: 2000, pullAfterMs: 1000 });
    env.store.doc = docAt(2);
    const base = await listen(env.app);
    const path = `/accounts/${ID}/${resource}`;

    expect((await get(base, path, ALICE)).status).toBe(200);
    const refused = await get(base, path, BOB);
    env.store.doc = null;
    const unknown = await get(base, path, BOB);
    expect(refused.status).toBe(404);
    expect(refused).toEqual(unknown);
  });

  it('given a transfer from alice to bob, then both and an admin read it, and carol gets the 404 of an unknown transfer', async () => {
    const env = setUp({ waitMs: 2000, pullAfterMs: 1000 });
    env.store.doc = docAt(3);
    env.store.others = [docAt(3, BOBS, 'bob')];
    env.store.steps = [stepOf('DEBITED', ID, ID, BOBS), stepOf('CREDITED', BOBS, ID, BOBS)];
    const base = await listen(env.app);

    for (const caller of [ALICE, BOB, ADMIN, undefined]) {
      const read = await get(base, `/transfers/${TRANSFER}`, caller);
      expect([read.status, read.body.status]).toEqual([200, 'COMPLETED']);
    }
    const refused = await get(base, `/transfers/${TRANSFER}`, CAROL);
    env.store.steps = [];
    const unknown = await get(base, `/transfers/${TRANSFER}`, CAROL);
    expect(refused.status).toBe(404);
    expect(refused).toEqual(unknown);
  });

  it("given accounts of alice, bob and the bank, then a customer's list holds their own only (paged by owner), an admin's and an inside caller's every one", async () => {
    const env = setUp({ waitMs: 2000, pullAfterMs: 1000 });
    env.store.doc = docAt(2);
    env.store.others = [docAt(2, BOBS, 'bob'), docAt(2, BANKS, null), docAt(2, ALICES_SECOND)];
    const base = await listen(env.app);
    const ids = async (caller?: Caller, query = '') => {
      const page = await get(base, `/accounts${query}`, caller);
      return { ids: (page.body.items as Array<{ accountId: string }>).map((account) => account.accountId), nextCursor: page.body.nextCursor as string | null };
    };

    expect((await ids(BOB)).ids).toEqual([BOBS]);
    expect((await ids(CAROL)).ids).toEqual([]);
    expect((await ids(ADMIN)).ids).toHaveLength(4);
    expect((await ids()).ids).toHaveLength(4);
    const first = await ids(ALICE, '?limit=1');
    const second = await ids(ALICE, `?limit=1&cursor=${first.nextCursor}`);
    expect([first.ids, second.ids, second.nextCursor]).toEqual([[ID], [ALICES_SECOND], null]);
    expect(env.store.filters.accounts.at(-1)).toMatchObject({ owner: 'alice' });
  });

  it("given accounts of alice and bob, then /stats and /operations count and list a customer's own accounts only", async () => {
    const env = setUp({ waitMs: 2000, pullAfterMs: 1000 });
    env.store.doc = docAt(3);
    env.store.others = [docAt(2, BOBS, 'bob'), docAt(2, ALICES_SECOND)];
    env.store.operations = [operationOf(ID), operationOf(BOBS), operationOf(ALICES_SECOND)];
    const base = await listen(env.app);
    const operationsOf = async (caller?: Caller, query = '') =>
      ((await get(base, `/operations${query}`, caller)).body.items as Array<{ accountId: string }>).map((operation) => operation.accountId);

    expect((await get(base, '/stats', ALICE)).body).toEqual({ currencies: [{ currency: 'MAD', accounts: 2, totalBalance: '20.05' }] });
    expect((await get(base, '/stats', ADMIN)).body).toEqual({ currencies: [{ currency: 'MAD', accounts: 3, totalBalance: '30.07' }] });
    expect(await operationsOf(ALICE)).toEqual([ID, ALICES_SECOND]);
    expect(await operationsOf(ALICE, `?accountId=${BOBS}`)).toEqual([]);
    expect(await operationsOf(ALICE, `?accountId=${ALICES_SECOND}`)).toEqual([ALICES_SECOND]);
    expect(await operationsOf(CAROL)).toEqual([]);
    expect(await operationsOf(ADMIN)).toHaveLength(3);
    expect(await operationsOf()).toHaveLength(3);
  });

  it('given a malformed x-bank-role or x-bank-subject, then a 400 invalid-header, whatever is asked', async () => {
    const env = setUp({ waitMs: 2000, pullAfterMs: 1000 });
    env.store.doc = docAt(2);
    const base = await listen(env.app);

    const malformed: Array<Record<string, string>> = [{ 'x-bank-subject': 'alice', 'x-bank-role': 'root' }, { 'x-bank-role': 'admin' }, { 'x-bank-subject': 'alice' }];
    for (const headers of malformed) {
      for (const path of [`/accounts/${ID}`, '/accounts', '/stats', '/operations', `/accounts/${ID}/operations`]) {
        const answer = await get(base, path, undefined, headers);
        expect([path, answer.status, answer.body.type]).toEqual([path, 400, '/problems/invalid-header']);
      }
    }
  });
});
