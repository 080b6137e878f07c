// What the query service (account-query) answers: the JSON of an account, an operation and a
// transfer, as GET /accounts/{id}, the lists and every live update serve them. The dashboard and
// the test kit's oracle read the same types. Each is derived from its JSON Schema
// (schemas/query-schemas.ts), which the OpenAPI documents publish.
import type { FromSchema } from 'json-schema-to-ts';
import type {
  accountJsonSchema,
  balanceAtSchema,
  operationJsonSchema,
  projectionStatusSchema,
  rebuildStatusSchema,
  statsSchema,
  transferJsonSchema,
  transferStatusSchema,
} from './schemas/query-schemas.js';

/** An account as GET /accounts/{id} serves it (and every live update carries it). */
export type AccountJson = FromSchema<typeof accountJsonSchema>;

/** An operation as the operations lists serve it (`accountId` only in the all-accounts list). */
export type OperationJson = FromSchema<typeof operationJsonSchema>;
export type OperationType = OperationJson['type'];

/** A transfer as GET /transfers/{id} and GET /accounts/{id}/transfers serve it. */
export type TransferJson = FromSchema<typeof transferJsonSchema>;
export type TransferStatus = FromSchema<typeof transferStatusSchema>;
/** A transfer's steps, each one event on one of its two accounts. */
export type TransferStepType = TransferJson['steps'][number]['type'];

/** GET /accounts/{id}/balance: an account's balance at a moment. */
export type BalanceAtJson = FromSchema<typeof balanceAtSchema>;

/** GET /stats: accounts and total balance per currency. */
export type StatsJson = FromSchema<typeof statsSchema>;

/** A rebuild of the read models, as GET /admin/projections and POST /admin/projections/rebuild give it. */
export type RebuildStatusJson = FromSchema<typeof rebuildStatusSchema>;

/** GET /admin/projections: the read models' generation, sizes, rebuild and lag. */
export type ProjectionStatusJson = FromSchema<typeof projectionStatusSchema>;
