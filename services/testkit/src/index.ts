// The test harness: whole systems for the int and e2e suites, the oracle and invariants they
// check, raw HTTP. Everything that launches processes comes from @bank/devkit, re-exported here
// so that a suite needs one import.
export * from '@bank/devkit';
export * from './system.js';
export * from './store-sidecar.js';
export * from './redis-server.js';
export * from './oracle.js';
export * from './invariants.js';
export * from './raw-http.js';
export * from './thrown.js';
export * from './listen.js';
export * from './openapi-check.js';
