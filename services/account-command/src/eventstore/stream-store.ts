// An append-only event store on the Dapr state API, which only offers key/value with ETags.
//
// Layout per stream (see docs/architecture.md):
//   <streamId>                 head: version, snapshot, idempotency window and the "open" events,
//                              i.e. every event not yet in a sealed chunk
//   <streamId>:chunk:<n>       sealed chunk n: exactly the events of versions n*C+1 .. (n+1)*C
//
// Every append is ONE conditional write of the head, guarded by its ETag, so two racing appends
// cannot both win, on any store, and no multi-key atomicity is needed (Redis transactions do not
// roll back). It goes through the transaction API because only that feeds the Dapr outbox.
// A transaction cannot create a key "only if absent" on every store (Redis ignores first-write
// there), so a new stream first gets an empty head (version 0) by a create-only single save; the
// commit itself is then an ETag-guarded write like any other.
// Sealing writes a chunk before the head; its content is fixed by the versions it covers, so a
// repeated or racing seal writes the same bytes again.
import { randomUUID } from 'node:crypto';
import { retry, Sidecar, SidecarError } from '@bank/platform';

export interface StoredEvent {
  eventId: string;
  version: number;
}

export interface IdempotencyRecord {
  key: string;
  fingerprint: string;
  /** What the first request's commit gave, for a repeat; opaque here (the command handler's). */
  result?: unknown;
  /** Heads written before `result`: the HTTP answer given the first time. Read, never written. */
  response?: { status: number; body: unknown };
  version: number;
  /** The record of a stream's first commit is kept for good: it is what a retried create finds. */
  first?: boolean;
}

export interface StreamHead<E extends StoredEvent, S> {
  streamId: string;
  version: number;
  chunkSize: number;
  sealedChunks: number;
  events: E[];
  snapshot: S | null;
  idempotency: IdempotencyRecord[];
}

export interface LoadedStream<E extends StoredEvent, S> {
  streamId: string;
  head: StreamHead<E, S> | null;
  etag: string | undefined;
}

export class ConcurrencyError extends Error {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
  ) {
    super(`stream ${streamId} moved past version ${expectedVersion}`);
  }
}

export class StoreUnavailableError extends Error {}

/** Neither this writer nor a racing one created a new stream's head (tried again, a few times). */
class HeadNotCreatedError extends StoreUnavailableError {}

export interface AppendOptions<S> {
  snapshot: S | null;
  idempotency?: Omit<IdempotencyRecord, 'version'> | undefined;
  /** Published by the Dapr outbox instead of the head when the store has the outbox enabled. */
  outboxMessage?: unknown;
}

export interface StreamStoreOptions<E> {
  storeName: string;
  chunkSize?: number;
  idempotencyWindow?: number;
  /** Set once at start-up by probing the sidecar (see outbox-probe.ts). */
  outboxEnabled?: boolean;
  /**
   * Write heads through the transaction API (default), which is what feeds the outbox. Streams
   * nobody subscribes to (the stream index) use a single ETag-guarded save instead, so the
   * outbox does not announce them on the topic.
   */
  transactional?: boolean;
  /**
   * How an event as stored (in whichever schema version it was written) is read: every event that
   * read() and readMany() give out goes through it. Stored events are never rewritten.
   */
  upcast?: (stored: E) => E;
}

/** For the outbox message only: on the state op it would make Redis use RedisJSON commands. */
const JSON_META = { contentType: 'application/json' };

export const streamExists = (loaded: LoadedStream<StoredEvent, unknown>): boolean => (loaded.head?.version ?? 0) > 0;

/**
 * Events per sealed chunk of a new stream (a stream keeps the size it was created with). Every
 * append reads and rewrites the head, which carries the events not yet sealed: on average half a
 * chunk. At 100 that head was ~20 KB of JSON per command for the service to parse and write and
 * for daprd to decode and re-encode (its JSON decoding of the transaction body was 18 % of the
 * command sidecar's CPU in a profile under load); see docs/performance.md for the A/B.
 */
export const DEFAULT_CHUNK_SIZE = 20;

export class StreamStore<E extends StoredEvent, S> {
  readonly storeName: string;
  readonly chunkSize: number;
  readonly idempotencyWindow: number;
  readonly transactional: boolean;
  outboxEnabled: boolean;
  private readonly upcast: (stored: E) => E;

