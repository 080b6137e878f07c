// Per-account authorization on the query side, end to end: accounts opened through the command
// service with the caller headers the gateway sets (x-bank-subject, x-bank-role), then read back
// from the query service as those callers. A customer reads their own accounts only; another's
// answers exactly as one that does not exist; administrators and callers inside the system (no
// headers) see everything; the admin API is for administrators.
import { randomUUID } from 'node:crypto';
import { callerHeaders, type AccountJson, type Caller, type TransferJson } from '@bank/contracts';
import { call, ok, startSystem, waitUntil, type Answer, type TestSystemWithQuery } from '@bank/testkit';

const ALICE: Caller = { subject: 'alice', role: 'customer' };
const BOB: Caller = { subject: 'bob', role: 'customer' };
const CAROL: Caller = { subject: 'carol', role: 'customer' };
const ADMIN: Caller = { subject: 'admin', role: 'admin' };
const CHANNEL = `bank:live:authorization-${process.pid}-${Date.now()}`;
const MIN_WAIT_MS = 1000;

let sys: TestSystemWithQuery;
let cmd: string;
let q: string;
/** The accounts of this run: alice's two, bob's one, the bank's one (opened by an admin). */
const accounts = { aliceMad: '', aliceEur: '', bobMad: '', banks: '' };

/** GET on the query service as `caller` (none: a caller inside the system). */
const read = <T = Record<string, unknown>>(path: string, caller?: Caller) => call<T>(`${q}${path}`, { headers: caller ? callerHeaders(caller) : {} });

/** A command as `caller`, answered 2xx, and the query side has applied it. */
async function command(path: string, body: Record<string, string>, caller: Caller): Promise<{ accountId: string; version: number }> {
  const done = await ok(call<{ accountId: string; version: number }>(`${cmd}${path}`, { body, headers: callerHeaders(caller) }), `POST ${path}`);
  await ok(read(`/accounts/${done.accountId}?minVersion=${done.version}`), `${done.accountId} at version ${done.version}`);
  return done;
}

const open = async (caller: Caller, initialBalance: string, currency: string) => (await command('/accounts', { initialBalance, currency }, caller)).accountId;

/** A problem answer with every occurrence of `id` replaced, to compare with another id's. */
function shapeOf(answer: Answer<unknown>, id: string) {
  return { status: answer.status, contentType: answer.headers.get('content-type'), body: JSON.parse(JSON.stringify(answer.body).replaceAll(id, '<id>')) as unknown };
}

const idsOf = (items: Array<{ accountId?: string }>) => items.map((item) => item.accountId);

beforeAll(async () => {
  sys = (await startSystem({ query: true, queryEnv: { MIN_VERSION_WAIT_MS: String(MIN_WAIT_MS), LIVE_CHANNEL: CHANNEL } })) as TestSystemWithQuery;
  cmd = sys.command.url;
  q = sys.query.url;
  accounts.aliceMad = await open(ALICE, '100.00', 'MAD');
  accounts.aliceEur = await open(ALICE, '50.00', 'EUR');
  accounts.bobMad = await open(BOB, '20.00', 'MAD');
  accounts.banks = await open(ADMIN, '1000.00', 'MAD');
});

afterAll(async () => {
  await sys?.stop();
});

