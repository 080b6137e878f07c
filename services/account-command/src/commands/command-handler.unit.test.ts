// The command handler against fakes: an in-memory event store with ETags, a stream index and a
// publisher that record what they are given, and retry pauses that return at once. The account
// decider is the real one. Given a stream / when a command / then the outcome and what was written.
import { createLogger, Failpoints, type RetryRuntime } from '@bank/platform';
import { type AccountEvent, type StreamNotification } from '@bank/contracts';
import type { AccountCommand } from '../domain/index.js';
import { fold, toSnapshot } from '../domain/index.js';
import { InMemoryStreams } from '../testing/in-memory-streams.js';
import { accountStreamId, accountStreams, type AccountCommandHandler } from './account-commands.js';
import { CommandHandler, type HandlerMetrics, type NotificationPublisher, type StreamRegistry } from './command-handler.js';

const ACCOUNT = '3f8a1c52-6a0e-4d7b-9f11-2b7c4e9d0a13';
const STREAM = accountStreamId(ACCOUNT);
const NOW = new Date('2026-03-01T10:00:00.000Z');

class FakeIndex implements StreamRegistry {
  readonly registered: string[] = [];
  async register(streamId: string): Promise<void> {
    this.registered.push(streamId);
  }
}

/** Fails its first `failures` publishes (Infinity: all of them). */
class FakePublisher implements NotificationPublisher<StreamNotification> {
  readonly attempts: StreamNotification[] = [];
  constructor(private failures = 0) {}
  async publish(message: StreamNotification): Promise<void> {
    this.attempts.push(message);
    if (this.failures > 0) {
      this.failures--;
      throw new Error('broker down');
    }
  }
}

function counter() {
  return {
    value: 0,
    inc(by = 1) {
      this.value += by;
    },
  };
}

interface World {
  handler: AccountCommandHandler;
  streams: InMemoryStreams;
  index: FakeIndex;
  publisher: FakePublisher;
  metrics: HandlerMetrics & Record<keyof HandlerMetrics, { value: number }>;
  pauses: number[];
  warnings: unknown[];
}

function world(setup: { publisher?: FakePublisher; failpoints?: Failpoints; streams?: InMemoryStreams } = {}): World {
  const streams = setup.streams ?? new InMemoryStreams();
  const index = new FakeIndex();
  const publisher = setup.publisher ?? new FakePublisher();
  const metrics = { conflicts: counter(), retries: counter(), published: counter(), publishFailures: counter() };
  const pauses: number[] = [];
  const retryRuntime: RetryRuntime = { sleep: async (ms) => void pauses.push(ms), random: () => 1 };
  const log = createLogger('command-handler-test', 'silent');
  const warnings: unknown[] = [];
  jest.spyOn(log, 'warn').mockImplementation(((fields: unknown) => void warnings.push(fields)) as typeof log.warn);
  let ids = 0;
  const handler: AccountCommandHandler = new CommandHandler({
    kind: accountStreams,
    store: streams,
    index,
    publisher,
    log,
    metrics,
    clock: () => NOW,
    newId: () => `event-${++ids}`,
    retryRuntime,
    ...(setup.failpoints ? { failpoints: setup.failpoints } : {}),
  });
  return { handler, streams, index, publisher, metrics, pauses, warnings };
}

const open = (initialBalance: string, accountId = ACCOUNT): AccountCommand => ({ type: 'OpenAccount', accountId, initialBalance, currency: 'MAD', owner: null });
const credit = (amount: string): AccountCommand => ({ type: 'CreditAccount', accountId: ACCOUNT, amount, currency: 'MAD' });
const debit = (amount: string): AccountCommand => ({ type: 'DebitAccount', accountId: ACCOUNT, amount, currency: 'MAD' });

