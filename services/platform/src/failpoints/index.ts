export * from './failpoints.js';
