// What the command side (account-command) answers to those who read the event store through it:
// the read side's pulls, rebuilds and reconciliation (Dapr service invocation, app id
// COMMAND_APP_ID), and, for GET /accounts/{id}/events, any client. Paths are relative to the app
// (what Sidecar.invoke takes); every list is capped, and a value over a cap is refused with 400.
import type { FromSchema } from 'json-schema-to-ts';
import type { AccountEvent } from './events.js';
import type { accountStateSchema, eventPageSchema, streamIndexPageSchema, streamVersionsSchema } from './schemas/command-schemas.js';

export const COMMAND_SIDE_PATHS = {
  /** GET: an account's events, paged (EventPageQuery -> EventPage; 404 account-not-found). */
  accountEvents: (accountId: string): string => `accounts/${encodeURIComponent(accountId)}/events`,
  /** GET: every stream id, paged (StreamIndexQuery -> StreamIndexPage). */
  streams: 'streams',
  /** GET: many streams' events at once, for rebuilds (StreamEventsQuery -> StreamEventsPage). */
  streamEvents: 'streams/events',
  /** GET: many streams' versions at once, for reconciliation (StreamVersionsQuery -> StreamVersions). */
  streamVersions: 'streams/versions',
} as const;

export const COMMAND_SIDE_LIMITS = {
  /** Default and largest `limit` of every paged answer. */
  defaultLimit: 1000,
  maxLimit: 10_000,
  /** Largest number of account ids in one `ids` parameter. */
  maxIds: 200,
} as const;

/**
 * One event as the command side gives it out (the envelope without the account id), at the
 * current schema version. A reader upcasts what it receives (upcast): a command service of an
 * earlier release, during a rolling update, still gives out v1 events.
 */
export type PageEvent = Pick<AccountEvent, 'eventId' | 'type' | 'version' | 'occurredAt' | 'data' | 'correlationId' | 'causationId' | 'actor'> & { schemaVersion: number };

/** A stored event as the command side gives it out. */
export const toPageEvent = ({ eventId, type, version, occurredAt, schemaVersion, correlationId, causationId, actor, data }: AccountEvent): PageEvent => ({
  eventId,
  type,
  version,
  occurredAt,
  schemaVersion,
  correlationId,
  causationId,
  actor,
  data,
});

/** GET /accounts/{id}/events query: events from `fromVersion` (default 1), at most `limit`. */
export interface EventPageQuery {
  fromVersion?: number;
  limit?: number;
}

/** GET /accounts/{id}/events answer of the command service (eventPageSchema; its events typed from the event contract). */
export type EventPage = Omit<FromSchema<typeof eventPageSchema>, 'events'> & { events: PageEvent[] };

/** GET /streams query: `cursor` is an answer's nextCursor (absent or empty: from the start). */
export interface StreamIndexQuery {
  cursor?: string;
  limit?: number;
}

/** GET /streams answer of the command service: every stream id, paged. */
export type StreamIndexPage = FromSchema<typeof streamIndexPageSchema>;

/** GET /streams/events query: `ids` comma separated, given once; each stream's first `limit` events. */
export interface StreamEventsQuery {
  ids: readonly string[];
  limit?: number;
}

/**
 * GET /streams/events answer: one page per known stream (unknown ids are left out). A stream
 * longer than `limit` comes back cut (events.length < version); read the rest by accountEvents.
 */
export interface StreamEventsPage {
  streams: EventPage[];
}

/** GET /streams/versions query: `ids` comma separated, given once. */
export interface StreamVersionsQuery {
  ids: readonly string[];
}

/** GET /streams/versions answer of the command service: the current version of each known stream. */
export type StreamVersions = FromSchema<typeof streamVersionsSchema>;

/** GET /accounts/{id}/state answer: an account folded from its events (`at`: the instant asked for). */
export type AccountStateJson = FromSchema<typeof accountStateSchema>;
