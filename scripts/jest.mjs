#!/usr/bin/env node
// Runs every Jest project (unit, int, e2e) on the default profile, with the cross-profile event
// store suite on every runnable profile; then end-to-end suites again on each other profile. Integration and e2e suites each start real daprd sidecars and services:
// on 2 cores, two workers keep the machine busy without starving them.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

// The command API (its four suites), the query side (projections, delivery faults, crash
// recovery through the outbox) and transfers on every runnable profile besides the default, which
// the main run covers.
const COMMAND = ['commands', 'errors', 'idempotency', 'operations'].map((part) => `services/account-command/src/http/command-api.${part}.e2e.test.ts`);
const QUERY = 'services/account-query/src/query.e2e.test.ts';
// Transfers (each outcome, hostile requests, the 1,000-transfer ring): the process rests on the
// store's conditional writes and on the read side's delivery, both of which the profile changes.
const TRANSFERS = 'services/system-tests/src/transfers.e2e.test.ts';
const PER_PROFILE = {
  'postgres-rabbitmq': [...COMMAND, QUERY, TRANSFERS],
  'mysql-jetstream': [...COMMAND, QUERY, TRANSFERS],
  'postgres-mqtt': [...COMMAND, QUERY, TRANSFERS],
};
const extra = process.argv.slice(2);
const out = process.env.JEST_JSON_OUTPUT;
const totals = { numPassedTests: 0, numFailedTests: 0, numTotalTests: 0 };
let status = 0;

function run(args, env, label, workers = ['--maxWorkers=2']) {
  const json = out ? `${out}.${label}.json` : undefined;
  const r = spawnSync('npx', ['jest', '--ci', ...workers, ...args, ...(json ? ['--json', `--outputFile=${json}`] : [])], { stdio: 'inherit', env: { ...process.env, ...env } });
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
  for (const [p, suites] of Object.entries(PER_PROFILE)) {
    console.log(`\n=== profile ${p}: ${suites.join(', ')}`);
    // One suite at a time: two runs on one broker share its fan-out exchanges, and each command
    // sidecar's outbox consumer would hold every message of the other run for ~11 s (its marker
    // is in the other run's tables), delaying its own.
    run(suites, { PROFILE: p }, p, ['--runInBand']);
  }
}
if (out) writeFileSync(out, JSON.stringify(totals));
process.exit(status);
