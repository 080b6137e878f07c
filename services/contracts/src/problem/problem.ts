// RFC 9457 problem details. Every cause has a stable type URI, so clients branch on `type`,
// never on prose.

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Every problem this API answers with, by HTTP status: its code (the type URI's last segment) and title. */
const catalogByStatus = {
  400: {
    'malformed-json': 'Malformed JSON',
    'invalid-request': 'Invalid request',
    'invalid-amount': 'Invalid amount',
    'unknown-currency': 'Unknown currency',
    'invalid-account-id': 'Invalid account id',
    'invalid-query': 'Invalid query parameter',
    'invalid-header': 'Invalid header',
  },
  401: { unauthorized: 'Unauthorized' },
  403: { forbidden: 'Forbidden' },
  404: { 'not-found': 'Not found', 'account-not-found': 'Account not found', 'transfer-not-found': 'Transfer not found' },
  405: { 'method-not-allowed': 'Method not allowed' },
  406: { 'not-acceptable': 'Not acceptable' },
  408: { 'request-timeout': 'Request timeout' },
  409: {
    'concurrency-conflict': 'Concurrent modification',
    'account-already-exists': 'Account already exists',
    'rebuild-in-progress': 'Rebuild in progress',
    'account-suspended': 'Account suspended',
    'account-already-suspended': 'Account already suspended',
    'account-not-suspended': 'Account not suspended',
    'account-closed': 'Account closed',
    'transfers-pending': 'Transfers pending',
  },
  412: { 'precondition-failed': 'Precondition failed' },
  413: { 'payload-too-large': 'Payload too large' },
  415: { 'unsupported-media-type': 'Unsupported media type' },
  422: {
    'insufficient-funds': 'Insufficient funds',
    'currency-mismatch': 'Currency mismatch',
    'account-not-active': 'Account not active',
    'balance-not-zero': 'Balance not zero',
    'same-account': 'Same account on both sides',
    'idempotency-key-reused': 'Idempotency key reused with another request',
  },
  429: { 'too-many-requests': 'Too many requests' },
  431: { 'header-fields-too-large': 'Request header fields too large' },
  500: { internal: 'Internal error' },
  503: { 'dependency-unavailable': 'Dependency unavailable' },
  504: { 'read-model-behind': 'Read model behind the requested version' },
} as const satisfies Record<number, Record<string, string>>;

type CatalogByStatus = typeof catalogByStatus;
export type ProblemCode = { [Status in keyof CatalogByStatus]: keyof CatalogByStatus[Status] }[keyof CatalogByStatus];

/** code -> [status, title], flattened once. */
const catalog = Object.fromEntries(
  Object.entries(catalogByStatus).flatMap(([status, titles]) => Object.entries(titles).map(([code, title]) => [code, [Number(status), title] as const])),
) as Record<ProblemCode, readonly [number, string]>;

/** Every status the catalogue has problems for. */
export const PROBLEM_STATUSES: readonly number[] = Object.keys(catalogByStatus).map(Number);

/** The catalogue's problems of one status, code and title (what the OpenAPI documents list for it). */
export function problemsOfStatus(status: number): Array<{ code: ProblemCode; title: string }> {
  const titles: Record<string, string> = (catalogByStatus as Record<number, Record<string, string>>)[status] ?? {};
  return Object.entries(titles).map(([code, title]) => ({ code: code as ProblemCode, title }));
}

export function problemType(code: ProblemCode): string {
  return `/problems/${code}`;
}

export class Problem extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly extensions: Record<string, unknown>;

  constructor(code: ProblemCode, detail?: string, extensions: Record<string, unknown> = {}) {
    super(detail ?? catalog[code][1]);
    this.code = code;
    this.status = catalog[code][0];
    this.extensions = extensions;
  }

  toBody(instance?: string): ProblemBody {
    return {
      type: problemType(this.code),
      title: catalog[this.code][1],
      status: this.status,
      detail: this.message,
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }
}

export function isProblem(e: unknown): e is Problem {
  return e instanceof Problem;
}
