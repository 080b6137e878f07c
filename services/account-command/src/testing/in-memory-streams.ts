// An account event store in memory for unit tests (test code only: no production module imports
// this): one head per stream, an ETag that changes on every write, and a way to make another
// writer commit just before our next appends.
import type { AccountEvent } from '@bank/contracts';
import type { AccountSnapshot } from '../domain/index.js';
import { ConcurrencyError, type AppendOptions, type LoadedStream, type StreamHead } from '../eventstore/stream-store.js';
import type { EventStreams } from '../commands/command-handler.js';

/** Event store in memory: one head per stream, an ETag that changes on every write. */
export class InMemoryStreams implements EventStreams<AccountEvent, AccountSnapshot> {
  readonly heads = new Map<string, { head: StreamHead<AccountEvent, AccountSnapshot>; etag: number }>();
  readonly outbox: unknown[] = [];
  appendCalls = 0;
  private race: { times: number; write: () => Promise<void> } | undefined;

  /** Before each of the next `times` appends, `write` commits first (another replica). */
  raceNextAppends(times: number, write: () => Promise<void>): void {
    this.race = { times, write };
  }

  /** Puts a head in place as a store written by someone else would hold it. */
  seed(head: StreamHead<AccountEvent, AccountSnapshot>): void {
    this.heads.set(head.streamId, { head, etag: 1 });
  }

  async load(streamId: string): Promise<LoadedStream<AccountEvent, AccountSnapshot>> {
    const stored = this.heads.get(streamId);
    return { streamId, head: stored ? structuredClone(stored.head) : null, etag: stored ? String(stored.etag) : undefined };
  }

  async append(
    loaded: LoadedStream<AccountEvent, AccountSnapshot>,
    events: AccountEvent[],
    options: AppendOptions<AccountSnapshot>,
  ): Promise<LoadedStream<AccountEvent, AccountSnapshot>> {
    this.appendCalls++;
    const race = this.race;
    if (race && race.times > 0) {
      race.times--;
      this.race = undefined; // the other replica's own append does not race
      await race.write();
      this.race = race.times > 0 ? race : undefined;
    }
    const current = this.heads.get(loaded.streamId);
    if (String(current?.etag) !== String(loaded.etag)) throw new ConcurrencyError(loaded.streamId, loaded.head?.version ?? 0);
    const version = (current?.head.version ?? 0) + events.length;
    const head: StreamHead<AccountEvent, AccountSnapshot> = {
      streamId: loaded.streamId,
      version,
      chunkSize: 100,
      sealedChunks: 0,
      events: [...(current?.head.events ?? []), ...events],
      snapshot: options.snapshot,
      idempotency: [...(current?.head.idempotency ?? []), ...(options.idempotency ? [{ ...options.idempotency, version }] : [])],
    };
    this.heads.set(loaded.streamId, { head, etag: (current?.etag ?? 0) + 1 });
    this.outbox.push(options.outboxMessage);
    return { streamId: loaded.streamId, head, etag: undefined };
  }

  async read(loaded: LoadedStream<AccountEvent, AccountSnapshot>, fromVersion = 1, limit = Number.MAX_SAFE_INTEGER): Promise<AccountEvent[]> {
    return (loaded.head?.events ?? []).filter((event) => event.version >= fromVersion).slice(0, limit);
  }

  head(streamId: string): StreamHead<AccountEvent, AccountSnapshot> | undefined {
    return this.heads.get(streamId)?.head;
  }
}