  constructor(
    private readonly sidecar: Sidecar,
    opts: StreamStoreOptions<E>,
  ) {
    this.upcast = opts.upcast ?? ((stored) => stored);
    this.storeName = opts.storeName;
    this.chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.idempotencyWindow = opts.idempotencyWindow ?? 64;
    this.outboxEnabled = opts.outboxEnabled ?? false;
    this.transactional = opts.transactional ?? true;
  }

  static chunkKey(streamId: string, n: number): string {
    return `${streamId}:chunk:${n}`;
  }

  /** One round trip, whatever the stream's length: the head carries the current snapshot. */
  async load(streamId: string): Promise<LoadedStream<E, S>> {
    const item = await this.call(() => this.sidecar.getState<StreamHead<E, S>>(this.storeName, streamId));
    return { streamId, head: item.value ?? null, etag: item.etag };
  }

  /**
   * Appends events (already numbered from loaded.version + 1) with one conditional write.
   * Throws ConcurrencyError when another writer got there first; nothing is then changed.
   */
  async append(given: LoadedStream<E, S>, events: E[], opts: AppendOptions<S>): Promise<LoadedStream<E, S>> {
    if (given.head && given.etag === undefined) throw new Error(`stream ${given.streamId}: load it again before appending (no ETag)`);
    const loaded = given.head ? given : await this.createEmptyHead(given.streamId);
    const prev = loaded.head;
    const fromVersion = (prev?.version ?? 0) + 1;
    events.forEach((e, i) => {
      if (e.version !== fromVersion + i) throw new Error(`event ${e.eventId} has version ${e.version}, expected ${fromVersion + i}`);
    });
    if (events.length === 0) return loaded;

    const chunkSize = prev?.chunkSize ?? this.chunkSize;
    let sealedChunks = prev?.sealedChunks ?? 0;
    let open = prev?.events ?? [];
    // Seal every complete chunk the head still carries, before the head that drops them is written.
    while (open.length > 0 && (prev?.version ?? 0) >= (sealedChunks + 1) * chunkSize) {
      const upTo = (sealedChunks + 1) * chunkSize;
      const chunk = open.filter((e) => e.version <= upTo);
      await this.call(() =>
        this.sidecar.saveState(
          this.storeName,
          [{ key: StreamStore.chunkKey(loaded.streamId, sealedChunks), value: { streamId: loaded.streamId, chunk: sealedChunks, events: chunk } }],
          'last-write',
        ),
      );
      open = open.filter((e) => e.version > upTo);
      sealedChunks++;
    }

    const lastVersion = fromVersion + events.length - 1;
    let idempotency = prev?.idempotency ?? [];
    if (opts.idempotency) {
      const record: IdempotencyRecord = { ...opts.idempotency, version: lastVersion, ...(fromVersion === 1 ? { first: true } : {}) };
      const all = [...idempotency, record];
      const pinned = all.filter((kept) => kept.first);
      const recent = all.filter((kept) => !kept.first);
      idempotency = [...pinned, ...recent.slice(-Math.max(1, this.idempotencyWindow - pinned.length))];
    }
    const head: StreamHead<E, S> = {
      streamId: loaded.streamId,
      version: lastVersion,
      chunkSize,
      sealedChunks,
      events: [...open, ...events],
      snapshot: opts.snapshot,
      idempotency,
    };

    const ops: Array<{ key: string; value: unknown; etag?: string | undefined; metadata?: Record<string, string> }> = [{ key: loaded.streamId, value: head, etag: loaded.etag }];
    if (this.outboxEnabled && opts.outboxMessage !== undefined) {
      ops.push({ key: loaded.streamId, value: opts.outboxMessage, metadata: { ...JSON_META, 'outbox.projection': 'true' } });
    }
    try {
      if (this.transactional) await this.sidecar.transact(this.storeName, ops);
      else await this.sidecar.saveState(this.storeName, [ops[0]!]);
    } catch (err) {
      // A transaction reports a lost race and a broken store alike (HTTP 500); so does a write
      // that landed but whose answer was lost. The store itself tells which it was.
      const now = await this.load(loaded.streamId);
      if (await this.contains(now, events[0]!)) return now;
      const moved = now.etag !== loaded.etag || (now.head?.version ?? 0) !== (prev?.version ?? 0);
      if (moved) throw new ConcurrencyError(loaded.streamId, prev?.version ?? 0);
      throw err instanceof SidecarError ? new StoreUnavailableError(err.message) : err;
    }
    // A transaction does not return the new ETag, so the next append on this stream reads the
    // head again (one GET): the caller must not reuse this result for a write.
    return { streamId: loaded.streamId, head, etag: undefined };
  }

