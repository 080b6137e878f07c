// Notification + pull: a notification says "account X reached version V"; the projector reads
// the commits it has not applied yet from the event store and applies them in version order,
// through the read-model writer (readmodel/writer.ts), which makes every write safe to repeat: a
// duplicate or late notification, or a replica racing this one, changes nothing twice.
// Two shortcuts, each falling back to the pull: the command service's direct publish carries the
// commit's events, applied as they are when they follow the version held; and what this process
// last wrote of an account (applied-accounts.ts) is the base of its next change and answers the
// outbox's repeat of a notification without a round trip.
import { pauseMs, type Logger, type RetryPolicy } from '@bank/platform';
import type { PageEvent } from '@bank/contracts';
import type { QueryMetrics } from '../metrics.js';
import { accountView, type AccountDoc } from '../readmodel/documents.js';
import type { Generation, Generations } from '../readmodel/generations.js';
import type { ReadModelWriter } from '../readmodel/writer.js';
import { AppliedAccounts } from './applied-accounts.js';
import { KeyedCoalescer } from './coalescer.js';
import { PullError, type CommandSideClient } from './command-side-client.js';
import { project, ProjectionError } from './project.js';
import type { VersionWaiters } from './waiters.js';

export type PullOutcome = 'applied' | 'up-to-date' | 'empty' | 'unknown-account';

/**
 * Where a pull writes: the active generation (what queries read, what notifications and live
 * updates follow) or the generation a rebuild is filling, not switched to yet.
 */
export type PullTarget = 'active' | 'rebuild';

/** The `mode` label of projection_events_applied_total: "live" is the name dashboards already read. */
const MODE_LABEL: Record<PullTarget, string> = { active: 'live', rebuild: 'rebuild' };

/** Rounds of one pull before it gives up: each round applies a page or loses a race. */
const MAX_ROUNDS = 1000;

/** The first pause before an in-process retry of a failed pull; it doubles up to retryMaxMs. */
const RETRY_BASE_MS = 250;

export interface ProjectorDeps {
  commandSide: CommandSideClient;
  generations: Generations;
  writer: ReadModelWriter;
  waiters: VersionWaiters;
  metrics: QueryMetrics;
  log: Logger;
  pageSize: number;
  /** In-process retries of a failed pull, and the cap of the backoff between them. */
  retryAttempts: number;
  retryMaxMs: number;
  /** Apply the events a notification carries when they follow the version held (else always pull). */
  applyCommittedEvents: boolean;
  /** Accounts whose last written document is remembered (0: none). */
  cacheAccounts: number;
  /** Called after each successful apply to the active generation with the account's new read model (live updates). */
  onApplied?: (account: AccountDoc) => void;
}

interface PendingRetry {
  /** The highest version announced for the account since its pull failed. */
  announced: number;
  /** Attempts that failed so far, the request that first failed included. */
  failed: number;
  timer: NodeJS.Timeout | undefined;
}

export class Projector {
  private readonly coalescer: KeyedCoalescer<PageEvent[]>;
  private readonly applied: AppliedAccounts;
  /** Pulls running against each generation, so a switch can wait for the old one to go quiet. */
  private readonly inFlight = new Map<number, Set<Promise<unknown>>>();
  private readonly retries = new Map<string, PendingRetry>();
  /** The failed request, then up to retryAttempts retries; pauses of 250 ms doubling, capped. */
  private readonly retryPolicy: RetryPolicy;
  lastApplied: { at: string; occurredAt: string; lagSeconds: number } | undefined;

  constructor(private readonly deps: ProjectorDeps) {
    this.coalescer = new KeyedCoalescer((accountId, announced, committedEvents) => this.pullActive(accountId, announced, committedEvents));
    this.applied = new AppliedAccounts(deps.cacheAccounts);
    this.retryPolicy = { attempts: deps.retryAttempts + 1, baseMs: RETRY_BASE_MS, maxMs: deps.retryMaxMs, jitter: 'none' };
  }

