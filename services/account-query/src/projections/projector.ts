// Notification + pull: a notification only says "account X reached version V"; the projector
// reads the commits it has not applied yet from the event store and applies them in version
// order. Idempotence comes from the data, not from the messages: the account document carries
// its last applied version and is only updated where that version is still the one we read,
// and operations are keyed by (accountId, version) under a unique index.
import type { Logger } from '@bank/shared';
import type { QueryMetrics } from '../metrics.js';
import { accountDoc, accountView, operationDoc, type AccountDoc } from '../readmodel/documents.js';
import type { Generation, Generations } from '../readmodel/generations.js';
import { KeyedCoalescer } from './coalescer.js';
import { PullError, type CommandSideClient } from './command-side-client.js';
import { project, ProjectionError } from './project.js';
import type { VersionWaiters } from './waiters.js';

export type PullOutcome = 'applied' | 'up-to-date' | 'empty' | 'unknown-account';

export interface ProjectorDeps {
  commandSide: CommandSideClient;
  generations: Generations;
  waiters: VersionWaiters;
  metrics: QueryMetrics;
  log: Logger;
  pageSize: number;
  /** In-process retries of a failed pull, and the cap of the backoff between them. */
  retryAttempts: number;
  retryMaxMs: number;
  /** Called after each successful live apply with the account's new read model (live updates). */
  onApplied?: (account: AccountDoc) => void;
}

function isDuplicateKey(e: unknown): boolean {
  const err = e as { code?: number; writeErrors?: Array<{ code?: number }> | { code?: number } };
  if (err.writeErrors) {
    const list = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    return list.length > 0 && list.every((w) => w.code === 11000);
  }
  return err.code === 11000;
}

export class Projector {
  private readonly coalescer: KeyedCoalescer;
  /** Pulls running against each generation, so a switch can wait for the old one to go quiet. */
  private readonly inFlight = new Map<number, Set<Promise<unknown>>>();
  private readonly retries = new Map<string, { announced: number; attempt: number; timer: NodeJS.Timeout | undefined }>();
  lastApplied: { at: string; occurredAt: string; lagSeconds: number } | undefined;

  constructor(private readonly d: ProjectorDeps) {
    this.coalescer = new KeyedCoalescer((id, announced) => this.live(id, announced));
  }

  /**
   * Brings one account up to at least `announced` (if the store has it) in the live generation.
   * Rejects with PullError when the event store cannot be read (the broker should retry).
   */
  request(accountId: string, announced: number): Promise<void> {
    const p = this.coalescer.request(accountId, announced);
    this.d.metrics.pullsInFlight.set(this.coalescer.size);
    p.catch((e: unknown) => {
      if (e instanceof PullError) this.retryLater(accountId, announced);
    });
    return p;
  }

  /**
   * The broker redelivers a RETRY only after its own timeout (Redis streams: processingTimeout,
   * 15 s here, and in practice sometimes much later), so a failed pull is also retried in
   * process, with backoff, until it succeeds or the attempts run out. Recovery after the command
   * service comes back then costs seconds, whatever the broker does.
   */
  private retryLater(accountId: string, announced: number): void {
    if (this.d.retryAttempts === 0) return;
    const r = this.retries.get(accountId);
    if (r) {
      r.announced = Math.max(r.announced, announced);
      return;
    }
    const entry = { announced, attempt: 0, timer: undefined as NodeJS.Timeout | undefined };
    this.retries.set(accountId, entry);
    const fire = () => {
      entry.attempt++;
      this.coalescer.request(accountId, entry.announced).then(
        () => this.retries.delete(accountId),
        () => {
          if (entry.attempt >= this.d.retryAttempts) {
            this.retries.delete(accountId);
            this.d.log.warn({ accountId, attempts: entry.attempt }, 'pull retries exhausted; the next notification will heal the account');
            return;
          }
          entry.timer = setTimeout(fire, Math.min(this.d.retryMaxMs, 250 * 2 ** entry.attempt));
          entry.timer.unref();
        },
      );
    };
    entry.timer = setTimeout(fire, 250);
    entry.timer.unref();
  }

