// The projector against fakes: an in-memory command side (pages of events per account), an
// in-memory read-model writer with the real one's guarantees (operations keyed by version, the
// account document guarded by the version it was read at) and waiters that record what they are
// told. No sidecar, no database.
import { Registry } from 'prom-client';
import { createLogger } from '@bank/platform';
import { type EventPage } from '@bank/contracts';
import { createQueryMetrics } from '../metrics.js';
import { accountDoc, type AccountDoc } from '../readmodel/documents.js';
import type { Generation, Generations } from '../readmodel/generations.js';
import type { AccountChange, AccountWrite, ReadModelWriter } from '../readmodel/writer.js';
import { PullError, type CommandSideClient } from './command-side-client.js';
import type { PulledEvent } from './project.js';
import { Projector } from './projector.js';
import type { VersionWaiters } from './waiters.js';

const ID = '00000000-0000-4000-8000-000000000001';
const OTHER = '00000000-0000-4000-8000-000000000002';

/** An account's stream: opened with 100.00 MAD, activated, then one credit of 1.00 per version after 2. */
function stream(accountId: string, length: number): PulledEvent[] {
  return Array.from({ length }, (_, index) => {
    const version = index + 1;
    const occurredAt = new Date(Date.UTC(2026, 0, 1, 0, 0, version)).toISOString();
    const base = { eventId: `${accountId}-e${version}`, version, occurredAt, schemaVersion: 1 };
    if (version === 1) return { ...base, type: 'AccountCreated', data: { initialBalance: '100.00', currency: 'MAD' } } as PulledEvent;
    if (version === 2) return { ...base, type: 'AccountActivated', data: {} } as PulledEvent;
    return { ...base, type: 'AccountCredited', data: { amount: '1.00', currency: 'MAD' } } as PulledEvent;
  });
}

/** The command side: each account's events, served in pages; failures queued by the test. */
class FakeCommandSide {
  readonly streams = new Map<string, PulledEvent[]>();
  /** Every call, with the (fake) clock's time it was made at. */
  readonly calls: Array<{ accountId: string; fromVersion: number; limit: number; at: number }> = [];
  /** Errors thrown by the next calls, in order. */
  readonly failures: Error[] = [];
  /** When set, every call waits for it (to hold pulls in flight). */
  gate: Promise<void> | undefined;
  running = 0;
  maxRunning = 0;

  async events(accountId: string, fromVersion: number, limit: number): Promise<EventPage | null> {
    this.calls.push({ accountId, fromVersion, limit, at: Date.now() });
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      if (this.gate) await this.gate;
      const failure = this.failures.shift();
      if (failure) throw failure;
      const events = this.streams.get(accountId);
      if (!events) return null;
      return { accountId, version: events.length, events: events.slice(fromVersion - 1, fromVersion - 1 + limit) };
    } finally {
      this.running--;
    }
  }
}

/** The read models in memory, with the writer's guarantees; `applied` lists every account write that won. */
class FakeWriter implements ReadModelWriter {
  readonly accounts = new Map<string, AccountDoc>();
  readonly operations = new Map<string, { accountId: string; version: number }>();
  readonly applied: Array<{ generation: number; accountId: string; version: number }> = [];
  /** Reads of an account document (round trips to the read store). */
  reads = 0;
  /** Runs between a read and the write that follows it (another writer getting there first). */
  beforeApply: (() => void) | undefined;

  private key(generation: Generation, accountId: string): string {
    return `${generation.number}/${accountId}`;
  }

  async read(generation: Generation, accountId: string): Promise<AccountDoc | null> {
    this.reads++;
    return this.accounts.get(this.key(generation, accountId)) ?? null;
  }

  async apply(generation: Generation, base: AccountDoc | null, change: AccountChange): Promise<AccountDoc | undefined> {
    const hook = this.beforeApply;
    this.beforeApply = undefined;
    hook?.();
    for (const operation of change.operations) this.operations.set(`${generation.number}/${operation.accountId}/${operation.version}`, operation);
    const key = this.key(generation, change.account.accountId);
    const stored = this.accounts.get(key);
    if (base ? stored?.version !== base.version : stored !== undefined) return undefined;
    const next = accountDoc(change.account);
    this.accounts.set(key, next);
    this.applied.push({ generation: generation.number, accountId: next._id, version: next.version });
    return next;
  }

