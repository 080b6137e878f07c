export * from './problem-middleware.js';
export * from './json-body.js';
export * from './correlation.js';
export * from './metrics.js';
export * from './server.js';
export * from './query-params.js';
