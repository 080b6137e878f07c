#!/usr/bin/env node
// Runs every Jest project (unit, int, e2e). Integration and e2e suites each start real daprd
// sidecars and services: on 2 cores, two workers keep the machine busy without starving them.
import { spawnSync } from 'node:child_process';

const args = ['jest', '--ci', '--maxWorkers=2', ...process.argv.slice(2)];
// Cross-profile suites (the event store, ...) run on every profile runnable here unless told.
const env = { ...process.env, TEST_PROFILES: process.env.TEST_PROFILES ?? 'all' };
if (process.env.JEST_JSON_OUTPUT) args.push('--json', `--outputFile=${process.env.JEST_JSON_OUTPUT}`);
const r = spawnSync('npx', args, { stdio: 'inherit', env });
process.exit(r.status ?? 1);
