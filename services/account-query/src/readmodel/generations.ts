// Which pair of collections is active. A rebuild fills a fresh pair and then switches by updating
// one `meta` document, which every query and projection follows. One document update is atomic
// on MongoDB and FerretDB alike; renameCollection with dropTarget (the other way to switch) is
// not implemented by FerretDB 1.24, and two renames would not be atomic anyway.
import type { Collection, Db } from 'mongodb';
import type { AccountDoc, MetaDoc, OperationDoc, TransferStepDoc } from './documents.js';
import { isDuplicateKey } from './writer.js';

export interface Generation {
  number: number;
  accounts: Collection<AccountDoc>;
  operations: Collection<OperationDoc>;
  transferSteps: Collection<TransferStepDoc>;
}

const META_ID = 'projections';

export function collectionNames(number: number): { accounts: string; operations: string; transferSteps: string } {
  return number === 0
    ? { accounts: 'accounts', operations: 'operations', transferSteps: 'transfer_steps' }
    : { accounts: `accounts_rebuild_${number}`, operations: `operations_rebuild_${number}`, transferSteps: `transfer_steps_rebuild_${number}` };
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

  /** Reads (or creates) the meta document, makes sure the active collections have their indexes. */
  async init(refreshMs: number): Promise<void> {
    const names = collectionNames(0);
    try {
      await this.meta.insertOne({ _id: META_ID, generation: 0, ...names, switchedAt: new Date(), lastAllocated: 0 });
    } catch (err) {
      // Another replica created it first.
      if (!isDuplicateKey(err)) throw err;
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
    const meta = await this.meta.findOne({ _id: META_ID });
    if (!meta) throw new Error('meta document missing');
    if (!this.current || this.current.number !== meta.generation) this.current = this.open(meta.generation);
    return this.current;
  }

  open(number: number): Generation {
    const names = collectionNames(number);
    return {
      number,
      accounts: this.db.collection<AccountDoc>(names.accounts),
      operations: this.db.collection<OperationDoc>(names.operations),
      transferSteps: this.db.collection<TransferStepDoc>(names.transferSteps),
    };
  }

  async ensureIndexes(generation: Generation): Promise<void> {
    // Unique (accountId, version): one operation per stream position, whatever replays happen.
    await generation.operations.createIndex({ accountId: 1, version: 1 }, { unique: true, name: 'account_version' });
    await generation.operations.createIndex({ occurredAt: -1, _id: -1 }, { name: 'occurred' });
    await generation.accounts.createIndex({ currency: 1, _id: 1 }, { name: 'currency' });
    await generation.accounts.createIndex({ status: 1, _id: 1 }, { name: 'status' });
    // A customer's listing, stats and operations: their accounts by owner, in listing order.
    await generation.accounts.createIndex({ owner: 1, _id: 1 }, { name: 'owner' });
    await generation.transferSteps.createIndex({ transferId: 1 }, { name: 'transfer' });
    await generation.transferSteps.createIndex({ accountId: 1, occurredAt: -1 }, { name: 'account_occurred' });
  }

  /** A fresh, empty, indexed pair for a rebuild, under a number never used before. */
  async allocate(): Promise<Generation> {
    const meta = await this.meta.findOneAndUpdate({ _id: META_ID }, { $inc: { lastAllocated: 1 } }, { returnDocument: 'after' });
    if (!meta) throw new Error('meta document missing');
    const generation = this.open(meta.lastAllocated);
    await this.drop(generation);
    await this.ensureIndexes(generation);
    return generation;
  }

  /** The switch: from now on every reader and projector of every replica uses `generation`. */
  async activate(generation: Generation, lastRebuild: Record<string, unknown>): Promise<void> {
    const names = collectionNames(generation.number);
    await this.meta.updateOne({ _id: META_ID }, { $set: { generation: generation.number, ...names, switchedAt: new Date(), lastRebuild } });
    this.current = generation;
  }

  async recordRebuild(lastRebuild: Record<string, unknown>): Promise<void> {
    await this.meta.updateOne({ _id: META_ID }, { $set: { lastRebuild } });
  }

  async lastRebuild(): Promise<Record<string, unknown> | undefined> {
    return (await this.meta.findOne({ _id: META_ID }))?.lastRebuild;
  }

  async drop(generation: Generation): Promise<void> {
    await generation.accounts.drop().catch(() => false);
    await generation.operations.drop().catch(() => false);
    await generation.transferSteps.drop().catch(() => false);
  }
}