  /**
   * Brings one account up to at least `announced` (if the store has it) in the active generation.
   * `committedEvents`: the commit's events, as the command service's direct publish carries them.
   * Rejects with PullError when the event store cannot be read (the broker should retry).
   */
  request(accountId: string, announced: number, committedEvents?: PageEvent[]): Promise<void> {
    const pulled = this.coalescer.request(accountId, announced, this.deps.applyCommittedEvents ? committedEvents : undefined);
    this.deps.metrics.pullsInFlight.set(this.coalescer.size);
    pulled.catch((err: unknown) => {
      if (err instanceof PullError) this.retryLater(accountId, announced);
    });
    return pulled;
  }

  /**
   * A sweep found the read model behind the event store: what this process remembers of the
   * account is not trusted (say, the read store was restored from a backup), the store is read.
   */
  catchUp(accountId: string, storeVersion: number): Promise<void> {
    this.applied.forget(accountId);
    return this.request(accountId, storeVersion);
  }

  /**
   * The broker redelivers a RETRY only after its own timeout (Redis streams: processingTimeout,
   * 15 s here, and in practice sometimes much later), so a failed pull is also retried in
   * process, with backoff, until it succeeds or the attempts run out. Recovery after the command
   * service comes back then costs seconds, whatever the broker does.
   */
  private retryLater(accountId: string, announced: number): void {
    if (this.deps.retryAttempts === 0) return;
    const pending = this.retries.get(accountId);
    if (pending) {
      pending.announced = Math.max(pending.announced, announced);
      return;
    }
    const entry: PendingRetry = { announced, failed: 1, timer: undefined };
    this.retries.set(accountId, entry);
    const schedule = () => {
      entry.timer = setTimeout(fire, pauseMs(this.retryPolicy, entry.failed));
      entry.timer.unref();
    };
    const fire = () => {
      this.coalescer.request(accountId, entry.announced).then(
        () => this.retries.delete(accountId),
        () => {
          entry.failed++;
          if (entry.failed >= this.retryPolicy.attempts) {
            this.retries.delete(accountId);
            this.deps.log.warn({ accountId, attempts: entry.failed - 1 }, 'pull retries exhausted; the next notification will heal the account');
            return;
          }
          schedule();
        },
      );
    };
    schedule();
  }

  /** Stops pending in-process retries (shutdown). */
  close(): void {
    for (const pending of this.retries.values()) clearTimeout(pending.timer);
    this.retries.clear();
  }

  /** What this process last wrote or read of the account in the active generation (a lower bound of the store). */
  remembered(accountId: string): AccountDoc | undefined {
    return this.applied.get(this.deps.generations.active.number, accountId);
  }

  get pending(): number {
    return this.coalescer.size;
  }

  /** Resolves once no pull that started against generation `number` is still running. */
  async drain(number: number): Promise<void> {
    for (;;) {
      const running = this.inFlight.get(number);
      if (!running || running.size === 0) return;
      await Promise.allSettled([...running]);
    }
  }

  private async pullActive(accountId: string, announced: number, committedEvents: PageEvent[] | undefined): Promise<void> {
    const generation = this.deps.generations.active;
    let running = this.inFlight.get(generation.number);
    if (!running) this.inFlight.set(generation.number, (running = new Set()));
    const pulled = this.pull(generation, accountId, announced, 'active', committedEvents);
    running.add(pulled);
    try {
      await pulled;
    } finally {
      running.delete(pulled);
      if (running.size === 0) this.inFlight.delete(generation.number);
      this.deps.metrics.pullsInFlight.set(this.coalescer.size);
    }
  }

