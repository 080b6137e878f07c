// An account's life end to end: suspended, reactivated, closed, through the command API, with
// each refusal's problem type, and the read side following (status, the status filter, the fold).
import { call, expectedFromStore, ok, openAccount, readModelOf, startSystem, waitUntil, type TestSystemWithQuery } from '@bank/testkit';

let sys: TestSystemWithQuery;
let cmd: string;
let q: string;

beforeAll(async () => {
  sys = (await startSystem({ query: true })) as TestSystemWithQuery;
  cmd = sys.command.url;
  q = sys.query.url;
});

afterAll(async () => {
  await sys?.stop();
});

const command = (id: string, action: string, init: { body?: unknown; headers?: Record<string, string> } = {}) =>
  call<Record<string, unknown>>(`${cmd}/accounts/${id}/${action}`, { method: 'POST', ...init });
const move = (id: string, kind: 'credit' | 'debit', amount: string) => command(id, kind, { body: { amount, currency: 'MAD' } });

/** The answer is the problem `type` with `status`, and nothing was written (the version did not move). */
async function refused(answer: Promise<{ status: number; body: Record<string, unknown> }>, status: number, type: string, id: string): Promise<Record<string, unknown>> {
  const before = (await ok(call<{ version: number }>(`${cmd}/accounts/${id}/state`))).version;
  const res = await answer;
  expect({ status: res.status, type: res.body.type }).toEqual({ status, type: `/problems/${type}` });
  expect((await ok(call<{ version: number }>(`${cmd}/accounts/${id}/state`))).version).toBe(before);
  return res.body;
}

const statusOf = async (id: string) => (await ok(call<{ status: string }>(`${cmd}/accounts/${id}/state`))).status;

test('suspend, reactivate and close: the rules hold, every refusal has its own type, and the read side follows', async () => {
  const { accountId: id } = await openAccount(cmd, '50.00');

  // Given a suspended account (a body is optional; an empty object is one).
  expect((await command(id, 'suspend')).status).toBe(200);
  expect(await statusOf(id)).toBe('SUSPENDED');
  await refused(command(id, 'suspend', { body: {} }), 409, 'account-already-suspended', id);
  // Then it refuses debits, takes plain credits, and cannot be reactivated twice.
  const debitRefusal = await refused(move(id, 'debit', '1.00'), 409, 'account-suspended', id);
  expect(debitRefusal.detail).toMatch(/suspended/);
  expect((await move(id, 'credit', '5.00')).status).toBe(200);

  // When it is reactivated, it takes debits again.
  expect((await command(id, 'reactivate', { body: {} })).status).toBe(200);
  await refused(command(id, 'reactivate'), 409, 'account-not-suspended', id);
  // Closing needs a zero balance: the problem says what is left.
  const notZero = await refused(command(id, 'close'), 422, 'balance-not-zero', id);
  expect(notZero.balance).toBe('55.00');
  expect((await move(id, 'debit', '55.00')).status).toBe(200);

  // When it is closed (with an Idempotency-Key, sent twice: the second is the first's answer).
  const first = await command(id, 'close', { headers: { 'idempotency-key': `close-${id}` } });
  expect(first.status).toBe(200);
  const again = await command(id, 'close', { headers: { 'idempotency-key': `close-${id}` } });
  expect(again.status).toBe(200);
  expect(again.body).toEqual(first.body);
  // Then it is final: every command is refused with account-closed, nothing is written.
  for (const attempt of [move(id, 'credit', '1.00'), move(id, 'debit', '1.00'), command(id, 'suspend'), command(id, 'reactivate'), command(id, 'close')]) {
    await refused(attempt, 409, 'account-closed', id);
  }

  // The history names each step, and the state at each version follows it.
  const history = await ok(call<{ events: Array<{ type: string; version: number }> }>(`${cmd}/accounts/${id}/events`));
  expect(history.events.map((event) => event.type)).toEqual([
    'AccountCreated',
    'AccountActivated',
    'AccountSuspended',
    'AccountCredited',
    'AccountReactivated',
    'AccountDebited',
    'AccountClosed',
  ]);
  const statuses = await Promise.all(history.events.map(async ({ version }) => (await ok(call<{ status: string }>(`${cmd}/accounts/${id}/state?version=${version}`))).status));
  expect(statuses).toEqual(['CREATED', 'ACTIVATED', 'SUSPENDED', 'SUSPENDED', 'ACTIVATED', 'ACTIVATED', 'CLOSED']);

  // And the read side: the account is CLOSED at version 7, equal to the fold, and the status filter finds it.
  expect(await ok(call(`${q}/accounts/${id}?minVersion=7`))).toMatchObject({ status: 'CLOSED', balance: '0.00', version: 7 });
  expect(await readModelOf(q, id)).toEqual(await expectedFromStore(cmd, id));
  const closedOnes = await ok(call<{ items: Array<{ accountId: string }> }>(`${q}/accounts?status=closed&limit=500`));
  expect(closedOnes.items.map((account) => account.accountId)).toContain(id);
  const active = await ok(call<{ items: Array<{ accountId: string }> }>(`${q}/accounts?status=ACTIVATED&limit=500`));
  expect(active.items.map((account) => account.accountId)).not.toContain(id);
});

