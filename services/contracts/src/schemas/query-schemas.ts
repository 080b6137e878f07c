// What the query service (account-query) answers, as JSON Schemas; query-api.ts derives the
// TypeScript types from them and the OpenAPI documents publish them.
import { accountStatusSchema, amountSchema, currencySchema, instantSchema, nextCursorSchema, nullableStringSchema, uuidSchema, versionSchema, objectSchema } from './fields.js';

export const accountJsonSchema = objectSchema({
  description: 'An account as GET /accounts/{id} serves it (and every live update carries it).',
  required: ['accountId', 'owner', 'balance', 'currency', 'status', 'version', 'createdAt', 'updatedAt'],
  properties: {
    accountId: uuidSchema,
    owner: { ...nullableStringSchema, description: "The customer it belongs to (their sign-in subject); null: the bank's administrators." },
    balance: amountSchema,
    currency: currencySchema,
    status: accountStatusSchema,
    version: versionSchema,
    createdAt: instantSchema,
    updatedAt: instantSchema,
  },
});

export const operationJsonSchema = objectSchema({
  description: 'An operation as the operations lists serve it (`accountId` only in the all-accounts list).',
  required: ['operationId', 'type', 'amount', 'currency', 'balanceAfter', 'occurredAt', 'version', 'description', 'transferId', 'counterpartyAccountId', 'correlationId'],
  properties: {
    operationId: { type: 'string' },
    accountId: uuidSchema,
    type: { type: 'string', enum: ['CREDIT', 'DEBIT'] },
    amount: amountSchema,
    currency: currencySchema,
    balanceAfter: amountSchema,
    occurredAt: instantSchema,
    version: versionSchema,
    description: { ...nullableStringSchema, description: 'What the client said it is for, or null.' },
    transferId: { type: ['string', 'null'], description: 'The transfer it is a step of; null for a movement on its own.' },
    counterpartyAccountId: { type: ['string', 'null'], description: "The transfer's other account; null for a movement on its own." },
    correlationId: { ...nullableStringSchema, description: "The request it came from (the event's correlation id), or null (events written before v2)." },
  },
});

export const transferStatusSchema = { type: 'string', enum: ['PENDING', 'COMPLETED', 'FAILED'] } as const;

export const transferJsonSchema = objectSchema({
  description: 'A transfer as GET /transfers/{id} and GET /accounts/{id}/transfers serve it.',
  required: ['transferId', 'fromAccountId', 'toAccountId', 'amount', 'currency', 'description', 'status', 'reason', 'detail', 'requestedAt', 'updatedAt', 'steps'],
  properties: {
    transferId: uuidSchema,
    fromAccountId: uuidSchema,
    toAccountId: uuidSchema,
    amount: amountSchema,
    currency: currencySchema,
    description: nullableStringSchema,
    status: { ...transferStatusSchema, description: 'COMPLETED once the target is credited; FAILED when declined or refunded; PENDING until then.' },
    reason: { ...nullableStringSchema, description: 'Why it failed (a problem code such as insufficient-funds or account-closed); null otherwise.' },
    detail: { ...nullableStringSchema, description: 'Why it failed, in words; null otherwise.' },
    requestedAt: { ...instantSchema, description: "The first step's time." },
    updatedAt: { ...instantSchema, description: "The last step's time." },
    steps: {
      type: 'array',
      description: "The transfer's steps, each one event on one of its two accounts.",
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'accountId', 'version', 'occurredAt'],
        properties: {
          type: { type: 'string', enum: ['DEBITED', 'DECLINED', 'CREDITED', 'CREDIT_REFUSED', 'REFUNDED', 'COMPLETED'] },
          accountId: uuidSchema,
          version: versionSchema,
          occurredAt: instantSchema,
        },
      },
    },
  },
});

/** A page of items with the cursor of the next one. */
const pageOf = <Item>(items: Item) =>
  ({ type: 'object', additionalProperties: false, required: ['items', 'nextCursor'], properties: { items: { type: 'array', items }, nextCursor: nextCursorSchema } }) as const;

export const accountPageSchema = pageOf(accountJsonSchema);
export const operationPageSchema = pageOf(operationJsonSchema);
export const transferPageSchema = pageOf(transferJsonSchema);

export const balanceAtSchema = objectSchema({
  description: 'An account balance at a moment, from its operations.',
  required: ['accountId', 'balance', 'currency', 'at'],
  properties: { accountId: uuidSchema, balance: amountSchema, currency: currencySchema, at: instantSchema },
});

export const statsSchema = objectSchema({
  description: "Per currency, the caller's accounts (every account for an administrator) and their total balance.",
  required: ['currencies'],
  properties: {
    currencies: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['currency', 'accounts', 'totalBalance'],
        properties: { currency: currencySchema, accounts: { type: 'integer', minimum: 0 }, totalBalance: amountSchema },
      },
    },
  },
});

export const rebuildStatusSchema = objectSchema({
  description: 'A rebuild of the read models into a new generation.',
  required: ['id', 'state', 'startedAt', 'streamsSeen', 'streamsDone', 'eventsApplied', 'caughtUp', 'generation'],
  properties: {
    id: { type: 'integer' },
    state: { type: 'string', enum: ['running', 'switching', 'catching-up', 'done', 'failed'] },
    startedAt: instantSchema,
    finishedAt: instantSchema,
    streamsSeen: { type: 'integer', minimum: 0 },
    streamsDone: { type: 'integer', minimum: 0 },
    eventsApplied: { type: 'integer', minimum: 0 },
    caughtUp: { type: 'integer', minimum: 0 },
    generation: { type: 'integer', minimum: 0 },
    error: { type: 'string' },
  },
});

export const rebuildStartedSchema = { type: 'object', additionalProperties: false, required: ['rebuild'], properties: { rebuild: rebuildStatusSchema } } as const;

export const projectionStatusSchema = objectSchema({
  description: "The read models' generation, sizes, rebuild and lag.",
  required: ['generation', 'collections', 'counts', 'rebuild', 'lastRebuild', 'lag'],
  properties: {
    generation: { type: 'integer', minimum: 0 },
    collections: { type: 'object', additionalProperties: { type: 'string' } },
    counts: {
      type: 'object',
      additionalProperties: false,
      required: ['accounts', 'operations'],
      properties: { accounts: { type: 'integer', minimum: 0 }, operations: { type: 'integer', minimum: 0 } },
    },
    rebuild: { anyOf: [rebuildStatusSchema, { type: 'null' }] },
    lastRebuild: { type: ['object', 'null'], description: 'The last finished rebuild, as recorded.' },
    lag: {
      type: 'object',
      additionalProperties: false,
      required: ['pullsInFlight', 'lastAppliedAt', 'lastEventOccurredAt', 'lastApplyLagSeconds'],
      properties: {
        pullsInFlight: { type: 'integer', minimum: 0 },
        lastAppliedAt: { type: ['string', 'null'], format: 'date-time' },
        lastEventOccurredAt: { type: ['string', 'null'], format: 'date-time' },
        lastApplyLagSeconds: { type: ['number', 'null'] },
      },
    },
  },
});

export const reconciliationSchema = objectSchema({
  required: ['reconciliation'],
  properties: {
    reconciliation: {
      type: 'object',
      additionalProperties: false,
      required: ['checked', 'healed'],
      properties: { checked: { type: 'integer', minimum: 0 }, healed: { type: 'integer', minimum: 0 } },
    },
  },
});
