// Rebuilds every read model from the event store while notifications keep flowing:
//  1. allocate a fresh generation (empty collections with their indexes);
//  2. enumerate every stream through the command service and project each one into it;
//  3. switch the meta document to it (the projector follows it from then on);
//  4. wait until no pull of the projector still writes to the old generation (here, and on other
//     replicas for longer than their meta refresh period), then re-pull every account whose
//     old-generation version is ahead of the new one (commits the projector applied during the
//     rebuild), and drop the old collections.
import { Problem, type RebuildStatusJson } from '@bank/contracts';
import { retry, type Logger, type RetryPolicy } from '@bank/platform';
import type { QueryMetrics } from '../metrics.js';
import type { CommandSideClient } from '../projections/command-side-client.js';
import { project } from '../projections/project.js';
import type { Projector } from '../projections/projector.js';
import type { Generation, Generations } from '../readmodel/generations.js';
import type { AccountChange, ReadModelWriter } from '../readmodel/writer.js';

/** Streams per batch read, and events per stream in it (longer streams finish by pull). */
const BATCH_STREAMS = 100;
const BATCH_EVENTS_PER_STREAM = 1000;

/** A batch or a catch-up pull that failed is tried again: 4 attempts in all, 400, 800, 1600 ms apart. */
const REBUILD_RETRY: RetryPolicy = { attempts: 4, baseMs: 400, jitter: 'none' };

/** What GET /admin/projections says of a rebuild (its shape: @bank/contracts, rebuildStatusSchema). */
export type RebuildStatus = RebuildStatusJson;

export interface RebuilderDeps {
  commandSide: CommandSideClient;
  generations: Generations;
  writer: ReadModelWriter;
  projector: Projector;
  metrics: QueryMetrics;
  log: Logger;
  concurrency: number;
  /** How long other replicas may keep using the old generation after the switch. */
  settleMs: number;
}

async function mapLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export class Rebuilder {
  private status: RebuildStatus | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: RebuilderDeps) {}

  get current(): RebuildStatus | undefined {
    return this.status && { ...this.status };
  }

  /** Starts a rebuild in the background; one at a time per process. */
  async start(): Promise<RebuildStatus> {
    if (this.running) throw new Problem('rebuild-in-progress', 'a rebuild is already running', { rebuild: this.current });
    const generation = await this.deps.generations.allocate();
    const status: RebuildStatus = {
      id: generation.number,
      generation: generation.number,
      state: 'running',
      startedAt: new Date().toISOString(),
      streamsSeen: 0,
      streamsDone: 0,
      eventsApplied: 0,
      caughtUp: 0,
    };
    this.status = status;
    this.deps.metrics.rebuildStreams.set(0);
    this.running = this.run(status).finally(() => {
      this.running = undefined;
    });
    return { ...status };
  }

  /**
   * Shutdown: resolves when the rebuild in flight (if any) has ended, so the process does not exit
   * between a switch and its catch-up when the rebuild can finish within the shutdown's bound. It
   * does not cancel the rebuild; a rebuild never rejects (a failure is recorded in its status).
   */
  async stop(): Promise<void> {
    await this.running;
  }

  private async run(status: RebuildStatus): Promise<void> {
    const { generations, projector, commandSide, log } = this.deps;
    const target = generations.open(status.generation);
    const old = generations.active;
    try {
      const seen = new Set<string>();
      for await (const page of commandSide.streams()) {
        const fresh = page.filter((id) => !seen.has(id));
        fresh.forEach((id) => seen.add(id));
        status.streamsSeen = seen.size;
        const batches: string[][] = [];
        for (let i = 0; i < fresh.length; i += BATCH_STREAMS) batches.push(fresh.slice(i, i + BATCH_STREAMS));
        await mapLimit(batches, Math.max(1, Math.ceil(this.deps.concurrency / 4)), async (ids) => {
          await retry(() => this.projectBatch(target, ids, status), REBUILD_RETRY);
          this.deps.metrics.rebuildStreams.set(status.streamsDone);
        });
      }
      status.state = 'switching';
      await generations.activate(target, this.summary(status));
      log.info({ generation: target.number, streams: status.streamsDone }, 'read models switched to the rebuilt generation');
      status.state = 'catching-up';
      await projector.drain(old.number);
      await new Promise((resolve) => setTimeout(resolve, this.deps.settleMs));
      await projector.drain(old.number);
      const ahead = await this.aheadOf(old.number, target.number);
      await mapLimit(ahead, this.deps.concurrency, async ([id, version]) => {
        await retry(() => projector.request(id, version), REBUILD_RETRY);
        status.caughtUp++;
      });
      await generations.drop(old);
      status.state = 'done';
      status.finishedAt = new Date().toISOString();
      await generations.recordRebuild(this.summary(status));
      log.info({ rebuild: status }, 'rebuild done');
    } catch (err) {
      status.state = 'failed';
      status.error = (err as Error).message;
      status.finishedAt = new Date().toISOString();
      log.error({ err, rebuild: status }, 'rebuild failed');
      // Before the switch the active models are untouched; drop the half-built generation.
      if (generations.active.number !== target.number) await generations.drop(target).catch(() => undefined);
      await generations.recordRebuild(this.summary(status)).catch(() => undefined);
    }
  }

  /**
   * Projects up to BATCH_STREAMS streams into the (still private) target generation with one
   * batch read and two bulk writes. Safe to repeat: a retried batch finds its documents there
   * (duplicate keys) and completes them by pull.
   */
  private async projectBatch(target: Generation, ids: string[], status: RebuildStatus): Promise<void> {
    const pages = await this.deps.commandSide.batch(ids, BATCH_EVENTS_PER_STREAM);
    const changes: AccountChange[] = [];
    const cut: string[] = [];
    for (const page of pages) {
      if (page.events.length === 0) continue;
      const change = project(page.accountId, undefined, page.events);
      changes.push(change);
      if (change.account.version < page.version) cut.push(page.accountId);
    }
    await this.deps.writer.applyNew(target, changes);
    let applied = changes.reduce((sum, change) => sum + change.account.version, 0);
    for (const id of cut) applied += (await this.deps.projector.pull(target, id, undefined, 'rebuild')).applied;
    status.eventsApplied += applied;
    status.streamsDone += changes.length;
    this.deps.metrics.eventsApplied.inc({ mode: 'rebuild' }, applied);
  }

  /** Accounts the projector moved further in `oldN` than the rebuild got in `newN`. */
  private async aheadOf(oldN: number, newN: number): Promise<Array<[string, number]>> {
    const { generations } = this.deps;
    const versions = new Map<string, number>();
    for await (const doc of generations.open(newN).accounts.find({}, { projection: { version: 1 } })) versions.set(doc._id, doc.version);
    const ahead: Array<[string, number]> = [];
    for await (const doc of generations.open(oldN).accounts.find({}, { projection: { version: 1 } })) {
      if ((versions.get(doc._id) ?? 0) < doc.version) ahead.push([doc._id, doc.version]);
    }
    return ahead;
  }

  private summary(status: RebuildStatus): Record<string, unknown> {
    return { ...status };
  }
}
