// Transfers end to end, on real daprd, store, broker and read side: one transfer from request to
// COMPLETED; each way one fails (funds short: nothing moves; the target suspended, closed or in
// another currency: the source is refunded); a repeated request; hostile requests refused with
// nothing written; then 1,000 concurrent transfers around a ring of 10 accounts, with overdrafts
// and transfers to an account in another currency among them: per currency the money is
// conserved exactly, every transfer ends COMPLETED or FAILED, no account goes negative.
import type { EventPage, TransferJson } from '@bank/contracts';
import { call, checkInvariants, mapLimit, ok, openAccount, startSystem, waitUntil, type TestSystemWithQuery } from '@bank/testkit';

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

interface TransferAnswer {
  transferId: string;
  status: string;
  reason?: string;
}

const transfer = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call<TransferAnswer & { type?: string }>(`${cmd}/transfers`, { method: 'POST', body, headers });
const order = (from: string, to: string, amount: string, currency = 'MAD', extra: Record<string, unknown> = {}) => ({
  fromAccountId: from,
  toAccountId: to,
  amount,
  currency,
  ...extra,
});
const stateOf = async (id: string) => ok(call<{ balance: string; version: number; status: string }>(`${cmd}/accounts/${id}/state`));
const eventsOf = async (id: string) => (await ok(call<EventPage>(`${cmd}/accounts/${id}/events?limit=10000`))).events;

/** The transfer as the read side serves it, once it has reached a final status. */
async function terminal(transferId: string, timeoutMs = 20_000): Promise<TransferJson> {
  return waitUntil(`transfer ${transferId} final`, timeoutMs, async () => {
    const res = await call<TransferJson>(`${q}/transfers/${transferId}`);
    return res.status === 200 && res.body.status !== 'PENDING' ? res.body : undefined;
  });
}

