// What a delivery on account-events may carry, decided without I/O.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ParsedDelivery =
  | { kind: 'notification'; accountId: string; version: number }
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
  // The events that may travel along are ignored on purpose: only the event store is trusted.
  return { kind: 'notification', accountId: record.accountId.toLowerCase(), version: record.version };
}
