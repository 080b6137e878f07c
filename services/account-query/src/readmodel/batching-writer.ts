// Group commit for the projector's writes. Every account's pull writes its change on its own;
// under load many pulls finish at once and each costs its own round trips to the read store (and
// FerretDB makes each one SQL statements on PostgreSQL). This writer sends the first change at
// once and, while a write is in flight, gathers the changes that arrive into the next one: one
// applyMany() for up to `maxBatch` accounts. Idle, nothing waits; busy, the batches grow.
import type { AccountDoc } from './documents.js';
import type { Generation } from './generations.js';
import type { AccountChange, AccountWrite, ReadModelWriter } from './writer.js';

interface Waiting extends AccountWrite {
  resolve(doc: AccountDoc | undefined): void;
  reject(err: unknown): void;
}

/** The changes waiting for one generation, and whether a write to it is in flight. */
interface Queue {
  generation: Generation;
  waiting: Waiting[];
  writing: boolean;
}

export class BatchingWriter implements ReadModelWriter {
  private readonly queues = new Map<number, Queue>();

  constructor(
    private readonly writer: ReadModelWriter,
    private readonly maxBatch: number,
  ) {}

  read(generation: Generation, accountId: string): Promise<AccountDoc | null> {
    return this.writer.read(generation, accountId);
  }

  apply(generation: Generation, base: AccountDoc | null, change: AccountChange): Promise<AccountDoc | undefined> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(generation.number);
      if (!queue) this.queues.set(generation.number, (queue = { generation, waiting: [], writing: false }));
      queue.waiting.push({ base, change, resolve, reject });
      if (!queue.writing) void this.drain(queue);
    });
  }

  applyMany(generation: Generation, writes: readonly AccountWrite[]): Promise<Array<AccountDoc | undefined>> {
    return this.writer.applyMany(generation, writes);
  }

  applyNew(generation: Generation, changes: readonly AccountChange[]): Promise<void> {
    return this.writer.applyNew(generation, changes);
  }

  /** Writes what waits, a batch at a time, until nothing does. */
  private async drain(queue: Queue): Promise<void> {
    queue.writing = true;
    while (queue.waiting.length) {
      const batch = this.nextBatch(queue);
      try {
        const written = await this.writer.applyMany(queue.generation, batch);
        batch.forEach((write, n) => write.resolve(written[n]));
      } catch (err) {
        for (const write of batch) write.reject(err);
      }
    }
    queue.writing = false;
    this.queues.delete(queue.generation.number);
  }

  /** Up to maxBatch changes, each account once (a second change of one waits for the next batch). */
  private nextBatch(queue: Queue): Waiting[] {
    const batch: Waiting[] = [];
    const accounts = new Set<string>();
    const later: Waiting[] = [];
    for (const write of queue.waiting) {
      const accountId = write.change.account.accountId;
      if (batch.length < this.maxBatch && !accounts.has(accountId)) {
        accounts.add(accountId);
        batch.push(write);
      } else later.push(write);
    }
    queue.waiting = later;
    return batch;
  }
}
