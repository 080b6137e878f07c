// Group commit for the projector's writes. Every account's pull writes its change on its own;
// under load many pulls finish at once and each would cost its own round trips to the read store
// (and FerretDB makes each one SQL statements on PostgreSQL). Here the first change is written at
// once and the changes that arrive while a write is in flight go together in the next one: one
// applyMany() for up to `maxBatch` accounts of a generation, never two changes of one account.
import { GroupCommit } from '@bank/platform';
import type { AccountDoc } from './documents.js';
import type { Generation } from './generations.js';
import type { AccountChange, AccountWrite, ReadModelWriter } from './writer.js';

export class BatchingWriter implements ReadModelWriter {
  /** One group per generation being written (the active one, a rebuild's). */
  private readonly groups = new Map<number, GroupCommit<AccountWrite, AccountDoc | undefined>>();

  constructor(
    private readonly writer: ReadModelWriter,
    private readonly maxBatch: number,
  ) {}

  read(generation: Generation, accountId: string): Promise<AccountDoc | null> {
    return this.writer.read(generation, accountId);
  }

  async apply(generation: Generation, base: AccountDoc | null, change: AccountChange): Promise<AccountDoc | undefined> {
    let group = this.groups.get(generation.number);
    if (!group) {
      group = new GroupCommit((writes) => this.writer.applyMany(generation, writes), { maxBatch: this.maxBatch, keyOf: (write) => write.change.account.accountId });
      this.groups.set(generation.number, group);
    }
    try {
      return await group.submit({ base, change });
    } finally {
      if (group.idle) this.groups.delete(generation.number);
    }
  }

  applyMany(generation: Generation, writes: readonly AccountWrite[]): Promise<Array<AccountDoc | undefined>> {
    return this.writer.applyMany(generation, writes);
  }

  applyNew(generation: Generation, changes: readonly AccountChange[]): Promise<void> {
    return this.writer.applyNew(generation, changes);
  }
}
