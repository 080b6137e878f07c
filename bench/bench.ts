// npm run bench [-- --profile <p>] [--seconds <s>]: starts its own system on the profile (real
// daprd sidecars, FerretDB), drives it on loopback, prints a markdown table and writes JSON to
// .bench/ (git-ignored); a second table gives each process's CPU per 1,000 commands and RSS
// during the 32-client and lag levels (process-usage.ts). Bounded in time; stops everything it
// started.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { EVENT_SCHEMA_VERSION, STATESTORE_NAME, type AccountEvent, type TransferJson } from '@bank/contracts';
import { metric, REDIS_HOST, REDIS_PORT, REPO_ROOT, startSystem, type SystemOptions, type TestSystem } from '@bank/testkit';
import { fold, fromSnapshot, toSnapshot, type AccountSnapshot } from '../services/account-command/src/domain/index.js';
import { loadCommandConfig } from '../services/account-command/src/config.js';
import { StreamStore } from '../services/account-command/src/eventstore/stream-store.js';
import { closedLoop, percentile, type LoadResult } from './load.js';
import { redisBaseline } from './baseline.js';
import { procAvailable, snapshot, systemProcesses, usageBetween, usageTable, type LevelUsage } from './process-usage.js';

const { values: args } = parseArgs({
  options: {
    profile: { type: 'string', default: process.env.PROFILE ?? 'redis' },
    seconds: { type: 'string', default: '8' },
    accounts: { type: 'string', default: '500' },
    /** Comma-separated subset: commands, lag, transfers, rehydration, rebuild, baseline (default: all). */
    only: { type: 'string', default: 'commands,lag,transfers,rehydration,rebuild,baseline' },
    /** Commands per second during the lag measure (default: half the best measured throughput). */
    'lag-rate': { type: 'string' },
  },
});
const seconds = Number(args.seconds);
const accountsWanted = Number(args.accounts);
for (const [name, v] of [
  ['seconds', seconds],
  ['accounts', accountsWanted],
  ['lag-rate', Number(args['lag-rate'] ?? 1)],
] as const) {
  if (!(Number.isFinite(v) && v > 0)) {
    console.error(`--${name} must be a positive number`);
    process.exit(2);
  }
}
const json = { 'content-type': 'application/json' };
const want = new Set(args.only.split(','));
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');

async function post(url: string, body: unknown): Promise<{ status: number; body: { accountId: string; version: number } }> {
  const res = await fetch(url, { method: 'POST', headers: json, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { accountId: string; version: number } };
}

/** One command on the account, then the time until the query side serves that version. */
async function waitReadable(commandUrl: string, queryUrl: string, accountId: string): Promise<number> {
  const t0 = performance.now();
  const { body } = await post(`${commandUrl}/accounts/${accountId}/credit`, { amount: '1.00', currency: 'EUR' });
  while (performance.now() - t0 < 600_000) {
    const q = await fetch(`${queryUrl}/accounts/${accountId}?minVersion=${body.version}`);
    await q.arrayBuffer();
    if (q.status === 200 && q.headers.get('x-read-model-stale') !== 'true') return performance.now() - t0;
  }
  throw new Error(`the read side did not reach version ${body.version} of ${accountId} within 10 minutes`);
}

/** Waits (at most 5 minutes) until the read side has had no delivery for 2 s; returns how long that took. */
async function readSideSettled(queryUrl: string): Promise<number> {
  const t0 = performance.now();
  let last = await metric(queryUrl, 'notification_deliveries_total');
  let quietSince = performance.now();
  while (performance.now() - t0 < 300_000) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await metric(queryUrl, 'notification_deliveries_total');
    if (now !== last) {
      last = now;
      quietSince = performance.now();
    } else if (performance.now() - quietSince >= 2000) return quietSince - t0;
  }
  throw new Error('the read side was still receiving deliveries 5 minutes after the command levels');
}

async function openAccounts(sys: TestSystem, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => post(`${sys.command.url}/accounts`, { initialBalance: '1000000.00', currency: 'EUR' })));
    ids.push(...batch.map((b) => b.body.accountId));
  }
  return ids;
}

