// The OpenAPI documents: valid OpenAPI 3.1 by a standard validator, and every example in them
// fits the schema it illustrates (an example is what a reader copies first).
import { validate, compileErrors } from '@readme/openapi-parser';
import { commandDocument, gatewayDocument, queryDocument, type OpenApiObject } from '@bank/contracts';
import { DocumentCheck } from './openapi-check.js';

const DOCUMENTS: Array<[string, () => OpenApiObject]> = [
  ['account-command', commandDocument],
  ['account-query', queryDocument],
  ['gateway', gatewayDocument],
];

/** Every media type with an example in a document, with the JSON pointer of its schema. */
function examples(document: OpenApiObject): Array<{ pointer: string; example: unknown }> {
  const found: Array<{ pointer: string; example: unknown }> = [];
  const walk = (node: unknown, pointer: string): void => {
    if (node === null || typeof node !== 'object') return;
    const object = node as OpenApiObject;
    if ('schema' in object && 'example' in object) found.push({ pointer: `${pointer}/schema`, example: object.example });
    for (const [key, child] of Object.entries(object)) walk(child, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  };
  walk(document.paths, '#/paths');
  return found;
}

describe.each(DOCUMENTS)('the OpenAPI document of %s', (_name, documentOf) => {
  it('given the document, when a standard OpenAPI validator reads it, then it is valid OpenAPI 3.1', async () => {
    // given: a copy (the parser resolves references in place)
    const document = structuredClone(documentOf());
    // when
    const result = await validate(document as never);
    // then
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
    expect(document.openapi).toBe('3.1.0');
  });

  it('given every example of a body, a header or a parameter, when checked against its schema, then it fits', () => {
    // given
    const check = new DocumentCheck(documentOf());
    const all = examples(check.document);
    // when
    const misfits = all.map(({ pointer, example }) => ({ pointer, errors: check.validate(pointer, example) })).filter((misfit) => misfit.errors !== undefined);
    // then
    expect(all.length).toBeGreaterThan(20);
    expect(misfits).toEqual([]);
  });

  it('given every operation, when its answers are listed, then it has an example of success and is described', () => {
    // given
    const paths = documentOf().paths as Record<string, Record<string, { summary?: string; responses?: Record<string, { content?: Record<string, { example?: unknown }> }> }>>;
    // when
    const operations = Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => ['get', 'post'].includes(method))
        .map(([method, operation]) => ({ where: `${method} ${path}`, operation })),
    );
    // then
    for (const { where, operation } of operations) {
      const success = Object.entries(operation.responses ?? {}).find(([status]) => status.startsWith('2'));
      expect({ where, summary: typeof operation.summary, example: Object.values(success?.[1].content ?? {}).some((media) => media.example !== undefined) }).toEqual({
        where,
        summary: 'string',
        example: true,
      });
    }
  });
});
