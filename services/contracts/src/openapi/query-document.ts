// account-query's API as an OpenAPI 3.1 document: the read models (accounts, operations,
// transfers, balances, stats), their live updates, and the administration of the projections.
import { ACCOUNT_STATUSES } from '../events.js';
import { currencySchema, uuidSchema } from '../schemas/fields.js';
import {
  anyCaseEnum,
  COMPONENT_SCHEMAS,
  document,
  documentPath,
  HEADERS,
  operation,
  operationalPaths,
  PARAMETERS,
  type OpenApiObject,
  type OpenApiPaths,
  type OperationSpec,
} from './parts.js';

const ACCOUNT_ID = '6b1f3c2e-9a4d-4e8b-8f3a-2c1d5e6f7a8b';
const OTHER_ID = '0c9e8d7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f';
const TRANSFER_ID = '9c1e2d3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
const READ_TAGS = ['queries'];
const ADMIN_TAGS = ['administration'];
const limit = PARAMETERS.limit(500, 50);
const operationType = { name: 'type', in: 'query', required: false, schema: anyCaseEnum(COMPONENT_SCHEMAS.Operation.properties.type.enum) };
const range = [PARAMETERS.instant('from', 'From this instant on.'), PARAMETERS.instant('to', 'Up to this instant.')];

const account = {
  accountId: ACCOUNT_ID,
  owner: 'alice',
  balance: '74.50',
  currency: 'MAD',
  status: 'ACTIVATED',
  version: 3,
  createdAt: '2026-01-31T12:00:00.000Z',
  updatedAt: '2026-01-31T12:05:00.000Z',
};
const operationExample = {
  operationId: `${ACCOUNT_ID}:3`,
  type: 'DEBIT',
  amount: '25.50',
  currency: 'MAD',
  balanceAfter: '74.50',
  occurredAt: '2026-01-31T12:05:00.000Z',
  version: 3,
  description: 'order 42',
  transferId: null,
  counterpartyAccountId: null,
  correlationId: 'c0ffee00-0000-4000-8000-000000000001',
};
const transfer = {
  transferId: TRANSFER_ID,
  fromAccountId: ACCOUNT_ID,
  toAccountId: OTHER_ID,
  amount: '30.00',
  currency: 'MAD',
  description: null,
  status: 'COMPLETED',
  reason: null,
  detail: null,
  requestedAt: '2026-01-31T12:06:00.000Z',
  updatedAt: '2026-01-31T12:06:00.100Z',
  steps: [
    { type: 'DEBITED', accountId: ACCOUNT_ID, version: 4, occurredAt: '2026-01-31T12:06:00.000Z' },
    { type: 'CREDITED', accountId: OTHER_ID, version: 3, occurredAt: '2026-01-31T12:06:00.050Z' },
    { type: 'COMPLETED', accountId: ACCOUNT_ID, version: 5, occurredAt: '2026-01-31T12:06:00.100Z' },
  ],
};
const rebuild = { id: 2, state: 'running', startedAt: '2026-01-31T12:10:00.000Z', streamsSeen: 0, streamsDone: 0, eventsApplied: 0, caughtUp: 0, generation: 2 };

/** Server-Sent Events: `event: account`, `id: <version>`, `data: <the account's JSON>`. */
/** A read of the read models: GET, under the queries tag. */
const readOperation = (spec: Omit<OperationSpec, 'tags'>): OpenApiObject => ({ get: operation({ ...spec, tags: READ_TAGS }) });

const eventStream = {
  'text/event-stream': {
    schema: { type: 'string', description: 'Each event: `event: account`, `id: <version>`, `data:` an Account (components/schemas/Account) as JSON.' },
    example: `event: account\nid: 3\ndata: ${JSON.stringify(account)}\n\n`,
  },
};

/** A live feed (Server-Sent Events): an account as JSON in each event, now and at every change. */
const liveFeed = (operationId: string, summary: string, parameters: OpenApiObject[], problems: number[]): OpenApiObject =>
  readOperation({
    operationId,
    summary,
    parameters,
    success: { status: 200, description: 'The account now and at every change', schema: 'Account', example: account },
    content: eventStream,
    problems,
  });

