export { commandDocument } from './command-document.js';
export { queryDocument } from './query-document.js';
export { gatewayApiPaths, gatewayDocument, GATEWAY_PREFIXES } from './gateway-document.js';
export { COMPONENT_SCHEMAS, IDEMPOTENCY_KEY_PATTERN, type OpenApiObject, type OpenApiPaths } from './parts.js';
