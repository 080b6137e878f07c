export * from './service-app.js';
export * from './run-service.js';
export * from './periodic.js';
export * from './group-commit.js';