export function queryPaths(): OpenApiPaths {
  return {
    '/accounts': readOperation({
      operationId: 'listAccounts',
      summary: "Accounts, paged (a customer's own)",
      parameters: [
        { name: 'currency', in: 'query', required: false, schema: currencySchema },
        { name: 'status', in: 'query', required: false, schema: anyCaseEnum(ACCOUNT_STATUSES) },
        limit,
        PARAMETERS.cursor,
      ],
      success: { status: 200, description: 'A page of accounts', schema: 'AccountPage', example: { items: [account], nextCursor: null } },
      problems: [],
    }),
    '/accounts/{id}': readOperation({
      operationId: 'getAccount',
      summary: 'An account',
      description: '?minVersion=N: read your writes; waits for the read model to reach version N (MIN_VERSION_WAIT_MS), then 504 read-model-behind.',
      parameters: [PARAMETERS.accountId, { name: 'minVersion', in: 'query', required: false, schema: { type: 'integer', minimum: 1 } }],
      success: { status: 200, description: 'The account', schema: 'Account', example: account, headers: { ETag: HEADERS.ETag } },
      problems: [404, 504],
      problemHeaders: { 504: { 'Retry-After': HEADERS.RetryAfter } },
    }),
    '/accounts/{id}/operations': readOperation({
      operationId: 'accountOperations',
      summary: "An account's operations, newest first",
      parameters: [PARAMETERS.accountId, operationType, ...range, limit, PARAMETERS.cursor],
      success: { status: 200, description: 'A page of operations', schema: 'OperationPage', example: { items: [operationExample], nextCursor: null } },
      problems: [404],
    }),
    '/accounts/{id}/balance': readOperation({
      operationId: 'balanceAt',
      summary: "An account's balance at a moment (now by default)",
      parameters: [PARAMETERS.accountId, PARAMETERS.instant('at', 'The moment (default: now).')],
      success: {
        status: 200,
        description: 'The balance',
        schema: 'BalanceAt',
        example: { accountId: ACCOUNT_ID, balance: '100.00', currency: 'MAD', at: '2026-01-31T12:01:00.000Z' },
      },
      problems: [404],
    }),
    '/accounts/{id}/transfers': readOperation({
      operationId: 'accountTransfers',
      summary: "An account's transfers, in and out, newest first",
      parameters: [PARAMETERS.accountId, limit, PARAMETERS.cursor],
      success: { status: 200, description: 'A page of transfers', schema: 'TransferPage', example: { items: [transfer], nextCursor: null } },
      problems: [404],
    }),
    '/accounts/{id}/live': liveFeed('accountLive', "An account's live updates (Server-Sent Events)", [PARAMETERS.accountId], [404]),
    '/transfers/{id}': readOperation({
      operationId: 'getTransfer',
      summary: 'A transfer and its steps',
      parameters: [PARAMETERS.transferId],
      success: { status: 200, description: 'The transfer', schema: 'Transfer', example: transfer },
      problems: [404],
    }),
    '/live': liveFeed('live', "Every change of the caller's accounts (Server-Sent Events)", [], []),
    '/operations': readOperation({
      operationId: 'listOperations',
      summary: "Operations of every account (a customer's own), newest first",
      parameters: [
        operationType,
        { name: 'currency', in: 'query', required: false, schema: currencySchema },
        { name: 'accountId', in: 'query', required: false, schema: uuidSchema },
        ...range,
        limit,
        PARAMETERS.cursor,
      ],
      success: {
        status: 200,
        description: 'A page of operations',
        schema: 'OperationPage',
        example: { items: [{ ...operationExample, accountId: ACCOUNT_ID }], nextCursor: null },
      },
      problems: [],
    }),
    '/stats': readOperation({
      operationId: 'stats',
      summary: 'Accounts and total balance per currency',
      success: { status: 200, description: 'The totals', schema: 'Stats', example: { currencies: [{ currency: 'MAD', accounts: 2, totalBalance: '174.50' }] } },
      problems: [],
    }),
    '/admin/projections': {
      get: operation({
        operationId: 'projectionStatus',
        summary: "The read models' state (administrators)",
        tags: ADMIN_TAGS,
        success: {
          status: 200,
          description: 'Generation, counts, rebuild, lag',
          schema: 'ProjectionStatus',
          example: {
            generation: 0,
            collections: { accounts: 'accounts', operations: 'operations', transferSteps: 'transfer_steps' },
            counts: { accounts: 2, operations: 5 },
            rebuild: null,
            lastRebuild: null,
            lag: { pullsInFlight: 0, lastAppliedAt: null, lastEventOccurredAt: null, lastApplyLagSeconds: null },
          },
        },
        problems: [401, 403],
      }),
    },
    '/admin/projections/rebuild': {
      post: operation({
        operationId: 'rebuildProjections',
        summary: 'Rebuild the read models from the event store (administrators)',
        tags: ADMIN_TAGS,
        success: {
          status: 202,
          description: 'Started',
          schema: 'RebuildStarted',
          example: { rebuild },
          headers: { Location: { ...HEADERS.Location, example: '/admin/projections' } },
        },
        problems: [401, 403, 409],
      }),
    },
    '/admin/projections/reconcile': {
      'x-internal': true,
      post: operation({
        operationId: 'reconcileProjections',
        summary: 'A reconciliation sweep now: every account against the event store',
        tags: ADMIN_TAGS,
        success: { status: 200, description: 'Done', schema: 'Reconciliation', example: { reconciliation: { checked: 2, healed: 0 } } },
        problems: [401, 403],
      }),
    },
  };
}

/** account-query's document, as it serves it on GET /openapi.json. */
export function queryDocument(): OpenApiObject {
  return document(
    { title: 'Bank accounts: queries (account-query)', description: 'The read models, their live updates and their administration. Errors are RFC 9457 problems.' },
    { ...queryPaths(), ...operationalPaths(), ...documentPath() },
  );
}
