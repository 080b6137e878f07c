// The event contract shared by the write side (which produces events) and the read side (which
// projects them). Amounts travel as decimal strings in the currency's canonical form.
//
// Events are versioned: `schemaVersion` says which shape an event was written in, and a store
// keeps every event as it was written, forever. Code reads every event through upcast(), which
// turns any earlier shape into the current one, so nothing past the reading edge (folds, history,
// projections, rebuilds) ever sees an old shape. The shapes:
//   1: the first. No correlation or causation id; credit and debit data { amount, currency }.
//   2: the envelope gains correlationId and causationId; credit and debit data gain description
//      and transfer (the transfer the movement is a step of, and its counterparty). An upcast v1
//      event has null for each. AccountSuspended, AccountReactivated and AccountClosed are new
//      (they exist only at v2). Transfers add, at v2, the counterparty's version on a transfer's
//      debit and four events: TransferDeclined, TransferCreditRefused, TransferRefunded and
//      TransferCompleted (see docs/architecture.md, Transfers).
//   3: the envelope gains actor (who caused the event); AccountCreated data gains owner (who the
//      account belongs to). An upcast v1 or v2 event has a null actor (not recorded), and an
//      upcast opening a null owner (the bank's administrators own it).

export const EVENT_SCHEMA_VERSION = 3;

/** The actor of a transfer's steps after its first: the process, acting for whoever asked for it. */
export const TRANSFER_PROCESS_ACTOR = 'process:transfers';

export interface AccountCreatedData {
  initialBalance: string;
  currency: string;
  /**
   * The customer the account belongs to (the subject of their sign-in); null when the bank's
   * administrators own it: opened by an administrator or by a caller inside the system with no
   * signed-in user, or opened before owners were recorded (v1, v2).
   */
  owner: string | null;
}
export type AccountActivatedData = Record<string, never>;

/** The transfer a movement is a step of, seen from this account. */
export interface TransferLeg {
  transferId: string;
  /** The other account of the transfer. */
  counterpartyAccountId: string;
  /**
   * On a transfer's debit only: the target's version when the transfer was accepted. The credit
   * comes after it, so a repeated credit step looks for its earlier outcome among the target's
   * events after this version (however many commands came since).
   */
  counterpartyVersion?: number;
}

export interface AccountCreditedData {
  amount: string;
  currency: string;
  /** What the client said the movement is for; null when it said nothing (and on v1 events). */
  description: string | null;
  /** Null for a movement asked for on its own (and on v1 events). */
  transfer: TransferLeg | null;
}
export type AccountDebitedData = AccountCreditedData;
/** Suspension, reactivation and closing carry nothing but their envelope. */
export type AccountSuspendedData = Record<string, never>;
export type AccountReactivatedData = Record<string, never>;
export type AccountClosedData = Record<string, never>;

/** Why a transfer failed: the refusal's problem code and its detail. */
export interface TransferFailure {
  reason: string;
  detail: string;
}
/** On the source: a transfer it was asked for and could not pay (insufficient funds); nothing moved. */
export type TransferDeclinedData = { transferId: string; counterpartyAccountId: string; amount: string; currency: string; description: string | null } & TransferFailure;
/** On the target: a transfer's credit it refused (suspended, closed, another currency); the source gets a refund. */
export type TransferCreditRefusedData = { transferId: string; counterpartyAccountId: string; amount: string; currency: string } & TransferFailure;
/** On the source: the money of a transfer whose credit was refused comes back; the transfer has failed. */
export type TransferRefundedData = { transferId: string; counterpartyAccountId: string; amount: string; currency: string } & TransferFailure;
/** On the source: the target took the credit; the transfer is settled. */
export type TransferCompletedData = { transferId: string; counterpartyAccountId: string };

interface Envelope<T extends string, D> {
  eventId: string;
  accountId: string;
  type: T;
  /** Position in the account's stream, 1-based and contiguous. */
  version: number;
  occurredAt: string;
  schemaVersion: number;
  /** The request this event came from (its x-correlation-id); null on v1 events. */
  correlationId: string | null;
  /** What directly caused it: the request for a command, the transfer for a transfer's step; null on v1 events. */
  causationId: string | null;
  /**
   * Who caused it: the signed-in user's subject for a command through the gateway,
   * TRANSFER_PROCESS_ACTOR for a transfer's later steps, null when the request named no one (a
   * caller inside the system) and on v1 and v2 events.
   */
  actor: string | null;
  data: D;
}

