import { COMMAND_SIDE_LIMITS, COMPONENT_SCHEMAS, Problem } from '@bank/contracts';

export { instantQuery, intQuery } from '@bank/platform';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function accountIdParam(raw: string | undefined): string {
  if (!raw || !UUID.test(raw)) throw new Problem('invalid-account-id', 'the account id must be a UUID');
  return raw.toLowerCase();
}

/** An account id given in a body's field. */
export function accountIdField(raw: string, field: string): string {
  if (!UUID.test(raw)) throw new Problem('invalid-account-id', `${field} must be a UUID`, { errors: [{ pointer: `/${field}`, detail: 'must be a UUID' }] });
  return raw.toLowerCase();
}

/**
 * Checks the shape of a command body: an object with exactly these string fields, and any of the
 * `optional` ones. Amount rules (format, sign, precision, currency) belong to the domain and are
 * checked there.
 */
export function commandBody<K extends string, O extends string = never>(
  body: unknown,
  fields: readonly K[],
  amountField: K,
  optional: readonly O[] = [],
): Record<K, string> & Partial<Record<O, string>> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Problem('invalid-request', 'the body must be a JSON object');
  const errors: Array<{ pointer: string; detail: string }> = [];
  const obj = body as Record<string, unknown>;
  for (const f of fields) {
    if (!Object.hasOwn(obj, f)) errors.push({ pointer: `/${f}`, detail: 'is required' });
  }
  for (const k of Object.keys(obj)) {
    if (!(fields as readonly string[]).includes(k) && !(optional as readonly string[]).includes(k)) errors.push({ pointer: `/${k}`, detail: 'is not a known field' });
  }
  if (errors.length) throw new Problem('invalid-request', errors.map((error) => `${error.pointer.slice(1)} ${error.detail}`).join('; '), { errors });
  if (typeof obj[amountField] !== 'string') {
    throw new Problem('invalid-amount', `${amountField} must be a decimal string such as "25.50", not a JSON ${jsonType(obj[amountField])}`);
  }
  for (const f of [...fields, ...optional.filter((o) => Object.hasOwn(obj, o))]) {
    if (typeof obj[f] !== 'string') throw new Problem('invalid-request', `${f} must be a string`, { errors: [{ pointer: `/${f}`, detail: 'must be a string' }] });
  }
  return obj as Record<K, string> & Partial<Record<O, string>>;
}

/** The body of a command that takes no fields (suspend, reactivate, close): an empty JSON object. */
export function emptyBody(body: unknown): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Problem('invalid-request', 'the body must be a JSON object (or absent)');
  const errors = Object.keys(body).map((k) => ({ pointer: `/${k}`, detail: 'is not a known field' }));
  if (errors.length) throw new Problem('invalid-request', errors.map((error) => `${error.pointer.slice(1)} ${error.detail}`).join('; '), { errors });
}

/** Longest description a movement may carry, in characters (as the OpenAPI documents say). */
export const DESCRIPTION_MAX = COMPONENT_SCHEMAS.Movement.properties.description.maxLength;

/** A movement's description: absent, or 1 to DESCRIPTION_MAX characters with no control characters. */
export function descriptionField(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  if (raw.length === 0 || [...raw].length > DESCRIPTION_MAX || /[\u0000-\u001f\u007f-\u009f]/.test(raw)) {
    throw new Problem('invalid-request', `description must be 1 to ${DESCRIPTION_MAX} characters, none of them a control character`, {
      errors: [{ pointer: '/description', detail: `must be 1 to ${DESCRIPTION_MAX} characters, no control characters` }],
    });
  }
  return raw;
}

function jsonType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

export function versionHeader(raw: string | undefined): number | undefined {
  // `*` (RFC 9110: "the resource exists") adds nothing: a command on an unknown account is 404.
  if (raw === undefined || raw === '' || raw.trim() === '*') return undefined;
  const m = /^(?:W\/)?"?([0-9]{1,12})"?$/.exec(raw.trim());
  if (!m) throw new Problem('invalid-header', 'If-Match must be a version such as "3"');
  return Number(m[1]);
}

/** `?ids=a,b,c`: given once, 1 to COMMAND_SIDE_LIMITS.maxIds (200) account ids, each valid; duplicates dropped. */
export function idsQuery(raw: unknown): string[] {
  if (typeof raw !== 'string' || raw === '') throw new Problem('invalid-query', 'ids is a comma-separated list of account ids, given once');
  const ids = raw.split(',');
  if (ids.length > COMMAND_SIDE_LIMITS.maxIds) throw new Problem('invalid-query', `at most ${COMMAND_SIDE_LIMITS.maxIds} ids at a time`);
  return [...new Set(ids.map((id) => accountIdParam(id)))];
}
