// Opaque page cursors: base64url JSON tagged with the listing it belongs to, so a cursor from one
// listing given to another is a 400, not a silently wrong page.
import { Problem } from '@bank/contracts';

export function encodeCursor(kind: string, position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify({ k: kind, ...position })).toString('base64url');
}

export function decodeCursor<T extends Record<string, string | number>>(raw: unknown, kind: string, check: (p: Record<string, unknown>) => p is T): T | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || raw.length > 512 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw new Problem('invalid-query', 'cursor is not one this service returned');
  let p: unknown;
  try {
    p = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw new Problem('invalid-query', 'cursor is not one this service returned');
  }
  if (!p || typeof p !== 'object' || (p as { k?: unknown }).k !== kind || !check(p as Record<string, unknown>)) {
    throw new Problem('invalid-query', 'cursor is not one this service returned');
  }
  return p as T;
}