  /**
   * Creates the version-0 head of a new stream, create-only: if a racing writer created it first
   * the save fails and the head is read back. Either way the caller gets it with its ETag, or a
   * ConcurrencyError if another writer has already committed to the stream.
   */
  private async createEmptyHead(streamId: string): Promise<LoadedStream<E, S>> {
    const empty: StreamHead<E, S> = { streamId, version: 0, chunkSize: this.chunkSize, sealedChunks: 0, events: [], snapshot: null, idempotency: [] };
    // Racing creators: one save wins and the others fail. On MySQL two concurrent inserts of one
    // key can also both fail (a deadlock): then nobody created it, and we simply try again.
    return retry(
      async () => {
        try {
          await this.sidecar.saveState(this.storeName, [{ key: streamId, value: empty }], 'first-write');
        } catch (err) {
          if (!(err instanceof SidecarError) || err.status === 503) throw new StoreUnavailableError((err as Error).message);
        }
        const now = await this.load(streamId);
        if (!now.head || now.etag === undefined) throw new HeadNotCreatedError(`stream ${streamId}: the new head could not be created`);
        if (now.head.version > 0) throw new ConcurrencyError(streamId, 0);
        return now;
      },
      { attempts: 5, baseMs: 20, growth: 'linear', retryable: (err) => err instanceof HeadNotCreatedError },
    );
  }

  /** Did the store keep this exact event (same id at the same version)? */
  private async contains(now: LoadedStream<E, S>, event: E): Promise<boolean> {
    const head = now.head;
    if (!head || head.version < event.version) return false;
    const found = (await this.read(now, event.version, 1))[0];
    return found?.eventId === event.eventId;
  }

  /** Heads of many streams in one round trip (for batch reads; not for appends). */
  async loadMany(streamIds: string[]): Promise<Array<LoadedStream<E, S>>> {
    const items = await this.call(() => this.sidecar.getBulkState<StreamHead<E, S>>(this.storeName, streamIds));
    return streamIds.map((id) => ({ streamId: id, head: items.get(id)?.value ?? null, etag: items.get(id)?.etag }));
  }

  /** Events from `fromVersion` on, at most `limit`, in version order. */
  async read(loaded: LoadedStream<E, S>, fromVersion = 1, limit = Number.MAX_SAFE_INTEGER): Promise<E[]> {
    return (await this.readMany([loaded], fromVersion, limit))[0]!;
  }

  /** The same for many streams, with every chunk they need fetched in one round trip. */
  async readMany(streams: Array<LoadedStream<E, S>>, fromVersion = 1, limit = Number.MAX_SAFE_INTEGER): Promise<E[][]> {
    const ranges = streams.map((loaded) => {
      const head = loaded.head;
      if (!head || fromVersion > head.version || limit <= 0) return null;
      const from = Math.max(1, fromVersion);
      const to = Math.min(head.version, from + limit - 1);
      const keys: string[] = [];
      const lastChunk = Math.min(head.sealedChunks - 1, Math.floor((to - 1) / head.chunkSize));
      for (let n = Math.floor((from - 1) / head.chunkSize); n <= lastChunk; n++) keys.push(StreamStore.chunkKey(loaded.streamId, n));
      return { head, from, to, keys };
    });
    const keys = ranges.flatMap((range) => range?.keys ?? []);
    const chunks = keys.length ? await this.call(() => this.sidecar.getBulkState<{ events: E[] }>(this.storeName, keys)) : new Map();
    return ranges.map((range) => {
      if (!range) return [];
      const out: E[] = [];
      for (const key of range.keys) {
        const chunk = chunks.get(key)?.value as { events: E[] } | undefined;
        if (!chunk) throw new StoreUnavailableError(`chunk ${key} is missing from the store`);
        for (const e of chunk.events) if (e.version >= range.from && e.version <= range.to) out.push(this.upcast(e));
      }
      for (const e of range.head.events) if (e.version >= range.from && e.version <= range.to) out.push(this.upcast(e));
      return out;
    });
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof SidecarError) throw new StoreUnavailableError(err.message);
      throw err;
    }
  }
}

export const newEventId = (): string => randomUUID();
