// The events as the command side gives them out (GET /accounts/{id}/events, the read side's
// pulls), at the current schema version: their data, one schema per type, and the envelope. The
// TypeScript types of events.ts are derived from these.
import { amountSchema, currencySchema, instantSchema, nullableStringSchema, uuidSchema, versionSchema, objectSchema } from './fields.js';

export const accountCreatedDataSchema = objectSchema({
  required: ['initialBalance', 'currency', 'owner'],
  properties: {
    initialBalance: amountSchema,
    currency: currencySchema,
    owner: {
      ...nullableStringSchema,
      description:
        "The customer the account belongs to (their sign-in subject); null when the bank's administrators own it: opened by an administrator, by a caller inside the system, or before owners were recorded (v1, v2).",
    },
  },
});

/** Activation, suspension, reactivation and closing carry nothing but their envelope. */
export const emptyDataSchema = { type: 'object', additionalProperties: false, properties: {} } as const;

export const transferLegSchema = objectSchema({
  description: 'The transfer a movement is a step of, seen from this account.',
  required: ['transferId', 'counterpartyAccountId'],
  properties: {
    transferId: uuidSchema,
    counterpartyAccountId: { ...uuidSchema, description: 'The other account of the transfer.' },
    counterpartyVersion: {
      type: 'integer',
      minimum: 0,
      description:
        "On a transfer's debit only: the target's version when the transfer was accepted (a repeated credit step looks for its earlier outcome among the target's events after it).",
    },
  },
});

export const accountMovedDataSchema = objectSchema({
  required: ['amount', 'currency', 'description', 'transfer'],
  properties: {
    amount: amountSchema,
    currency: currencySchema,
    description: { ...nullableStringSchema, description: 'What the client said the movement is for; null when it said nothing (and on v1 events).' },
    transfer: { anyOf: [transferLegSchema, { type: 'null' }], description: 'Null for a movement asked for on its own (and on v1 events).' },
  },
});

/** The fields every transfer step event names: the transfer and the other account. */
const transferStepProperties = { transferId: uuidSchema, counterpartyAccountId: uuidSchema } as const;
/** Why a transfer failed: the refusal's problem code and its detail. */
const failureProperties = { reason: { type: 'string', examples: ['insufficient-funds'] }, detail: { type: 'string' } } as const;

export const transferDeclinedDataSchema = objectSchema({
  description: 'On the source: a transfer it was asked for and could not pay (insufficient funds); nothing moved.',
  required: ['transferId', 'counterpartyAccountId', 'amount', 'currency', 'description', 'reason', 'detail'],
  properties: { ...transferStepProperties, amount: amountSchema, currency: currencySchema, description: nullableStringSchema, ...failureProperties },
});

/** A refused credit (on the target) and its refund (on the source) carry the same fields. */
const failedStepDataSchema = objectSchema({
  required: ['transferId', 'counterpartyAccountId', 'amount', 'currency', 'reason', 'detail'],
  properties: { ...transferStepProperties, amount: amountSchema, currency: currencySchema, ...failureProperties },
});
export const transferCreditRefusedDataSchema = {
  ...failedStepDataSchema,
  description: "On the target: a transfer's credit it refused (suspended, closed, another currency); the source gets a refund.",
} as const;
export const transferRefundedDataSchema = {
  ...failedStepDataSchema,
  description: 'On the source: the money of a transfer whose credit was refused comes back; the transfer has failed.',
} as const;

export const transferCompletedDataSchema = objectSchema({
  description: 'On the source: the target took the credit; the transfer is settled.',
  required: ['transferId', 'counterpartyAccountId'],
  properties: transferStepProperties,
});

/** Each event type's data. */
export const EVENT_DATA_SCHEMAS = {
  AccountCreated: accountCreatedDataSchema,
  AccountActivated: emptyDataSchema,
  AccountCredited: accountMovedDataSchema,
  AccountDebited: accountMovedDataSchema,
  AccountSuspended: emptyDataSchema,
  AccountReactivated: emptyDataSchema,
  AccountClosed: emptyDataSchema,
  TransferDeclined: transferDeclinedDataSchema,
  TransferCreditRefused: transferCreditRefusedDataSchema,
  TransferRefunded: transferRefundedDataSchema,
  TransferCompleted: transferCompletedDataSchema,
} as const;

/** The envelope's fields but `type` and `data` (and the account id, which a page gives once). */
export const eventEnvelopeProperties = {
  eventId: uuidSchema,
  version: { ...versionSchema, description: "Position in the account's stream, 1-based and contiguous." },
  occurredAt: instantSchema,
  schemaVersion: { type: 'integer', minimum: 1, description: 'The shape the event was written in; every event is given out at the current one.' },
  correlationId: { ...nullableStringSchema, description: 'The request this event came from (its x-correlation-id); null on v1 events.' },
  causationId: {
    ...nullableStringSchema,
    description: "What directly caused it: the request for a command, the transfer for a transfer's step; null on v1 events.",
  },
  actor: {
    ...nullableStringSchema,
    description:
      "Who caused it: the signed-in user's subject for a command through the gateway, process:transfers for a transfer's later steps, null when the request named no one (a caller inside the system) and on v1 and v2 events.",
  },
} as const;

export const eventEnvelopeSchema = objectSchema({
  required: ['eventId', 'version', 'occurredAt', 'schemaVersion', 'correlationId', 'causationId', 'actor'],
  properties: eventEnvelopeProperties,
});

/** One event as a page gives it: the envelope, its type and the data of that type. */
export const pageEventSchema = {
  oneOf: Object.entries(EVENT_DATA_SCHEMAS).map(([type, data]) => ({
    type: 'object',
    additionalProperties: false,
    required: [...eventEnvelopeSchema.required, 'type', 'data'],
    properties: { ...eventEnvelopeProperties, type: { const: type }, data },
  })),
};