  /**
   * Applies every commit of the account after the version `generation` holds. `announced` lets a
   * duplicate or late notification stop before any remote call; `committedEvents` (the commit's
   * own events, from its notification) are applied without a pull when they follow that version.
   */
  async pull(
    generation: Generation,
    accountId: string,
    announced: number | undefined,
    target: PullTarget,
    committedEvents?: PageEvent[],
  ): Promise<{ outcome: PullOutcome; applied: number }> {
    const { metrics, writer } = this.deps;
    const remembered = target === 'active';
    let outcome: PullOutcome = 'empty';
    let total = 0;
    let carried = committedEvents;
    // Each round either applies a page or stops; a lost race costs one more round.
    for (let round = 0; round < MAX_ROUNDS; round++) {
      // The remembered document only in the first round: after a lost race the store decides. So
      // it does when carried events do not follow the remembered version: another replica may
      // have applied the ones between.
      let doc: AccountDoc | null | undefined = round === 0 && remembered ? this.applied.get(generation.number, accountId) : undefined;
      if (doc && carried && carried[0]!.version > doc.version + 1) doc = undefined;
      if (!doc) {
        doc = await writer.read(generation, accountId);
        if (doc && remembered) this.applied.set(generation.number, doc);
      }
      const applied = doc?.version ?? 0;
      if (round === 0 && announced !== undefined && applied >= announced) {
        metrics.duplicatesIgnored.inc();
        return { outcome: 'up-to-date', applied: 0 };
      }
      const useCarried = carried !== undefined && carried[0]!.version === applied + 1;
      carried = undefined;
      let events: readonly PageEvent[];
      let storeVersion: number;
      if (useCarried) {
        events = committedEvents!;
        storeVersion = events[events.length - 1]!.version;
      } else {
        const page = await this.deps.commandSide.events(accountId, applied + 1, this.deps.pageSize).catch((err: unknown) => {
          metrics.pulls.inc({ outcome: 'failed' });
          throw err;
        });
        if (!page) {
          metrics.pulls.inc({ outcome: 'unknown-account' });
          return { outcome: 'unknown-account', applied: 0 };
        }
        if (page.events.length === 0) {
          // Nothing after what we hold: a duplicate that raced us, or a phantom/future version.
          metrics.pulls.inc({ outcome: outcome === 'applied' ? 'applied' : 'empty' });
          return { outcome, applied: total };
        }
        events = page.events;
        storeVersion = page.version;
      }
      let projected;
      try {
        projected = project(accountId, doc ? accountView(doc) : undefined, events);
      } catch (err) {
        // Carried events that do not project are not trusted further: the store is asked.
        if (useCarried && err instanceof ProjectionError) continue;
        if (err instanceof ProjectionError) metrics.pulls.inc({ outcome: 'data-error' });
        throw err;
      }
      const next = await writer.apply(generation, doc, projected);
      if (!next) {
        metrics.races.inc();
        this.applied.forget(accountId);
        continue;
      }
      if (remembered) this.applied.set(generation.number, next);
      outcome = 'applied';
      const count = projected.account.version - applied;
      total += count;
      metrics.eventsApplied.inc({ mode: MODE_LABEL[target] }, count);
      if (projected.skipped) metrics.unknownEvents.inc(projected.skipped);
      if (target === 'active') this.appliedToActive(accountId, events, next);
      if (projected.account.version >= storeVersion) {
        if (useCarried) metrics.committedApplied.inc();
        else metrics.pulls.inc({ outcome: 'applied' });
        return { outcome, applied: total };
      }
    }
    throw new PullError(`account ${accountId}: gave up after ${MAX_ROUNDS} rounds`);
  }

  /** After an apply to the active generation: lag, the waiters of read-your-writes, live updates. */
  private appliedToActive(accountId: string, events: ReadonlyArray<{ occurredAt: string }>, next: AccountDoc): void {
    const { metrics } = this.deps;
    const now = Date.now();
    for (const event of events) metrics.lag.observe(Math.max(0, now - Date.parse(event.occurredAt)) / 1000);
    const last = events[events.length - 1]!;
    this.lastApplied = { at: new Date(now).toISOString(), occurredAt: last.occurredAt, lagSeconds: (now - Date.parse(last.occurredAt)) / 1000 };
    this.deps.waiters.notify(accountId, next.version);
    try {
      this.deps.onApplied?.(next);
    } catch (err) {
      this.deps.log.warn({ err, accountId }, 'live update hook failed');
    }
  }
}
