// The JSON Schemas (2020-12, as OpenAPI 3.1 reads them) of the values every shape is made of.
// Written once, `as const`: the shapes' TypeScript types are derived from them (FromSchema), and
// the OpenAPI documents embed them, so a type and its description cannot drift apart.

/** Account and transfer ids: UUIDs, given out in lower case. */
export const uuidSchema = { type: 'string', format: 'uuid', examples: ['6b1f3c2e-9a4d-4e8b-8f3a-2c1d5e6f7a8b'] } as const;

/** An amount in the currency's canonical form ("25.50" in MAD, "1000" in JPY), as a decimal string. */
export const amountSchema = { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?$', examples: ['25.50'] } as const;

/** An ISO 4217 currency code. */
export const currencySchema = { type: 'string', pattern: '^[A-Z]{3}$', examples: ['MAD'] } as const;

/** A moment, ISO-8601 with a time zone. */
export const instantSchema = { type: 'string', format: 'date-time', examples: ['2026-01-31T12:00:00.000Z'] } as const;

/** A stream version: 1-based and contiguous. */
export const versionSchema = { type: 'integer', minimum: 1 } as const;

/** A nullable string (a description, a reason, an owner). */
export const nullableStringSchema = { type: ['string', 'null'] } as const;

/** A page's cursor: an answer's nextCursor, or null on the last page. */
export const nextCursorSchema = { type: ['string', 'null'], description: 'Give it as ?cursor= for the next page; null on the last page.' } as const;

export const accountStatusSchema = { type: 'string', enum: ['CREATED', 'ACTIVATED', 'SUSPENDED', 'CLOSED'] } as const;

/**
 * An object schema as every shape here is: no field but the listed ones (a field the document
 * does not name is a change it must describe). `const`: the literal types FromSchema reads.
 */
export function objectSchema<const Shape extends { required: readonly string[]; properties: object; description?: string; examples?: readonly unknown[] }>(shape: Shape) {
  return { type: 'object', additionalProperties: false, ...shape } as const;
}
