// The building blocks of the OpenAPI documents: component schemas (the shapes of schemas/),
// parameters, headers, and responses, the problem ones derived from the problem catalogue. Each
// document (command-document.ts, query-document.ts, gateway-document.ts) is made of these.
import { PROBLEM_CONTENT_TYPE, problemsOfStatus, problemType } from '../problem/index.js';
import * as commandSchemas from '../schemas/command-schemas.js';
import { pageEventSchema } from '../schemas/event-schemas.js';
import { instantSchema, uuidSchema } from '../schemas/fields.js';
import * as querySchemas from '../schemas/query-schemas.js';

/** A JSON object of an OpenAPI document (the documents are data; their validity is tested). */
export type OpenApiObject = { [key: string]: unknown };

/** What a document's paths map to: path -> method -> operation (and `x-internal` on a path). */
export type OpenApiPaths = Record<string, OpenApiObject>;

export const schemaRef = (name: keyof typeof COMPONENT_SCHEMAS): OpenApiObject => ({ $ref: `#/components/schemas/${name}` });

/** RFC 9457 problem details: `type` names the cause (catalogue: problem/problem.ts). */
const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', description: 'The cause, /problems/<code>: branch on it, never on prose.' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      description: 'The fields of the body that are wrong (JSON pointers).',
      items: { type: 'object', required: ['pointer', 'detail'], properties: { pointer: { type: 'string' }, detail: { type: 'string' } } },
    },
    currentVersion: { type: 'integer', description: 'precondition-failed, read-model-behind: the version there is.' },
    minVersion: { type: 'integer', description: 'read-model-behind: the version asked for.' },
  },
} as const;

/** Every named shape, in every document's components (a document may leave some unused). */
export const COMPONENT_SCHEMAS = {
  Account: querySchemas.accountJsonSchema,
  AccountPage: querySchemas.accountPageSchema,
  Operation: querySchemas.operationJsonSchema,
  OperationPage: querySchemas.operationPageSchema,
  Transfer: querySchemas.transferJsonSchema,
  TransferPage: querySchemas.transferPageSchema,
  BalanceAt: querySchemas.balanceAtSchema,
  Stats: querySchemas.statsSchema,
  ProjectionStatus: querySchemas.projectionStatusSchema,
  RebuildStarted: querySchemas.rebuildStartedSchema,
  Reconciliation: querySchemas.reconciliationSchema,
  OpenAccount: commandSchemas.openAccountBodySchema,
  Movement: commandSchemas.movementBodySchema,
  TransferRequest: commandSchemas.transferBodySchema,
  EmptyBody: commandSchemas.emptyBodySchema,
  CommandAccepted: commandSchemas.commandAcceptedSchema,
  TransferAccepted: commandSchemas.transferAcceptedSchema,
  AccountState: commandSchemas.accountStateSchema,
  EventPage: commandSchemas.eventPageSchema,
  PageEvent: pageEventSchema,
  StreamIndexPage: commandSchemas.streamIndexPageSchema,
  StreamEventsPage: commandSchemas.streamEventsPageSchema,
  StreamVersions: commandSchemas.streamVersionsSchema,
  Health: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } },
  Readiness: {
    type: 'object',
    required: ['status', 'checks'],
    properties: { status: { enum: ['ready', 'not ready'] }, checks: { type: 'object', additionalProperties: { type: 'boolean' } } },
  },
  Problem: problemSchema,
} as const;

const stringHeader = (description: string, example: string, required = false): OpenApiObject => ({ description, required, schema: { type: 'string' }, example });

export const HEADERS = {
  Location: stringHeader('Where the created resource is read.', '/accounts/6b1f3c2e-9a4d-4e8b-8f3a-2c1d5e6f7a8b', true),
  ETag: stringHeader("The account's version in the read model, quoted.", '"3"', true),
  IdempotentReplayed: {
    description: 'Present (true) when this is the first answer to the same Idempotency-Key and body, given again; nothing changed.',
    required: false,
    schema: { type: 'string', const: 'true' },
    example: 'true',
  },
  RetryAfter: { description: 'Seconds to wait before trying again.', required: true, schema: { type: 'string', pattern: '^[0-9]+$' }, example: '1' },
} as const;

/** An Idempotency-Key: printable ASCII, 1 to 128 characters. */
export const IDEMPOTENCY_KEY_PATTERN = '^[\\x21-\\x7e]{1,128}$';

/** The request headers and parameters the operations share. */
export const PARAMETERS = {
  accountId: { name: 'id', in: 'path', required: true, description: 'The account id.', schema: uuidSchema },
  transferId: { name: 'id', in: 'path', required: true, description: 'The transfer id.', schema: uuidSchema },
  idempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: 'The same key and body: the first answer again (Idempotent-Replayed: true), nothing changed; another body: 422 idempotency-key-reused.',
    schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN },
    example: 'order-42',
  },
  ifMatch: {
    name: 'If-Match',
    in: 'header',
    required: false,
    description: 'The account version the command expects ("3", W/"3" or *): 412 precondition-failed unless the account is at it.',
    schema: { type: 'string' },
    example: '"3"',
  },
  limit: (max: number, defaultLimit: number): OpenApiObject => ({
    name: 'limit',
    in: 'query',
    required: false,
    description: `At most this many items (default ${defaultLimit}).`,
    schema: { type: 'integer', minimum: 1, maximum: max, default: defaultLimit },
  }),
  cursor: { name: 'cursor', in: 'query', required: false, description: "An answer's nextCursor: the next page.", schema: { type: 'string' } },
  instant: (name: string, description: string): OpenApiObject => ({ name, in: 'query', required: false, description, schema: instantSchema }),
} as const;