function machine() {
  const cpus = os.cpus();
  let redis = '';
  try {
    redis = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    redis = 'unknown';
  }
  return { cores: cpus.length, cpu: cpus[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, os: `${os.type()} ${os.release()}`, redis };
}

/** Appends `n` credit events to a fresh account stream, in commits of up to 1,000 events. */
async function seedStream(sys: TestSystem, n: number): Promise<string> {
  // Sealed as the service seals it: CHUNK_SIZE reaches the services through the environment, read
  // here by the service's own configuration.
  const chunkSize = loadCommandConfig().CHUNK_SIZE;
  const store = new StreamStore<AccountEvent, AccountSnapshot>(sys.command.daprd.sidecar, { storeName: STATESTORE_NAME, chunkSize });
  const { body } = await post(`${sys.command.url}/accounts`, { initialBalance: '0.00', currency: 'EUR' });
  const id = `account-${body.accountId}`;
  let version = 2;
  while (version < n) {
    const loaded = await store.load(id);
    const count = Math.min(1000, n - version);
    const at = new Date().toISOString();
    const events: AccountEvent[] = Array.from({ length: count }, (_, k) => ({
      eventId: crypto.randomUUID(),
      accountId: body.accountId,
      type: 'AccountCredited',
      version: version + 1 + k,
      occurredAt: at,
      schemaVersion: EVENT_SCHEMA_VERSION,
      correlationId: null,
      causationId: null,
      actor: null,
      data: { amount: '1.00', currency: 'EUR', description: null, transfer: null },
    }));
    const prev = loaded.head!.snapshot!;
    const next = fold(events, fromSnapshot(prev));
    await store.append(loaded, events, { snapshot: toSnapshot(next) });
    version += count;
  }
  return body.accountId;
}

async function main(): Promise<void> {
  const started = Date.now();
  const sys = await startSystem({ profile: args.profile, query: true, commandEnv: { LOG_LEVEL: 'warn' }, queryEnv: { LOG_LEVEL: 'warn' } } as SystemOptions);
  const results: Record<string, unknown> = { machine: machine(), profile: args.profile, secondsPerLevel: seconds, at: new Date().toISOString() };
  const rows: string[] = [];
  // CPU and RSS of each process during the 32-client level and the lag level (process-usage.ts).
  const usage: Array<{ label: string; usage: LevelUsage }> = [];
  const watched = procAvailable ? systemProcesses(sys, REDIS_PORT) : [];
  try {
    const accounts = await openAccounts(sys, accountsWanted);
    const credit = (i: number) => ({
      method: 'POST' as const,
      path: `/accounts/${accounts[i % accounts.length]}/credit`,
      body: JSON.stringify({ amount: '1.00', currency: 'EUR' }),
    });

    // 1. Command throughput and latency at fixed concurrency.
    const levels: Record<number, LoadResult> = {};
    // (Only the lag at a given rate: no command level, whose backlog the lag would measure.)
    for (const c of want.has('commands') ? [1, 8, 32, 128] : args['lag-rate'] ? [] : [32]) {
      const before = c === 32 && procAvailable ? snapshot(watched) : undefined;
      levels[c] = await closedLoop(sys.command.url, c, seconds, credit);
      if (before) usage.push({ label: `commands, ${c} clients`, usage: usageBetween(before, snapshot(watched), levels[c]!.requests) });
      rows.push(
        `| commands, ${c} clients | ${levels[c]!.throughput.toFixed(0)} cmd/s | ${ms(levels[c]!.p50)} | ${ms(levels[c]!.p95)} | ${ms(levels[c]!.p99)} | ${levels[c]!.errors} errors |`,
      );
    }
    results.commands = levels;
    const best = Math.max(...Object.values(levels).map((l) => l.throughput));

    // 2. Projection lag at half the best throughput: command accepted -> query side at that version.
    const queryUrl = (sys as TestSystem & { query?: { url: string } }).query?.url;
    if (queryUrl && want.has('lag')) {
      // The command levels (and the accounts' opening) run faster than the read side follows: it
      // catches up before the lag is measured, else the lag would measure that backlog. How long
      // that took is a result too.
      const caughtUp = await readSideSettled(queryUrl);
      results.readSideCatchUpSeconds = caughtUp / 1000;
      rows.push(`| read side caught up before the lag level | | | | | in ${(caughtUp / 1000).toFixed(1)} s (then no delivery for 2 s) |`);
      const rate = args['lag-rate'] ? Number(args['lag-rate']) : best / 2;
      const lags: number[] = [];
      let behind = 0;
      const until = performance.now() + seconds * 1000;
      const pending: Promise<void>[] = [];
      let i = 0;
      // Kept-alive undici pools, as the closed loop's: fetch cost the generator 1.8 ms of CPU per
      // command and read at 379 cmd/s, taken from the 2 cores the system under test runs on.
      const commandPool = new Pool(sys.command.url, { connections: 256, keepAliveTimeout: 30_000 });
      const queryPool = new Pool(queryUrl, { connections: 256, keepAliveTimeout: 30_000 });
      const before = procAvailable ? snapshot(watched) : undefined;
      while (performance.now() < until) {
        const t0 = performance.now();
        const spec = credit(i++);
        pending.push(
          (async () => {
            const res = await commandPool.request({ path: spec.path, method: 'POST', headers: json, body: spec.body });
            const { accountId, version } = (await res.body.json()) as { accountId: string; version: number };
            // From the command's answer (accepted), not from its sending: the command's own
            // latency is in the rows above.
            const accepted = performance.now();
            const q = await queryPool.request({ path: `/accounts/${accountId}?minVersion=${version}`, method: 'GET' });
            await q.body.dump();
            if (q.statusCode === 200 && q.headers['x-read-model-stale'] !== 'true') lags.push(performance.now() - accepted);
            else behind++; // 504 read-model-behind: later than the query side's wait bound
          })().catch(() => undefined),
        );
        const wait = t0 + 1000 / rate - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      await Promise.all(pending);
      await Promise.all([commandPool.close(), queryPool.close()]);
      // Until the last command is readable (or past the wait bound): the projection's work too.
      if (before) usage.push({ label: `projection lag at ${rate.toFixed(0)} cmd/s`, usage: usageBetween(before, snapshot(watched), i) });
      const sorted = lags.sort((a, b) => a - b);
      results.projectionLag = { rate, samples: sorted.length, behind, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
      rows.push(
        `| projection lag at ${rate.toFixed(0)} cmd/s (accepted -> readable) | ${sorted.length} samples | ${ms(percentile(sorted, 50))} | ${ms(percentile(sorted, 95))} | ${ms(percentile(sorted, 99))} | ${behind} not readable within the wait bound |`,
      );
    }

    // 3. Transfers: 16 clients each asking for the next transfer between two random accounts as
    // soon as the last one was accepted; then how long each took from its request to its final
    // step (the last step's time as the events record it), read once every transfer is final.
    if (queryUrl && want.has('transfers')) {
      await readSideSettled(queryUrl);
      const sent: Array<{ transferId: string; at: number }> = [];
      const askedAt: number[] = [];
      const load = await closedLoop(
        sys.command.url,
        16,
        seconds,
        (i) => {
          const from = accounts[(i * 7919) % accounts.length]!;
          const to = accounts[(i * 7919 + 1 + (i % (accounts.length - 1))) % accounts.length]!;
          askedAt[i] = Date.now();
          return { method: 'POST', path: '/transfers', body: JSON.stringify({ fromAccountId: from, toAccountId: to, amount: '1.00', currency: 'EUR' }) };
        },
        (status, body, i) => {
          if (status === 202) sent.push({ transferId: (JSON.parse(body) as { transferId: string }).transferId, at: askedAt[i]! });
        },
      );
      const toFinal: number[] = [];
      let notFinal = 0;
      const deadline = performance.now() + 120_000;
      for (let i = 0; i < sent.length; i += 50) {
        await Promise.all(
          sent.slice(i, i + 50).map(async ({ transferId, at }) => {
            while (performance.now() < deadline) {
              const res = await fetch(`${queryUrl}/transfers/${transferId}`);
              const transfer = res.status === 200 ? ((await res.json()) as TransferJson) : (await res.arrayBuffer(), undefined);
              const last = transfer?.steps.find((step) => step.type === 'COMPLETED' || step.type === 'REFUNDED' || step.type === 'DECLINED');
              if (last) return void toFinal.push(Date.parse(last.occurredAt) - at);
              await new Promise((r) => setTimeout(r, 50));
            }
            notFinal++;
          }),
        );
      }
      const sorted = toFinal.sort((a, b) => a - b);
      results.transfers = { ...load, toFinal: { samples: sorted.length, notFinal, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) } };
      rows.push(
        `| transfers, 16 clients (request -> 202) | ${load.throughput.toFixed(0)} transfers/s | ${ms(load.p50)} | ${ms(load.p95)} | ${ms(load.p99)} | ${load.errors} errors |`,
        `| transfers: request -> final step | ${sorted.length} transfers | ${ms(percentile(sorted, 50))} | ${ms(percentile(sorted, 95))} | ${ms(percentile(sorted, 99))} | ${notFinal} not final within 120 s |`,
      );
    }

    // 4. Rehydration: the cost of a command on streams of 10, 1,000 and 100,000 events.
    const rehydration: Record<number, LoadResult> = {};
    for (const n of want.has('rehydration') ? [10, 1000, 100_000] : []) {
      const id = await seedStream(sys, n);
      // The seeded events reach the read side with the first command's notification; its catch-up
      // (a pull of every event) would otherwise share the CPU with the measure.
      const catchUp = queryUrl ? await waitReadable(sys.command.url, queryUrl, id) : undefined;
      rehydration[n] = await closedLoop(sys.command.url, 1, Math.min(seconds, 4), () => ({
        method: 'POST',
        path: `/accounts/${id}/credit`,
        body: JSON.stringify({ amount: '1.00', currency: 'EUR' }),
      }));
      const note = catchUp === undefined ? '' : `read side caught up with the seeded events in ${(catchUp / 1000).toFixed(1)} s first`;
      rows.push(
        `| one command on a stream of ${n.toLocaleString('en')} events | ${rehydration[n]!.throughput.toFixed(0)} cmd/s | ${ms(rehydration[n]!.p50)} | ${ms(rehydration[n]!.p95)} | ${ms(rehydration[n]!.p99)} | ${note} |`,
      );
    }
    results.rehydration = rehydration;

    // 5. Rebuild rate.
    if (queryUrl && want.has('rebuild')) {
      const t0 = performance.now();
      const before = procAvailable ? snapshot(watched) : undefined;
      const res = await fetch(`${queryUrl}/admin/projections/rebuild`, { method: 'POST' });
      if (res.status === 202) {
        type Status = { rebuild?: { state: string; eventsApplied: number; streamsDone: number } };
        let status: Status = {};
        for (;;) {
          await new Promise((r) => setTimeout(r, 100));
          status = (await (await fetch(`${queryUrl}/admin/projections`)).json()) as Status;
          if (status.rebuild?.state === 'done' || status.rebuild?.state === 'failed') break;
          if (performance.now() - t0 > 300_000) break;
        }
        const secs = (performance.now() - t0) / 1000;
        const events = status.rebuild?.eventsApplied ?? NaN;
        results.rebuild = { seconds: secs, events, streams: status.rebuild?.streamsDone, state: status.rebuild?.state, eventsPerSecond: events / secs };
        // Where the rebuild's CPU goes, per 1,000 events (the table's "commands" are events here).
        if (before && Number.isFinite(events)) usage.push({ label: 'rebuild, per 1,000 events', usage: usageBetween(before, snapshot(watched), events) });
        rows.push(
          `| rebuild of every read model (${status.rebuild?.streamsDone} streams) | ${(events / secs).toFixed(0)} events/s | ${events} events in ${secs.toFixed(1)} s | | | ${status.rebuild?.state} |`,
        );
      }
    }

    // 6. Baseline: the same conditional append straight to Redis, no sidecar.
    if (args.profile === 'redis' && want.has('baseline')) {
      const base = await redisBaseline({ host: REDIS_HOST, port: REDIS_PORT, db: sys.slot, concurrency: 32, seconds, accounts: accounts.length });
      results.redisBaseline = base;
      const dapr = levels[32]!;
      rows.push(
        `| baseline: ioredis conditional append, 32 clients | ${base.throughput.toFixed(0)} ops/s | ${ms(base.p50)} | ${ms(base.p95)} | ${ms(base.p99)} | whole command via Dapr = ${((dapr.throughput / base.throughput) * 100).toFixed(1)} % of it |`,
      );
    }
  } finally {
    await sys.stop();
  }
  if (usage.length > 0) results.processUsage = usage.map((level) => ({ level: level.label, ...level.usage }));
  const m = results.machine as ReturnType<typeof machine>;
  const table = [
    `Profile \`${args.profile}\`, ${m.cores} cores ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.redis.split(' ').slice(0, 3).join(' ')}; ${seconds} s per level; ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| measure | throughput | p50 ms | p95 ms | p99 ms | notes |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    ...(usage.length > 0 ? ['', usageTable(usage)] : []),
  ].join('\n');
  console.log(table);
  const dir = path.join(REPO_ROOT, '.bench');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${args.profile}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ ...results, table, durationSeconds: (Date.now() - started) / 1000 }, null, 2));
  console.log(`\n(JSON: ${path.relative(REPO_ROOT, file)})`);
}

main().catch((err: unknown) => {
  console.error('bench failed:', err);
  process.exit(1);
});
