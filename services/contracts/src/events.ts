// The event contract shared by the write side (which produces events) and the read side (which
// projects them). Amounts travel as decimal strings in the currency's canonical form.

export const EVENT_SCHEMA_VERSION = 1;

export interface AccountCreatedData {
  initialBalance: string;
  currency: string;
}
export type AccountActivatedData = Record<string, never>;
export interface AccountCreditedData {
  amount: string;
  currency: string;
}
export interface AccountDebitedData {
  amount: string;
  currency: string;
}

interface Envelope<T extends string, D> {
  eventId: string;
  accountId: string;
  type: T;
  /** Position in the account's stream, 1-based and contiguous. */
  version: number;
  occurredAt: string;
  schemaVersion: number;
  data: D;
}

export type AccountCreated = Envelope<'AccountCreated', AccountCreatedData>;
export type AccountActivated = Envelope<'AccountActivated', AccountActivatedData>;
export type AccountCredited = Envelope<'AccountCredited', AccountCreditedData>;
export type AccountDebited = Envelope<'AccountDebited', AccountDebitedData>;
export type AccountEvent = AccountCreated | AccountActivated | AccountCredited | AccountDebited;
export type AccountEventType = AccountEvent['type'];

/** An event before the store gives it its envelope (id, version, time). */
export type NewEvent = { [E in AccountEvent as E['type']]: { type: E['type']; data: E['data'] } }[AccountEventType];

export type AccountStatus = 'CREATED' | 'ACTIVATED';
