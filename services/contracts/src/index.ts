export * from './events.js';
export * from './messages.js';
export * from './command-side-api.js';
export * from './query-api.js';
export * from './money/index.js';
export * from './problem/index.js';
export * from './caller.js';
export * from './access.js';