test('a suspended account is listed as SUSPENDED, and comes back as ACTIVATED', async () => {
  const { accountId: id } = await openAccount(cmd, '1.00');
  await ok(command(id, 'suspend'));
  await waitUntil('the read model to show SUSPENDED', 15_000, async () =>
    (await ok(call<{ status: string }>(`${q}/accounts/${id}?minVersion=3`))).status === 'SUSPENDED' ? true : undefined,
  );
  const suspendedOnes = await ok(call<{ items: Array<{ accountId: string }> }>(`${q}/accounts?status=SUSPENDED&limit=500`));
  expect(suspendedOnes.items.map((account) => account.accountId)).toContain(id);
  await ok(command(id, 'reactivate'));
  expect(await ok(call(`${q}/accounts/${id}?minVersion=4`))).toMatchObject({ status: 'ACTIVATED', version: 4 });
});

test('hostile input: unknown accounts, bad ids, bodies with fields, wrong types: 4xx problems, nothing written', async () => {
  const unknown = '00000000-0000-4000-8000-0000000000ff';
  for (const action of ['suspend', 'reactivate', 'close']) {
    const res = await command(unknown, action);
    expect({ status: res.status, type: res.body.type }).toEqual({ status: 404, type: '/problems/account-not-found' });
    expect((await command('not-a-uuid', action)).status).toBe(400);
  }
  const { accountId: id } = await openAccount(cmd, '0.00');
  await refused(command(id, 'close', { body: { force: true } }), 400, 'invalid-request', id);
  await refused(command(id, 'suspend', { body: [] }), 400, 'invalid-request', id);
  await refused(command(id, 'suspend', { body: 'now' }), 400, 'invalid-request', id);
  await refused(command(id, 'suspend', { headers: { 'if-match': '"1"' } }), 412, 'precondition-failed', id);
  const text = await fetch(`${cmd}/accounts/${id}/close`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'please' });
  expect(text.status).toBe(415);
  // The description of a movement is bounded and plain.
  await refused(command(id, 'credit', { body: { amount: '1.00', currency: 'MAD', description: 'x'.repeat(141) } }), 400, 'invalid-request', id);
  await refused(command(id, 'credit', { body: { amount: '1.00', currency: 'MAD', description: 'two\nlines' } }), 400, 'invalid-request', id);
  await refused(command(id, 'credit', { body: { amount: '1.00', currency: 'MAD', description: 42 } }), 400, 'invalid-request', id);
  expect(await statusOf(id)).toBe('ACTIVATED');
});
