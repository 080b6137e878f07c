export * from './contracts/index.js';
export * from './money/index.js';
export * from './problem/index.js';
export * from './dapr/index.js';
export * from './http/index.js';
export * from './config/index.js';
export * from './log/index.js';
export * from './retry/index.js';
