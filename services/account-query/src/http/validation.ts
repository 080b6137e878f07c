// Query-string and path checks: anything a client can get wrong is a 400 problem, never a 500.
import { instantQuery, intQuery, singleQuery as single } from '@bank/platform';
import { isCurrency, Problem } from '@bank/contracts';
import { isAccountId } from '../projections/notification.js';

export { instantQuery, intQuery };

export function accountIdParam(raw: string | undefined): string {
  if (!isAccountId(raw)) throw new Problem('invalid-account-id', 'the account id must be a UUID');
  return raw.toLowerCase();
}

/** Transfer ids are UUIDs, like account ids. */
export function transferIdParam(raw: string | undefined): string {
  if (!isAccountId(raw)) throw new Problem('invalid-request', 'the transfer id must be a UUID');
  return raw.toLowerCase();
}

export function enumQuery<const T extends string>(raw: unknown, name: string, values: readonly T[]): T | undefined {
  const s = single(raw, name);
  if (s === undefined) return undefined;
  const up = s.toUpperCase();
  if (!(values as readonly string[]).includes(up)) throw new Problem('invalid-query', `${name} must be one of ${values.join(', ')}`);
  return up as T;
}

export function currencyQuery(raw: unknown, name = 'currency'): string | undefined {
  const s = single(raw, name);
  if (s === undefined) return undefined;
  if (!isCurrency(s)) throw new Problem('invalid-query', `${name} must be an ISO 4217 code such as MAD`);
  return s;
}

export function limitQuery(raw: unknown, def = 50, max = 500): number {
  return intQuery(raw, 'limit', 1, max) ?? def;
}

/** Only the listed parameters are understood; a typo ("curency") must not silently widen a query. */
export function onlyParams(query: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(query).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new Problem('invalid-query', `unknown query parameter ${unknown.join(', ')}; allowed: ${allowed.join(', ') || 'none'}`);
}

export function rangeQuery(query: Record<string, unknown>): { from?: Date; to?: Date } {
  const from = instantQuery(query.from, 'from');
  const to = instantQuery(query.to, 'to');
  if (from && to && from > to) throw new Problem('invalid-query', 'from must not be after to');
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}
