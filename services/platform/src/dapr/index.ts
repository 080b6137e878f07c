export * from './sidecar.js';
export * from './app-callback.js';
