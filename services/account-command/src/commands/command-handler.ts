// Load -> decide -> append -> notify, for one command on one stream, whatever the aggregate: the
// handler is given a decider, the stream a command goes to, and how its events are stored and
// announced. It knows nothing of HTTP: it answers with the version the stream reached (or, for a
// repeated request, the one the first one reached) or with a typed refusal; http/ turns these
// into status codes and problems.
import type { EventMetadata } from '@bank/contracts';
import { Failpoints, retry, type Logger, type RetryRuntime } from '@bank/platform';
import type { Decider } from '../domain/index.js';
import { ConcurrencyError, streamExists, type IdempotencyRecord, type StoredEvent, type StreamStore } from '../eventstore/stream-store.js';
import { KeyedMutex } from '../eventstore/keyed-mutex.js';

/** The part of the stream store the handler uses. */
export type EventStreams<Event extends StoredEvent, Snapshot> = Pick<StreamStore<Event, Snapshot>, 'load' | 'append' | 'read'>;

/** Where a new stream is listed before its first commit (the stream index). */
export interface StreamRegistry {
  register(streamId: string): Promise<void>;
}

/** Sends a commit's notification on the bus (the handler retries it and never waits for it). */
export interface NotificationPublisher<Message> {
  publish(message: Message): Promise<void>;
}

/** The counters the handler keeps (CommandMetrics has them). */
export interface HandlerMetrics {
  conflicts: { inc(): void };
  retries: { inc(value?: number): void };
  published: { inc(): void };
  publishFailures: { inc(): void };
}

/** One kind of stream: its aggregate, where a command goes, how its events are stored and announced. */
export interface StreamKind<Command, NewEvent, Event extends StoredEvent, State extends { version: number }, Snapshot, DomainRefusal, Message> {
  decider: Decider<Command, NewEvent, Event, State, Snapshot, DomainRefusal>;
  streamIdOf(command: Command): string;
  /** A decided event as the store keeps it, given its id, version and time. */
  toStored(decided: NewEvent, envelope: { command: Command; eventId: string; version: number; occurredAt: string; metadata: EventMetadata }): Event;
  /**
   * What the outbox announces for a commit. On Redis a transaction that failed its ETag check
   * still leaves the outbox marker, so this can announce a commit that never happened: it must
   * carry nothing a consumer would apply.
   */
  outboxNotificationOf(command: Command, version: number): Message;
  /** What the direct publish announces, sent only once the commit is confirmed: it may carry the events. */
  committedNotificationOf(command: Command, events: Event[], version: number): Message;
}

export interface CommandRequest<Command, Event = unknown, State = unknown, DomainRefusal = unknown> {
  command: Command;
  idempotency?: { key: string; fingerprint: string } | undefined;
  /** If-Match: the stream must be at exactly this version. */
  expectedVersion?: number | undefined;
  /** Who asked and what caused it, kept in the events' envelopes (none given: nulls). */
  metadata?: EventMetadata | undefined;
  /**
   * Whether the caller may act on this stream at all, decided on the loaded state before anything
   * else is looked at (a remembered key, If-Match, the decider): its refusal, or undefined to go
   * on. A refused caller is answered as if the stream did not exist, and learns nothing of it.
   */
  guard?: ((state: State) => DomainRefusal | undefined) | undefined;
  /**
   * A step of a process, which may be sent again any time later: its first outcome, if there is
   * one, is an event after `afterVersion` that `matches`. Found, the step is answered as a replay
   * with that event, and nothing is written. The search runs on the loaded head, so a racing
   * first attempt either is found or makes this attempt's append fail and run again.
   */
  earlierOutcome?: { afterVersion: number; matches(event: Event): boolean } | undefined;
}

const NO_METADATA: EventMetadata = { correlationId: null, causationId: null, actor: null };

export interface Accepted<Event> {
  accepted: true;
  streamId: string;
  /** The stream's version after the commit (for a replay: after the first request's commit). */
  version: number;
  /** The events this request stored: none for a replay (but the earlier outcome a step found). */
  events: readonly Event[];
  /** The same idempotency key and request were seen before: nothing was written this time. */
  replayed: boolean;
}

