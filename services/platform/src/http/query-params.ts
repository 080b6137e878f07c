// Query-string parameters both services read the same way: anything a client can get wrong is a
// 400 problem, never a 500, and a parameter given twice is refused rather than half-read.
import { Problem } from '@bank/contracts';

export function singleQuery(raw: unknown, name: string): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new Problem('invalid-query', `${name} may be given once`);
  return raw;
}

export function intQuery(raw: unknown, name: string, min: number, max: number): number | undefined {
  const s = singleQuery(raw, name);
  if (s === undefined) return undefined;
  if (!/^[0-9]{1,15}$/.test(s)) throw new Problem('invalid-query', `${name} must be an integer`);
  const n = Number(s);
  if (n < min || n > max) throw new Problem('invalid-query', `${name} must be between ${min} and ${max}`);
  return n;
}

/** Date.parse rolls 2026-02-30 over to March 2 instead of refusing it. */
function isCalendarDate(ymd: string): boolean {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d); // unlike Date.UTC, keeps years 0..99 as they are
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

export function instantQuery(raw: unknown, name: string): Date | undefined {
  const s = singleQuery(raw, name);
  if (s === undefined) return undefined;
  // A time zone is required: a bare local time would mean different instants on different hosts.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(s)) {
    throw new Problem('invalid-query', `${name} must be an ISO-8601 instant such as 2026-01-31T12:00:00Z`);
  }
  const d = new Date(s);
  if (Number.isNaN(d.getTime()) || !isCalendarDate(s.slice(0, 10))) throw new Problem('invalid-query', `${name} is not a valid date`);
  return d;
}
