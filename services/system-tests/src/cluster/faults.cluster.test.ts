// Faults on the live release, under load: keyed, retrying clients keep sending commands through
// the gateway while the test deletes an account-command pod, an account-query pod, the gateway pod
// the clients' port-forward goes to, and the Redis pod (event store AND broker). Then everything
// comes back Ready, and the invariants hold: zero commands lost, zero doubled, every read model
// equal to the fold of its events. During the faults clients may only see 503 (retryable) or no
// answer (the pod they were talking to went away); both are counted.
import { checkInvariants } from '@bank/testkit';
import { openAccounts } from '../clients.js';
import { APP_ID, appPods, DAPR_NS, deletePod, INFRA_NS, isReady, NS, pods, useForwardedRelease, waitAllReady } from './kube.js';
import { describeLoad, startLoad, unexpectedStatuses, untilReadable, whileAccepting } from './load.js';
import { useSignedInApi } from './sign-in.js';

const release = useForwardedRelease();
// Every /api call of this file goes out as the signed-in administrator's (sign-in.ts).
useSignedInApi();

test('deleting a command, a query, a gateway and the Redis pod under load loses and doubles nothing', async () => {
  const fwd = release();
  const commands = `${fwd.gateway.url}/api/commands`;
  // Given 24 accounts and 8 clients (plus a reader on the query side) sending through the gateway.
  const accounts = await openAccounts(commands, 24, '1000.00');
  const readUrl = (id: string) => `${fwd.gateway.url}/api/queries/accounts/${id}`;
  // (The reader starts once the read model knows them all: a 404 from then on is a defect, not lag.)
  await untilReadable(readUrl, accounts, 60_000);
  const load = startLoad({
    commandUrl: () => commands,
    queryUrl: readUrl,
    accounts,
    clients: 8,
    maxMs: 240_000,
    maxCommands: 20_000,
    commandDeadlineMs: 120_000,
    seed: 11,
  });
  const timeline: string[] = [];
  const t0 = Date.now();
  const at = () => `+${((Date.now() - t0) / 1000).toFixed(1)} s`;
  const deleteOne = async (what: string, pick: () => Promise<string>, ns = NS) => {
    const warm = await whileAccepting(load, 20, 30_000);
    const name = await pick();
    await deletePod(ns, name);
    timeline.push(`${at()} deleted ${what} ${name} (${warm} accepted in the settle before)`);
    // The load goes on while the replacement starts.
    const after = await whileAccepting(load, 30, 60_000);
    timeline.push(`${at()} ${after} commands accepted since`);
  };
  const readyOf = async (appId: string) => (await appPods(appId)).filter((p) => isReady(p) && !p.metadata.deletionTimestamp)[0]!.metadata.name;

  let faultError: unknown;
  try {
    // When each of them is deleted in turn (kubectl delete pod --wait=false).
    await deleteOne('account-command pod', () => readyOf(APP_ID.command));
    await deleteOne('account-query pod', () => readyOf(APP_ID.query));
    // The gateway pod behind the clients' port-forward: their connections break.
    await deleteOne('gateway pod (the forwarded one)', async () => fwd.gateway.pod ?? (await readyOf(APP_ID.gateway)));
    await deleteOne('Redis pod (event store and broker)', async () => (await pods(INFRA_NS, 'app.kubernetes.io/name=redis'))[0]!.metadata.name, INFRA_NS);
    // Some more load once Redis is back.
    await whileAccepting(load, 50, 60_000);
  } catch (e) {
    faultError = e;
  }
  const report = await load.stop();
  if (faultError) throw faultError;
  timeline.push(`${at()} load stopped: ${describeLoad(report)}`);
  // Then everything is Ready again.
  const readyIn = await waitAllReady([NS, INFRA_NS, DAPR_NS], 300_000);
  timeline.push(`${at()} everything Ready (${readyIn} ms after the load stopped)`);
  console.log(`faults on the cluster:\n  ${timeline.join('\n  ')}`);

  const s = report.ledger.stats;
  // No command was left undecided, and every answer was a success, a funds refusal or a 503.
  expect(report.failures).toEqual([]);
  expect(unexpectedStatuses(report.ledger)).toEqual({});
  expect(s.unexpected5xx).toBe(0);
  expect(s.accepted).toBeGreaterThan(200);
  // The faults were felt (a 503 or a broken connection at least once).
  expect(s.retries).toBeGreaterThan(0);
  // The reader too saw only answers or a 503 (or no answer, when its connection broke).
  expect({ statuses: Object.keys(report.reads).filter((k) => !['200', '503', 'error'].includes(k)), first: report.oddReads }).toEqual({ statuses: [], first: [] });

  // And zero lost, zero doubled, read models equal to the events (every account of the release).
  const inv = await checkInvariants(fwd.command.url, fwd.query.url, { accepted: report.ledger.accepted, timeoutMs: 180_000 });
  console.log(
    `invariants: ${inv.accounts} accounts, ${inv.events} events, 0 lost, 0 doubled; totals ${JSON.stringify(inv.totals)}; port-forward restarts: command ${fwd.command.starts}, query ${fwd.query.starts}, gateway ${fwd.gateway.starts}`,
  );
});
