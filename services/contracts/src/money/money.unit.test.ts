import { formatAmount, isCurrency, MAX_INTEGER_DIGITS, minorDigits, parseAmount } from './index.js';

describe('currencies (ISO 4217 from ICU)', () => {
  it.each(['MAD', 'EUR', 'USD', 'JPY', 'KWD', 'BHD', 'GBP'])('knows %s', (c) => {
    expect(isCurrency(c)).toBe(true);
  });

  it.each(['mad', 'Mad', 'ABC', 'ZZZ', 'MADX', 'MA', '', ' MAD', 'MAD ', 'XXX', 'XTS'])('refuses %j', (c) => {
    expect(isCurrency(c)).toBe(false);
  });

  it.each([123, null, undefined, {}, ['MAD']])('refuses the non-string %j', (c) => {
    expect(isCurrency(c)).toBe(false);
  });

  it('gives the minor digits: MAD 2, JPY 0, KWD 3, stable on repeat (cached)', () => {
    expect(minorDigits('MAD')).toBe(2);
    expect(minorDigits('JPY')).toBe(0);
    expect(minorDigits('KWD')).toBe(3);
    expect(minorDigits('BHD')).toBe(3);
    expect(minorDigits('EUR')).toBe(2);
    expect(minorDigits('JPY')).toBe(0);
  });
});

describe('parseAmount', () => {
  it.each([
    ['0', 'MAD', 0n],
    ['0.00', 'MAD', 0n],
    ['1', 'MAD', 100n],
    ['25.5', 'MAD', 2550n],
    ['25.50', 'MAD', 2550n],
    ['0.01', 'MAD', 1n],
    ['100.00', 'MAD', 10000n],
    ['1500', 'JPY', 1500n],
    ['0', 'JPY', 0n],
    ['1.234', 'KWD', 1234n],
    ['1.2', 'KWD', 1200n],
    ['0.001', 'KWD', 1n],
    ['999999999999999.99', 'MAD', 99999999999999999n],
  ] as const)('%j %s -> %s minor units', (text, currency, minor) => {
    expect(parseAmount(text, currency)).toBe(minor);
  });

  it.each([
    '1e3',
    '1E3',
    '1e-2',
    ' 1',
    '1 ',
    '1.',
    '.5',
    '+1',
    '-1',
    '-0',
    '01',
    '00',
    '00.5',
    '1,00',
    '1 000',
    '1_000',
    '0x1F',
    '0b1',
    'NaN',
    'Infinity',
    '',
    '.',
    '1..0',
    '1.0.0',
    '１',
    '١',
  ])('refuses the format %j', (text) => {
    expect(parseAmount(text, 'MAD')).toBe('format');
  });

  it.each([1, 1.5, 0, null, undefined, {}, [], 10n, true])('refuses the non-string %p', (v) => {
    expect(parseAmount(v, 'MAD')).toBe('format');
  });

  it('refuses more decimals than the currency allows', () => {
    expect(parseAmount('1.001', 'MAD')).toBe('precision');
    expect(parseAmount('1.000', 'MAD')).toBe('precision');
    expect(parseAmount('1.0', 'JPY')).toBe('precision');
    expect(parseAmount('1.5', 'JPY')).toBe('precision');
    expect(parseAmount('1.0001', 'KWD')).toBe('precision');
  });

  it(`refuses more than ${MAX_INTEGER_DIGITS} integer digits, whatever the decimals`, () => {
    expect(parseAmount('9'.repeat(MAX_INTEGER_DIGITS), 'MAD')).toBe(BigInt('9'.repeat(MAX_INTEGER_DIGITS) + '00'));
    expect(parseAmount('1' + '0'.repeat(MAX_INTEGER_DIGITS), 'MAD')).toBe('range');
    expect(parseAmount('1' + '0'.repeat(MAX_INTEGER_DIGITS) + '.5', 'JPY')).toBe('range');
  });

  it('refuses a very long string quickly (no pathological backtracking)', () => {
    const started = Date.now();
    expect(parseAmount('1'.repeat(100_000) + 'x', 'MAD')).toBe('format');
    expect(parseAmount('1.' + '0'.repeat(100_000), 'MAD')).toBe('precision');
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('formatAmount', () => {
  it.each([
    [0n, 'MAD', '0.00'],
    [1n, 'MAD', '0.01'],
    [10n, 'MAD', '0.10'],
    [100n, 'MAD', '1.00'],
    [2550n, 'MAD', '25.50'],
    [-1n, 'MAD', '-0.01'],
    [-12345n, 'MAD', '-123.45'],
    [0n, 'JPY', '0'],
    [1500n, 'JPY', '1500'],
    [-7n, 'JPY', '-7'],
    [1n, 'KWD', '0.001'],
    [1234n, 'KWD', '1.234'],
    [199999999999999998n, 'MAD', '1999999999999999.98'],
  ] as const)('%s %s -> %j', (minor, currency, text) => {
    expect(formatAmount(minor, currency)).toBe(text);
  });

  it('is the inverse of parseAmount on canonical strings, and canonicalises others', () => {
    for (const [text, currency] of [
      ['0.00', 'MAD'],
      ['123.45', 'MAD'],
      ['7', 'JPY'],
      ['0.001', 'KWD'],
      ['999999999999999.999', 'KWD'],
    ] as const) {
      expect(formatAmount(parseAmount(text, currency) as bigint, currency)).toBe(text);
    }
    expect(formatAmount(parseAmount('5.5', 'MAD') as bigint, 'MAD')).toBe('5.50');
    expect(formatAmount(parseAmount('5', 'KWD') as bigint, 'KWD')).toBe('5.000');
  });
});
