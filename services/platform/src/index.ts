export * from './dapr/index.js';
export * from './http/index.js';
export * from './config/index.js';
export * from './log/index.js';
export * from './retry/index.js';
export * from './failpoints/index.js';
export * from './service/index.js';
export * from './security/index.js';
