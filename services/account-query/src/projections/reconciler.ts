// Anti-entropy: every so often, compare each stream's version in the event store with the read
// model's and pull the accounts that are behind. Notifications (direct publish, then the outbox)
// make the read side converge in practice; this makes it converge even when the broker lost
// both, or a read model was damaged, with no new command on the account to announce it.
import { Periodic, type Logger } from '@bank/platform';
import type { QueryMetrics } from '../metrics.js';
import type { Generations } from '../readmodel/generations.js';
import type { CommandSideClient } from './command-side-client.js';

/** Streams per versions request (the command side takes up to COMMAND_SIDE_LIMITS.maxIds, 200). */
const BATCH = 100;
/** Pulls a sweep runs at once: it shares the projector with the notifications. */
const PULLS_AT_ONCE = 4;

/** The accounts whose stream is ahead of the read model, with the version to reach. */
export function behind(store: ReadonlyArray<{ accountId: string; version: number }>, read: ReadonlyMap<string, number>): Array<{ accountId: string; version: number }> {
  return store.filter((stream) => stream.version > (read.get(stream.accountId) ?? 0));
}

export interface ReconcilerDeps {
  commandSide: CommandSideClient;
  generations: Generations;
  /** Brings an account up to at least `version` in the active generation (the projector). */
  pull: (accountId: string, version: number) => Promise<void>;
  metrics: QueryMetrics;
  log: Logger;
  /** Between the end of a sweep and the start of the next; 0: never. */
  intervalMs: number;
}

export interface SweepResult {
  checked: number;
  healed: number;
}

export class Reconciler {
  private running: Promise<SweepResult> | undefined;
  // A failed sweep is counted and logged in pass().
  private readonly sweeps: Periodic;

  constructor(private readonly deps: ReconcilerDeps) {
    this.sweeps = new Periodic(deps.intervalMs, () => this.sweep());
  }

  start(): void {
    this.sweeps.start();
  }

  close(): void {
    this.sweeps.stop();
  }

  /** One pass over every stream; a sweep already running is joined, not doubled. */
  sweep(): Promise<SweepResult> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<SweepResult> {
    const { commandSide, generations, metrics, log } = this.deps;
    const result: SweepResult = { checked: 0, healed: 0 };
    try {
      for await (const page of commandSide.streams()) {
        for (let i = 0; i < page.length; i += BATCH) {
          if (this.sweeps.isStopped) return result;
          const ids = page.slice(i, i + BATCH);
          const store = await commandSide.versions(ids);
          const read = new Map<string, number>();
          for await (const doc of generations.active.accounts.find({ _id: { $in: ids } }, { projection: { version: 1 } })) read.set(doc._id, doc.version);
          const lagging = behind(store, read);
          for (let j = 0; j < lagging.length; j += PULLS_AT_ONCE) {
            await Promise.all(lagging.slice(j, j + PULLS_AT_ONCE).map((stream) => this.deps.pull(stream.accountId, stream.version)));
          }
          result.checked += store.length;
          result.healed += lagging.length;
          metrics.reconcileHealed.inc(lagging.length);
          if (lagging.length)
            log.warn(
              { accounts: lagging.map((stream) => stream.accountId).slice(0, 20), count: lagging.length },
              'reconciliation found read models behind the event store, and pulled them',
            );
        }
      }
      metrics.reconcileSweeps.inc({ outcome: 'done' });
      return result;
    } catch (err) {
      metrics.reconcileSweeps.inc({ outcome: 'failed' });
      log.warn({ err: (err as Error).message, checked: result.checked }, 'reconciliation sweep failed; the next one retries');
      throw err;
    }
  }
}
