#!/usr/bin/env node
// Runs every Jest project (unit, int, e2e) on the default profile, with the cross-profile event
// store suite on every runnable profile; then the command API end-to-end suite again on each
// other runnable profile. Integration and e2e suites each start real daprd sidecars and services:
// on 2 cores, two workers keep the machine busy without starving them.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const OTHER_PROFILES = ['postgres-rabbitmq', 'mysql-jetstream', 'postgres-mqtt'];
const PER_PROFILE_SUITES = ['services/account-command/src/http/command-api.e2e.test.ts'];
const extra = process.argv.slice(2);
const out = process.env.JEST_JSON_OUTPUT;
const totals = { numPassedTests: 0, numFailedTests: 0, numTotalTests: 0 };
let status = 0;

function run(args, env, label) {
  const json = out ? `${out}.${label}.json` : undefined;
  const r = spawnSync('npx', ['jest', '--ci', '--maxWorkers=2', ...args, ...(json ? ['--json', `--outputFile=${json}`] : [])], { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) status = r.status ?? 1;
  if (json) {
    try {
      const j = JSON.parse(readFileSync(json, 'utf8'));
      for (const k of Object.keys(totals)) totals[k] += j[k] ?? 0;
    } catch {
      status ||= 1; // no report: Jest itself failed
    }
  }
}

run(extra, { TEST_PROFILES: process.env.TEST_PROFILES ?? 'all' }, 'main');
// Only for a full run: a developer running a subset (`npm test -- path`) gets just that.
if (extra.length === 0 && !process.env.PROFILE) {
  for (const p of OTHER_PROFILES) {
    console.log(`\n=== profile ${p}: ${PER_PROFILE_SUITES.join(', ')}`);
    run(PER_PROFILE_SUITES, { PROFILE: p }, p);
  }
}
if (out) writeFileSync(out, JSON.stringify(totals));
process.exit(status);
