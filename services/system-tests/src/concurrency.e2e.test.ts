// 10,000 commands from 64 concurrent clients, on few accounts (heavy contention) and on many,
// mixed credits and debits, half of them sent with an Idempotency-Key and some of those sent
// twice at once (a client retrying while its first attempt is still in flight). Then every
// invariant must hold, and the events must be exactly the commands clients were told succeeded.
import { checkInvariants, startSystem, type TestSystemWithQuery } from '@bank/testkit';
import { Ledger, openAccounts, rng } from './clients.js';

let sys: TestSystemWithQuery;
beforeAll(async () => {
  sys = (await startSystem({ query: true, commandEnv: { LOG_LEVEL: 'warn' }, queryEnv: { LOG_LEVEL: 'warn' } })) as TestSystemWithQuery;
});
afterAll(async () => {
  await sys?.stop();
});

async function run(accounts: string[], commands: number, clients: number, seed: number, ledger: Ledger): Promise<void> {
  const rand = rng(seed);
  let next = 0;
  const client = async () => {
    while (next < commands) {
      const i = next++;
      const accountId = accounts[Math.floor(rand() * accounts.length)]!;
      const type = rand() < 0.55 ? 'AccountCredited' : 'AccountDebited';
      const amount = `${1 + Math.floor(rand() * 40)}.${String(Math.floor(rand() * 100)).padStart(2, '0')}`;
      const keyed = i % 2 === 0;
      const key = keyed ? `c-${seed}-${i}` : undefined;
      const twice = keyed && i % 10 === 0;
      const send = () =>
        fetch(`${sys.command.url}/accounts/${accountId}/${type === 'AccountCredited' ? 'credit' : 'debit'}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
          body: JSON.stringify({ amount, currency: 'EUR' }),
        }).then(async (r) => ({ status: r.status, replayed: r.headers.get('idempotent-replayed') === 'true', body: await r.text() }));
      const answers = await Promise.all(twice ? [send(), send()] : [send()]);
      for (const a of answers) if (a.status >= 500) throw new Error(`HTTP ${a.status}: ${a.body}`);
      const ok = answers.filter((a) => a.status === 200);
      // The same key sent twice: both answers are the same; the command counts once.
      if (twice && ok.length > 0) expect(new Set(answers.map((a) => a.status)).size).toBe(1);
      if (ok.length > 0) ledger.record(accountId, { type, amount });
      ledger.stats.sent++;
      if (ok.length > 0) ledger.stats.accepted++;
      else ledger.stats.refused++;
      ledger.stats.replayed += answers.filter((a) => a.replayed).length;
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
}

test('10,000 commands, 64 clients, few and many accounts: every invariant holds', async () => {
  const ledger = new Ledger();
  const few = await openAccounts(sys.command.url, 5, '500.00');
  const many = await openAccounts(sys.command.url, 200, '100.00');
  await run(few, 5000, 64, 1, ledger);
  await run(many, 5000, 64, 2, ledger);
  expect(ledger.stats.sent).toBe(10_000);
  expect(ledger.stats.accepted).toBeGreaterThan(5000);
  expect(ledger.stats.refused).toBeGreaterThan(0); // some debits meet insufficient funds
  expect(ledger.stats.replayed).toBeGreaterThan(0);
  const report = await checkInvariants(sys.command.url, sys.query.url, { accepted: ledger.accepted, timeoutMs: 180_000 });
  expect(report.accounts).toBe(205);
  console.log(`concurrency: ${JSON.stringify(ledger.stats)}; ${report.events} events; totals ${JSON.stringify(report.totals)}`);
}, 900_000);