describe('a transfer', () => {
  it('debits the source, credits the target and completes; both accounts and the read side show it', async () => {
    const { accountId: from } = await openAccount(cmd, '100.00');
    const { accountId: to } = await openAccount(cmd, '0.00');
    const res = await transfer(order(from, to, '30.00', 'MAD', { description: 'rent' }), { 'x-correlation-id': 'transfer-e2e-1' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ transferId: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'PENDING' });
    const { transferId } = res.body;
    expect(res.headers.get('location')).toBe(`/transfers/${transferId}`);

    // Each account is projected on its own: the three steps are all there once both are.
    const done = await waitUntil('both accounts projected', 10_000, async () => {
      const final = await terminal(transferId);
      return final.steps.length === 3 ? final : undefined;
    });
    expect(done).toMatchObject({ transferId, fromAccountId: from, toAccountId: to, amount: '30.00', currency: 'MAD', description: 'rent', status: 'COMPLETED', reason: null });
    expect(done.steps.map((step) => step.type)).toEqual(['DEBITED', 'CREDITED', 'COMPLETED']);
    expect([(await stateOf(from)).balance, (await stateOf(to)).balance]).toEqual(['70.00', '30.00']);

    // The legs carry the transfer and the counterparty, correlate with the request, and were caused by the transfer.
    const debit = (await eventsOf(from)).find((event) => event.type === 'AccountDebited')!;
    const credit = (await eventsOf(to)).find((event) => event.type === 'AccountCredited')!;
    expect(debit).toMatchObject({ correlationId: 'transfer-e2e-1', data: { amount: '30.00', transfer: { transferId, counterpartyAccountId: to } } });
    expect(credit).toMatchObject({ correlationId: 'transfer-e2e-1', causationId: transferId, data: { amount: '30.00', transfer: { transferId, counterpartyAccountId: from } } });

    // The read side: the operations show the counterparty, each account lists the transfer.
    const ops = await waitUntil('operations projected', 10_000, async () => {
      const page = await ok(call<{ items: Array<{ type: string; transferId: string | null; counterpartyAccountId: string | null }> }>(`${q}/accounts/${to}/operations`));
      return page.items.length ? page.items : undefined;
    });
    expect(ops[0]).toMatchObject({ type: 'CREDIT', transferId, counterpartyAccountId: from });
    for (const id of [from, to]) {
      const listed = await ok(call<{ items: TransferJson[] }>(`${q}/accounts/${id}/transfers`));
      expect(listed.items.map((item) => [item.transferId, item.status])).toEqual([[transferId, 'COMPLETED']]);
    }
  });

  it('the balance cannot pay: FAILED at once, nothing moves', async () => {
    const { accountId: from } = await openAccount(cmd, '10.00');
    const { accountId: to } = await openAccount(cmd, '0.00');
    const res = await transfer(order(from, to, '10.01'));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'FAILED', reason: 'insufficient-funds' });
    expect(await terminal(res.body.transferId)).toMatchObject({ status: 'FAILED', reason: 'insufficient-funds', steps: [{ type: 'DECLINED', accountId: from }] });
    expect([(await stateOf(from)).balance, (await stateOf(to)).balance]).toEqual(['10.00', '0.00']);
    expect((await stateOf(to)).version).toBe(2);
  });

  it.each([
    ['suspended', 'account-suspended', async (id: string) => void (await ok(call(`${cmd}/accounts/${id}/suspend`, { method: 'POST' })))],
    ['closed', 'account-closed', async (id: string) => void (await ok(call(`${cmd}/accounts/${id}/close`, { method: 'POST' })))],
  ])('the target is %s: the credit is refused, the source refunded, the transfer FAILED', async (_what, reason, prepare) => {
    const { accountId: from } = await openAccount(cmd, '50.00');
    const { accountId: to } = await openAccount(cmd, '0.00');
    await prepare(to);
    const res = await transfer(order(from, to, '20.00'));
    expect(res.body.status).toBe('PENDING');
    const failed = await terminal(res.body.transferId);
    expect(failed).toMatchObject({ status: 'FAILED', reason });
    expect(failed.steps.map((step) => step.type)).toEqual(['DEBITED', 'CREDIT_REFUSED', 'REFUNDED']);
    expect((await stateOf(from)).balance).toBe('50.00');
    expect((await stateOf(to)).balance).toBe('0.00');
  });

  it('the target is in another currency: refunded, FAILED with currency-mismatch', async () => {
    const { accountId: from } = await openAccount(cmd, '50.00');
    const { accountId: to } = await openAccount(cmd, '0.00', 'EUR');
    const res = await transfer(order(from, to, '20.00'));
    expect(await terminal(res.body.transferId)).toMatchObject({ status: 'FAILED', reason: 'currency-mismatch' });
    expect([(await stateOf(from)).balance, (await stateOf(to)).balance]).toEqual(['50.00', '0.00']);
  });

  it('asked twice with one Idempotency-Key: one transfer, the second answer a replay of the first', async () => {
    const { accountId: from } = await openAccount(cmd, '50.00');
    const { accountId: to } = await openAccount(cmd, '0.00');
    const headers = { 'idempotency-key': `transfer-${from}` };
    const first = await transfer(order(from, to, '5.00'), headers);
    const again = await transfer(order(from, to, '5.00'), headers);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.transferId).toBe(first.body.transferId);
    await terminal(first.body.transferId);
    expect((await stateOf(from)).balance).toBe('45.00');
    // Asked again once the source has recorded it settled (just after the credit the read side
    // shows): the same transfer, answered with its final status, nothing moved again.
    const settled = await waitUntil('the replay answering a final status', 15_000, async () => {
      const replay = await transfer(order(from, to, '5.00'), headers);
      return replay.body.status === 'PENDING' ? undefined : replay;
    });
    expect([settled.status, settled.headers.get('idempotent-replayed'), settled.body]).toEqual([202, 'true', { transferId: first.body.transferId, status: 'COMPLETED' }]);
    expect((await stateOf(from)).balance).toBe('45.00');
    // The same key for another transfer is refused.
    expect((await transfer(order(from, to, '6.00'), headers)).status).toBe(422);
  });

  it('asked again with a key the source has forgotten (more than its idempotency window since): a new transfer, never the settled one again', async () => {
    const { accountId: from } = await openAccount(cmd, '50.00');
    const { accountId: to } = await openAccount(cmd, '0.00');
    const headers = { 'idempotency-key': `late-${from}` };
    const first = await transfer(order(from, to, '5.00'), headers);
    await terminal(first.body.transferId);
    // 64 keyed commands later (IDEMPOTENCY_WINDOW keeps 64 keys), the key is out of the source's window.
    for (let i = 0; i < 64; i++) {
      await ok(call(`${cmd}/accounts/${from}/credit`, { body: { amount: '0.01', currency: 'MAD' }, headers: { 'idempotency-key': `late-${from}-${i}` } }));
    }
    const late = await transfer(order(from, to, '5.00'), headers);
    expect(late.status).toBe(202);
    expect(late.headers.get('idempotent-replayed')).toBeNull();
    expect(late.body.transferId).not.toBe(first.body.transferId);
    await terminal(late.body.transferId);
    // Each transfer debited once, under its own id.
    const debits = (await eventsOf(from)).filter((event) => event.type === 'AccountDebited');
    expect(debits.map((event) => (event.data as { transfer: { transferId: string } }).transfer.transferId)).toEqual([first.body.transferId, late.body.transferId]);
    expect((await stateOf(to)).balance).toBe('10.00');
  });
});

