// Every stream is enumerable (for rebuilds) through a partitioned index: partition p is itself a
// stream, "index-<p>", of StreamRegistered entries, stored with the same single-write appends.
// A stream is registered BEFORE its first commit, so a committed stream is always listed; an
// entry whose stream never got committed is harmless (readers skip streams that do not exist).
import { createHash } from 'node:crypto';
import { retry, type Sidecar } from '@bank/platform';
import { ConcurrencyError, newEventId, StreamStore, type StoredEvent } from './stream-store.js';
import { KeyedMutex } from './keyed-mutex.js';

export interface StreamRegistered extends StoredEvent {
  streamId: string;
}

export const INDEX_PARTITIONS = 16;

/**
 * The service's stream index on a state store. Index partitions hold one short entry per stream:
 * larger chunks make enumeration cheaper. Nobody subscribes to them, so they stay off the
 * transaction API and out of the outbox.
 */
export function streamIndexOn(sidecar: Sidecar, storeName: string): StreamIndex {
  return new StreamIndex(new StreamStore<StreamRegistered, null>(sidecar, { storeName, chunkSize: 1000, transactional: false }));
}
const MAX_ATTEMPTS = 20;

export class StreamIndex {
  private readonly lock = new KeyedMutex();

  constructor(
    private readonly store: StreamStore<StreamRegistered, null>,
    readonly partitions = INDEX_PARTITIONS,
    /** Partition p is the stream `<name>-<p>`. */
    readonly name = 'index',
  ) {}

  partitionOf(streamId: string): number {
    return createHash('sha1').update(streamId).digest().readUInt32BE(0) % this.partitions;
  }

  partitionStream(p: number): string {
    return `${this.name}-${p}`;
  }

  async register(streamId: string): Promise<void> {
    const key = this.partitionStream(this.partitionOf(streamId));
    await this.lock.run(key, () =>
      retry(
        async () => {
          const loaded = await this.store.load(key);
          await this.store.append(loaded, [{ eventId: newEventId(), version: (loaded.head?.version ?? 0) + 1, streamId }], { snapshot: null });
        },
        // Other replicas register into the same partition; retry on a fresh head.
        { attempts: MAX_ATTEMPTS, baseMs: 5, growth: 'linear', retryable: (err) => err instanceof ConcurrencyError },
      ),
    );
  }

  /**
   * Stream ids, paged. The cursor is "<partition>.<version>": the last entry returned. An id may
   * appear twice when its first commit was retried; consumers treat the list as a set.
   */
  async list(cursor: string | null, limit: number): Promise<{ items: string[]; nextCursor: string | null }> {
    let [p, after] = cursor ? (cursor.split('.').map(Number) as [number, number]) : [0, 0];
    const items: string[] = [];
    for (; p < this.partitions; p++, after = 0) {
      const loaded = await this.store.load(this.partitionStream(p));
      const entries = await this.store.read(loaded, after + 1, limit - items.length);
      for (const e of entries) items.push(e.streamId);
      const last = entries[entries.length - 1];
      if (last && items.length >= limit) {
        if (last.version < (loaded.head?.version ?? 0)) return { items, nextCursor: `${p}.${last.version}` };
        return { items, nextCursor: p + 1 < this.partitions ? `${p + 1}.0` : null };
      }
    }
    return { items, nextCursor: null };
  }

  static isCursor(s: string): boolean {
    return /^[0-9]{1,4}\.[0-9]{1,12}$/.test(s);
  }
}