describe('who may read which account on the query side', () => {
  it("records whose account it is: the customer who opened it, null for an administrator's", async () => {
    const owners = await Promise.all(Object.values(accounts).map(async (id) => (await ok(read<AccountJson>(`/accounts/${id}`))).owner));
    expect(owners).toEqual(['alice', 'alice', 'bob', null]);
  });

  it('serves alice her account and everything about it; to bob it is exactly an account that does not exist', async () => {
    const id = accounts.aliceMad;
    const unknown = randomUUID();
    // Alice's own answers, and what bob gets instead: the 404 of an unknown id, after the same
    // wait for ?minVersion (never alice's 504 read-model-behind with the version it holds).
    const owns: Array<[string, number]> = [
      ['', 200],
      ['/operations', 200],
      ['/balance', 200],
      ['/transfers', 200],
      ['?minVersion=1', 200],
      ['?minVersion=999', 504],
    ];
    for (const [path, status] of owns) {
      const own = await read(`/accounts/${id}${path}`, ALICE);
      expect([path, own.status]).toEqual([path, status]);
      const refused = await read(`/accounts/${id}${path}`, BOB);
      const missing = await read(`/accounts/${unknown}${path}`, BOB);
      expect([path, refused.status]).toEqual([path, 404]);
      expect(shapeOf(refused, id)).toEqual(shapeOf(missing, unknown));
    }
    const refused = await read(`/accounts/${id}`, BOB);
    expect(refused.body).toMatchObject({ type: '/problems/account-not-found', detail: `account ${id} is not known to the read model` });
    expect(refused.headers.get('etag')).toBeNull();
    for (const caller of [ADMIN, undefined]) expect((await read(`/accounts/${id}`, caller)).status).toBe(200);
  });

  it("keeps the bank's account from customers and shows it to administrators", async () => {
    expect((await read(`/accounts/${accounts.banks}`, ALICE)).status).toBe(404);
    expect(await ok(read(`/accounts/${accounts.banks}`, ADMIN))).toMatchObject({ accountId: accounts.banks, owner: null });
  });

  it('lists alice her accounts only (across pages), bob his, and an administrator or an inside caller every one', async () => {
    const listed = async (caller: Caller | undefined) => {
      const seen: Array<string | undefined> = [];
      let cursor: string | null = null;
      do {
        const page: { items: AccountJson[]; nextCursor: string | null } = await ok(read(`/accounts?limit=1${cursor ? `&cursor=${cursor}` : ''}`, caller));
        seen.push(...idsOf(page.items));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    expect(await listed(ALICE)).toEqual([accounts.aliceMad, accounts.aliceEur].sort());
    expect(await listed(BOB)).toEqual([accounts.bobMad]);
    expect(await listed(CAROL)).toEqual([]);
    const every = Object.values(accounts).sort();
    expect(await listed(ADMIN)).toEqual(every);
    expect(await listed(undefined)).toEqual(every);
  });

  it("limits /stats and /operations to a customer's own accounts", async () => {
    await command(`/accounts/${accounts.aliceMad}/credit`, { amount: '5.00', currency: 'MAD' }, ALICE);
    await command(`/accounts/${accounts.bobMad}/credit`, { amount: '7.00', currency: 'MAD' }, BOB);

    expect(await ok(read('/stats', ALICE))).toEqual({
      currencies: [
        { currency: 'EUR', accounts: 1, totalBalance: '50.00' },
        { currency: 'MAD', accounts: 1, totalBalance: expect.any(String) },
      ],
    });
    expect(await ok(read('/stats', CAROL))).toEqual({ currencies: [] });
    const everyone = await ok(read<{ currencies: Array<{ currency: string; accounts: number }> }>('/stats', ADMIN));
    expect(everyone.currencies.find((sum) => sum.currency === 'MAD')?.accounts).toBe(3);

    const operations = async (caller: Caller | undefined, query = '') => idsOf((await ok(read<{ items: Array<{ accountId: string }> }>(`/operations${query}`, caller))).items);
    const alices = await operations(ALICE);
    expect(alices).toContain(accounts.aliceMad);
    expect(alices.every((id) => id === accounts.aliceMad || id === accounts.aliceEur)).toBe(true);
    expect(await operations(ALICE, `?accountId=${accounts.bobMad}`)).toEqual([]);
    expect(await operations(CAROL)).toEqual([]);
    for (const caller of [ADMIN, undefined]) expect(await operations(caller)).toEqual(expect.arrayContaining([accounts.aliceMad, accounts.bobMad]));
  });

  it('shows a transfer from alice to bob to both of them and to an administrator, and to carol as an unknown transfer', async () => {
    const sent = await ok(
      call<{ transferId: string }>(`${cmd}/transfers`, {
        body: { fromAccountId: accounts.aliceMad, toAccountId: accounts.bobMad, amount: '3.00', currency: 'MAD' },
        headers: callerHeaders(ALICE),
      }),
      'transfer',
    );
    const path = `/transfers/${sent.transferId}`;
    await waitUntil('the transfer completed', 30_000, async () => (await read<TransferJson>(path)).body.status === 'COMPLETED');

    for (const caller of [ALICE, BOB, ADMIN, undefined]) {
      expect(await ok(read<TransferJson>(path, caller))).toMatchObject({ transferId: sent.transferId, fromAccountId: accounts.aliceMad, toAccountId: accounts.bobMad });
    }
    const unknown = randomUUID();
    const refused = await read(path, CAROL);
    expect(refused.status).toBe(404);
    expect(shapeOf(refused, sent.transferId)).toEqual(shapeOf(await read(`/transfers/${unknown}`, CAROL), unknown));
    // Bob sees the transfer, not alice's account.
    expect((await read(`/accounts/${accounts.aliceMad}/transfers`, BOB)).status).toBe(404);
  });

  it('answers 403 forbidden to a customer on the admin API, and the status to an administrator or an inside caller', async () => {
    const refused = await read('/admin/projections', ALICE);
    expect([refused.status, (refused.body as { type: string }).type]).toEqual([403, '/problems/forbidden']);
    for (const caller of [ADMIN, undefined]) expect((await read('/admin/projections', caller)).status).toBe(200);
  });

  it('keeps the owners through a rebuild of the read models (an admin may start one, a customer may not)', async () => {
    const refused = await call<{ type: string }>(`${q}/admin/projections/rebuild`, { method: 'POST', headers: callerHeaders(BOB) });
    expect([refused.status, refused.body.type]).toEqual([403, '/problems/forbidden']);
    const started = await call<{ rebuild: { id: number } }>(`${q}/admin/projections/rebuild`, { method: 'POST', headers: callerHeaders(ADMIN) });
    expect(started.status).toBe(202);
    await waitUntil('the rebuild to finish', 60_000, async () => {
      const status = await ok(read<{ generation: number; rebuild: { state: string } | null }>('/admin/projections', ADMIN));
      if (status.rebuild?.state === 'failed') throw new Error('rebuild failed');
      return status.rebuild?.state === 'done' && status.generation === started.body.rebuild.id;
    });

    const owners = await Promise.all(Object.values(accounts).map(async (id) => (await ok(read<AccountJson>(`/accounts/${id}`))).owner));
    expect(owners).toEqual(['alice', 'alice', 'bob', null]);
    expect(idsOf((await ok(read<{ items: AccountJson[] }>('/accounts', ALICE))).items)).toEqual([accounts.aliceMad, accounts.aliceEur].sort());
  });

  it('answers 400 invalid-header to malformed caller headers', async () => {
    const malformed: Array<Record<string, string>> = [{ 'x-bank-subject': 'alice', 'x-bank-role': 'superuser' }, { 'x-bank-role': 'customer' }];
    for (const headers of malformed) {
      for (const path of ['/accounts', `/accounts/${accounts.aliceMad}`]) {
        const answer = await call<{ type: string }>(`${q}${path}`, { headers });
        expect([path, answer.status, answer.body.type]).toEqual([path, 400, '/problems/invalid-header']);
      }
    }
  });
});

describe('live updates by owner', () => {
  /** A Server-Sent Events feed as `caller`: the account updates read so far. */
  async function feed(path: string, caller: Caller) {
    const abort = new AbortController();
    const res = await fetch(`${q}${path}`, { headers: callerHeaders(caller), signal: abort.signal });
    expect(res.status).toBe(200);
    let text = '';
    const reading = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body!) text += decoder.decode(chunk as Uint8Array);
      } catch {
        /* closed by the test */
      }
    })();
    return {
      updates: () => [...text.matchAll(/event: account\ndata: (.*)\n/g)].map((match) => JSON.parse(match[1]!) as AccountJson),
      close: async () => {
        abort.abort();
        await reading;
      },
    };
  }

  it("gives alice's global feed her accounts' updates only, and refuses her bob's account feed", async () => {
    const alices = await feed('/live', ALICE);
    const bobs = await feed('/live', BOB);
    try {
      // Both feeds are registered once their connection is answered; bob's update is handed to
      // every feed of this replica at once, so once bob's feed has it, alice's has been passed over.
      const bobsCredit = await command(`/accounts/${accounts.bobMad}/credit`, { amount: '1.00', currency: 'MAD' }, BOB);
      await waitUntil("bob's update on his feed", 10_000, async () => bobs.updates().some((update) => update.version === bobsCredit.version));
      const alicesCredit = await command(`/accounts/${accounts.aliceMad}/credit`, { amount: '1.00', currency: 'MAD' }, ALICE);
      await waitUntil("alice's update on her feed", 10_000, async () => alices.updates().some((update) => update.version === alicesCredit.version));

      expect(new Set(alices.updates().map((update) => update.accountId))).toEqual(new Set([accounts.aliceMad]));
      expect(alices.updates().every((update) => update.owner === 'alice')).toBe(true);
      expect(bobs.updates().some((update) => update.accountId === accounts.aliceMad)).toBe(false);
    } finally {
      await Promise.all([alices.close(), bobs.close()]);
    }
    const refused = await read(`/accounts/${accounts.bobMad}/live`, ALICE);
    expect([refused.status, (refused.body as { type: string }).type]).toEqual([404, '/problems/account-not-found']);
  });
});
