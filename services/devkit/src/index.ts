// Launching things on this machine, for `npm start` (scripts/start.ts) and the test kit: managed
// child processes, free ports, the tools cache (daprd, FerretDB), daprd with its flags and sqlite
// name resolution, FerretDB, component profiles and their Redis slots, a service with its sidecar.
export * from './processes.js';
export * from './ports.js';
export * from './tools.js';
export * from './dapr.js';
export * from './service.js';
export * from './redis.js';
export * from './profile.js';
export * from './ferretdb.js';
