// Launching things on this machine, for `npm start` (scripts/start.ts) and the test kit: managed
// child processes, free ports, the tools cache (daprd, FerretDB), daprd with its flags and sqlite
// name resolution, FerretDB, component profiles and their Redis slots, a service with its sidecar,
// Hydra (the OpenID Connect provider), the demo users and a scripted sign-in.
export * from './processes.js';
export * from './ports.js';
export * from './tools.js';
export * from './dapr.js';
export * from './service.js';
export * from './redis.js';
export * from './profile.js';
export * from './ferretdb.js';
export * from './hydra.js';
export * from './users.js';
export * from './sign-in.js';
