import { fingerprint, IDEMPOTENCY_KEY, uuidFromKey } from './idempotency.js';

const V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('fingerprint', () => {
  it('is stable: the same request gives the same fingerprint', () => {
    const a = fingerprint({ op: 'credit', accountId: 'x', amount: '1.00', currency: 'MAD' });
    expect(fingerprint({ op: 'credit', accountId: 'x', amount: '1.00', currency: 'MAD' })).toBe(a);
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('does not depend on the order of the fields', () => {
    expect(fingerprint({ a: '1', b: '2', c: '3' })).toBe(fingerprint({ c: '3', a: '1', b: '2' }));
    expect(fingerprint({ op: 'open', initialBalance: '1.00', currency: 'MAD' })).toBe(fingerprint({ currency: 'MAD', initialBalance: '1.00', op: 'open' }));
  });

  it('differs when any value, key or operation differs', () => {
    const base = { op: 'debit', accountId: 'x', amount: '1.00', currency: 'MAD' };
    const fp = fingerprint(base);
    expect(fingerprint({ ...base, amount: '1.01' })).not.toBe(fp);
    expect(fingerprint({ ...base, currency: 'EUR' })).not.toBe(fp);
    expect(fingerprint({ ...base, accountId: 'y' })).not.toBe(fp);
    expect(fingerprint({ ...base, op: 'credit' })).not.toBe(fp);
    expect(fingerprint({ ...base, extra: '' })).not.toBe(fp);
  });

  it('cannot be confused by values that look like separators', () => {
    expect(fingerprint({ a: 'b,c', d: 'e' })).not.toBe(fingerprint({ a: 'b', c: 'd,e' }));
    expect(fingerprint({ a: '1' })).not.toBe(fingerprint({ a: 1 }));
  });
});

describe('uuidFromKey', () => {
  it('is a valid RFC 9562 version-5 UUID (version and variant bits set)', () => {
    for (const key of ['k', 'order-42', 'x'.repeat(128), '!~', 'a b']) expect(uuidFromKey(key)).toMatch(V5);
  });

  it('is deterministic and differs between keys', () => {
    expect(uuidFromKey('order-42')).toBe(uuidFromKey('order-42'));
    const ids = new Set(Array.from({ length: 1000 }, (_, i) => uuidFromKey(`key-${i}`)));
    expect(ids.size).toBe(1000);
    expect(uuidFromKey('order-42')).not.toBe(uuidFromKey('order-43'));
    expect(uuidFromKey('A')).not.toBe(uuidFromKey('a'));
  });

  it('is computed as SHA-1(namespace || key) per RFC 9562 (known answer)', async () => {
    const { createHash } = await import('node:crypto');
    const ns = Buffer.from('6f1c1f4e8a2b4d5e9c3a7b1d2e4f6a8c', 'hex');
    const h = createHash('sha1')
      .update(Buffer.concat([ns, Buffer.from('order-42')]))
      .digest();
    const hex = h.subarray(0, 16).toString('hex');
    expect(uuidFromKey('order-42').replace(/-/g, '').slice(0, 12)).toBe(hex.slice(0, 12));
    expect(uuidFromKey('order-42').replace(/-/g, '').slice(20)).toBe(hex.slice(20, 32));
  });
});

describe('IDEMPOTENCY_KEY', () => {
  it.each(['a', 'order-42', 'x'.repeat(128), '!', '~', 'A1:b2/c3'])('accepts %j', (k) => {
    expect(IDEMPOTENCY_KEY.test(k)).toBe(true);
  });

  it.each(['', 'x'.repeat(129), 'a b', 'é', 'a\tb', 'a\nb', '\x7f'])('refuses %j', (k) => {
    expect(IDEMPOTENCY_KEY.test(k)).toBe(false);
  });
});
