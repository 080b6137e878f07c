// Transfers through crashes. First at the two places a crash hurts most, made certain by
// failpoints: the command service dies right after a transfer's debit (before its answer), and
// right after the target's credit (before the source settles it). Then under a load of
// transfers around a ring, the command service (the process's host) is SIGKILLed twice at
// random moments, the query service once, both sidecars SIGKILLed and restarted and the Redis
// that is both event store and broker SIGKILLed. Afterwards every transfer a client was told of ends
// COMPLETED or FAILED within TRANSFER_BOUND_MS, the money of each currency is exactly what it
// was, nobody went negative, and every read model equals its stream's fold.
import type { EventPage, TransferJson } from '@bank/contracts';
import { call, checkInvariants, mapLimit, ok, waitUntil } from '@bank/testkit';
import { Ledger, openAccounts, rng, transferUntilDefinitive, type TransferOrder } from './clients.js';
import { runFaults, useFaultSystem } from './fault-harness.js';

/** What docs/api.md promises: a transfer is final within this long of the command service being back. */
const TRANSFER_BOUND_MS = 30_000;

const system = useFaultSystem('transfer-faults');
const sys = () => system.sys;

const cmd = () => sys().command.url;
const balanceOf = async (id: string) => (await ok(call<{ balance: string }>(`${cmd()}/accounts/${id}/state`))).balance;
const minor = (balance: string) => BigInt(balance.replace('.', ''));

/** Every transfer final, as the read side serves them. */
async function allFinal(transferIds: readonly string[], timeoutMs: number): Promise<TransferJson[]> {
  return waitUntil(`${transferIds.length} transfers final`, timeoutMs, async () => {
    const all = await mapLimit(transferIds, 16, async (id) => (await call<TransferJson>(`${sys().query.url}/transfers/${id}`)).body);
    return all.every((item) => item?.status === 'COMPLETED' || item?.status === 'FAILED') ? all : undefined;
  });
}

test.each([
  ['after the debit, before the answer', 'crash-after-transfer-send'],
  ['after the target is credited, before the source settles', 'crash-after-transfer-credit'],
])('a crash %s: the transfer completes once', async (_where, failpoint) => {
  const [from, to] = await openAccounts(cmd(), 2, '100.00');
  await sys().command.restartApp({ env: { FAILPOINT: failpoint } });
  const ledger = new Ledger();
  const order: TransferOrder = { fromAccountId: from!, toAccountId: to!, amount: '40.00', currency: 'EUR' };
  // The first attempt kills the service; the client's retries (same key) meet a restarted one.
  const sent = transferUntilDefinitive(cmd, ledger, order, Date.now() + 60_000, `crash-${failpoint}`);
  await sys().command.app.exited;
  await sys().command.restartApp({ env: { FAILPOINT: '' } });
  const transferId = await sent;
  expect(transferId).not.toBeNull();
  const [final] = await allFinal([transferId!], TRANSFER_BOUND_MS);
  expect(final).toMatchObject({ status: 'COMPLETED' });
  expect([await balanceOf(from!), await balanceOf(to!)]).toEqual(['60.00', '140.00']);
  // Exactly one credit on the target and one settlement on the source.
  const events = async (id: string) => (await ok(call<EventPage>(`${cmd()}/accounts/${id}/events`))).events.map((event) => event.type);
  expect((await events(to!)).filter((type) => type === 'AccountCredited')).toHaveLength(1);
  // The source settles it once the process (here, the sweep after the restart) takes it on.
  const settled = await waitUntil('the source settled', TRANSFER_BOUND_MS, async () => {
    const types = await events(from!);
    return types.includes('TransferCompleted') ? types : undefined;
  });
  expect(settled.filter((type) => type === 'TransferCompleted')).toHaveLength(1);
});

test('SIGKILLs of each process under a load of transfers lose, double and strand nothing', async () => {
  const ring = await openAccounts(cmd(), 10, '500.00');
  const ledger = new Ledger();
  const rand = rng(11);
  const transferIds: string[] = [];
  const failures: string[] = [];
  let running = true;
  const client = async () => {
    while (running) {
      const i = Math.floor(rand() * ring.length);
      const overdraft = rand() < 0.05;
      const amount = overdraft ? '9000.00' : `${1 + Math.floor(rand() * 30)}.${String(Math.floor(rand() * 100)).padStart(2, '0')}`;
      const order = { fromAccountId: ring[i]!, toAccountId: ring[(i + 1 + Math.floor(rand() * 9)) % ring.length]!, amount, currency: 'EUR' };
      const id = await transferUntilDefinitive(cmd, ledger, order, Date.now() + 120_000).catch((e: Error) => void failures.push(e.message));
      if (id) transferIds.push(id);
    }
  };
  const load = Promise.all(Array.from({ length: 8 }, client));
  const faults: Array<[string, () => Promise<void>]> = [
    ['SIGKILL account-command', () => sys().command.restartApp({ signal: 'SIGKILL' })],
    ['SIGKILL account-query', () => sys().query.restartApp({ signal: 'SIGKILL' })],
    ['restart the command sidecar', () => sys().command.restartDaprd()],
    ['restart the query sidecar', () => sys().query.restartDaprd()],
    ['SIGKILL account-command again', () => sys().command.restartApp({ signal: 'SIGKILL' })],
    ['SIGKILL Redis (event store and broker)', () => system.redis.restart({ signal: 'SIGKILL', downMs: 1000 })],
  ];
  const timeline = await runFaults(
    faults,
    () => 1000 + Math.floor(rand() * 2000),
    () => `${transferIds.length} transfers accepted`,
  );
  await new Promise((resolve) => setTimeout(resolve, 1500));
  running = false;
  await load;
  expect(failures).toEqual([]);
  expect(ledger.stats.unexpected5xx).toBe(0);
  expect(ledger.stats.retries).toBeGreaterThan(0); // the faults were felt
  expect(transferIds.length).toBeGreaterThan(50);

  const finals = await allFinal([...new Set(transferIds)], TRANSFER_BOUND_MS);
  const completed = finals.filter((item) => item.status === 'COMPLETED').length;
  const balances = await mapLimit(ring, 10, balanceOf);
  expect(balances.reduce((sum, balance) => sum + minor(balance), 0n)).toBe(10n * 500_00n);
  expect(balances.filter((balance) => balance.startsWith('-'))).toEqual([]);
  const report = await checkInvariants(cmd(), sys().query.url, { timeoutMs: 120_000 });
  console.log(
    `transfer faults:\n  ${timeline.join('\n  ')}\n  ${finals.length} transfers: ${completed} completed, ${finals.length - completed} failed; clients: ${JSON.stringify(ledger.stats)}; ${report.events} events`,
  );
}, 600_000);
