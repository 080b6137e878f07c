// The read-model writer against a real read store (FerretDB on PostgreSQL, or MONGODB_URL): many
// accounts in one bulk write, each guarded by the version it was read at, and every lost race
// told apart from the writes that won in the same batch.
import { mkdirSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { acquireSlot, mongoUrlForRun, runDirFor, startFerretDb, type RunningFerretDb } from '@bank/testkit';
import { accountDoc, accountView, type AccountDoc } from './documents.js';
import { Generations, type Generation } from './generations.js';
import type { AccountView } from './views.js';
import { readModelWriter, type AccountChange } from './writer.js';

let client: MongoClient;
let ferret: RunningFerretDb | undefined;
let release: () => void = () => undefined;
let generations: Generations;
let generation: Generation;

beforeAll(async () => {
  const runId = `writer-${Date.now()}`;
  let url = process.env.MONGODB_URL && mongoUrlForRun(process.env.MONGODB_URL, runId);
  if (!url) {
    const lease = await acquireSlot();
    release = lease.release;
    const runDir = runDirFor(runId);
    mkdirSync(runDir, { recursive: true });
    ferret = await startFerretDb({ runDir, slot: lease.slot, fresh: true });
    url = ferret.url;
  }
  client = await new MongoClient(url).connect();
  generations = new Generations(client.db());
  await generations.init(60_000);
  generation = generations.active;
});

afterAll(async () => {
  generations?.close();
  await client
    ?.db()
    .dropDatabase()
    .catch(() => undefined);
  await client?.close();
  await ferret?.stop();
  release();
});

let n = 0;
const view = (accountId: string, version: number, balanceMinor: bigint): AccountView => ({
  accountId,
  owner: 'alice',
  version,
  balanceMinor,
  initialBalanceMinor: 10_000n,
  currency: 'MAD',
  status: 'ACTIVATED',
  createdAt: '2026-12-03T00:00:00.000Z',
  updatedAt: `2026-12-03T00:00:0${version}.000Z`,
});
/** A credit of 1.00 that takes the account from `version - 1` to `version`. */
const credit = (accountId: string, version: number, balanceMinor: bigint): AccountChange => ({
  account: view(accountId, version, balanceMinor),
  operations: [
    {
      operationId: `op-${++n}`,
      accountId,
      version,
      type: 'CREDIT',
      amountMinor: 100n,
      balanceAfterMinor: balanceMinor,
      currency: 'MAD',
      occurredAt: `2026-12-03T00:00:0${version}.000Z`,
      description: null,
      transferId: null,
      counterpartyAccountId: null,
      correlationId: null,
    },
  ],
  transferSteps: [],
});
const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}-${Date.now()}`);
const stored = (accountId: string) => generation.accounts.findOne({ _id: accountId });

describe('readModelWriter.applyMany', () => {
  it('writes new accounts and moves known ones in one call, and answers each its document', async () => {
    // Given two accounts at version 2 and two not there yet.
    const [a, b, c, d] = ids('many', 4) as [string, string, string, string];
    await generation.accounts.insertMany([accountDoc(view(a, 2, 10_000n)), accountDoc(view(b, 2, 10_000n))]);
    const base = (await generation.accounts.find({ _id: { $in: [a, b] } }).toArray()) as AccountDoc[];
    const baseOf = (id: string) => base.find((doc) => doc._id === id)!;
    // When all four are written together.
    const written = await readModelWriter.applyMany(generation, [
      { base: baseOf(a), change: credit(a, 3, 10_100n) },
      { base: null, change: { ...credit(c, 2, 10_000n), operations: [] } },
      { base: baseOf(b), change: credit(b, 3, 10_100n) },
      { base: null, change: { ...credit(d, 2, 10_000n), operations: [] } },
    ]);
    // Then each is answered with its new document, and the store holds exactly that.
    expect(written.map((doc) => [doc?._id, doc?.version])).toEqual([
      [a, 3],
      [c, 2],
      [b, 3],
      [d, 2],
    ]);
    for (const doc of written) expect(accountView((await stored(doc!._id))!)).toEqual(accountView(doc!));
    expect(await generation.operations.countDocuments({ accountId: { $in: [a, b] } })).toBe(2);
  });

  it('answers undefined for exactly the accounts another writer moved first, and writes the others', async () => {
    // Given three accounts at version 2, read by this writer...
    const [a, b, c] = ids('race', 3) as [string, string, string];
    await generation.accounts.insertMany([a, b, c].map((id) => accountDoc(view(id, 2, 10_000n))));
    const base = (await generation.accounts.find({ _id: { $in: [a, b, c] } }).toArray()) as AccountDoc[];
    const baseOf = (id: string) => base.find((doc) => doc._id === id)!;
    // ...and since then another writer moved one of them on to version 4, and inserted a new
    // account that this one found missing.
    const [fresh] = ids('race-new', 1) as [string];
    const movedOn = await readModelWriter.apply(generation, baseOf(b), credit(b, 3, 10_100n));
    expect(await readModelWriter.apply(generation, movedOn!, credit(b, 4, 10_200n))).toMatchObject({ version: 4 });
    expect(await readModelWriter.apply(generation, null, { ...credit(fresh, 2, 10_000n), operations: [] })).toMatchObject({ version: 2 });
    // When this writer writes all four from what it read.
    const written = await readModelWriter.applyMany(generation, [
      { base: baseOf(a), change: credit(a, 3, 10_100n) },
      { base: baseOf(b), change: credit(b, 3, 10_100n) },
      { base: null, change: { ...credit(fresh, 2, 10_000n), operations: [] } },
      { base: baseOf(c), change: credit(c, 3, 10_100n) },
    ]);
    // Then the two races it lost are undefined, the others written.
    expect(written.map((doc) => doc?.version)).toEqual([3, undefined, undefined, 3]);
    expect((await stored(a))?.version).toBe(3);
    expect((await stored(b))?.version).toBe(4);
    expect((await stored(c))?.version).toBe(3);
    // And what it lost is left as the winner wrote it, never a second document.
    expect(await generation.accounts.countDocuments({ _id: { $in: [a, b, c, fresh] } })).toBe(4);
  });

  it('writes a hundred accounts in one call (FerretDB: in commands its connection pool can serve), telling a lost race apart at any place', async () => {
    // Given 100 accounts at version 2, and 20 new ones of which one (the 18th) another writer inserted first.
    const known = ids('hundred', 100);
    const fresh = ids('hundred-new', 20);
    await generation.accounts.insertMany(known.map((id) => accountDoc(view(id, 2, 10_000n))));
    await readModelWriter.apply(generation, null, { ...credit(fresh[17]!, 2, 10_000n), operations: [] });
    const base = (await generation.accounts.find({ _id: { $in: known } }).toArray()) as AccountDoc[];
    // When all 120 are written at once.
    const written = await readModelWriter.applyMany(generation, [
      ...base.map((doc) => ({ base: doc, change: credit(doc._id, 3, 10_100n) })),
      ...fresh.map((id) => ({ base: null, change: { ...credit(id, 2, 10_000n), operations: [] } })),
    ]);
    // Then every known account moved, and only the new one inserted by the other writer is a lost race.
    expect(written.slice(0, 100).every((doc) => doc?.version === 3)).toBe(true);
    expect(written.slice(100).map((doc, n) => (doc ? n : `lost ${n}`))).toEqual(fresh.map((_id, n) => (n === 17 ? 'lost 17' : n)));
    expect(await generation.accounts.countDocuments({ _id: { $in: known }, version: 3 })).toBe(100);
    expect(await generation.operations.countDocuments({ accountId: { $in: known } })).toBe(100);
  });

  it('counts a change as written when another writer wrote the same version first (the projection of the same events)', async () => {
    const [a, b] = ids('same', 2) as [string, string];
    await generation.accounts.insertMany([a, b].map((id) => accountDoc(view(id, 2, 10_000n))));
    const base = (await generation.accounts.find({ _id: { $in: [a, b] } }).toArray()) as AccountDoc[];
    const baseOf = (id: string) => base.find((doc) => doc._id === id)!;
    // Given another writer that applied b's version 3 after this one read b at version 2.
    await readModelWriter.apply(generation, baseOf(b), credit(b, 3, 10_100n));
    // When this writer applies the same version 3 of b, with a's.
    const written = await readModelWriter.applyMany(generation, [
      { base: baseOf(a), change: credit(a, 3, 10_100n) },
      { base: baseOf(b), change: credit(b, 3, 10_100n) },
    ]);
    // Then both are answered as written: the store holds exactly what this change would write.
    expect(written.map((doc) => doc?.version)).toEqual([3, 3]);
    expect(accountView((await stored(b))!)).toEqual(accountView(written[1]!));
  });

  it('does not write an account from a base whose document is gone: a lost race, so the projector starts it again', async () => {
    const [gone] = ids('gone', 1) as [string];
    const base = accountDoc(view(gone, 2, 10_000n));
    const [written] = await readModelWriter.applyMany(generation, [{ base, change: credit(gone, 3, 10_100n) }]);
    expect(written).toBeUndefined();
    expect(await stored(gone)).toBeNull();
  });
});
