// The event-store suite: written once, run through a real daprd against the state store of every
// profile under test (TEST_PROFILES, comma separated or "all"; default: PROFILE, else redis).
import { randomUUID } from 'node:crypto';
import { EVENT_SCHEMA_VERSION, STATESTORE_NAME, type AccountEvent } from '@bank/contracts';
import { type Sidecar } from '@bank/platform';
import { profilesUnderTest, startStoreSidecar, type StoreSidecar } from '@bank/testkit';
import { decide, fold, fromSnapshot, initialState, toSnapshot, type AccountCommand, type AccountSnapshot, type AccountState } from '../domain/index.js';
import { ConcurrencyError, StreamStore, type StoredEvent } from './stream-store.js';
import { StreamIndex, type StreamRegistered } from './stream-index.js';

describe.each(profilesUnderTest())('event store on profile %s', (profile) => {
  let sc: StoreSidecar;
  let sidecar: Sidecar;

  beforeAll(async () => {
    // The state store is scoped to account-command: this sidecar must carry that app id.
    sc = await startStoreSidecar('account-command', { profile });
    sidecar = sc.daprd.sidecar;
  });
  afterAll(async () => {
    await sc?.stop();
  });

  interface TestEvent extends StoredEvent {
    payload: string;
  }
  const ev = (version: number, payload = `e${version}`): TestEvent => ({ eventId: randomUUID(), version, payload });
  const events = (from: number, count: number): TestEvent[] => Array.from({ length: count }, (_, i) => ev(from + i));
  const newStore = (chunkSize = 10) => new StreamStore<TestEvent, { n: number }>(sidecar, { storeName: STATESTORE_NAME, chunkSize });
  const streamId = () => `test-${randomUUID()}`;

  async function readAll<E extends StoredEvent>(store: StreamStore<E, unknown>, id: string): Promise<E[]> {
    return store.read(await store.load(id));
  }

  function expectContiguous(list: StoredEvent[], upTo: number): void {
    expect(list.map((e) => e.version)).toEqual(Array.from({ length: upTo }, (_, i) => i + 1));
    expect(new Set(list.map((e) => e.eventId)).size).toBe(list.length);
  }

  describe('appends', () => {
    test('given a new stream, when 50 writers append at version 0 at once, then exactly one wins', async () => {
      const store = newStore();
      const id = streamId();
      const loaded = await store.load(id);
      const attempts = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => store.append(loaded, [ev(1, `writer-${i}`)], { snapshot: { n: i } })));
      const won = attempts.filter((a) => a.status === 'fulfilled');
      const lost = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(49);
      for (const l of lost) expect(l.reason).toBeInstanceOf(ConcurrencyError);
      const all = await readAll(store, id);
      expectContiguous(all, 1);
      const head = (await store.load(id)).head!;
      // The head's snapshot belongs to the winner's event, not to any loser's.
      expect(head.snapshot).toEqual({ n: Number(all[0]!.payload.split('-')[1]) });
    });

    test('given a stream at version 25 that crosses chunks, when 50 writers append at once, then one wins and nothing else changes', async () => {
      const store = newStore(10);
      const id = streamId();
      let loaded = await store.load(id);
      for (let v = 1; v <= 25; v += 5) {
        await store.append(loaded, events(v, 5), { snapshot: { n: v + 4 } });
        loaded = await store.load(id);
      }
      const before = await readAll(store, id);
      expectContiguous(before, 25);
      const attempts = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => store.append(loaded, [ev(26, `w${i}`), ev(27, `w${i}`)], { snapshot: { n: 27 } })));
      expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
      for (const a of attempts) if (a.status === 'rejected') expect(a.reason).toBeInstanceOf(ConcurrencyError);
      const after = await readAll(store, id);
      expectContiguous(after, 27);
      expect(after.slice(0, 25)).toEqual(before);
      expect(after[25]!.payload).toBe(after[26]!.payload);
    });

    test('a writer holding an old head is refused, even when its append would seal a chunk', async () => {
      const store = newStore(10);
      const id = streamId();
      await store.append(await store.load(id), events(1, 9), { snapshot: { n: 9 } });
      const stale = await store.load(id);
      await store.append(stale, events(10, 3), { snapshot: { n: 12 } });
      const good = await readAll(store, id);
      await expect(store.append(stale, [ev(10, 'stale')], { snapshot: { n: 10 } })).rejects.toBeInstanceOf(ConcurrencyError);
      // Seal chunk 0 through the fresh head, then try again with a head that predates the seal.
      const before = await store.load(id);
      await store.append(before, events(13, 1), { snapshot: { n: 13 } });
      await expect(store.append(before, [ev(13, 'late')], { snapshot: { n: 13 } })).rejects.toBeInstanceOf(ConcurrencyError);
      const all = await readAll(store, id);
      expectContiguous(all, 13);
      expect(all.slice(0, 12)).toEqual(good);
    });

    test('without the transaction API (single ETag-guarded saves), 50 racing writers: exactly one wins', async () => {
      const store = new StreamStore<TestEvent, { n: number }>(sidecar, { storeName: STATESTORE_NAME, chunkSize: 10, transactional: false });
      const id = streamId();
      await store.append(await store.load(id), events(1, 12), { snapshot: { n: 12 } });
      const loaded = await store.load(id);
      const attempts = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => store.append(loaded, [ev(13, `w${i}`)], { snapshot: { n: 13 } })));
      expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
      for (const a of attempts) if (a.status === 'rejected') expect(a.reason).toBeInstanceOf(ConcurrencyError);
      expectContiguous(await readAll(store, id), 13);
    });

    test('events must continue the stream exactly', async () => {
      const store = newStore();
      const id = streamId();
      await expect(store.append(await store.load(id), [ev(2)], { snapshot: null })).rejects.toThrow(/expected 1/);
    });
  });

  describe('reads', () => {
    test('a stream of 237 events in commits of 1 to 3 reads back intact, in order, by any range', async () => {
      const store = newStore(10);
      const id = streamId();
      let v = 1;
      while (v <= 237) {
        const n = Math.min(1 + (v % 3), 238 - v);
        await store.append(await store.load(id), events(v, n), { snapshot: { n: v + n - 1 } });
        v += n;
      }
      const all = await readAll(store, id);
      expectContiguous(all, 237);
      const loaded = await store.load(id);
      expect(loaded.head!.sealedChunks).toBeGreaterThanOrEqual(22);
      for (const [from, limit] of [
        [1, 5],
        [9, 3],
        [10, 11],
        [95, 30],
        [230, 100],
        [237, 1],
        [238, 5],
      ] as const) {
        const page = await store.read(loaded, from, limit);
        expect(page).toEqual(all.slice(from - 1, from - 1 + limit));
      }
    });

    test('loading a stream of 10,000 events costs as many round trips as loading one of 10', async () => {
      const store = newStore(100);
      const small = streamId();
      const large = streamId();
      await store.append(await store.load(small), events(1, 10), { snapshot: { n: 10 } });
      for (let v = 1; v <= 10_000; v += 500) await store.append(await store.load(large), events(v, 500), { snapshot: { n: v + 499 } });
      // Round trips counted here, by spying on the sidecar's state API: one HTTP request a call.
      const count = async (id: string) => {
        const spies = (['getState', 'getBulkState', 'saveState', 'transact'] as const).map((method) => jest.spyOn(sidecar, method));
        try {
          const loaded = await store.load(id);
          return { calls: spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0), loaded };
        } finally {
          for (const spy of spies) spy.mockRestore();
        }
      };
      const s = await count(small);
      const l = await count(large);
      expect(l.loaded.head!.version).toBe(10_000);
      expect(l.loaded.head!.snapshot).toEqual({ n: 10_000 });
      expect(s.calls).toBe(1);
      expect(l.calls).toBe(s.calls);
      expectContiguous(await store.read(l.loaded), 10_000);
    });
  });

  describe('account streams', () => {
    test('the state kept with the head equals the fold of all events, after 300 random commands', async () => {
      const store = new StreamStore<AccountEvent, AccountSnapshot>(sidecar, { storeName: STATESTORE_NAME, chunkSize: 25 });
      const accountId = randomUUID();
      const id = `account-${accountId}`;
      let seed = 42;
      const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      let accepted = 0;
      for (let i = 0; i < 300; i++) {
        const loaded = await store.load(id);
        const state: AccountState = fromSnapshot(loaded.head?.snapshot);
        const amount = (rnd() * 200).toFixed(2);
        const command: AccountCommand =
          i === 0
            ? { type: 'OpenAccount', accountId, initialBalance: '50.00', currency: 'EUR', owner: null }
            : { type: rnd() < 0.5 ? 'CreditAccount' : 'DebitAccount', accountId, amount, currency: 'EUR' };
        const decision = decide(command, state);
        if (!decision.ok) continue;
        const stored = decision.events.map(
          (decided, k) =>
            ({
              ...decided,
              eventId: randomUUID(),
              accountId,
              version: state.version + 1 + k,
              occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
              schemaVersion: EVENT_SCHEMA_VERSION,
            }) as AccountEvent,
        );
        await store.append(loaded, stored, { snapshot: toSnapshot(fold(stored, state)) });
        accepted++;
      }
      expect(accepted).toBeGreaterThan(150);
      const loaded = await store.load(id);
      const all = await store.read(loaded);
      expectContiguous(all, loaded.head!.version);
      const folded = fold(all, initialState);
      expect(fromSnapshot(loaded.head!.snapshot)).toEqual(folded);
      expect(folded.status).toBe('ACTIVATED');
    });
  });

  describe('idempotency records', () => {
    test("are stored with the commit that produced them: the first commit's for good, the newest within the window", async () => {
      const store = new StreamStore<TestEvent, null>(sidecar, { storeName: STATESTORE_NAME, idempotencyWindow: 3 });
      const id = streamId();
      for (let v = 1; v <= 5; v++) {
        await store.append(await store.load(id), [ev(v)], { snapshot: null, idempotency: { key: `k${v}`, fingerprint: `f${v}`, result: { v } } });
      }
      const head = (await store.load(id)).head!;
      expect(head.idempotency).toEqual([
        { key: 'k1', fingerprint: 'f1', result: { v: 1 }, version: 1, first: true },
        { key: 'k4', fingerprint: 'f4', result: { v: 4 }, version: 4 },
        { key: 'k5', fingerprint: 'f5', result: { v: 5 }, version: 5 },
      ]);
    });

    test('a losing append leaves no idempotency record behind', async () => {
      const store = new StreamStore<TestEvent, null>(sidecar, { storeName: STATESTORE_NAME });
      const id = streamId();
      const loaded = await store.load(id);
      await store.append(loaded, [ev(1)], { snapshot: null, idempotency: { key: 'winner', fingerprint: 'a', result: {} } });
      await expect(store.append(loaded, [ev(1)], { snapshot: null, idempotency: { key: 'loser', fingerprint: 'b', result: {} } })).rejects.toBeInstanceOf(ConcurrencyError);
      expect((await store.load(id)).head!.idempotency.map((r) => r.key)).toEqual(['winner']);
    });
  });

  describe('stream index', () => {
    test('lists every registered stream, across partitions and pages, even when registered concurrently', async () => {
      // A private index (its own partition streams), small chunks so the pages cross them.
      const store = new StreamStore<StreamRegistered, null>(sidecar, { storeName: STATESTORE_NAME, chunkSize: 7, transactional: false });
      const index = new StreamIndex(store, 4, `ix-${randomUUID().slice(0, 8)}`);
      const ids = Array.from({ length: 60 }, () => `account-${randomUUID()}`);
      await Promise.all(ids.map((s) => index.register(s)));
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { items: string[]; nextCursor: string | null } = await index.list(cursor, 9);
        expect(page.items.length).toBeLessThanOrEqual(9);
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== null && pages < 50);
      expect(cursor).toBeNull();
      expect([...new Set(seen)].sort()).toEqual([...ids].sort());
    });
  });
});
