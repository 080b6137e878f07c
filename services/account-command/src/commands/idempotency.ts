import { createHash } from 'node:crypto';
import { IDEMPOTENCY_KEY_PATTERN } from '@bank/contracts';

/** Stable hash of what a request asks for: same key + same fingerprint = the same request. */
export function fingerprint(parts: Record<string, unknown>): string {
  const canonical = JSON.stringify(
    Object.keys(parts)
      .sort()
      .map((k) => [k, parts[k]]),
  );
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

// RFC 9562 name-based UUID (v5). An account opened with an Idempotency-Key gets the id derived
// from it, so a retried open lands on the same stream instead of opening a second account.
const NAMESPACE = Buffer.from('6f1c1f4e8a2b4d5e9c3a7b1d2e4f6a8c', 'hex');

export function uuidFromKey(key: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(key, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Printable ASCII, bounded: the key is stored with the commit and echoed in logs (the OpenAPI documents' pattern). */
export const IDEMPOTENCY_KEY = new RegExp(IDEMPOTENCY_KEY_PATTERN);
