// What the command service (account-command) takes and answers, as JSON Schemas: the command
// bodies, their answers, an account's state and the event store as the read side pulls it. The
// OpenAPI documents publish them; command-side-api.ts derives its types from them.
import { accountStatusSchema, amountSchema, currencySchema, instantSchema, nextCursorSchema, uuidSchema, versionSchema, objectSchema } from './fields.js';
import { transferStatusSchema } from './query-schemas.js';

/** Where the documents keep one event (schemas/event-schemas.ts, pageEventSchema). */
export const PAGE_EVENT_REF = '#/components/schemas/PageEvent';

export const openAccountBodySchema = objectSchema({
  required: ['initialBalance', 'currency'],
  properties: { initialBalance: amountSchema, currency: currencySchema },
  examples: [{ initialBalance: '100.00', currency: 'MAD' }],
});

/** A movement's description: 1 to 140 characters, none of them a control character. */
export const descriptionSchema = { type: 'string', minLength: 1, maxLength: 140, pattern: '^[^\\u0000-\\u001f\\u007f-\\u009f]*$' } as const;

export const movementBodySchema = objectSchema({
  required: ['amount', 'currency'],
  properties: { amount: { ...amountSchema, description: 'Positive, in the currency of the account.' }, currency: currencySchema, description: descriptionSchema },
  examples: [{ amount: '25.50', currency: 'MAD', description: 'order 42' }],
});

export const transferBodySchema = objectSchema({
  required: ['fromAccountId', 'toAccountId', 'amount', 'currency'],
  properties: { fromAccountId: uuidSchema, toAccountId: uuidSchema, amount: amountSchema, currency: currencySchema, description: descriptionSchema },
  examples: [{ fromAccountId: '6b1f3c2e-9a4d-4e8b-8f3a-2c1d5e6f7a8b', toAccountId: '0c9e8d7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f', amount: '30.00', currency: 'MAD' }],
});

/** Suspend, reactivate, close: no fields; the body is absent or an empty JSON object. */
export const emptyBodySchema = { type: 'object', additionalProperties: false, properties: {}, examples: [{}] } as const;

export const commandAcceptedSchema = objectSchema({
  description: "The account and its version after the command's commit.",
  required: ['accountId', 'version'],
  properties: { accountId: uuidSchema, version: versionSchema },
  examples: [{ accountId: '6b1f3c2e-9a4d-4e8b-8f3a-2c1d5e6f7a8b', version: 2 }],
});

export const transferAcceptedSchema = objectSchema({
  description: 'PENDING: on its way; FAILED with a reason: declined (funds short) or refunded; COMPLETED on a repeat after it settled.',
  required: ['transferId', 'status'],
  properties: { transferId: uuidSchema, status: transferStatusSchema, reason: { type: 'string', examples: ['insufficient-funds'] } },
  examples: [{ transferId: '9c1e2d3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f', status: 'PENDING' }],
});

export const accountStateSchema = objectSchema({
  description: 'An account folded from its events (now, at a version, or at an instant: `at` then).',
  required: ['accountId', 'balance', 'currency', 'status', 'version'],
  properties: { accountId: uuidSchema, balance: amountSchema, currency: currencySchema, status: accountStatusSchema, version: versionSchema, at: instantSchema },
});

export const eventPageSchema = objectSchema({
  description: "A page of an account's events, at the current schema version.",
  required: ['accountId', 'version', 'events'],
  properties: {
    accountId: uuidSchema,
    version: { type: 'integer', minimum: 0, description: 'Current version of the stream (not of the page).' },
    events: { type: 'array', items: { $ref: PAGE_EVENT_REF } },
  },
});

export const streamIndexPageSchema = objectSchema({
  description: 'Every stream id, paged (for rebuilds).',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: uuidSchema }, nextCursor: nextCursorSchema },
});

export const streamEventsPageSchema = objectSchema({
  description: 'One page per known stream (unknown ids are left out); a stream longer than `limit` comes back cut.',
  required: ['streams'],
  properties: { streams: { type: 'array', items: eventPageSchema } },
});

export const streamVersionsSchema = objectSchema({
  description: 'The current version of each known stream.',
  required: ['streams'],
  properties: {
    streams: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['accountId', 'version'], properties: { accountId: uuidSchema, version: versionSchema } },
    },
  },
});
