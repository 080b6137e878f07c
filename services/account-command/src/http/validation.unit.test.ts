import { Problem } from '@bank/contracts';
import { accountIdParam, commandBody, DESCRIPTION_MAX, descriptionField, instantQuery, intQuery, versionHeader } from './validation.js';
import { thrown } from '@bank/testkit';

const problemOf = (fn: () => unknown): Problem => thrown(fn, Problem);

describe('accountIdParam', () => {
  it('accepts a UUID and gives it in lower case', () => {
    expect(accountIdParam('3f8a1c52-6a0e-4d7b-9f11-2b7c4e9d0a13')).toBe('3f8a1c52-6a0e-4d7b-9f11-2b7c4e9d0a13');
    expect(accountIdParam('3F8A1C52-6A0E-4D7B-9F11-2B7C4E9D0A13')).toBe('3f8a1c52-6a0e-4d7b-9f11-2b7c4e9d0a13');
  });

  it.each([
    undefined,
    '',
    'abc',
    '42',
    '3f8a1c52-6a0e-4d7b-9f11-2b7c4e9d0a1',
    '3f8a1c52-6a0e-4d7b-9f11-2b7c4e9d0a134',
    '3f8a1c526a0e4d7b9f112b7c4e9d0a13',
    '{3f8a1c52-6a0e-4d7b-9f11-2b7c4e9d0a13}',
    'g f8a1c52-6a0e-4d7b-9f11-2b7c4e9d0a13',
    ' 3f8a1c52-6a0e-4d7b-9f11-2b7c4e9d0a13',
    '3f8a1c52-6a0e-4d7b-9f11-2b7c4e9d0a13\n',
    '../../etc/passwd',
  ])('refuses %j with 400 invalid-account-id', (raw) => {
    const p = problemOf(() => accountIdParam(raw));
    expect(p.code).toBe('invalid-account-id');
    expect(p.status).toBe(400);
  });
});