describe('a hostile transfer request', () => {
  let from: string;
  let to: string;
  beforeAll(async () => {
    from = (await openAccount(cmd, '100.00')).accountId;
    to = (await openAccount(cmd, '0.00')).accountId;
  });

  const unknown = '00000000-0000-4000-8000-0000000000ff';
  it.each([
    ['the same account on both sides', () => order(from, from, '1.00'), 422, 'same-account'],
    ['an unknown target', () => order(from, unknown, '1.00'), 404, 'account-not-found'],
    ['an unknown source', () => order(unknown, to, '1.00'), 404, 'account-not-found'],
    ['a negative amount', () => order(from, to, '-1.00'), 400, 'invalid-amount'],
    ['a zero amount', () => order(from, to, '0.00'), 400, 'invalid-amount'],
    ['too many decimals', () => order(from, to, '1.001'), 400, 'invalid-amount'],
    ['a number for the amount', () => ({ ...order(from, to, '1'), amount: 1 }), 400, 'invalid-amount'],
    ['the wrong currency', () => order(from, to, '1.00', 'EUR'), 422, 'currency-mismatch'],
    ['an unknown currency', () => order(from, to, '1.00', 'ZZZ'), 400, 'unknown-currency'],
    ['a source id that is not a UUID', () => order('nope', to, '1.00'), 400, 'invalid-account-id'],
    ['a missing field', () => ({ fromAccountId: from, amount: '1.00', currency: 'MAD' }), 400, 'invalid-request'],
    ['an unknown field', () => order(from, to, '1.00', 'MAD', { priority: 'high' }), 400, 'invalid-request'],
    ['a description with a control character', () => order(from, to, '1.00', 'MAD', { description: 'a\u0007b' }), 400, 'invalid-request'],
  ])('with %s is refused with its problem and writes nothing', async (_what, body, status, type) => {
    const before = [(await stateOf(from)).version, (await stateOf(to)).version];
    const res = await transfer(body());
    expect([res.status, res.body.type]).toEqual([status, `/problems/${type}`]);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect([(await stateOf(from)).version, (await stateOf(to)).version]).toEqual(before);
  });
});

describe('1,000 concurrent transfers around a ring of 10 accounts', () => {
  it('conserve every currency exactly, all end COMPLETED or FAILED, and no account goes negative', async () => {
    const ring = await mapLimit(Array.from({ length: 10 }), 10, async () => (await openAccount(cmd, '100.00')).accountId);
    const { accountId: euro } = await openAccount(cmd, '10.00', 'EUR');
    const total = { MAD: 1000_00n, EUR: 10_00n };
    // Deterministic mix: mostly small transfers to the next account, some overdrafts (more than
    // the whole ring holds) and some to the euro account (refused there, refunded).
    const orders = Array.from({ length: 1000 }, (_, i) => {
      const from = ring[i % 10]!;
      if (i % 17 === 0) return order(from, ring[(i + 3) % 10]!, '5000.00');
      if (i % 23 === 0) return order(from, euro, '1.00');
      return order(from, ring[(i + 1) % 10]!, `${1 + (i % 9)}.${String(i % 100).padStart(2, '0')}`);
    });
    const answers = await mapLimit(orders, 100, async (body) => {
      // A conflict storm on one account may answer 409: the client sends it again, as any client would.
      for (let attempt = 1; ; attempt++) {
        const res = await transfer(body);
        if (res.status === 202) return res.body;
        if (res.status !== 409 || attempt === 10) throw new Error(`transfer answered ${res.status}: ${JSON.stringify(res.body)}`);
      }
    });
    expect(answers).toHaveLength(1000);

    // Every transfer ends, as the read side tells it.
    const finals = await waitUntil('every transfer final', 120_000, async () => {
      const all = await mapLimit(answers, 16, async ({ transferId }) => (await call<TransferJson>(`${q}/transfers/${transferId}`)).body);
      return all.every((item) => item.status === 'COMPLETED' || item.status === 'FAILED') ? all : undefined;
    });
    const byStatus = (status: string) => finals.filter((item) => item.status === status).length;
    expect(byStatus('COMPLETED') + byStatus('FAILED')).toBe(1000);
    expect(finals.filter((item) => item.reason === 'currency-mismatch')).toHaveLength(orders.filter((body) => body.toAccountId === euro).length);
    expect(finals.filter((item) => item.reason === 'insufficient-funds').length).toBeGreaterThanOrEqual(orders.filter((body) => body.amount === '5000.00').length);

    // Money conserved per currency, nothing negative, nothing pending on the command side.
    const states = await mapLimit([...ring, euro], 11, stateOf);
    const sum = (balances: string[]) => balances.reduce((acc, balance) => acc + BigInt(balance.replace('.', '')), 0n);
    expect(sum(states.slice(0, 10).map((state) => state.balance))).toBe(total.MAD);
    expect(sum([states[10]!.balance])).toBe(total.EUR);
    expect(states.every((state) => !state.balance.startsWith('-'))).toBe(true);
    // The read side agrees, account by account and operation by operation, and the lifecycle rules held.
    await checkInvariants(cmd, q);
  });
});
