// The gateway's /api view of both services as an OpenAPI 3.1 document: every path the gateway
// forwards (the services' paths but those marked x-internal), under /api/commands and
// /api/queries, each needing a signed-in user's access token (401, 403, 429 besides the
// service's own answers). The gateway's allow-list is read from this document (gateway routes.ts).
import { commandPaths } from './command-document.js';
import { document, documentPath, HEADERS, problemResponse, type OpenApiObject, type OpenApiPaths } from './parts.js';
import { queryPaths } from './query-document.js';

/** Where the gateway forwards each service's paths. */
export const GATEWAY_PREFIXES = { commands: '/api/commands', queries: '/api/queries' } as const;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** A service path as the gateway forwards it: the sign-in's answers added to each operation. */
function throughGateway(pathItem: OpenApiObject): OpenApiObject {
  return Object.fromEntries(
    Object.entries(pathItem).map(([method, operation]) => {
      if (!(HTTP_METHODS as readonly string[]).includes(method)) return [method, operation];
      const { responses, ...rest } = operation as OpenApiObject;
      return [
        method,
        {
          ...rest,
          security: [{ bearer: [] }],
          responses: {
            ...(responses as OpenApiObject),
            401: problemResponse(401, { 'WWW-Authenticate': { description: 'The bearer challenge (RFC 6750).', required: false, schema: { type: 'string' } } }),
            403: problemResponse(403),
            429: problemResponse(429, { 'Retry-After': HEADERS.RetryAfter }),
          },
        },
      ];
    }),
  );
}

/** The forwarded paths of one service, under its prefix. */
function forwarded(prefix: string, paths: OpenApiPaths): OpenApiPaths {
  return Object.fromEntries(
    Object.entries(paths)
      .filter(([, pathItem]) => pathItem['x-internal'] !== true)
      .map(([path, pathItem]) => [`${prefix}${path}`, throughGateway(pathItem)]),
  );
}

/** Every path the gateway forwards, with the service it goes to ('commands' or 'queries'). */
export function gatewayApiPaths(): OpenApiPaths {
  return { ...forwarded(GATEWAY_PREFIXES.commands, commandPaths()), ...forwarded(GATEWAY_PREFIXES.queries, queryPaths()) };
}

/** The gateway's document, as it serves it on GET /openapi.json (public: no token needed for it). */
export function gatewayDocument(): OpenApiObject {
  return document(
    {
      title: 'Bank accounts: the API through the gateway',
      description:
        'account-command under /api/commands, account-query under /api/queries. Every call needs an access token of a signed-in user (OpenID Connect, Ory Hydra; docs/security.md): 401 without a valid one, 403 for a customer on the administration, 429 over a rate limit. A customer sees and changes only their own accounts. Errors are RFC 9457 problems.',
    },
    { ...gatewayApiPaths(), ...documentPath() },
    {
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from the sign-in provider (npm run token -- alice).' } },
      },
      security: [{ bearer: [] }],
    },
  );
}