  async applyMany(generation: Generation, writes: readonly AccountWrite[]): Promise<Array<AccountDoc | undefined>> {
    const written: Array<AccountDoc | undefined> = [];
    for (const { base, change } of writes) written.push(await this.apply(generation, base, change));
    return written;
  }

  async applyNew(generation: Generation, changes: readonly AccountChange[]): Promise<void> {
    for (const change of changes) await this.apply(generation, null, change);
  }

  /** Puts an account of stream() at `version` directly (what an earlier pull, or another replica, left). */
  seed(generation: Generation, accountId: string, version: number): void {
    const events = stream(accountId, version);
    const initialBalanceMinor = 10_000n;
    const balanceMinor = initialBalanceMinor + BigInt(Math.max(0, version - 2)) * 100n;
    const status = version >= 2 ? ('ACTIVATED' as const) : ('CREATED' as const);
    const view = {
      accountId,
      owner: null,
      version,
      balanceMinor,
      initialBalanceMinor,
      currency: 'MAD',
      status,
      createdAt: events[0]!.occurredAt,
      updatedAt: events[version - 1]!.occurredAt,
    };
    this.accounts.set(this.key(generation, accountId), accountDoc(view));
  }
}

function setUp(options: { pageSize?: number; retryAttempts?: number; retryMaxMs?: number; applyCommittedEvents?: boolean; cacheAccounts?: number } = {}) {
  const active = { number: 0 } as Generation;
  const commandSide = new FakeCommandSide();
  const writer = new FakeWriter();
  const notified: Array<[string, number]> = [];
  const waiters = { notify: (accountId: string, version: number) => notified.push([accountId, version]) };
  const published: AccountDoc[] = [];
  const metrics = createQueryMetrics(new Registry());
  const projector = new Projector({
    // Only the members the projector uses are faked.
    commandSide: commandSide as unknown as CommandSideClient,
    generations: { active } as unknown as Generations,
    writer,
    waiters: waiters as unknown as VersionWaiters,
    metrics,
    log: createLogger('test', 'silent'),
    pageSize: options.pageSize ?? 500,
    retryAttempts: options.retryAttempts ?? 0,
    retryMaxMs: options.retryMaxMs ?? 5000,
    applyCommittedEvents: options.applyCommittedEvents ?? true,
    cacheAccounts: options.cacheAccounts ?? 100,
    onApplied: (doc) => published.push(doc),
  });
  const counter = async (name: keyof typeof metrics) => ((await metrics[name].get()).values as Array<{ value: number }>).reduce((sum, sample) => sum + sample.value, 0);
  return { active, commandSide, writer, notified, published, metrics, counter, projector };
}

