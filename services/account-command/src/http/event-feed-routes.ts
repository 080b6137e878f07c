// The event store as the read side pulls it (through Dapr service invocation): one account's
// events (also public), every stream id, and many streams' events or versions in one answer.
// Request and answer shapes are contracts in @bank/contracts (command-side-api.ts), so the read
// side's client and these routes cannot drift apart.
import Router from '@koa/router';
import { COMMAND_SIDE_LIMITS, Problem, toPageEvent, type AccountEvent, type EventPage, type StreamEventsPage, type StreamIndexPage, type StreamVersions } from '@bank/contracts';
import { accountIdOfStream, accountStreamId, type AccountStore } from '../commands/account-commands.js';
import { StreamIndex } from '../eventstore/stream-index.js';
import { streamExists, type LoadedStream } from '../eventstore/stream-store.js';
import type { AccountSnapshot } from '../domain/index.js';
import { accountIdParam, idsQuery, intQuery } from './validation.js';
import { callerOfRequest, requireReadable } from './access.js';

export interface EventFeedDeps {
  store: AccountStore;
  index: StreamIndex;
}

const limitQuery = (raw: unknown): number => intQuery(raw, 'limit', 1, COMMAND_SIDE_LIMITS.maxLimit) ?? COMMAND_SIDE_LIMITS.defaultLimit;

/** The account id of a stream loaded by account id (so always an account stream). */
const accountIdOf = (loaded: LoadedStream<AccountEvent, AccountSnapshot>): string => accountIdOfStream(loaded.streamId)!;

export function eventFeedRoutes({ store, index }: EventFeedDeps): Router {
  // Same options as the main router: one spelling per resource.
  const router = new Router({ strict: true, sensitive: true });

  router.get('/accounts/:id/events', async (ctx) => {
    const accountId = accountIdParam(ctx.params.id);
    const fromVersion = intQuery(ctx.query.fromVersion, 'fromVersion', 1, Number.MAX_SAFE_INTEGER) ?? 1;
    const limit = limitQuery(ctx.query.limit);
    const loaded = await store.load(accountStreamId(accountId));
    if (!loaded.head || !streamExists(loaded)) throw new Problem('account-not-found', `account ${accountId} does not exist`);
    // Public too (an account's history, through the gateway): only for a caller who may read it.
    requireReadable(callerOfRequest(ctx), accountId, loaded.head.snapshot);
    const events = await store.read(loaded, fromVersion, limit);
    const page: EventPage = { accountId, version: loaded.head.version, events: events.map(toPageEvent) };
    ctx.body = page;
  });

  // Every stream id, for rebuilding read models.
  router.get('/streams', async (ctx) => {
    const limit = limitQuery(ctx.query.limit);
    // A repeated cursor (an array) is refused like a repeated limit, not read as "from the start".
    if (ctx.query.cursor !== undefined && typeof ctx.query.cursor !== 'string') throw new Problem('invalid-query', 'cursor may be given once');
    const cursor = typeof ctx.query.cursor === 'string' && ctx.query.cursor !== '' ? ctx.query.cursor : null;
    if (cursor !== null && !StreamIndex.isCursor(cursor)) throw new Problem('invalid-query', 'cursor is not one this service returned');
    const listed = await index.list(cursor, limit);
    const page: StreamIndexPage = {
      items: listed.items.map(accountIdOfStream).filter((accountId): accountId is string => accountId !== null),
      nextCursor: listed.nextCursor,
    };
    ctx.body = page;
  });

  // Many streams' events in one answer, for rebuilds: heads and chunks come in two bulk reads
  // whatever the number of streams. A stream longer than `limit` is cut; the caller reads the
  // rest through /accounts/{id}/events. Unknown ids are left out.
  router.get('/streams/events', async (ctx) => {
    const accountIds = idsQuery(ctx.query.ids);
    const limit = limitQuery(ctx.query.limit);
    const loaded = (await store.loadMany(accountIds.map(accountStreamId))).filter(streamExists);
    const events = await store.readMany(loaded, 1, limit);
    const page: StreamEventsPage = {
      streams: loaded.map((stream, i) => ({ accountId: accountIdOf(stream), version: stream.head!.version, events: events[i]!.map(toPageEvent) })),
    };
    ctx.body = page;
  });

  // Many streams' versions in one bulk read of their heads, for account-query's reconciliation
  // (read models against the store, whatever the broker lost). Unknown ids are left out.
  router.get('/streams/versions', async (ctx) => {
    const loaded = (await store.loadMany(idsQuery(ctx.query.ids).map(accountStreamId))).filter(streamExists);
    const page: StreamVersions = { streams: loaded.map((stream) => ({ accountId: accountIdOf(stream), version: stream.head!.version })) };
    ctx.body = page;
  });

  return router;
}
