// The answers the suites get, checked against the OpenAPI documents (@bank/contracts, openapi/):
// a status, header or body the document does not describe fails the test that received it, and
// so does a request the document says is invalid that the service accepted. The test clients
// (oracle.ts call, account-command's testing/command-api.ts) check every exchange with a service
// startSystem registered (describeService).
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { PROBLEM_CONTENT_TYPE, type OpenApiObject } from '@bank/contracts';

/** One request and its answer, as a test client saw them. */
export interface Exchange {
  method: string;
  url: string;
  /** The request's JSON body, if it sent one (undefined: none, or not JSON). */
  requestJson?: unknown;
  /** Whether the request had a body at all. */
  requestHadBody: boolean;
  /** The request's own headers (Idempotency-Key, If-Match, ...), by name. */
  requestHeaders?: Record<string, string>;
  status: number;
  headers: Headers;
  /** The answer's text. */
  text: string;
}

/** Which paths of a service its document speaks for (the gateway's: /api and the document). */
export type DescribedPaths = (path: string) => boolean;

interface Operation {
  operation: OpenApiObject;
  /** The JSON pointer of the operation in its document. */
  pointer: string;
  /** Its path template as a pattern, one capture group per path parameter, in `pathNames`' order. */
  pattern: RegExp;
  pathNames: string[];
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const mediaTypeOf = (contentType: string | null): string => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

// ajv-formats is CommonJS with a default export.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

/** Checks exchanges against one document. */
export class DocumentCheck {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly operations: Array<Operation & { method: string }>;

  constructor(
    readonly document: OpenApiObject,
    readonly describes: DescribedPaths = () => true,
  ) {
    (addFormats as unknown as (ajv: Ajv2020) => void)(this.ajv);
    this.ajv.addSchema(document, 'document');
    const paths = document.paths as Record<string, OpenApiObject>;
    this.operations = Object.entries(paths).flatMap(([template, item]) =>
      Object.entries(item)
        .filter(([method]) => HTTP_METHODS.includes(method))
        .map(([method, operation]) => ({
          method: method.toUpperCase(),
          operation: operation as OpenApiObject,
          pointer: `#/paths/${escapePointer(template)}/${method}`,
          pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
          pathNames: [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!),
        })),
    );
  }

  /** Whether `value` fits the schema at `pointer` in the document; the errors if not. */
  validate(pointer: string, value: unknown): string | undefined {
    let validator = this.validators.get(pointer);
    if (!validator) {
      validator = this.ajv.compile({ $ref: `document${pointer}` });
      this.validators.set(pointer, validator);
    }
    return validator(value) ? undefined : this.ajv.errorsText(validator.errors, { dataVar: 'body' });
  }

  /** What is wrong with an exchange by the document: nothing (an empty list) when it is described. */
  check(exchange: Exchange): string[] {
    const path = new URL(exchange.url, 'http://localhost').pathname;
    if (!this.describes(path)) return [];
    const method = exchange.method.toUpperCase();
    const found = this.operations.find((candidate) => candidate.method === method && candidate.pattern.test(path));
    if (!found) return this.checkUndescribed(exchange);
    return [...this.checkRequest(found, exchange), ...this.checkResponse(found, exchange)];
  }

  /** A request to a path or method the document does not have: refused with a problem. */
  private checkUndescribed(exchange: Exchange): string[] {
    if (exchange.status < 400) return [`${exchange.status} for a request the document does not describe`];
    return this.checkProblem(exchange);
  }

  private checkProblem(exchange: Exchange): string[] {
    if (mediaTypeOf(exchange.headers.get('content-type')) !== PROBLEM_CONTENT_TYPE) return [`a ${exchange.status} that is not ${PROBLEM_CONTENT_TYPE}`];
    const errors = this.validate('#/components/schemas/Problem', parseJson(exchange.text));
    return errors ? [`a problem that is not RFC 9457: ${errors}`] : [];
  }

  /** A request the document says is invalid must be refused (4xx): its parameters, then its body. */
  private checkRequest(found: Operation, exchange: Exchange): string[] {
    if (exchange.status >= 400) return [];
    return [...this.checkParameters(found, exchange), ...this.checkBody(found, exchange)];
  }