export type AccountCreated = Envelope<'AccountCreated', AccountCreatedData>;
export type AccountActivated = Envelope<'AccountActivated', AccountActivatedData>;
export type AccountCredited = Envelope<'AccountCredited', AccountCreditedData>;
export type AccountDebited = Envelope<'AccountDebited', AccountDebitedData>;
export type AccountSuspended = Envelope<'AccountSuspended', AccountSuspendedData>;
export type AccountReactivated = Envelope<'AccountReactivated', AccountReactivatedData>;
export type AccountClosed = Envelope<'AccountClosed', AccountClosedData>;
export type TransferDeclined = Envelope<'TransferDeclined', TransferDeclinedData>;
export type TransferCreditRefused = Envelope<'TransferCreditRefused', TransferCreditRefusedData>;
export type TransferRefunded = Envelope<'TransferRefunded', TransferRefundedData>;
export type TransferCompleted = Envelope<'TransferCompleted', TransferCompletedData>;
export type AccountEvent =
  | AccountCreated
  | AccountActivated
  | AccountCredited
  | AccountDebited
  | AccountSuspended
  | AccountReactivated
  | AccountClosed
  | TransferDeclined
  | TransferCreditRefused
  | TransferRefunded
  | TransferCompleted;
export type AccountEventType = AccountEvent['type'];

/** An event before the store gives it its envelope (id, version, time, correlation). */
export type NewEvent = { [E in AccountEvent as E['type']]: { type: E['type']; data: E['data'] } }[AccountEventType];

/**
 * CREATED -> ACTIVATED (in the open's own commit) <-> SUSPENDED; ACTIVATED or SUSPENDED -> CLOSED,
 * which is final. A suspended account takes plain credits and refuses debits and transfers.
 */
export type AccountStatus = 'CREATED' | 'ACTIVATED' | 'SUSPENDED' | 'CLOSED';

export const ACCOUNT_STATUSES: readonly AccountStatus[] = ['CREATED', 'ACTIVATED', 'SUSPENDED', 'CLOSED'];

/** Who asked for a change, and what caused it: given with a command, kept in its events' envelopes. */
export interface EventMetadata {
  correlationId: string | null;
  causationId: string | null;
  actor: string | null;
}

/**
 * What an event of any schema version has in common: enough to know how to upcast it. The
 * envelope's other fields never changed.
 */
export interface AnyVersion {
  type: string;
  schemaVersion: number;
  data: unknown;
  correlationId?: string | null;
  causationId?: string | null;
  actor?: string | null;
}

/** The v1 movement data, as v1 code wrote it. */
interface MovementDataV1 {
  amount: string;
  currency: string;
}

/** The parts of an event an upcast may change, at the current schema version. */
function upcastParts(event: AnyVersion): Pick<AnyVersion, 'schemaVersion' | 'data'> & EventMetadata {
  const metadata = { correlationId: event.correlationId ?? null, causationId: event.causationId ?? null, actor: event.actor ?? null };
  // A newer writer's event (a later schema) is passed on as it is: readers skip what they do not know.
  if (event.schemaVersion >= EVENT_SCHEMA_VERSION) return { schemaVersion: event.schemaVersion, data: event.data, ...metadata };
  let data = event.data;
  // 1 -> 2: movements gain a description and a transfer (v1 envelopes have no ids: null above).
  if (event.schemaVersion < 2 && (event.type === 'AccountCredited' || event.type === 'AccountDebited')) {
    const v1 = event.data as MovementDataV1;
    data = { amount: v1.amount, currency: v1.currency, description: null, transfer: null } satisfies AccountCreditedData;
  }
  // 2 -> 3: the opening gains its owner, unknown before: the administrators'. The actor is null above.
  if (event.type === 'AccountCreated') data = { ...(data as Omit<AccountCreatedData, 'owner'>), owner: null } satisfies AccountCreatedData;
  return { schemaVersion: EVENT_SCHEMA_VERSION, data, ...metadata };
}

/**
 * An event of any schema version (as stored, or as the command side gives it out), read as the
 * current one. The envelope's other fields are kept; an event already current is returned as is.
 */
export function upcast<E extends AnyVersion>(event: E): E & EventMetadata {
  if (event.schemaVersion >= EVENT_SCHEMA_VERSION && event.correlationId !== undefined && event.causationId !== undefined && event.actor !== undefined) {
    return event as E & EventMetadata;
  }
  return { ...event, ...upcastParts(event) };
}
