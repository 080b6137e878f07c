export * from './env.js';
export * from './service-settings.js';