/**
 * A value of an enumeration as the query service reads it, in any case (?type=debit): a pattern,
 * since JSON Schema has no case-insensitive enum.
 */
export function anyCaseEnum(values: readonly string[]): OpenApiObject {
  const anyCase = (value: string): string =>
    [...value]
      .map((character) => (/[a-z]/i.test(character) ? `[${character.toUpperCase()}${character.toLowerCase()}]` : character.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
      .join('');
  return { type: 'string', pattern: `^(${values.map(anyCase).join('|')})$`, description: `${values.join(', ')}, in any case.`, examples: [...values] };
}

/** One problem status as a response: the catalogue's types of that status, one example. */
export function problemResponse(status: number, headers: OpenApiObject = {}): OpenApiObject {
  const problems = problemsOfStatus(status);
  const [first] = problems;
  if (!first) throw new Error(`the problem catalogue has no problem of status ${status}`);
  return {
    description: problems.map((problem) => problem.title).join('; '),
    ...(Object.keys(headers).length ? { headers } : {}),
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: {
          allOf: [schemaRef('Problem')],
          properties: { type: { enum: problems.map((problem) => problemType(problem.code)) }, status: { const: status } },
        },
        example: { type: problemType(first.code), title: first.title, status, detail: first.title },
      },
    },
  };
}

/** The problems any operation of a service may answer: transport and plumbing (body, headers, outages). */
export const COMMON_PROBLEM_STATUSES = [400, 406, 408, 413, 415, 431, 500, 503] as const;

export interface OperationSpec {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: OpenApiObject[];
  /** The component schema of a JSON body, and whether it may be left out. */
  body?: { schema: keyof typeof COMPONENT_SCHEMAS; optional?: boolean };
  /** The success answer: its status, component schema, an example, headers. */
  success: { status: number; description: string; schema: keyof typeof COMPONENT_SCHEMAS; example: unknown; headers?: OpenApiObject };
  /** Other answers than JSON (Server-Sent Events, Prometheus text), instead of `success`'s content. */
  content?: OpenApiObject;
  /** The operation's own problem statuses, besides COMMON_PROBLEM_STATUSES. */
  problems: number[];
  /** Headers of particular problem statuses (Retry-After on a 504). */
  problemHeaders?: Record<number, OpenApiObject>;
}

export function operation(spec: OperationSpec): OpenApiObject {
  const statuses = [...new Set([...spec.problems, ...COMMON_PROBLEM_STATUSES])].sort((first, second) => first - second);
  const successContent = spec.content ?? { 'application/json': { schema: schemaRef(spec.success.schema), example: spec.success.example } };
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: spec.tags,
    ...(spec.parameters?.length ? { parameters: spec.parameters } : {}),
    ...(spec.body
      ? {
          requestBody: {
            required: !spec.body.optional,
            content: { 'application/json': { schema: schemaRef(spec.body.schema), example: exampleOf(spec.body.schema) } },
          },
        }
      : {}),
    responses: {
      [spec.success.status]: { description: spec.success.description, ...(spec.success.headers ? { headers: spec.success.headers } : {}), content: successContent },
      ...Object.fromEntries(statuses.map((status) => [status, problemResponse(status, spec.problemHeaders?.[status])])),
    },
  };
}

/** A body schema's first example (the schemas of request bodies carry one). */
function exampleOf(name: keyof typeof COMPONENT_SCHEMAS): unknown {
  const schema = COMPONENT_SCHEMAS[name] as { examples?: readonly unknown[] };
  return schema.examples?.[0] ?? {};
}

/** /healthz, /readyz and /metrics, which every service serves (not through the gateway). */
export function operationalPaths(): OpenApiPaths {
  const tags = ['operations'];
  return {
    '/healthz': {
      'x-internal': true,
      get: {
        operationId: 'health',
        summary: 'The process is up',
        tags,
        responses: { 200: { description: 'Up', content: { 'application/json': { schema: schemaRef('Health'), example: { status: 'ok' } } } } },
      },
    },
    '/readyz': {
      'x-internal': true,
      get: {
        operationId: 'readiness',
        summary: 'Ready: the sidecar and the stores answer',
        tags,
        responses: {
          200: { description: 'Ready', content: { 'application/json': { schema: schemaRef('Readiness'), example: { status: 'ready', checks: { sidecar: true } } } } },
          503: { description: 'Not ready', content: { 'application/json': { schema: schemaRef('Readiness'), example: { status: 'not ready', checks: { sidecar: false } } } } },
        },
      },
    },
    '/metrics': {
      'x-internal': true,
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics',
        tags,
        responses: { 200: { description: 'The metrics, Prometheus text format', content: { 'text/plain': { schema: { type: 'string' }, example: 'http_requests_total 1' } } } },
      },
    },
  };
}

/** GET /openapi.json: the document itself. */
export function documentPath(): OpenApiPaths {
  return {
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This OpenAPI document',
        tags: ['operations'],
        security: [],
        responses: { 200: { description: 'The OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' }, example: { openapi: '3.1.0' } } } } },
      },
    },
  };
}

/** A whole document around its paths. */
export function document(info: { title: string; description: string }, paths: OpenApiPaths, extra: OpenApiObject = {}): OpenApiObject {
  return {
    openapi: '3.1.0',
    info: { ...info, version: '0.1.0' },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    paths,
    components: { schemas: COMPONENT_SCHEMAS, ...((extra.components as OpenApiObject | undefined) ?? {}) },
    ...Object.fromEntries(Object.entries(extra).filter(([key]) => key !== 'components')),
  };
}
