// What a delivery on account-events may carry, decided without I/O.
import type { PageEvent } from '@bank/contracts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ParsedDelivery =
  /** `committedEvents`: the commit's events, when the direct publish carried them, checked for shape only. */
  | { kind: 'notification'; accountId: string; version: number; committedEvents?: PageEvent[] }
  /** The command service's start-up outbox probe: expected, carries nothing for us. */
  | { kind: 'probe' }
  | { kind: 'malformed'; reason: string };

export function isAccountId(raw: unknown): raw is string {
  return typeof raw === 'string' && UUID.test(raw);
}

export function parseNotification(data: unknown): ParsedDelivery {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { kind: 'malformed', reason: 'not a JSON object' };
  const record = data as Record<string, unknown>;
  if (!('accountId' in record) && 'probe' in record) return { kind: 'probe' };
  if (!isAccountId(record.accountId)) return { kind: 'malformed', reason: 'accountId is not a UUID' };
  if (typeof record.version !== 'number' || !Number.isSafeInteger(record.version) || record.version < 1) return { kind: 'malformed', reason: 'version is not a positive integer' };
  const notification = { kind: 'notification' as const, accountId: record.accountId.toLowerCase(), version: record.version };
  // `events` (what earlier versions sent, the outbox's possibly phantom copy included) is ignored.
  // `committedEvents` only come with the direct publish after a confirmed commit; events in an
  // unexpected shape are not a reason to drop the notification: it is then a plain hint to pull.
  const committedEvents = record.committedEvents;
  if (!Array.isArray(committedEvents) || committedEvents.length === 0 || !committedEvents.every(isPageEvent)) return notification;
  const last = committedEvents[committedEvents.length - 1] as PageEvent;
  if (last.version !== record.version) return notification;
  return { ...notification, committedEvents: committedEvents as PageEvent[] };
}

function isPageEvent(raw: unknown): boolean {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return false;
  const event = raw as Record<string, unknown>;
  return (
    typeof event.eventId === 'string' &&
    typeof event.type === 'string' &&
    typeof event.version === 'number' &&
    Number.isSafeInteger(event.version) &&
    typeof event.occurredAt === 'string' &&
    typeof event.schemaVersion === 'number' &&
    event.data !== null &&
    typeof event.data === 'object'
  );
}