/** Lets the background publish (and its immediate retries) run. */
async function settled(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Given an account opened with this balance (through the handler itself). */
async function givenAccount(env: World, balance: string): Promise<void> {
  const outcome = await env.handler.handle({ command: open(balance) });
  expect(outcome).toMatchObject({ accepted: true, version: 2 });
  await settled();
}

/** Given an account, and another replica (same store) that credits before each of our next appends. */
async function givenRacedAccount(balance: string, race: { times: number; credits: string }): Promise<World> {
  const env = world();
  await givenAccount(env, balance);
  const replica = world({ streams: env.streams });
  env.streams.raceNextAppends(race.times, async () => {
    await replica.handler.handle({ command: credit(race.credits) });
  });
  return env;
}

describe('command handler', () => {
  it('accepts a command: numbered, timed events, the new version, a snapshot, the outbox message and a publish', async () => {
    // Given no account
    const env = world();
    // When alice opens it, by request req-1
    const metadata = { correlationId: 'req-1', causationId: 'req-1', actor: 'alice' };
    const outcome = await env.handler.handle({ command: open('100.00'), metadata });
    await settled();
    // Then two events at versions 1 and 2 are stored, with ids, the clock's time and the request's ids
    const created = {
      eventId: 'event-1',
      accountId: ACCOUNT,
      type: 'AccountCreated',
      version: 1,
      occurredAt: NOW.toISOString(),
      schemaVersion: 3,
      ...metadata,
      data: { initialBalance: '100.00', currency: 'MAD', owner: null },
    };
    const activated = { eventId: 'event-2', accountId: ACCOUNT, type: 'AccountActivated', version: 2, occurredAt: NOW.toISOString(), schemaVersion: 3, ...metadata, data: {} };
    expect(outcome).toEqual({ accepted: true, streamId: STREAM, version: 2, events: [created, activated], replayed: false });
    const head = env.streams.head(STREAM)!;
    expect(head.events).toEqual([created, activated]);
    expect(head.snapshot).toEqual(toSnapshot(fold(head.events)));
    expect(head.idempotency).toEqual([]);
    // And the new stream was registered before its first commit, and announced: by the outbox
    // without the events (its copy can announce a commit that never happened), by the direct
    // publish, sent once the commit is confirmed, with them (without their account id)
    const withoutAccountId = ({ accountId: _accountId, ...event }: typeof created | typeof activated) => event;
    expect(env.index.registered).toEqual([STREAM]);
    expect(env.streams.outbox).toEqual([{ accountId: ACCOUNT, version: 2 }]);
    expect(env.publisher.attempts).toEqual([{ accountId: ACCOUNT, version: 2, committedEvents: [withoutAccountId(created), withoutAccountId(activated)] }]);
    expect(env.metrics.published.value).toBe(1);

    // When it is credited
    const credited = await env.handler.handle({ command: credit('25.50') });
    // Then version 3, and the existing stream is not registered again
    expect(credited).toMatchObject({ accepted: true, version: 3, replayed: false, events: [{ type: 'AccountCredited', version: 3, data: { amount: '25.50', currency: 'MAD' } }] });
    expect(env.streams.head(STREAM)!.snapshot).toMatchObject({ balance: '12550', version: 3 });
    expect(env.index.registered).toEqual([STREAM]);
  });

  it('passes a domain refusal through and writes nothing', async () => {
    // Given an account with 10.00
    const env = world();
    await givenAccount(env, '10.00');
    const appends = env.streams.appendCalls;
    // When 20.00 is debited, and an unknown account is credited
    const refused = await env.handler.handle({ command: debit('20.00') });
    const unknown = await env.handler.handle({ command: { ...credit('1.00'), accountId: '00000000-0000-4000-8000-000000000000' } });
    await settled();
    // Then both are refused with the decider's error, nothing is appended, registered or published
    expect(refused).toEqual({
      accepted: false,
      streamId: STREAM,
      refusal: {
        reason: 'domain',
        error: { code: 'insufficient-funds', detail: 'a debit of 20.00 MAD exceeds the balance of 10.00 MAD', extensions: { balance: '10.00', requested: '20.00' } },
      },
    });
    expect(unknown).toMatchObject({ accepted: false, refusal: { reason: 'domain', error: { code: 'account-not-found' } } });
    expect(env.streams.appendCalls).toBe(appends);
    expect(env.index.registered).toEqual([STREAM]);
    expect(env.publisher.attempts).toHaveLength(1);
  });

  it('replays a repeated request (same key, same fingerprint): the stored result, nothing written', async () => {
    // Given an account credited once with an idempotency key
    const env = world();
    await givenAccount(env, '10.00');
    const idempotency = { key: 'order-42', fingerprint: 'fp-credit-5' };
    const first = await env.handler.handle({ command: credit('5.00'), idempotency });
    expect(first).toMatchObject({ accepted: true, version: 3, replayed: false });
    expect(env.streams.head(STREAM)!.idempotency).toEqual([{ key: 'order-42', fingerprint: 'fp-credit-5', result: { streamId: STREAM, version: 3 }, version: 3 }]);
    await env.handler.handle({ command: credit('1.00') });
    await settled();
    const appends = env.streams.appendCalls;
    // When the same request comes again, after the stream moved on
    const again = await env.handler.handle({ command: credit('5.00'), idempotency });
    await settled();
    // Then the first result comes back, marked as a replay, and nothing is written or published
    expect(again).toEqual({ accepted: true, streamId: STREAM, version: 3, events: [], replayed: true });
    expect(env.streams.appendCalls).toBe(appends);
    expect(env.streams.head(STREAM)!.version).toBe(4);
    expect(env.publisher.attempts).toHaveLength(3);
  });

  it('refuses a caller its guard refuses before anything else: no replay of a remembered key, no If-Match answer, nothing written', async () => {
    // Given an account credited once with an idempotency key
    const env = world();
    await givenAccount(env, '10.00');
    const idempotency = { key: 'order-42', fingerprint: 'fp-credit-5' };
    await env.handler.handle({ command: credit('5.00'), idempotency });
    const appends = env.streams.appendCalls;
    const notYours = { code: 'account-not-found' as const, detail: `account ${ACCOUNT} does not exist` };
    // When a caller the guard refuses repeats that request, or names a version
    const replay = await env.handler.handle({ command: credit('5.00'), idempotency, guard: () => notYours });
    const versioned = await env.handler.handle({ command: credit('5.00'), expectedVersion: 3, guard: () => notYours });
    // Then each is answered as for a stream that does not exist (the guard's refusal; a failed
    // precondition at version 0, not the real version), and nothing is written
    expect(replay).toEqual({ accepted: false, streamId: STREAM, refusal: { reason: 'domain', error: notYours } });
    expect(versioned).toEqual({ accepted: false, streamId: STREAM, refusal: { reason: 'precondition-failed', expectedVersion: 3, currentVersion: 0 } });
    expect(env.streams.appendCalls).toBe(appends);
    // And a guard that lets the caller through changes nothing of the rest
    const allowed = await env.handler.handle({ command: credit('1.00'), guard: (state) => (state.status === 'NONE' ? notYours : undefined) });
    expect(allowed).toMatchObject({ accepted: true, version: 4 });
  });

  it('replays from a record written before results were stored (response: {status, body})', async () => {
    // Given a head whose idempotency record holds the old HTTP answer
    const streams = new InMemoryStreams();
    const env = world({ streams });
    await givenAccount(env, '10.00');
    const head = structuredClone(streams.head(STREAM)!);
    head.idempotency = [{ key: 'old-key', fingerprint: 'fp-old', response: { status: 201, body: { accountId: ACCOUNT, version: 2 } }, version: 2, first: true }];
    streams.seed(head);
    // When that request comes again
    const again = await env.handler.handle({ command: open('10.00'), idempotency: { key: 'old-key', fingerprint: 'fp-old' } });
    // Then the version of the old answer comes back as a replay
    expect(again).toEqual({ accepted: true, streamId: STREAM, version: 2, events: [], replayed: true });
  });

  it('refuses a key reused with another request, and writes nothing', async () => {
    // Given a credit made with key k
    const env = world();
    await givenAccount(env, '10.00');
    await env.handler.handle({ command: credit('5.00'), idempotency: { key: 'k', fingerprint: 'fp-credit-5' } });
    const appends = env.streams.appendCalls;
    // When another request (other fingerprint) comes with k
    const reused = await env.handler.handle({ command: debit('5.00'), idempotency: { key: 'k', fingerprint: 'fp-debit-5' } });
    // Then it is refused and nothing is written
    expect(reused).toEqual({ accepted: false, streamId: STREAM, refusal: { reason: 'idempotency-key-reused', key: 'k' } });
    expect(env.streams.appendCalls).toBe(appends);
    expect(env.streams.head(STREAM)!.version).toBe(3);
  });

  it('refuses a command whose expected version (If-Match) is not the current one, and applies it when it is', async () => {
    // Given an account at version 2
    const env = world();
    await givenAccount(env, '10.00');
    const appends = env.streams.appendCalls;
    // When a credit expects version 1
    const stale = await env.handler.handle({ command: credit('1.00'), expectedVersion: 1 });
    // Then it is refused with the current version, nothing written
    expect(stale).toEqual({ accepted: false, streamId: STREAM, refusal: { reason: 'precondition-failed', expectedVersion: 1, currentVersion: 2 } });
    expect(env.streams.appendCalls).toBe(appends);
    // When it expects version 2
    const current = await env.handler.handle({ command: credit('1.00'), expectedVersion: 2 });
    // Then it is applied
    expect(current).toMatchObject({ accepted: true, version: 3 });
  });

  it('retries after a concurrency conflict and decides again on the fresh stream', async () => {
    // Given an account with 10.00, and another replica that credits 5.00 during our first append
    const env = await givenRacedAccount('10.00', { times: 1, credits: '5.00' });
    // When 3.00 is debited
    const outcome = await env.handler.handle({ command: debit('3.00') });
    // Then the second attempt, on the replica's version 3, commits version 4
    expect(outcome).toMatchObject({ accepted: true, version: 4, replayed: false, events: [{ type: 'AccountDebited', version: 4 }] });
    expect(env.streams.head(STREAM)!.events.map((event) => event.type)).toEqual(['AccountCreated', 'AccountActivated', 'AccountCredited', 'AccountDebited']);
    expect(env.streams.head(STREAM)!.snapshot).toMatchObject({ balance: '1200', version: 4 });
    // After one short linear pause, counted as one conflict and one retry
    expect(env.pauses).toEqual([3]);
    expect(env.metrics.conflicts.value).toBe(1);
    expect(env.metrics.retries.value).toBe(1);
  });

  it('gives up after 10 conflicting attempts with a concurrency-conflict refusal, having written nothing of its own', async () => {
    // Given another replica that commits before every one of our appends
    const env = await givenRacedAccount('10.00', { times: 10, credits: '1.00' });
    // When a debit is handled
    const outcome = await env.handler.handle({ command: debit('1.00') });
    // Then it is refused after 10 attempts and 9 linearly growing pauses
    expect(outcome).toEqual({ accepted: false, streamId: STREAM, refusal: { reason: 'concurrency-conflict', attempts: 10 } });
    expect(env.pauses).toEqual([3, 6, 9, 12, 15, 18, 21, 24, 27]);
    expect(env.metrics.conflicts.value).toBe(9);
    expect(env.metrics.retries.value).toBe(0);
    // And the stream holds the replica's ten credits, no debit
    expect(env.streams.head(STREAM)!.events.filter((event) => event.type === 'AccountDebited')).toEqual([]);
    expect(env.streams.head(STREAM)!.version).toBe(12);
  });

  it('throws what is not a conflict (the store is down) without retrying', async () => {
    const env = world();
    await givenAccount(env, '10.00');
    const failure = new Error('store down');
    jest.spyOn(env.streams, 'append').mockRejectedValueOnce(failure);
    await expect(env.handler.handle({ command: credit('1.00') })).rejects.toBe(failure);
    expect(env.pauses).toEqual([]);
  });

  it('never fails a command because the publish fails: five attempts, 200 to 1600 ms apart, then a warning', async () => {
    // Given a broker that refuses every publish
    const env = world({ publisher: new FakePublisher(Infinity) });
    // When an account is opened
    const outcome = await env.handler.handle({ command: open('1.00') });
    await settled();
    // Then the command is accepted and committed with its outbox message
    expect(outcome).toMatchObject({ accepted: true, version: 2 });
    expect(env.streams.head(STREAM)!.version).toBe(2);
    expect(env.streams.outbox).toHaveLength(1);
    // And the publish was tried five times, exponentially spaced, then given up with a warning
    expect(env.publisher.attempts).toHaveLength(5);
    expect(env.pauses).toEqual([200, 400, 800, 1600]);
    expect(env.metrics.publishFailures.value).toBe(1);
    expect(env.metrics.published.value).toBe(0);
    expect(env.warnings).toEqual([expect.objectContaining({ streamId: STREAM, version: 2 })]);
  });

  it('publishes on a later attempt when the broker comes back', async () => {
    const env = world({ publisher: new FakePublisher(2) });
    await env.handler.handle({ command: open('1.00') });
    await settled();
    expect(env.publisher.attempts).toHaveLength(3);
    expect(env.metrics.published.value).toBe(1);
    expect(env.metrics.publishFailures.value).toBe(0);
  });

  it('reaches the crash-after-commit failpoint after the commit and before the publish', async () => {
    // Given the failpoint on, its action replaced by a probe of what was written and published
    const seen: Array<{ version: number | undefined; published: number }> = [];
    const streams = new InMemoryStreams();
    const publisher = new FakePublisher();
    const failpoints = new Failpoints(['crash-after-commit'], {
      'crash-after-commit': () => seen.push({ version: streams.head(STREAM)?.version, published: publisher.attempts.length }),
    });
    const env = world({ failpoints, streams, publisher });
    // When a command commits
    await env.handler.handle({ command: open('1.00') });
    // Then the failpoint was reached once, with the commit stored and nothing published yet
    expect(seen).toEqual([{ version: 2, published: 0 }]);
  });

  describe('a step of a process, sent again however much later', () => {
    const TARGET = '7d0e2b9c-1f4a-4c3e-8a5b-6e9f0c1d2a3b';
    const receive: AccountCommand = {
      type: 'ReceiveTransfer',
      accountId: ACCOUNT,
      transferId: 'transfer-1',
      counterpartyAccountId: TARGET,
      amount: '30.00',
      currency: 'MAD',
      description: null,
    };
    const earlierOutcome = { afterVersion: 2, matches: (event: AccountEvent) => 'transferId' in event.data || (event.data as { transfer?: unknown }).transfer != null };

    it('is answered with its first outcome, found after the version it started at, and writes nothing', async () => {
      // Given an account (version 2) credited by the step, then 30 more commands (beyond any idempotency window)
      const env = world();
      await givenAccount(env, '0.00');
      const first = await env.handler.handle({ command: receive, earlierOutcome });
      expect(first).toMatchObject({ accepted: true, version: 3, replayed: false });
      for (let i = 0; i < 30; i++) await env.handler.handle({ command: credit('1.00') });
      const appends = env.streams.appendCalls;
      // When the same step is sent again
      const again = await env.handler.handle({ command: receive, earlierOutcome });
      // Then it is a replay carrying the first outcome, and nothing is appended
      expect(again).toMatchObject({ accepted: true, version: 3, replayed: true, events: [{ type: 'AccountCredited', version: 3 }] });
      expect(env.streams.appendCalls).toBe(appends);
      expect(env.streams.head(STREAM)!.version).toBe(33);
    });

    it('finds the outcome a racing first attempt committed just before its own append', async () => {
      // Given another replica that takes the same step before our append
      const env = world();
      await givenAccount(env, '0.00');
      const replica = world({ streams: env.streams });
      env.streams.raceNextAppends(1, async () => {
        await replica.handler.handle({ command: receive, earlierOutcome });
      });
      // When we take it
      const outcome = await env.handler.handle({ command: receive, earlierOutcome });
      // Then our append lost, and the retry found the replica's credit: one credit in all
      expect(outcome).toMatchObject({ accepted: true, version: 3, replayed: true });
      expect(env.streams.head(STREAM)!.events.filter((event) => event.type === 'AccountCredited')).toHaveLength(1);
    });

    it('answers a decision with nothing to change as a replay, writing nothing', async () => {
      const env = world();
      await givenAccount(env, '5.00');
      const appends = env.streams.appendCalls;
      const outcome = await env.handler.handle({ command: { type: 'CompleteTransfer', accountId: ACCOUNT, transferId: 'never-sent' } });
      expect(outcome).toEqual({ accepted: true, streamId: STREAM, version: 2, events: [], replayed: true });
      expect(env.streams.appendCalls).toBe(appends);
    });
  });
});
