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

import type { FromSchema } from 'json-schema-to-ts';
import { accountStatusSchema } from './schemas/fields.js';
import type {
  accountCreatedDataSchema,
  accountMovedDataSchema,
  eventEnvelopeSchema,
  transferCompletedDataSchema,
  transferCreditRefusedDataSchema,
  transferDeclinedDataSchema,
  transferLegSchema,
  transferRefundedDataSchema,
} from './schemas/event-schemas.js';

export const EVENT_SCHEMA_VERSION = 3;

/** The actor of a transfer's steps after its first: the process, acting for whoever asked for it. */
export const TRANSFER_PROCESS_ACTOR = 'process:transfers';

// The data and envelope types are derived from their JSON Schemas (schemas/event-schemas.ts),
// which the OpenAPI documents publish: one description of each shape.
export type AccountCreatedData = FromSchema<typeof accountCreatedDataSchema>;
export type AccountActivatedData = Record<string, never>;

/** The transfer a movement is a step of, seen from this account. */
export type TransferLeg = FromSchema<typeof transferLegSchema>;

export type AccountCreditedData = FromSchema<typeof accountMovedDataSchema>;
export type AccountDebitedData = AccountCreditedData;
/** Suspension, reactivation and closing carry nothing but their envelope (emptyDataSchema). */
export type AccountSuspendedData = Record<string, never>;
export type AccountReactivatedData = Record<string, never>;
export type AccountClosedData = Record<string, never>;

/** Why a transfer failed: the refusal's problem code and its detail. */
export type TransferFailure = Pick<TransferDeclinedData, 'reason' | 'detail'>;
export type TransferDeclinedData = FromSchema<typeof transferDeclinedDataSchema>;
export type TransferCreditRefusedData = FromSchema<typeof transferCreditRefusedDataSchema>;
export type TransferRefundedData = FromSchema<typeof transferRefundedDataSchema>;
export type TransferCompletedData = FromSchema<typeof transferCompletedDataSchema>;

/** An event's envelope; the fields but the account id, the type and the data: eventEnvelopeSchema. */
type Envelope<T extends string, D> = FromSchema<typeof eventEnvelopeSchema> & {
  accountId: string;
  type: T;
  data: D;
};

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
export const ACCOUNT_STATUSES = accountStatusSchema.enum;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

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