  /** Stops pending in-process retries (shutdown). */
  close(): void {
    for (const r of this.retries.values()) clearTimeout(r.timer);
    this.retries.clear();
  }

  get pending(): number {
    return this.coalescer.size;
  }

  /** Resolves once no pull that started against generation `n` is still running. */
  async drain(n: number): Promise<void> {
    for (;;) {
      const set = this.inFlight.get(n);
      if (!set || set.size === 0) return;
      await Promise.allSettled([...set]);
    }
  }

  private async live(accountId: string, announced: number): Promise<void> {
    const gen = this.d.generations.active;
    let set = this.inFlight.get(gen.number);
    if (!set) this.inFlight.set(gen.number, (set = new Set()));
    const p = this.pull(gen, accountId, announced, 'live');
    set.add(p);
    try {
      await p;
    } finally {
      set.delete(p);
      if (set.size === 0) this.inFlight.delete(gen.number);
      this.d.metrics.pullsInFlight.set(this.coalescer.size);
    }
  }

  /**
   * Applies every commit of the account after the version `gen` holds. `announced` lets a
   * duplicate or late notification stop before any remote call.
   */
  async pull(gen: Generation, accountId: string, announced: number | undefined, mode: 'live' | 'rebuild'): Promise<{ outcome: PullOutcome; applied: number }> {
    const { metrics } = this.d;
    let outcome: PullOutcome = 'empty';
    let total = 0;
    // Each round either applies a page or stops; a lost race costs one more round.
    for (let round = 0; round < 1000; round++) {
      const doc = await gen.accounts.findOne({ _id: accountId });
      const applied = doc?.version ?? 0;
      if (round === 0 && announced !== undefined && applied >= announced) {
        metrics.duplicatesIgnored.inc();
        return { outcome: 'up-to-date', applied: 0 };
      }
      const page = await this.d.commandSide.events(accountId, applied + 1, this.d.pageSize).catch((e: unknown) => {
        metrics.pulls.inc({ outcome: 'failed' });
        throw e;
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
      let projected;
      try {
        projected = project(accountId, doc ? accountView(doc) : undefined, page.events);
      } catch (e) {
        if (e instanceof ProjectionError) metrics.pulls.inc({ outcome: 'data-error' });
        throw e;
      }
      if (projected.operations.length > 0) {
        try {
          await gen.operations.insertMany(projected.operations.map(operationDoc), { ordered: false });
        } catch (e) {
          // Written by an earlier attempt that died before its account update: same content.
          if (!isDuplicateKey(e)) throw e;
        }
      }
      const next = accountDoc(projected.account);
      const { _id: _ignored, ...fields } = next;
      const won = doc
        ? (await gen.accounts.updateOne({ _id: accountId, version: applied }, { $set: fields })).matchedCount === 1
        : await gen.accounts.insertOne(next).then(
            () => true,
            (e: unknown) => {
              if (isDuplicateKey(e)) return false;
              throw e;
            },
          );
      if (!won) {
        metrics.races.inc();
        continue;
      }
      outcome = 'applied';
      const n = projected.account.version - applied;
      total += n;
      metrics.eventsApplied.inc({ mode }, n);
      if (projected.skipped) metrics.unknownEvents.inc(projected.skipped);
      if (mode === 'live') {
        const now = Date.now();
        for (const e of page.events) metrics.lag.observe(Math.max(0, now - Date.parse(e.occurredAt)) / 1000);
        const last = page.events[page.events.length - 1]!;
        this.lastApplied = { at: new Date(now).toISOString(), occurredAt: last.occurredAt, lagSeconds: (now - Date.parse(last.occurredAt)) / 1000 };
        this.d.waiters.notify(accountId, projected.account.version);
        try {
          this.d.onApplied?.(next);
        } catch (err) {
          this.d.log.warn({ err, accountId }, 'live update hook failed');
        }
      }
      if (projected.account.version >= page.version) {
        metrics.pulls.inc({ outcome: 'applied' });
        return { outcome, applied: total };
      }
    }
    throw new PullError(`account ${accountId}: gave up after 1000 rounds`);
  }
}
