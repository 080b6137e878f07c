import { BatchingWriter } from './batching-writer.js';
import { accountDoc, type AccountDoc } from './documents.js';
import type { Generation } from './generations.js';
import type { AccountChange, AccountWrite, ReadModelWriter } from './writer.js';

const change = (accountId: string, version: number): AccountChange => ({
  account: {
    accountId,
    owner: null,
    version,
    balanceMinor: 100n,
    initialBalanceMinor: 100n,
    currency: 'MAD',
    status: 'ACTIVATED',
    createdAt: '2026-12-03T00:00:00.000Z',
    updatedAt: '2026-12-03T00:00:00.000Z',
  },
  operations: [],
  transferSteps: [],
});

/** Records each applyMany() as a batch of "account@version"; every write waits until release(). */
class HeldWriter implements ReadModelWriter {
  readonly batches: string[][] = [];
  private held: Array<() => void> = [];
  /** Accounts whose write another writer got to first. */
  readonly lose = new Set<string>();
  fail: Error | undefined;

  read = async (): Promise<AccountDoc | null> => null;
  apply = async (): Promise<AccountDoc | undefined> => {
    throw new Error('the batching writer writes through applyMany only');
  };
  applyNew = async (): Promise<void> => undefined;

  async applyMany(_generation: Generation, writes: readonly AccountWrite[]): Promise<Array<AccountDoc | undefined>> {
    this.batches.push(writes.map((write) => `${write.change.account.accountId}@${write.change.account.version}`));
    await new Promise<void>((resolve) => this.held.push(resolve));
    if (this.fail) throw this.fail;
    return writes.map((write) => (this.lose.has(write.change.account.accountId) ? undefined : accountDoc(write.change.account)));
  }

  /** Lets the writes in flight finish. */
  async release(): Promise<void> {
    const held = this.held;
    this.held = [];
    for (const resolve of held) resolve();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const generation = { number: 0 } as Generation;

describe('BatchingWriter', () => {
  it('writes the first change at once, and gathers what arrives meanwhile into the next write, up to the bound', async () => {
    // Given a writer with batches of at most 3.
    const inner = new HeldWriter();
    const writer = new BatchingWriter(inner, 3);
    // When one change arrives, then five more while it is written.
    const first = writer.apply(generation, null, change('a', 1));
    await new Promise((resolve) => setImmediate(resolve));
    const more = ['b', 'c', 'd', 'e', 'f'].map((id) => writer.apply(generation, null, change(id, 1)));
    expect(inner.batches).toEqual([['a@1']]);
    await inner.release();
    // Then the next write takes three of them, and the one after the rest.
    expect(inner.batches).toEqual([['a@1'], ['b@1', 'c@1', 'd@1']]);
    await inner.release();
    expect(inner.batches).toEqual([['a@1'], ['b@1', 'c@1', 'd@1'], ['e@1', 'f@1']]);
    await inner.release();
    // And each caller gets its own account's document.
    expect((await first)?._id).toBe('a');
    expect((await Promise.all(more)).map((doc) => doc?._id)).toEqual(['b', 'c', 'd', 'e', 'f']);
  });

  it('answers each caller its own outcome: a lost race is undefined for that account only', async () => {
    const inner = new HeldWriter();
    const writer = new BatchingWriter(inner, 10);
    inner.lose.add('b');
    const first = writer.apply(generation, null, change('a', 1));
    const second = writer.apply(generation, null, change('b', 1));
    await inner.release();
    await inner.release();
    expect([(await first)?._id, await second]).toEqual(['a', undefined]);
  });

  it('puts two changes of one account in different writes, in the order they came', async () => {
    const inner = new HeldWriter();
    const writer = new BatchingWriter(inner, 10);
    const blocker = writer.apply(generation, null, change('z', 1));
    await new Promise((resolve) => setImmediate(resolve));
    const writes = [writer.apply(generation, null, change('a', 3)), writer.apply(generation, null, change('a', 5)), writer.apply(generation, null, change('b', 1))];
    await inner.release();
    await inner.release();
    await inner.release();
    expect(inner.batches).toEqual([['z@1'], ['a@3', 'b@1'], ['a@5']]);
    await Promise.all([blocker, ...writes]);
  });

  it('rejects the callers of a write that failed, and goes on with the next', async () => {
    const inner = new HeldWriter();
    const writer = new BatchingWriter(inner, 10);
    inner.fail = new Error('the read store is down');
    const failed = writer.apply(generation, null, change('a', 1));
    await new Promise((resolve) => setImmediate(resolve));
    const next = writer.apply(generation, null, change('b', 1));
    const failedOutcome = failed.then(
      () => 'written',
      (err: Error) => err.message,
    );
    await inner.release();
    inner.fail = undefined;
    await inner.release();
    expect([await failedOutcome, (await next)?._id]).toEqual(['the read store is down', 'b']);
  });

  it('keeps the generations apart: a rebuild’s writes never share a batch with the live ones', async () => {
    const inner = new HeldWriter();
    const writer = new BatchingWriter(inner, 10);
    const rebuild = { number: 1 } as Generation;
    const writes = [writer.apply(generation, null, change('a', 1)), writer.apply(rebuild, null, change('b', 1))];
    await inner.release();
    expect(inner.batches).toEqual([['a@1'], ['b@1']]);
    await Promise.all(writes);
  });
});
