import { minorDigits } from './currency.js';

/** Integer minor units; bigint so that no sum ever loses a cent. */
export type Minor = bigint;

/** Largest amount one command may carry, in major units (a sanity bound, not a business rule). */
export const MAX_INTEGER_DIGITS = 15;

export type AmountError = 'format' | 'precision' | 'range';

/**
 * Parses a decimal string ("25.50") into minor units for the currency. Only plain decimal
 * notation is accepted: no sign, exponent, spaces, thousands separators or binary floats.
 */
export function parseAmount(text: unknown, currency: string): Minor | AmountError {
  if (typeof text !== 'string') return 'format';
  const m = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/.exec(text);
  if (!m) return 'format';
  const [, int = '', frac = ''] = m;
  if (int.length > MAX_INTEGER_DIGITS) return 'range';
  const digits = minorDigits(currency);
  if (frac.length > digits) return 'precision';
  return BigInt(int + frac.padEnd(digits, '0'));
}

/** Minor units to the canonical decimal string of the currency ("100" MAD -> "1.00"). */
export function formatAmount(minor: Minor, currency: string): string {
  const digits = minorDigits(currency);
  const negative = minor < 0n;
  const abs = (negative ? -minor : minor).toString().padStart(digits + 1, '0');
  const int = abs.slice(0, abs.length - digits);
  const frac = abs.slice(abs.length - digits);
  return (negative ? '-' : '') + (digits > 0 ? `${int}.${frac}` : int);
}
