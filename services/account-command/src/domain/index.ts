export * from './decider.js';
export * from './account.js';