  /** Each documented path, query and header parameter the request gave fits its schema; the required ones are there. */
  private checkParameters({ operation, pointer, pattern, pathNames }: Operation, exchange: Exchange): string[] {
    const url = new URL(exchange.url, 'http://localhost');
    const pathValues = pathParameters(pattern, pathNames, url.pathname);
    const headers = Object.fromEntries(Object.entries(exchange.requestHeaders ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
    const parameters = (operation.parameters ?? []) as Array<{ name: string; in: string; required?: boolean; schema?: { type?: string } }>;
    return parameters.flatMap((parameter, index) => {
      const raw =
        parameter.in === 'path'
          ? pathValues[parameter.name]
          : parameter.in === 'query'
            ? (url.searchParams.get(parameter.name) ?? undefined)
            : headers[parameter.name.toLowerCase()];
      if (raw === undefined) return parameter.required ? [`${exchange.status} for a request without its ${parameter.in} parameter ${parameter.name}`] : [];
      // Parameters travel as text: a number is read as one, anything else stays text and fails its schema.
      const numeric = parameter.schema?.type === 'integer' || parameter.schema?.type === 'number';
      const value = numeric && /^-?[0-9]+(\.[0-9]+)?$/.test(raw) ? Number(raw) : raw;
      const errors = this.validate(`${pointer}/parameters/${index}/schema`, value);
      return errors ? [`${exchange.status} for a ${parameter.in} parameter ${parameter.name} the document calls invalid: ${errors}`] : [];
    });
  }

  private checkBody({ operation, pointer }: Operation, exchange: Exchange): string[] {
    const requestBody = operation.requestBody as { required?: boolean; content?: Record<string, unknown> } | undefined;
    if (!requestBody?.content?.['application/json']) return [];
    if (!exchange.requestHadBody) return requestBody.required ? [`${exchange.status} for a request without the body the document requires`] : [];
    if (exchange.requestJson === undefined) return [`${exchange.status} for a request whose body is not JSON`];
    const errors = this.validate(`${pointer}/requestBody/content/application~1json/schema`, exchange.requestJson);
    return errors ? [`${exchange.status} for a request body the document calls invalid: ${errors}`] : [];
  }

  private checkResponse({ operation, pointer }: Operation, exchange: Exchange): string[] {
    const responses = operation.responses as Record<string, OpenApiObject>;
    const response = responses[String(exchange.status)];
    if (!response) return [`status ${exchange.status} is not among the documented ${Object.keys(responses).join(', ')}`];
    const at = `${pointer}/responses/${exchange.status}`;
    const failures: string[] = [];
    for (const [name, header] of Object.entries((response.headers ?? {}) as Record<string, { required?: boolean }>)) {
      const value = exchange.headers.get(name);
      if (value === null) {
        if (header.required) failures.push(`header ${name} is missing`);
        continue;
      }
      const errors = this.validate(`${at}/headers/${escapePointer(name)}/schema`, value);
      if (errors) failures.push(`header ${name}: ${errors}`);
    }
    const content = response.content as Record<string, unknown> | undefined;
    if (!content || exchange.method.toUpperCase() === 'HEAD') return failures;
    const mediaType = mediaTypeOf(exchange.headers.get('content-type'));
    if (!Object.hasOwn(content, mediaType)) return [...failures, `content type ${mediaType || '(none)'} is not among the documented ${Object.keys(content).join(', ')}`];
    // A stream's events are not one JSON value; their JSON is checked by the live suites.
    if (mediaType === 'text/event-stream' || mediaType === 'text/plain') return failures;
    const errors = this.validate(`${at}/content/${escapePointer(mediaType)}/schema`, parseJson(exchange.text));
    return errors ? [...failures, `body: ${errors}`] : failures;
  }
}

/** The values of a path's template parameters ('/accounts/{id}' and '/accounts/6b1f...' -> id). */
function pathParameters(pattern: RegExp, names: readonly string[], path: string): Record<string, string> {
  const values = pattern.exec(path)?.slice(1) ?? [];
  return Object.fromEntries(names.map((name, index) => [name, decodedOrRaw(values[index] ?? '')]));
}

/** A path segment decoded, or as it came when it is not valid percent-encoding (a hostile one). */
function decodedOrRaw(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A service's own paths but its Dapr callbacks (the sidecar's, with the app token: not an API). */
export const servicePaths: DescribedPaths = (path) => !path.startsWith('/dapr/') && !path.startsWith('/deliveries/');

/** The gateway's: its /api view and the document; the dashboard's files and sign-in pages are not an API. */
export const gatewayPaths: DescribedPaths = (path) => path.startsWith('/api/') || path === '/openapi.json';

/** The described services of this process's systems, by origin. */
const described = new Map<string, DocumentCheck>();

/** From now on, every exchange with this origin is checked against `check`'s document. */
export function describeService(origin: string, check: DocumentCheck): void {
  described.set(new URL(origin).origin, check);
}

/** Throws when the document of the exchange's service (if it is one startSystem described) does not describe it. */
export function expectDescribed(exchange: Exchange): void {
  const check = described.get(new URL(exchange.url).origin);
  const failures = check?.check(exchange) ?? [];
  if (failures.length) {
    throw new Error(
      `${exchange.method} ${exchange.url} answered what its OpenAPI document does not describe: ${failures.join('; ')}\n${exchange.status} ${exchange.text.slice(0, 500)}`,
    );
  }
}