describe('commandBody', () => {
  const FIELDS = ['amount', 'currency'] as const;

  it('takes an optional field when given, and still refuses it when it is not a string', () => {
    expect(commandBody({ amount: '1.00', currency: 'MAD', description: 'rent' }, FIELDS, 'amount', ['description'] as const)).toEqual({
      amount: '1.00',
      currency: 'MAD',
      description: 'rent',
    });
    expect(commandBody({ amount: '1.00', currency: 'MAD' }, FIELDS, 'amount', ['description'] as const)).toEqual({ amount: '1.00', currency: 'MAD' });
    expect(problemOf(() => commandBody({ amount: '1.00', currency: 'MAD', description: 7 }, FIELDS, 'amount', ['description'] as const)).code).toBe('invalid-request');
    expect(problemOf(() => commandBody({ amount: '1.00', currency: 'MAD', description: 'x' }, FIELDS, 'amount')).code).toBe('invalid-request');
  });

  it('returns the fields of a well-formed body', () => {
    expect(commandBody({ amount: '1.00', currency: 'MAD' }, FIELDS, 'amount')).toEqual({ amount: '1.00', currency: 'MAD' });
    expect(commandBody({ initialBalance: '0', currency: 'JPY' }, ['initialBalance', 'currency'] as const, 'initialBalance')).toEqual({ initialBalance: '0', currency: 'JPY' });
  });

  it('leaves amount rules to the domain: any string passes here', () => {
    expect(commandBody({ amount: '-1e3', currency: 'nope' }, FIELDS, 'amount')).toEqual({ amount: '-1e3', currency: 'nope' });
  });

  it.each([null, 'text', 12, true, [], [{ amount: '1.00', currency: 'MAD' }]])('refuses the non-object body %j', (body) => {
    const p = problemOf(() => commandBody(body, FIELDS, 'amount'));
    expect(p.code).toBe('invalid-request');
    expect(p.status).toBe(400);
  });

  it('names every missing and every unknown field, with JSON pointers', () => {
    const p = problemOf(() => commandBody({ currency: 'MAD', amout: '1.00', note: 'x' }, FIELDS, 'amount'));
    expect(p.code).toBe('invalid-request');
    expect(p.extensions.errors).toEqual([
      { pointer: '/amount', detail: 'is required' },
      { pointer: '/amout', detail: 'is not a known field' },
      { pointer: '/note', detail: 'is not a known field' },
    ]);
    expect(p.message).toContain('amount is required');
    expect(p.message).toContain('amout is not a known field');
  });

  it('refuses an empty object', () => {
    const p = problemOf(() => commandBody({}, FIELDS, 'amount'));
    expect(p.code).toBe('invalid-request');
    expect(p.extensions.errors).toHaveLength(2);
  });

  it('refuses an extra field even when all required ones are there', () => {
    expect(problemOf(() => commandBody({ amount: '1.00', currency: 'MAD', accountId: 'x' }, FIELDS, 'amount')).code).toBe('invalid-request');
  });

  it('refuses a __proto__ key as an unknown field', () => {
    const body = JSON.parse('{"amount":"1.00","currency":"MAD","__proto__":{"x":1}}') as unknown;
    expect(problemOf(() => commandBody(body, FIELDS, 'amount')).code).toBe('invalid-request');
  });

  it('does not take inherited properties for fields', () => {
    const body = Object.create({ amount: '1.00' }) as Record<string, unknown>;
    body.currency = 'MAD';
    expect(problemOf(() => commandBody(body, FIELDS, 'amount')).code).toBe('invalid-request');
  });

  it.each([1, 1.5, 0, -1, null, true, [], {}])('refuses the amount %j as invalid-amount (numbers are never money)', (amount) => {
    const p = problemOf(() => commandBody({ amount, currency: 'MAD' }, FIELDS, 'amount'));
    expect(p.code).toBe('invalid-amount');
    expect(p.status).toBe(400);
  });

  it.each([1, null, ['MAD'], { code: 'MAD' }])('refuses the non-string currency %j', (currency) => {
    const p = problemOf(() => commandBody({ amount: '1.00', currency }, FIELDS, 'amount'));
    expect(p.status).toBe(400);
    expect(p.code).toBe('invalid-request');
    expect(p.extensions.errors).toEqual([{ pointer: '/currency', detail: 'must be a string' }]);
  });
});

describe('versionHeader (If-Match)', () => {
  it('is absent when the header is', () => {
    expect(versionHeader(undefined)).toBeUndefined();
    expect(versionHeader('')).toBeUndefined();
  });

  it('treats * as no version condition (RFC 9110: "exists"; an unknown account is 404 anyway)', () => {
    expect(versionHeader('*')).toBeUndefined();
    expect(versionHeader(' * ')).toBeUndefined();
  });

  it.each([
    ['"3"', 3],
    ['3', 3],
    ['W/"3"', 3],
    [' "12" ', 12],
    ['"0"', 0],
    ['"999999999999"', 999999999999],
  ])('reads %j as %d', (raw, v) => {
    expect(versionHeader(raw)).toBe(v);
  });

  it.each(['"abc"', '"-1"', '"1.5"', '"1", "2"', '"1234567890123"', 'W/', '""', 'x"3"'])('refuses %j with 400 invalid-header', (raw) => {
    const p = problemOf(() => versionHeader(raw));
    expect(p.code).toBe('invalid-header');
    expect(p.status).toBe(400);
  });
});

