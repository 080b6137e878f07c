// Volume: concurrent commands on few accounts, then a rebuild of 500 accounts while commands
// keep flowing. Sized for a 2-core machine (bounded parallelism, no fixed sleeps).
import { call, mapLimit, move, ok, openAccount, startSystem, waitConvergedBulk, waitUntil, type TestSystem } from '@bank/testkit';

let sys: TestSystem;
const t0 = Date.now();
const mark = (what: string) => console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
let cmd: string;
let q: string;
const accounts: string[] = [];

// A small deterministic PRNG: a failing run can be replayed.
let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const amount = () => `${1 + Math.floor(rand() * 50)}.${String(Math.floor(rand() * 100)).padStart(2, '0')}`;

beforeAll(async () => {
  sys = await startSystem({ query: true });
  cmd = sys.command.url;
  q = sys.query!.url;
});

afterAll(async () => {
  await sys?.stop();
});

async function allOperationIds(): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Array<{ operationId: string }>; nextCursor: string | null } = await ok(call(`${q}/operations?limit=500${cursor ? `&cursor=${cursor}` : ''}`));
    ids.push(...page.items.map((o) => o.operationId));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

it('1,000 concurrent commands over 50 accounts: every read model equals its fold, no operation twice', async () => {
  accounts.push(...(await mapLimit(Array.from({ length: 50 }), 10, () => openAccount(cmd, '500.00'))).map((a) => a.accountId));
  let accepted = 0;
  const statuses = new Map<number, number>();
  await mapLimit(Array.from({ length: 1000 }), 64, async () => {
    const id = accounts[Math.floor(rand() * accounts.length)]!;
    const r = await move(cmd, id, rand() < 0.6 ? 'credit' : 'debit', amount());
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    if (r.status === 200) accepted++;
  });
  // Accepted, or refused by the domain (insufficient funds); nothing else.
  expect([...statuses.keys()].every((s) => s === 200 || s === 422)).toBe(true);
  mark('1000 commands done');
  await waitConvergedBulk(cmd, q, accounts, 60_000);
  mark('converged');
  const ids = await allOperationIds();
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBe(accepted);
});

it('a rebuild of 500 accounts, with commands during it, yields the same read models as the live projection', async () => {
  const more = await mapLimit(Array.from({ length: 450 }), 16, () => openAccount(cmd, amount()));
  accounts.push(...more.map((a) => a.accountId));
  mark('450 accounts opened');
  await mapLimit(accounts.slice(50), 16, async (id) => {
    for (let i = Math.floor(rand() * 3); i > 0; i--) await ok(move(cmd, id, 'credit', amount()));
  });
  mark('operations done');
  await waitConvergedBulk(cmd, q, accounts, 90_000);
  mark('converged');
  const before = await ok(call<{ generation: number; counts: { accounts: number; operations: number } }>(`${q}/admin/projections`));
  expect(before.counts.accounts).toBe(500);

  const started = await call<{ rebuild: { id: number } }>(`${q}/admin/projections/rebuild`, { method: 'POST' });
  expect(started.status).toBe(202);
  expect((await call(`${q}/admin/projections/rebuild`, { method: 'POST' })).status).toBe(409);

  // Live traffic while the rebuild runs: credits on existing accounts and new accounts.
  let during = 0;
  const opened: string[] = [];
  const traffic = (async () => {
    for (let i = 0; i < 200; i++) {
      const state = (await ok(call<{ rebuild: { state: string } }>(`${q}/admin/projections`))).rebuild.state;
      if (state === 'done' || state === 'failed') break;
      if (i % 10 === 0) opened.push((await openAccount(cmd, '1.00')).accountId);
      await ok(move(cmd, accounts[Math.floor(rand() * accounts.length)]!, 'credit', '0.01'));
      during++;
    }
  })();
  const done = await waitUntil(
    'the rebuild to finish',
    120_000,
    async () => {
      const s = await ok(call<{ rebuild: { state: string; error?: string; streamsDone: number } }>(`${q}/admin/projections`));
      if (s.rebuild.state === 'failed') throw new Error(`rebuild failed: ${s.rebuild.error}`);
      return s.rebuild.state === 'done' ? s : undefined;
    },
    250,
  );
  await traffic;
  mark('rebuild done');
  console.log(`rebuild: ${JSON.stringify(done.rebuild)}; ${during} commands and ${opened.length} new accounts during it`);
  expect(during).toBeGreaterThan(0);
  accounts.push(...opened);
  const after = await ok(call<{ generation: number; counts: { accounts: number; operations: number } }>(`${q}/admin/projections`));
  expect(after.generation).toBeGreaterThan(before.generation);
  await waitConvergedBulk(cmd, q, accounts, 60_000);
  mark('converged after rebuild');
  const ids = await allOperationIds();
  expect(new Set(ids).size).toBe(ids.length);
  expect((await ok(call<{ counts: { accounts: number } }>(`${q}/admin/projections`))).counts.accounts).toBe(accounts.length);
}, 420_000);