export type Refusal<DomainRefusal> =
  | { reason: 'domain'; error: DomainRefusal }
  | { reason: 'idempotency-key-reused'; key: string }
  | { reason: 'precondition-failed'; expectedVersion: number; currentVersion: number }
  | { reason: 'concurrency-conflict'; attempts: number };

export interface Refused<DomainRefusal> {
  accepted: false;
  streamId: string;
  refusal: Refusal<DomainRefusal>;
}

export type CommandOutcome<Event, DomainRefusal> = Accepted<Event> | Refused<DomainRefusal>;

/** What an idempotency record keeps of a commit (opaque to the store): what a repeat answers. */
export interface CommitResult {
  streamId: string;
  version: number;
}

/**
 * The commit result an idempotency record holds. Heads written before the handler stopped
 * storing HTTP answers hold `response: { status, body: { accountId, version } }` instead of
 * `result`, and a deployed store keeps them (the first commit's record for good): both are read.
 * The status is not needed: the route gives it (201 for an open, 200 otherwise, what was stored).
 */
export function commitResultOf(record: IdempotencyRecord, streamId: string): CommitResult {
  if (record.result !== undefined) return record.result as CommitResult;
  const legacyBody = record.response?.body as { version?: unknown } | undefined;
  return { streamId, version: typeof legacyBody?.version === 'number' ? legacyBody.version : record.version };
}

export interface HandlerDeps<Command, NewEvent, Event extends StoredEvent, State extends { version: number }, Snapshot, DomainRefusal, Message> {
  kind: StreamKind<Command, NewEvent, Event, State, Snapshot, DomainRefusal, Message>;
  store: EventStreams<Event, Snapshot>;
  index: StreamRegistry;
  publisher: NotificationPublisher<Message>;
  log: Logger;
  metrics: HandlerMetrics;
  /** Off unless FAILPOINT turns them on (see @bank/platform failpoints). */
  failpoints?: Failpoints;
  clock?: () => Date;
  newId?: () => string;
  /** Attempts on ETag conflicts, the first included (default 10). */
  maxAttempts?: number;
  /** Pauses between retries and their randomness (unit tests give a fake). */
  retryRuntime?: RetryRuntime;
}

/** Pauses that do not keep the process alive: nobody waits for a publish retry. */
const backgroundRuntime: RetryRuntime = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
  random: Math.random,
};

export class CommandHandler<Command, NewEvent, Event extends StoredEvent, State extends { version: number }, Snapshot, DomainRefusal, Message> {
  private readonly mutex = new KeyedMutex();
  private readonly clock: () => Date;
  private readonly newId: () => string;
  private readonly failpoints: Failpoints;

  constructor(private readonly deps: HandlerDeps<Command, NewEvent, Event, State, Snapshot, DomainRefusal, Message>) {
    this.clock = deps.clock ?? (() => new Date());
    this.newId = deps.newId ?? (() => crypto.randomUUID());
    this.failpoints = deps.failpoints ?? Failpoints.none;
  }

  /** Commands on one stream run one after another here; other replicas are ETag conflicts. */
  handle(request: CommandRequest<Command, Event, State, DomainRefusal>): Promise<CommandOutcome<Event, DomainRefusal>> {
    const streamId = this.deps.kind.streamIdOf(request.command);
    return this.mutex.run(streamId, () => this.handleWithRetries(request, streamId));
  }

  private async handleWithRetries(request: CommandRequest<Command, Event, State, DomainRefusal>, streamId: string): Promise<CommandOutcome<Event, DomainRefusal>> {
    const { metrics } = this.deps;
    const attempts = this.deps.maxAttempts ?? 10;
    try {
      return await retry(
        (attempt) => this.attempt(request, streamId, attempt),
        {
          attempts,
          // Short, linear and jittered: the other writer is another replica on the same stream.
          baseMs: 3,
          growth: 'linear',
          retryable: (err) => err instanceof ConcurrencyError,
          onRetry: () => metrics.conflicts.inc(),
        },
        this.deps.retryRuntime,
      );
    } catch (err) {
      if (err instanceof ConcurrencyError) return { accepted: false, streamId, refusal: { reason: 'concurrency-conflict', attempts } };
      throw err;
    }
  }

