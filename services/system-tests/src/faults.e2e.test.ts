// Faults under load, each followed by recovery and the invariant check. Clients keep sending
// keyed commands and retry each until it is decided; at the end the event store must hold
// exactly the commands they were told were accepted (zero lost, zero doubled) and every read
// model must equal its stream's fold. The Redis here (event store AND broker) is the test's own,
// on its own port, with an fsync'd append-only file: it is killed and restarted like the rest.
import { checkInvariants } from '@bank/testkit';
import { Ledger, openAccounts, rng, sendUntilDefinitive } from './clients.js';
import { runFaults, useFaultSystem } from './fault-harness.js';

const system = useFaultSystem('faults');

test('SIGKILL of each service, a sidecar restart and a broker/store restart lose and double nothing', async () => {
  const { sys, redis } = system;
  const ledger = new Ledger();
  const accounts = await openAccounts(sys.command.url, 24, '1000.00');
  const rand = rng(7);
  let running = true;
  const deadline = () => Date.now() + 120_000;
  const failures: string[] = [];
  const client = async () => {
    while (running) {
      const id = accounts[Math.floor(rand() * accounts.length)]!;
      // Mostly movements; now and then a suspension or a reactivation (refused when the account
      // is already so: a 409, which is a definitive answer), so debits meet suspended accounts.
      const pick = rand();
      const type = pick < 0.55 ? 'AccountCredited' : pick < 0.93 ? 'AccountDebited' : pick < 0.965 ? 'AccountSuspended' : 'AccountReactivated';
      const amount = `${1 + Math.floor(rand() * 20)}.${String(Math.floor(rand() * 100)).padStart(2, '0')}`;
      await sendUntilDefinitive(() => sys.command.url, ledger, id, type, amount, deadline()).catch((e: Error) => failures.push(e.message));
    }
  };
  const load = Promise.all(Array.from({ length: 12 }, client));
  const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const steps: Array<[string, () => Promise<void>]> = [
    ['SIGKILL account-command', () => sys.command.restartApp({ signal: 'SIGKILL' })],
    ['SIGKILL account-query mid-projection', () => sys.query.restartApp({ signal: 'SIGKILL' })],
    ['restart the command sidecar', () => sys.command.restartDaprd()],
    ['restart the query sidecar', () => sys.query.restartDaprd()],
    ['restart Redis (event store and broker)', () => redis.restart({ signal: 'SIGKILL', downMs: 1000 })],
  ];
  const timeline = await runFaults(
    steps,
    () => 2000,
    () => `${ledger.stats.accepted} accepted`,
  );
  await settle(2000);
  running = false;
  await load;
  expect(failures).toEqual([]);
  expect(ledger.stats.accepted).toBeGreaterThan(100);
  expect(ledger.stats.retries).toBeGreaterThan(0); // the faults were felt
  expect(ledger.stats.unexpected5xx).toBe(0); // and read as 503 "unavailable", never a 500
  // The lifecycle was part of the load: accounts were suspended, and some command met a refusal
  // for it (a debit on a suspended account, a suspension of a suspended one: 409).
  expect([...ledger.accepted.values()].flat().filter((c) => c.type === 'AccountSuspended').length).toBeGreaterThan(0);
  expect(ledger.stats.statuses['409'] ?? 0).toBeGreaterThan(0);
  const report = await checkInvariants(sys.command.url, sys.query.url, { accepted: ledger.accepted, timeoutMs: 120_000 });
  expect(report.accounts).toBe(24);
  console.log(`faults:\n  ${timeline.join('\n  ')}\n  clients: ${JSON.stringify(ledger.stats)}; ${report.events} events, 0 lost, 0 doubled`);
}, 600_000);
