// account-command's API as an OpenAPI 3.1 document: the commands, an account's events and state,
// and the event store as the read side pulls it (x-internal: not forwarded by the gateway).
import { COMMAND_SIDE_LIMITS } from '../command-side-api.js';
import { document, documentPath, HEADERS, operation, operationalPaths, PARAMETERS, type OpenApiObject, type OpenApiPaths, type OperationSpec } from './parts.js';

const ACCOUNT_ID = '6b1f3c2e-9a4d-4e8b-8f3a-2c1d5e6f7a8b';
const TRANSFER_ID = '9c1e2d3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
const COMMAND_TAGS = ['commands'];
const HISTORY_TAGS = ['history'];
const accepted = { accountId: ACCOUNT_ID, version: 3 };
const replayable = { 'Idempotent-Replayed': HEADERS.IdempotentReplayed };
const eventsLimit = PARAMETERS.limit(COMMAND_SIDE_LIMITS.maxLimit, COMMAND_SIDE_LIMITS.defaultLimit);
const idsParameter = {
  name: 'ids',
  in: 'query',
  required: true,
  description: `Account ids, comma separated, given once (at most ${COMMAND_SIDE_LIMITS.maxIds}).`,
  schema: { type: 'string' },
  example: ACCOUNT_ID,
};

/** A command on an existing account: POST /accounts/{id}/<verb>. */
function accountCommand(verb: string, summary: string, body: 'Movement' | 'EmptyBody', problems: number[]): OpenApiObject {
  return {
    post: operation({
      operationId: `${verb}Account`,
      summary,
      tags: COMMAND_TAGS,
      parameters: [PARAMETERS.accountId, PARAMETERS.idempotencyKey, PARAMETERS.ifMatch],
      body: { schema: body, optional: body === 'EmptyBody' },
      success: { status: 200, description: 'Done: the account and its new version', schema: 'CommandAccepted', example: accepted, headers: replayable },
      problems: [404, 409, 412, 422, ...problems],
    }),
  };
}

/**
 * A command that creates something (an account, a transfer): its Idempotency-Key, and the
 * answer's Location and Idempotent-Replayed.
 */
function creatingCommand(
  spec: Pick<OperationSpec, 'operationId' | 'summary' | 'description' | 'problems'> & {
    body: NonNullable<OperationSpec['body']>['schema'];
    success: Omit<OperationSpec['success'], 'headers'>;
    location: string;
  },
): OpenApiObject {
  const { body, success, location, ...described } = spec;
  return {
    post: operation({
      ...described,
      tags: COMMAND_TAGS,
      parameters: [PARAMETERS.idempotencyKey],
      body: { schema: body },
      success: { ...success, headers: { Location: { ...HEADERS.Location, example: location }, ...replayable } },
    }),
  };
}

