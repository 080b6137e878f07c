export * from './processes.js';
export * from './ports.js';
export * from './tools.js';
export * from './dapr.js';
export * from './service.js';
export * from './redis.js';
export * from './system.js';
