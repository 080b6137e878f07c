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

const catalog = {
  'malformed-json': [400, 'Malformed JSON'],
  'invalid-request': [400, 'Invalid request'],
  'invalid-amount': [400, 'Invalid amount'],
  'unknown-currency': [400, 'Unknown currency'],
  'invalid-account-id': [400, 'Invalid account id'],
  'invalid-query': [400, 'Invalid query parameter'],
  'invalid-header': [400, 'Invalid header'],
  unauthorized: [401, 'Unauthorized'],
  'not-found': [404, 'Not found'],
  'account-not-found': [404, 'Account not found'],
  'method-not-allowed': [405, 'Method not allowed'],
  'request-timeout': [408, 'Request timeout'],
  'not-acceptable': [406, 'Not acceptable'],
  'concurrency-conflict': [409, 'Concurrent modification'],
  'account-already-exists': [409, 'Account already exists'],
  'precondition-failed': [412, 'Precondition failed'],
  'payload-too-large': [413, 'Payload too large'],
  'unsupported-media-type': [415, 'Unsupported media type'],
  'header-fields-too-large': [431, 'Request header fields too large'],
  'insufficient-funds': [422, 'Insufficient funds'],
  'currency-mismatch': [422, 'Currency mismatch'],
  'account-not-active': [422, 'Account not active'],
  'idempotency-key-reused': [422, 'Idempotency key reused with another request'],
  'rebuild-in-progress': [409, 'Rebuild in progress'],
  internal: [500, 'Internal error'],
  'dependency-unavailable': [503, 'Dependency unavailable'],
  'read-model-behind': [504, 'Read model behind the requested version'],
} as const satisfies Record<string, readonly [number, string]>;

export type ProblemCode = keyof typeof catalog;

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