export function commandPaths(): OpenApiPaths {
  return {
    '/accounts': creatingCommand({
      operationId: 'openAccount',
      summary: 'Open an account',
      description: "Created and activated in one commit (version 2). A customer's account is theirs; an administrator's the bank's.",
      body: 'OpenAccount',
      success: { status: 201, description: 'Opened', schema: 'CommandAccepted', example: { accountId: ACCOUNT_ID, version: 2 } },
      location: `/accounts/${ACCOUNT_ID}`,
      problems: [409, 422],
    }),
    '/accounts/{id}/credit': accountCommand('credit', 'Credit an account', 'Movement', []),
    '/accounts/{id}/debit': accountCommand('debit', 'Debit an account (no overdraft)', 'Movement', []),
    '/accounts/{id}/suspend': accountCommand('suspend', 'Suspend an account: no debits nor transfers out', 'EmptyBody', []),
    '/accounts/{id}/reactivate': accountCommand('reactivate', 'Reactivate a suspended account', 'EmptyBody', []),
    '/accounts/{id}/close': accountCommand('close', 'Close an account, at a zero balance, for good', 'EmptyBody', []),
    '/transfers': creatingCommand({
      operationId: 'sendTransfer',
      summary: 'Move money between two accounts',
      description:
        'Accepted (PENDING) and final within moments; funds short: FAILED at once, nothing moved. Repeated with its Idempotency-Key: the same transfer, with its status now.',
      body: 'TransferRequest',
      success: { status: 202, description: 'Accepted (or declined: FAILED)', schema: 'TransferAccepted', example: { transferId: TRANSFER_ID, status: 'PENDING' } },
      location: `/transfers/${TRANSFER_ID}`,
      problems: [404, 409, 422],
    }),
    '/accounts/{id}/events': {
      get: operation({
        operationId: 'accountEvents',
        summary: "An account's events, at the current schema version",
        tags: HISTORY_TAGS,
        parameters: [PARAMETERS.accountId, { name: 'fromVersion', in: 'query', required: false, schema: { type: 'integer', minimum: 1, default: 1 } }, eventsLimit],
        success: {
          status: 200,
          description: 'A page of events',
          schema: 'EventPage',
          example: {
            accountId: ACCOUNT_ID,
            version: 1,
            events: [
              {
                eventId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
                type: 'AccountCreated',
                version: 1,
                occurredAt: '2026-01-31T12:00:00.000Z',
                schemaVersion: 3,
                correlationId: 'c0ffee00-0000-4000-8000-000000000001',
                causationId: 'c0ffee00-0000-4000-8000-000000000001',
                actor: 'alice',
                data: { initialBalance: '100.00', currency: 'MAD', owner: 'alice' },
              },
            ],
          },
        },
        problems: [404],
      }),
    },
    '/accounts/{id}/state': {
      get: operation({
        operationId: 'accountState',
        summary: 'An account folded from its events: now, at a version, or at an instant',
        tags: HISTORY_TAGS,
        parameters: [
          PARAMETERS.accountId,
          { name: 'version', in: 'query', required: false, description: 'The state at this version (not with at).', schema: { type: 'integer', minimum: 1 } },
          PARAMETERS.instant('at', 'The state at this instant (not with version).'),
        ],
        success: {
          status: 200,
          description: 'The state',
          schema: 'AccountState',
          example: { accountId: ACCOUNT_ID, balance: '74.50', currency: 'MAD', status: 'ACTIVATED', version: 3 },
        },
        problems: [404],
      }),
    },
    '/streams': {
      'x-internal': true,
      get: operation({
        operationId: 'streams',
        summary: 'Every account id, paged (for rebuilds)',
        tags: ['event store'],
        parameters: [PARAMETERS.cursor, eventsLimit],
        success: { status: 200, description: 'A page of ids', schema: 'StreamIndexPage', example: { items: [ACCOUNT_ID], nextCursor: null } },
        problems: [],
      }),
    },
    '/streams/events': {
      'x-internal': true,
      get: operation({
        operationId: 'streamEvents',
        summary: "Many accounts' events at once (for rebuilds)",
        tags: ['event store'],
        parameters: [idsParameter, eventsLimit],
        success: { status: 200, description: 'One page per known account', schema: 'StreamEventsPage', example: { streams: [{ accountId: ACCOUNT_ID, version: 0, events: [] }] } },
        problems: [],
      }),
    },
    '/streams/versions': {
      'x-internal': true,
      get: operation({
        operationId: 'streamVersions',
        summary: "Many accounts' versions at once (for reconciliation)",
        tags: ['event store'],
        parameters: [idsParameter],
        success: { status: 200, description: 'The version of each known account', schema: 'StreamVersions', example: { streams: [{ accountId: ACCOUNT_ID, version: 3 }] } },
        problems: [],
      }),
    },
  };
}

/** account-command's document, as it serves it on GET /openapi.json. */
export function commandDocument(): OpenApiObject {
  return document(
    { title: 'Bank accounts: commands (account-command)', description: 'Opens accounts, moves money, and gives out the events it decided. Errors are RFC 9457 problems.' },
    { ...commandPaths(), ...operationalPaths(), ...documentPath() },
  );
}
