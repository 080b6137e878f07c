export * from './events.js';
export * from './messages.js';
export * from './command-side-api.js';