describe('Projector', () => {
  it('given a new account with five events, when notified of version 5, then applies them page by page in version order and wakes the waiters', async () => {
    const { active, commandSide, writer, notified, published, projector } = setUp({ pageSize: 2 });
    commandSide.streams.set(ID, stream(ID, 5));

    await projector.request(ID, 5);

    expect(commandSide.calls.map((call) => call.fromVersion)).toEqual([1, 3, 5]);
    expect(writer.applied).toEqual([
      { generation: 0, accountId: ID, version: 2 },
      { generation: 0, accountId: ID, version: 4 },
      { generation: 0, accountId: ID, version: 5 },
    ]);
    expect(await writer.read(active, ID)).toMatchObject({ version: 5, balance: '103.00', status: 'ACTIVATED', currency: 'MAD' });
    expect([...writer.operations.values()].map((operation) => operation.version)).toEqual([3, 4, 5]);
    expect(notified).toEqual([
      [ID, 2],
      [ID, 4],
      [ID, 5],
    ]);
    expect(published.map((doc) => doc.version)).toEqual([2, 4, 5]);
    expect(projector.lastApplied).toMatchObject({ occurredAt: stream(ID, 5)[4]!.occurredAt });
  });

  it.each([3, 4])('given the read model at version 4, when a notification for version %i arrives (a duplicate), then nothing is pulled or written', async (announced) => {
    const { active, commandSide, writer, notified, counter, projector } = setUp();
    commandSide.streams.set(ID, stream(ID, 4));
    writer.seed(active, ID, 4);

    await projector.request(ID, announced);

    expect(commandSide.calls).toEqual([]);
    expect(writer.applied).toEqual([]);
    expect(notified).toEqual([]);
    expect(await counter('duplicatesIgnored')).toBe(1);
  });

  it('given the read model at version 2 and the store at 5, when notified of version 5 (3 and 4 were never announced), then pulls from version 3', async () => {
    const { active, commandSide, writer, notified, projector } = setUp();
    commandSide.streams.set(ID, stream(ID, 5));
    writer.seed(active, ID, 2);

    await projector.request(ID, 5);

    expect(commandSide.calls).toEqual([{ accountId: ID, fromVersion: 3, limit: 500, at: expect.any(Number) }]);
    expect(await writer.read(active, ID)).toMatchObject({ version: 5, balance: '103.00' });
    expect(notified).toEqual([[ID, 5]]);
  });

  it('given another writer moves the account between the read and the write, then the write is refused and the pull reads again from where that writer left it', async () => {
    const { active, commandSide, writer, counter, projector } = setUp();
    commandSide.streams.set(ID, stream(ID, 5));
    writer.seed(active, ID, 2);
    writer.beforeApply = () => writer.seed(active, ID, 4);

    await projector.request(ID, 5);

    expect(commandSide.calls.map((call) => call.fromVersion)).toEqual([3, 5]);
    expect(await counter('races')).toBe(1);
    expect(await writer.read(active, ID)).toMatchObject({ version: 5, balance: '103.00' });
  });

  it('given an account the command side does not know, then nothing is written and the request resolves', async () => {
    const { commandSide, writer, notified, projector } = setUp();

    await projector.request(OTHER, 1);

    expect(commandSide.calls).toHaveLength(1);
    expect(writer.applied).toEqual([]);
    expect(notified).toEqual([]);
  });

  it('given a rebuild target, when pulled for it, then writes into that generation and wakes no one (its readers are not switched to it yet)', async () => {
    const { commandSide, writer, notified, published, projector } = setUp();
    commandSide.streams.set(ID, stream(ID, 3));
    const target = { number: 7 } as Generation;

    const result = await projector.pull(target, ID, undefined, 'rebuild');

    expect(result).toEqual({ outcome: 'applied', applied: 3 });
    expect(writer.applied).toEqual([{ generation: 7, accountId: ID, version: 3 }]);
    expect(notified).toEqual([]);
    expect(published).toEqual([]);
  });

  it('given many requests for one account at once, then they share at most two pulls, never two at the same time', async () => {
    const { active, commandSide, writer, counter, projector } = setUp();
    commandSide.streams.set(ID, stream(ID, 6));
    let open!: () => void;
    commandSide.gate = new Promise<void>((resolve) => (open = resolve));

    const requests = [2, 3, 2, 5, 6, 4].map((version) => projector.request(ID, version));
    expect(projector.pending).toBe(1);
    open();
    await Promise.all(requests);

    // The running pull (for 2) reads the whole stream; the one queued behind it (for 6, the
    // highest asked) finds version 6 applied and stops before any remote call.
    expect(commandSide.calls).toHaveLength(1);
    expect(await counter('duplicatesIgnored')).toBe(1);
    expect(commandSide.maxRunning).toBe(1);
    expect(await writer.read(active, ID)).toMatchObject({ version: 6 });
    expect(projector.pending).toBe(0);
  });

  describe('the events a notification carries, and what the projector remembers', () => {
    /** The event store at `storeVersion`, the read model at `heldVersion`. */
    const givenAccount = (storeVersion: number, heldVersion: number, options: Parameters<typeof setUp>[0] = {}) => {
      const env = setUp(options);
      env.commandSide.streams.set(ID, stream(ID, storeVersion));
      env.writer.seed(env.active, ID, heldVersion);
      return env;
    };
    /** Commit `version`'s event, as its direct publish carries it. */
    const carried = (version: number) => stream(ID, version).slice(version - 1);

    it('given the read model at version 3, when the direct publish of commit 4 carries its event, then it is applied without a pull', async () => {
      const { active, commandSide, writer, notified, counter, projector } = givenAccount(4, 3);

      await projector.request(ID, 4, carried(4));

      expect(commandSide.calls).toEqual([]);
      expect(await writer.read(active, ID)).toMatchObject({ version: 4, balance: '102.00' });
      expect(notified).toEqual([[ID, 4]]);
      expect(await counter('committedApplied')).toBe(1);
    });

    it('given commit 4 applied from its notification, when the outbox repeats the notification, then neither the read store nor the command side is asked', async () => {
      const { commandSide, writer, counter, projector } = givenAccount(4, 3);
      await projector.request(ID, 4, carried(4));
      const readsBefore = writer.reads;

      await projector.request(ID, 4);

      expect(writer.reads).toBe(readsBefore);
      expect(commandSide.calls).toEqual([]);
      expect(await counter('duplicatesIgnored')).toBe(1);
    });

    it('given the read model at version 2, when the carried events start at version 4 (a gap), then the missing ones are pulled from the store', async () => {
      const { active, commandSide, writer, counter, projector } = givenAccount(4, 2);

      await projector.request(ID, 4, carried(4));

      expect(commandSide.calls.map((call) => call.fromVersion)).toEqual([3]);
      expect(await writer.read(active, ID)).toMatchObject({ version: 4, balance: '102.00' });
      expect(await counter('committedApplied')).toBe(0);
    });

    it('given carried events that cannot be projected (another currency), then they are not trusted and the store is pulled', async () => {
      const { active, commandSide, writer, projector } = givenAccount(4, 3);
      const forged = { ...stream(ID, 4)[3]!, data: { amount: '1000.00', currency: 'EUR' } } as PulledEvent;

      await projector.request(ID, 4, [forged]);

      expect(commandSide.calls.map((call) => call.fromVersion)).toEqual([4]);
      expect(await writer.read(active, ID)).toMatchObject({ version: 4, balance: '102.00' });
    });

    it('given APPLY_COMMITTED_EVENTS off, then carried events are ignored and every commit is pulled', async () => {
      const { commandSide, projector } = givenAccount(4, 3, { applyCommittedEvents: false });

      await projector.request(ID, 4, carried(4));

      expect(commandSide.calls.map((call) => call.fromVersion)).toEqual([4]);
    });

    it('given the remembered document is behind (another replica applied 5), when commit 6 arrives with its event, then the store is read and the event applied without a pull', async () => {
      const { active, commandSide, writer, counter, projector } = givenAccount(6, 3);
      await projector.request(ID, 4, carried(4));
      writer.seed(active, ID, 5);

      await projector.request(ID, 6, carried(6));

      expect(commandSide.calls).toEqual([]);
      expect(await counter('races')).toBe(0);
      expect(await writer.read(active, ID)).toMatchObject({ version: 6, balance: '104.00' });
    });

    it('given another replica applied the same commit first, then the write is refused, the remembered document forgotten, and the store decides', async () => {
      const { active, commandSide, writer, counter, projector } = givenAccount(5, 3);
      await projector.request(ID, 4, carried(4));
      writer.seed(active, ID, 5);

      await projector.request(ID, 5, carried(5));

      expect(await counter('races')).toBe(1);
      expect(commandSide.calls.map((call) => call.fromVersion)).toEqual([6]);
      expect(await writer.read(active, ID)).toMatchObject({ version: 5, balance: '103.00' });
      const readsBefore = writer.reads;
      await projector.request(ID, 5);
      expect(writer.reads).toBe(readsBefore);
    });

    it('given a sweep finds the read model behind what this process remembers (a restored read store), then catchUp reads the store again and heals it', async () => {
      const { active, writer, projector } = givenAccount(4, 3);
      await projector.request(ID, 4, carried(4));
      writer.seed(active, ID, 2); // restored from an older backup

      await projector.request(ID, 4);
      expect(await writer.read(active, ID)).toMatchObject({ version: 2 });
      await projector.catchUp(ID, 4);

      expect(await writer.read(active, ID)).toMatchObject({ version: 4, balance: '102.00' });
    });

    it('given a cache of one account, when a second account is applied, then the first is read from the store again', async () => {
      const { active, commandSide, writer, projector } = setUp({ cacheAccounts: 1 });
      commandSide.streams.set(ID, stream(ID, 3));
      commandSide.streams.set(OTHER, stream(OTHER, 3));
      await projector.request(ID, 3);
      await projector.request(OTHER, 3);
      const readsBefore = writer.reads;

      await projector.request(ID, 3);

      expect(writer.reads).toBe(readsBefore + 1);
      expect(await writer.read(active, ID)).toMatchObject({ version: 3 });
    });
  });

  describe('in-process retries of a failed pull', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('given the command side fails twice, then the request rejects with PullError and the pull is retried after 250 and 500 ms until it succeeds', async () => {
      const { active, commandSide, writer, notified, projector } = setUp({ retryAttempts: 5 });
      commandSide.streams.set(ID, stream(ID, 3));
      commandSide.failures.push(new PullError('down'), new PullError('still down'));

      await expect(projector.request(ID, 3)).rejects.toThrow(PullError);
      expect(commandSide.calls).toHaveLength(1);

      await jest.advanceTimersByTimeAsync(249);
      expect(commandSide.calls).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(commandSide.calls).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(499);
      expect(commandSide.calls).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(1);
      expect(commandSide.calls).toHaveLength(3);

      expect(await writer.read(active, ID)).toMatchObject({ version: 3 });
      expect(notified).toEqual([[ID, 3]]);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(commandSide.calls).toHaveLength(3);
    });

    it('given the command side stays down, then it is retried PULL_RETRY_ATTEMPTS times, pauses doubling up to the cap, and then left to the next notification', async () => {
      const { commandSide, writer, projector } = setUp({ retryAttempts: 4, retryMaxMs: 600 });
      commandSide.streams.set(ID, stream(ID, 3));
      for (let attempt = 0; attempt < 10; attempt++) commandSide.failures.push(new PullError('down'));
      const started = Date.now();

      await expect(projector.request(ID, 3)).rejects.toThrow(PullError);
      await jest.advanceTimersByTimeAsync(60_000);

      // The request, then 4 retries, 250, 500, 600 (capped) and 600 ms apart.
      expect(commandSide.calls.map((call) => call.at - started)).toEqual([0, 250, 750, 1350, 1950]);
      expect(writer.applied).toEqual([]);
    });

    it('given a newer notification while a retry is pending, then the retry pulls up to the newer version, and close() cancels what is still pending', async () => {
      const { active, commandSide, writer, projector } = setUp({ retryAttempts: 3 });
      commandSide.streams.set(ID, stream(ID, 5));
      commandSide.failures.push(new PullError('down'), new PullError('down'));

      await expect(projector.request(ID, 3)).rejects.toThrow(PullError);
      await expect(projector.request(ID, 5)).rejects.toThrow(PullError);
      expect(commandSide.calls).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(250);
      expect(commandSide.calls).toHaveLength(3);
      expect(await writer.read(active, ID)).toMatchObject({ version: 5 });

      commandSide.streams.set(OTHER, stream(OTHER, 1));
      commandSide.failures.push(new PullError('down'));
      await expect(projector.request(OTHER, 1)).rejects.toThrow(PullError);
      projector.close();
      await jest.advanceTimersByTimeAsync(60_000);
      expect(commandSide.calls).toHaveLength(4);
    });
  });
});
