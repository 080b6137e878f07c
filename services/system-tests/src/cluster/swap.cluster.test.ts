// Swapping the event bus on the live release, by configuration only: `helm upgrade --reuse-values
// --set pubsub.kind=rabbitmq` (the Secret bank-cqrs-rabbitmq, key connection-string, exists in
// namespace bank), then back to redis, while keyed clients keep sending. Commands keep being
// accepted (the longest gap between two acceptances is measured), the sidecars really run the
// new broker's component, the read models converge, nothing is lost or doubled.
import path from 'node:path';
import { call, checkInvariants, REPO_ROOT, waitUntil } from '@bank/testkit';
import { openAccounts } from '../clients.js';
import { APP_ID, appPods, type DaprMetadata, exec, helm, INFRA_NS, isReady, NS, pods, RELEASE, sidecarCall, useForwardedRelease, waitAllReady } from './kube.js';
import { describeLoad, startLoad, unexpectedStatuses, whileAccepting, type RunningLoad } from './load.js';
import { useSignedInApi } from './sign-in.js';

const CHART = path.join(REPO_ROOT, 'charts', 'bank-cqrs');
const release = useForwardedRelease();
// Every /api call of this file goes out as the signed-in administrator's (sign-in.ts).
useSignedInApi();

afterAll(async () => {
  // A failed run must not leave the release on the other broker.
  const values = JSON.parse(await helm(['get', 'values', RELEASE, '-n', NS, '-o', 'json'])) as { pubsub?: { kind?: string } };
  if (values.pubsub?.kind && values.pubsub.kind !== 'redis')
    await helm(['upgrade', RELEASE, CHART, '-n', NS, '--reuse-values', '--set', 'pubsub.kind=redis', '--wait', '--timeout', '12m']);
});

/** The pub/sub component types the Ready sidecars of account-command and account-query run. */
async function busTypes(): Promise<string[]> {
  const types = new Set<string>();
  for (const app of [APP_ID.command, APP_ID.query]) {
    for (const p of (await appPods(app)).filter((x) => isReady(x) && !x.metadata.deletionTimestamp)) {
      const m = await sidecarCall<DaprMetadata>(p, '/v1.0/metadata');
      for (const c of m.body.components ?? []) if (c.name === 'pubsub' || c.name === 'outbox') types.add(`${app}:${c.name}=${c.type}`);
    }
  }
  return [...types].sort();
}

const expectedBus = (kind: string) => [`${APP_ID.command}:outbox=pubsub.${kind}`, `${APP_ID.command}:pubsub=pubsub.${kind}`, `${APP_ID.query}:pubsub=pubsub.${kind}`];

/** RabbitMQ's queues with their consumers and messages (rabbitmqctl in the broker's pod). */
async function rabbitQueues(): Promise<string> {
  const [broker] = await pods(INFRA_NS, 'app.kubernetes.io/name=rabbitmq');
  const r = await exec(INFRA_NS, broker!.metadata.name, broker!.spec.containers[0]!.name, ['rabbitmqctl', '--quiet', 'list_queues', 'name', 'consumers', 'messages']);
  return r.stdout.trim();
}

/** A command accepted now is readable on the query side (the bus delivered its notification). */
async function readYourWrites(id: string): Promise<number> {
  const fwd = release();
  const t0 = Date.now();
  const c = await call<{ version: number }>(`${fwd.gateway.url}/api/commands/accounts/${id}/credit`, {
    body: { amount: '0.01', currency: 'EUR' },
    headers: { 'idempotency-key': `swap-ryw-${id}-${t0}` },
  });
  expect(c.status).toBe(200);
  await waitUntil(
    `version ${c.body.version} of ${id} on the query side`,
    30_000,
    async () => (await call(`${fwd.gateway.url}/api/queries/accounts/${id}?minVersion=${c.body.version}`)).status === 200,
  );
  return Date.now() - t0;
}

test('swapping the event bus to RabbitMQ and back under load keeps commands accepted and loses nothing', async () => {
  const fwd = release();
  const commands = `${fwd.gateway.url}/api/commands`;
  const accounts = await openAccounts(commands, 24, '1000.00');
  const probe = (await openAccounts(commands, 1, '10.00'))[0]!;
  expect(await busTypes()).toEqual(expectedBus('redis'));
  const load: RunningLoad = startLoad({ commandUrl: () => commands, accounts, clients: 6, maxMs: 1_200_000, maxCommands: 50_000, commandDeadlineMs: 120_000, seed: 31 });
  const timeline: string[] = [];
  const t0 = Date.now();
  const at = () => `+${((Date.now() - t0) / 1000).toFixed(1)} s`;
  const swap = async (kind: 'rabbitmq' | 'redis') => {
    const s0 = Date.now();
    await helm(['upgrade', RELEASE, CHART, '-n', NS, '--reuse-values', '--set', `pubsub.kind=${kind}`, '--wait', '--timeout', '12m']);
    timeline.push(`${at()} helm upgrade --set pubsub.kind=${kind} --wait: ${Date.now() - s0} ms`);
    // The sidecars run the new broker's components (daprd loads components at start).
    const types = await waitUntil(
      `the sidecars to run pubsub.${kind}`,
      300_000,
      async () => {
        const t = await busTypes();
        return JSON.stringify(t) === JSON.stringify(expectedBus(kind)) ? t : undefined;
      },
      5000,
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}; they run ${JSON.stringify(await busTypes())}`);
    });
    timeline.push(`${at()} sidecars on ${types.join(', ')}`);
    await whileAccepting(load, 50, 60_000);
    timeline.push(`${at()} read-your-writes through the new bus: ${await readYourWrites(probe)} ms`);
  };

  let swapError: unknown;
  try {
    await whileAccepting(load, 30, 30_000);
    // When the bus is swapped to RabbitMQ on the live release.
    await swap('rabbitmq');
    const queues = await rabbitQueues();
    timeline.push(`${at()} RabbitMQ queues (name consumers messages): ${queues.replace(/\n/g, '; ')}`);
    // account-query consumes the topic from RabbitMQ now.
    expect(queues).toMatch(/account-query-account-events\s+[1-9]/);
    // And back to Redis.
    await swap('redis');
  } catch (e) {
    swapError = e;
  }
  const report = await load.stop();
  timeline.push(`${at()} load stopped: ${describeLoad(report)}`);
  console.log(`broker swap on the cluster:\n  ${timeline.join('\n  ')}`);
  if (swapError) throw swapError;

  // Then commands were accepted all along: no command failed, no long gap.
  const s = report.ledger.stats;
  expect(report.failures).toEqual([]);
  expect(unexpectedStatuses(report.ledger)).toEqual({});
  expect(s.unexpected5xx).toBe(0);
  expect(s.accepted).toBeGreaterThan(200);
  expect(report.longestGapMs).toBeLessThan(30_000);
  // And the read models converge on the events: nothing lost, nothing doubled.
  await waitAllReady([NS], 300_000);
  const t1 = Date.now();
  const inv = await checkInvariants(fwd.command.url, fwd.query.url, { accepted: report.ledger.accepted, timeoutMs: 180_000 });
  console.log(`invariants after the swap: converged ${Date.now() - t1} ms after the load stopped; ${inv.accounts} accounts, ${inv.events} events, 0 lost, 0 doubled`);
  expect(await busTypes()).toEqual(expectedBus('redis'));
});
