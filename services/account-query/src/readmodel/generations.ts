// Which pair of collections is live. A rebuild fills a fresh pair and then switches by updating
// one `meta` document, which every query and projection follows. One document update is atomic
// on MongoDB and FerretDB alike; renameCollection with dropTarget (the other way to switch) is
// not implemented by FerretDB 1.24, and two renames would not be atomic anyway.
import type { Collection, Db } from 'mongodb';
import type { AccountDoc, MetaDoc, OperationDoc } from './documents.js';

export interface Generation {
  number: number;
  accounts: Collection<AccountDoc>;
  operations: Collection<OperationDoc>;
}

const META_ID = 'projections';

export function collectionNames(n: number): { accounts: string; operations: string } {
  return n === 0 ? { accounts: 'accounts', operations: 'operations' } : { accounts: `accounts_rebuild_${n}`, operations: `operations_rebuild_${n}` };
}

function isDuplicateKey(e: unknown): boolean {
  return (e as { code?: number }).code === 11000;
}

export class Generations {
  private current!: Generation;
  private timer: NodeJS.Timeout | undefined;
  readonly meta: Collection<MetaDoc>;

  constructor(private readonly db: Db) {
    this.meta = db.collection<MetaDoc>('meta');
  }

  get active(): Generation {
    return this.current;
  }

  /** Reads (or creates) the meta document, makes sure the live collections have their indexes. */
  async init(refreshMs: number): Promise<void> {
    const names = collectionNames(0);
    try {
      await this.meta.insertOne({ _id: META_ID, generation: 0, ...names, switchedAt: new Date(), lastAllocated: 0 });
    } catch (e) {
      if (!isDuplicateKey(e)) throw e;
    }
    await this.refresh();
    await this.ensureIndexes(this.current);
    // Another replica may switch generations; following it within refreshMs is enough because
    // the rebuild waits longer than that before its catch-up pass.
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), refreshMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<Generation> {
    const m = await this.meta.findOne({ _id: META_ID });
    if (!m) throw new Error('meta document missing');
    if (!this.current || this.current.number !== m.generation) this.current = this.open(m.generation);
    return this.current;
  }

  open(n: number): Generation {
    const names = collectionNames(n);
    return { number: n, accounts: this.db.collection<AccountDoc>(names.accounts), operations: this.db.collection<OperationDoc>(names.operations) };
  }

  async ensureIndexes(g: Generation): Promise<void> {
    // Unique (accountId, version): one operation per stream position, whatever replays happen.
    await g.operations.createIndex({ accountId: 1, version: 1 }, { unique: true, name: 'account_version' });
    await g.operations.createIndex({ occurredAt: -1, _id: -1 }, { name: 'occurred' });
    await g.accounts.createIndex({ currency: 1, _id: 1 }, { name: 'currency' });
    await g.accounts.createIndex({ status: 1, _id: 1 }, { name: 'status' });
  }

  /** A fresh, empty, indexed pair for a rebuild, under a number never used before. */
  async allocate(): Promise<Generation> {
    const m = await this.meta.findOneAndUpdate({ _id: META_ID }, { $inc: { lastAllocated: 1 } }, { returnDocument: 'after' });
    if (!m) throw new Error('meta document missing');
    const g = this.open(m.lastAllocated);
    await this.drop(g);
    await this.ensureIndexes(g);
    return g;
  }

  /** The switch: from now on every reader and projector of every replica uses `g`. */
  async activate(g: Generation, lastRebuild: Record<string, unknown>): Promise<void> {
    const names = collectionNames(g.number);
    await this.meta.updateOne({ _id: META_ID }, { $set: { generation: g.number, ...names, switchedAt: new Date(), lastRebuild } });
    this.current = g;
  }

  async recordRebuild(lastRebuild: Record<string, unknown>): Promise<void> {
    await this.meta.updateOne({ _id: META_ID }, { $set: { lastRebuild } });
  }

  async lastRebuild(): Promise<Record<string, unknown> | undefined> {
    return (await this.meta.findOne({ _id: META_ID }))?.lastRebuild;
  }

  async drop(g: Generation): Promise<void> {
    await g.accounts.drop().catch(() => false);
    await g.operations.drop().catch(() => false);
  }
}
