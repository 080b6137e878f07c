// Load -> decide -> append -> notify, for one command on one account stream.
import {
  ACCOUNT_EVENTS_TOPIC,
  EVENT_SCHEMA_VERSION,
  Problem,
  PUBSUB_NAME,
  type AccountEvent,
  type Logger,
  type Sidecar,
  type StreamNotification,
} from '@bank/shared';
import { decide, fold, fromSnapshot, toSnapshot, type AccountCommand, type AccountSnapshot } from '../domain/index.js';
import { ConcurrencyError, streamExists, type StreamStore } from '../eventstore/stream-store.js';
import { KeyedMutex } from '../eventstore/keyed-mutex.js';
import type { StreamIndex } from '../eventstore/stream-index.js';
import type { CommandMetrics } from '../http/metrics.js';

export type AccountStore = StreamStore<AccountEvent, AccountSnapshot>;

export const streamIdOf = (accountId: string): string => `account-${accountId}`;

export interface CommandResult {
  status: number;
  body: { accountId: string; version: number };
  replayed: boolean;
}

export interface HandlerDeps {
  store: AccountStore;
  index: StreamIndex;
  sidecar: Sidecar;
  log: Logger;
  metrics: CommandMetrics;
  clock?: () => Date;
  newId?: () => string;
  /** Test-only failpoint: die right after a commit, before the direct publish. */
  failpoint?: string | undefined;
  maxAttempts?: number;
}

export interface CommandRequest {
  command: AccountCommand;
  idempotency?: { key: string; fingerprint: string } | undefined;
  /** If-Match: the stream must be at exactly this version. */
  expectedVersion?: number | undefined;
  successStatus: number;
}

export class CommandHandler {
  private readonly mutex = new KeyedMutex();
  private readonly clock: () => Date;
  private readonly newId: () => string;

  constructor(private readonly deps: HandlerDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.newId = deps.newId ?? (() => crypto.randomUUID());
  }

  handle(req: CommandRequest): Promise<CommandResult> {
    const { accountId } = req.command;
    return this.mutex.run(accountId, () => this.attempt(req));
  }

  private async attempt(req: CommandRequest): Promise<CommandResult> {
    const { store, index, metrics } = this.deps;
    const { command } = req;
    const streamId = streamIdOf(command.accountId);
    const maxAttempts = this.deps.maxAttempts ?? 10;
    for (let attempt = 1; ; attempt++) {
      const loaded = await store.load(streamId);
      const state = fromSnapshot(loaded.head?.snapshot);

      if (req.idempotency) {
        const seen = loaded.head?.idempotency.find((r) => r.key === req.idempotency!.key);
        if (seen) {
          if (seen.fingerprint !== req.idempotency.fingerprint) {
            throw new Problem('idempotency-key-reused', 'this Idempotency-Key was used for a different request');
          }
          return { ...(seen.response as Omit<CommandResult, 'replayed'>), replayed: true };
        }
      }
      if (req.expectedVersion !== undefined && state.version !== req.expectedVersion) {
        throw new Problem('precondition-failed', `account is at version ${state.version}, not ${req.expectedVersion}`, { currentVersion: state.version });
      }

      const decision = decide(command, state);
      if (!decision.ok) throw new Problem(decision.error.code, decision.error.detail, decision.error.extensions);

      if (!streamExists(loaded)) await index.register(streamId);

      const occurredAt = this.clock().toISOString();
      const events = decision.events.map(
        (e, i) =>
          ({
            eventId: this.newId(),
            accountId: command.accountId,
            type: e.type,
            version: state.version + 1 + i,
            occurredAt,
            schemaVersion: EVENT_SCHEMA_VERSION,
            data: e.data,
          }) as AccountEvent,
      );
      const next = fold(events, state);
      const result = { status: req.successStatus, body: { accountId: command.accountId, version: next.version } };
      const notification: StreamNotification = { accountId: command.accountId, version: next.version, events };
      try {
        await store.append(loaded, events, {
          snapshot: toSnapshot(next),
          idempotency: req.idempotency ? { ...req.idempotency, response: result } : undefined,
          outboxMessage: notification,
        });
      } catch (err) {
        if (err instanceof ConcurrencyError && attempt < maxAttempts) {
          metrics.conflicts.inc();
          await new Promise((r) => setTimeout(r, Math.random() * 3 * attempt));
          continue;
        }
        if (err instanceof ConcurrencyError) throw new Problem('concurrency-conflict', 'the account is being changed concurrently; retry');
        throw err;
      }
      if (attempt > 1) metrics.retries.inc(attempt - 1);
      if (this.deps.failpoint === 'crash-after-commit') process.kill(process.pid, 'SIGKILL');
      this.publish(notification);
      return { ...result, replayed: false };
    }
  }

  /**
   * The direct publish keeps projection latency low; it is not what guarantees delivery (the
   * outbox does, and the read side pulls from the store), so it never fails the command.
   */
  private publish(n: StreamNotification): void {
    const { sidecar, log, metrics } = this.deps;
    const send = async (attempt: number): Promise<void> => {
      try {
        await sidecar.publish(PUBSUB_NAME, ACCOUNT_EVENTS_TOPIC, n, { partitionKey: n.accountId });
        metrics.published.inc();
      } catch (err) {
        if (attempt >= 5) {
          metrics.publishFailures.inc();
          log.warn({ err, accountId: n.accountId, version: n.version }, 'notification not published; the outbox or the next commit will announce it');
          return;
        }
        setTimeout(() => void send(attempt + 1), 100 * 2 ** attempt).unref();
      }
    };
    void send(1);
  }
}
