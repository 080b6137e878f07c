// ISO 4217 codes and their minor units, from the ICU data Node ships (no table to maintain).
const KNOWN: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));
const digitsCache = new Map<string, number>();

export function isCurrency(code: unknown): code is string {
  return typeof code === 'string' && /^[A-Z]{3}$/.test(code) && KNOWN.has(code);
}

/** Number of decimals the currency allows (MAD 2, JPY 0, KWD 3). */
export function minorDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsCache.set(currency, d);
  }
  return d;
}
