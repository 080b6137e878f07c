// Rebuilds every read model from the event store while live notifications keep flowing:
//  1. allocate a fresh generation (empty collections with their indexes);
//  2. enumerate every stream through the command service and project each one into it;
//  3. switch the meta document to it (live projection follows from then on);
//  4. wait until no live pull still writes to the old generation (here, and on other replicas
//     for longer than their meta refresh period), then re-pull every account whose old-generation
//     version is ahead of the new one (commits applied live during the rebuild), and drop the old
//     collections.
import type { Logger } from '@bank/shared';
import { Problem } from '@bank/shared';
import type { QueryMetrics } from '../metrics.js';
import type { CommandSideClient } from '../projections/command-side-client.js';
import { project } from '../projections/project.js';
import type { Projector } from '../projections/projector.js';
import { accountDoc, operationDoc } from '../readmodel/documents.js';
import type { Generation, Generations } from '../readmodel/generations.js';

/** Streams per batch read, and events per stream in it (longer streams finish by pull). */
const BATCH_STREAMS = 100;
const BATCH_EVENTS_PER_STREAM = 1000;

export interface RebuildStatus {
  id: number;
  state: 'running' | 'switching' | 'catching-up' | 'done' | 'failed';
  startedAt: string;
  finishedAt?: string;
  streamsSeen: number;
  streamsDone: number;
  eventsApplied: number;
  caughtUp: number;
  generation: number;
  error?: string;
}

export interface RebuilderDeps {
  commandSide: CommandSideClient;
  generations: Generations;
  projector: Projector;
  metrics: QueryMetrics;
  log: Logger;
  concurrency: number;
  /** How long other replicas may keep using the old generation after the switch. */
  settleMs: number;
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function withRetry<T>(what: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await what();
    } catch (e) {
      if (i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 200 * 2 ** i));
    }
  }
}

export class Rebuilder {
  private status: RebuildStatus | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly d: RebuilderDeps) {}

  get current(): RebuildStatus | undefined {
    return this.status && { ...this.status };
  }

  /** Starts a rebuild in the background; one at a time per process. */
  async start(): Promise<RebuildStatus> {
    if (this.running) throw new Problem('rebuild-in-progress', 'a rebuild is already running', { rebuild: this.current });
    const gen = await this.d.generations.allocate();
    const status: RebuildStatus = { id: gen.number, generation: gen.number, state: 'running', startedAt: new Date().toISOString(), streamsSeen: 0, streamsDone: 0, eventsApplied: 0, caughtUp: 0 };
    this.status = status;
    this.d.metrics.rebuildStreams.set(0);
    this.running = this.run(status).finally(() => {
      this.running = undefined;
    });
    return { ...status };
  }

  /** For tests and shutdown: resolves when the running rebuild (if any) has ended. */
  async settled(): Promise<void> {
    await this.running;
  }

  private async run(s: RebuildStatus): Promise<void> {
    const { generations, projector, commandSide, log } = this.d;
    const target = generations.open(s.generation);
    const old = generations.active;
    try {
      const seen = new Set<string>();
      for await (const page of commandSide.streams()) {
        const fresh = page.filter((id) => !seen.has(id));
        fresh.forEach((id) => seen.add(id));
        s.streamsSeen = seen.size;
        const batches: string[][] = [];
        for (let i = 0; i < fresh.length; i += BATCH_STREAMS) batches.push(fresh.slice(i, i + BATCH_STREAMS));
        await mapLimit(batches, Math.max(1, Math.ceil(this.d.concurrency / 4)), async (ids) => {
          await withRetry(() => this.projectBatch(target, ids, s));
          this.d.metrics.rebuildStreams.set(s.streamsDone);
        });
      }
      s.state = 'switching';
      await generations.activate(target, this.summary(s));
      log.info({ generation: target.number, streams: s.streamsDone }, 'read models switched to the rebuilt generation');
      s.state = 'catching-up';
      await projector.drain(old.number);
      await new Promise((r) => setTimeout(r, this.d.settleMs));
      await projector.drain(old.number);
      const ahead = await this.aheadOf(old.number, target.number);
      await mapLimit(ahead, this.d.concurrency, async ([id, version]) => {
        await withRetry(() => projector.request(id, version));
        s.caughtUp++;
      });
      await generations.drop(old);
      s.state = 'done';
      s.finishedAt = new Date().toISOString();
      await generations.recordRebuild(this.summary(s));
      log.info({ rebuild: s }, 'rebuild done');
    } catch (err) {
      s.state = 'failed';
      s.error = (err as Error).message;
      s.finishedAt = new Date().toISOString();
      log.error({ err, rebuild: s }, 'rebuild failed');
      // Before the switch the live models are untouched; drop the half-built generation.
      if (generations.active.number !== target.number) await generations.drop(target).catch(() => undefined);
      await generations.recordRebuild(this.summary(s)).catch(() => undefined);
    }
  }

  /**
   * Projects up to BATCH_STREAMS streams into the (still private) target generation with one
   * batch read and two bulk writes. Safe to repeat: a retried batch finds its documents there
   * (duplicate keys) and completes them by pull.
   */
  private async projectBatch(target: Generation, ids: string[], s: RebuildStatus): Promise<void> {
    const pages = await this.d.commandSide.batch(ids, BATCH_EVENTS_PER_STREAM);
    const accounts = [];
    const operations = [];
    const cut: string[] = [];
    for (const page of pages) {
      if (page.events.length === 0) continue;
      const p = project(page.accountId, undefined, page.events);
      accounts.push(accountDoc(p.account));
      operations.push(...p.operations.map(operationDoc));
      if (p.account.version < page.version) cut.push(page.accountId);
    }
    const ignoreDuplicates = (e: unknown) => {
      const err = e as { code?: number; writeErrors?: Array<{ code?: number }> | { code?: number } };
      const list = err.writeErrors ? (Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors]) : [err];
      if (!list.every((w) => w.code === 11000)) throw e;
    };
    if (operations.length) await target.operations.insertMany(operations, { ordered: false }).catch(ignoreDuplicates);
    if (accounts.length) await target.accounts.insertMany(accounts, { ordered: false }).catch(ignoreDuplicates);
    let applied = accounts.reduce((n, a) => n + a.version, 0);
    for (const id of cut) applied += (await this.d.projector.pull(target, id, undefined, 'rebuild')).applied;
    s.eventsApplied += applied;
    s.streamsDone += accounts.length;
    this.d.metrics.eventsApplied.inc({ mode: 'rebuild' }, applied);
  }

  /** Accounts the live projection moved further in `oldN` than the rebuild got in `newN`. */
  private async aheadOf(oldN: number, newN: number): Promise<Array<[string, number]>> {
    const { generations } = this.d;
    const versions = new Map<string, number>();
    for await (const d of generations.open(newN).accounts.find({}, { projection: { version: 1 } })) versions.set(d._id, d.version);
    const ahead: Array<[string, number]> = [];
    for await (const d of generations.open(oldN).accounts.find({}, { projection: { version: 1 } })) {
      if ((versions.get(d._id) ?? 0) < d.version) ahead.push([d._id, d.version]);
    }
    return ahead;
  }

  private summary(s: RebuildStatus): Record<string, unknown> {
    return { ...s };
  }
}