describe('intQuery', () => {
  it('is absent when the parameter is', () => {
    expect(intQuery(undefined, 'limit', 1, 10)).toBeUndefined();
  });

  it('reads an integer within the bounds, bounds included', () => {
    expect(intQuery('1', 'limit', 1, 10)).toBe(1);
    expect(intQuery('10', 'limit', 1, 10)).toBe(10);
    expect(intQuery('007', 'limit', 1, 10)).toBe(7);
  });

  it.each(['', '0', '11', '-1', '1.0', '1e1', ' 1', 'abc', '9999999999999'])('refuses %j', (raw) => {
    const p = problemOf(() => intQuery(raw, 'limit', 1, 10));
    expect(p.code).toBe('invalid-query');
    expect(p.message).toContain('limit');
  });

  it('refuses a repeated parameter (an array)', () => {
    expect(problemOf(() => intQuery(['1', '2'], 'limit', 1, 10)).code).toBe('invalid-query');
  });
});

describe('instantQuery', () => {
  it('is absent when the parameter is', () => {
    expect(instantQuery(undefined, 'at')).toBeUndefined();
  });

  it.each([
    ['2026-01-31T12:00:00Z', '2026-01-31T12:00:00.000Z'],
    ['2026-01-31T12:00:00.5Z', '2026-01-31T12:00:00.500Z'],
    ['2026-01-31T12:00:00.123Z', '2026-01-31T12:00:00.123Z'],
    ['2026-01-31T12:00:00.123456789Z', '2026-01-31T12:00:00.123Z'],
    ['2026-01-31T12:00Z', '2026-01-31T12:00:00.000Z'],
    ['2026-01-31T13:00:00+01:00', '2026-01-31T12:00:00.000Z'],
    ['2026-01-31T07:30:00-04:30', '2026-01-31T12:00:00.000Z'],
    ['2026-01-31', '2026-01-31T00:00:00.000Z'],
    ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
  ])('reads %j as %s', (raw, iso) => {
    expect(instantQuery(raw, 'at')?.toISOString()).toBe(iso);
  });

  it.each(['2026-01-31T12:00:00', '2026-01-31 12:00:00Z', '31/01/2026', '1769860800000', 'now', '', '2026-1-31', '2026-01-31T12:00:00+0100', '2026-01-31T12Z'])(
    'refuses %j (not an ISO-8601 instant with a zone)',
    (raw) => {
      const p = problemOf(() => instantQuery(raw, 'at'));
      expect(p.code).toBe('invalid-query');
      expect(p.status).toBe(400);
    },
  );

  it.each(['2026-13-01', '2026-00-10', '2026-02-30T00:00:00Z', '2026-02-29', '2026-04-31T12:00:00Z', '2026-01-32', '2026-01-01T25:00:00Z', '2026-01-01T12:60:00Z'])(
    'refuses the impossible date %j instead of rolling it over',
    (raw) => {
      const p = problemOf(() => instantQuery(raw, 'at'));
      expect(p.code).toBe('invalid-query');
    },
  );

  it('refuses a repeated parameter (an array)', () => {
    expect(problemOf(() => instantQuery(['2026-01-01', '2026-01-02'], 'at')).code).toBe('invalid-query');
  });
});

describe('descriptionField', () => {
  it('accepts none, or 1 to DESCRIPTION_MAX characters (counted as characters, not UTF-16 units)', () => {
    expect(descriptionField(undefined)).toBeUndefined();
    expect(descriptionField('loyer de mars – appartement 3B')).toBe('loyer de mars – appartement 3B');
    expect(descriptionField('€'.repeat(DESCRIPTION_MAX))).toHaveLength(DESCRIPTION_MAX);
    expect(descriptionField('😀'.repeat(DESCRIPTION_MAX))).toHaveLength(2 * DESCRIPTION_MAX);
  });

  it.each(['', 'x'.repeat(DESCRIPTION_MAX + 1), 'line\nbreak', 'tab\there', 'nul\u0000', 'c1\u0085'])('refuses %j with 400 invalid-request at /description', (raw) => {
    const p = problemOf(() => descriptionField(raw));
    expect(p.code).toBe('invalid-request');
    expect(p.extensions.errors).toEqual([expect.objectContaining({ pointer: '/description' })]);
  });
});
