import { readFileSync } from 'node:fs';
import { startStoreSidecar, type StoreSidecar } from '@bank/shared/testing';
let sc: StoreSidecar;
beforeAll(async () => { sc = await startStoreSidecar('account-command', { profile: process.env.PROFILE ?? 'postgres-rabbitmq' }); });
afterAll(async () => { await sc?.stop(); });
test('outbox', async () => {
  const s = sc.daprd.sidecar;
  await s.transact('statestore', [
    { key: 'k1', value: { a: 1 }, concurrency: 'last-write' },
    { key: 'k1', value: { accountId: 'x', version: 1 }, metadata: { 'outbox.projection': 'true', contentType: 'application/json' }, concurrency: 'last-write' },
  ]);
  await new Promise((r) => setTimeout(r, 6000));
  const log = readFileSync(sc.daprd.proc.logFile, 'utf8').split('\n').filter((l) => /outbox|account-events|error/i.test(l) && !/spiffe/.test(l));
  console.log(log.map((l) => l.slice(0, 300)).join('\n'));
});