  /** One load-decide-append; throws ConcurrencyError when another writer committed first. */
  private async attempt(request: CommandRequest<Command, Event, State, DomainRefusal>, streamId: string, attempt: number): Promise<CommandOutcome<Event, DomainRefusal>> {
    const { kind, store, index, metrics } = this.deps;
    const { decider } = kind;
    const { command, idempotency, expectedVersion, earlierOutcome, guard } = request;
    const loaded = await store.load(streamId);
    const state = decider.fromSnapshot(loaded.head?.snapshot);
    const refused = (refusal: Refusal<DomainRefusal>): Refused<DomainRefusal> => ({ accepted: false, streamId, refusal });

    // A caller the guard refuses gets what a stream that does not exist would answer: an If-Match
    // of any version but 0 fails as a precondition (at version 0), anything else is the refusal.
    const forbidden = guard?.(state);
    if (forbidden !== undefined) {
      if (expectedVersion !== undefined && expectedVersion !== 0) return refused({ reason: 'precondition-failed', expectedVersion, currentVersion: 0 });
      return refused({ reason: 'domain', error: forbidden });
    }

    if (idempotency) {
      const seen = loaded.head?.idempotency.find((record) => record.key === idempotency.key);
      if (seen) {
        if (seen.fingerprint !== idempotency.fingerprint) return refused({ reason: 'idempotency-key-reused', key: idempotency.key });
        return { accepted: true, streamId, version: commitResultOf(seen, streamId).version, events: [], replayed: true };
      }
    }
    if (expectedVersion !== undefined && state.version !== expectedVersion) {
      return refused({ reason: 'precondition-failed', expectedVersion, currentVersion: state.version });
    }
    if (earlierOutcome && state.version > earlierOutcome.afterVersion) {
      const found = (await store.read(loaded, earlierOutcome.afterVersion + 1)).find((event) => earlierOutcome.matches(event));
      if (found) return { accepted: true, streamId, version: found.version, events: [found], replayed: true };
    }

    const decision = decider.decide(command, state);
    if (!decision.ok) return refused({ reason: 'domain', error: decision.error });
    // Nothing to change (a step already taken): answered like a replay, nothing written.
    if (decision.events.length === 0) return { accepted: true, streamId, version: state.version, events: [], replayed: true };

    if (!streamExists(loaded)) await index.register(streamId);

    const occurredAt = this.clock().toISOString();
    const metadata = request.metadata ?? NO_METADATA;
    const events = decision.events.map((decided, i) => kind.toStored(decided, { command, eventId: this.newId(), version: state.version + 1 + i, occurredAt, metadata }));
    const next = events.reduce((folded, event) => decider.evolve(folded, event), state);
    const result: CommitResult = { streamId, version: next.version };
    await store.append(loaded, events, {
      snapshot: decider.toSnapshot(next),
      idempotency: idempotency ? { ...idempotency, result } : undefined,
      outboxMessage: kind.outboxNotificationOf(command, next.version),
    });
    if (attempt > 1) metrics.retries.inc(attempt - 1);
    // Committed, not yet announced: the outbox (and the read side's pulls) must cover this gap.
    this.failpoints.reach('crash-after-commit');
    this.publish(kind.committedNotificationOf(command, events, next.version), result);
    return { accepted: true, ...result, events, replayed: false };
  }

  /**
   * The direct publish keeps projection latency low; it is not what guarantees delivery (the
   * outbox does, and the read side pulls from the store), so it never fails the command.
   */
  private publish(notification: Message, commit: CommitResult): void {
    const { publisher, log, metrics } = this.deps;
    // Five attempts, 200, 400, 800 then 1600 ms apart.
    void retry(() => publisher.publish(notification), { attempts: 5, baseMs: 200, growth: 'exponential', jitter: 'none' }, this.deps.retryRuntime ?? backgroundRuntime).then(
      () => metrics.published.inc(),
      (err: unknown) => {
        metrics.publishFailures.inc();
        log.warn({ err, ...commit }, 'notification not published; the outbox or the next commit will announce it');
      },
    );
  }
}
