// The command API end to end, repeated and conditional requests: Idempotency-Key (replays, reuse,
// parallel repeats, the window) and If-Match.
// One system (account-command and a real daprd) for the file: see testing/command-api.ts.
import { uuidFromKey } from '../commands/idempotency.js';
import { call, open, credit, debit, state, opened, expectProblem, allEvents, streams, useCommandSystem } from '../testing/command-api.js';

useCommandSystem();

describe('idempotency', () => {
  it('replays the first answer for the same key and body, and writes once', async () => {
    const id = await opened('10.00');
    const key = { 'idempotency-key': `credit-${id}` };
    const first = await credit(id, '5.00', 'MAD', key);
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const written = await allEvents(id);

    const again = await credit(id, '5.00', 'MAD', key);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await allEvents(id)).toEqual(written);

    // Field order does not make it another request.
    const reordered = await call('POST', `/accounts/${id}/credit`, { body: '{"currency":"MAD","amount":"5.00"}', headers: { ...key, 'content-type': 'application/json' } });
    expect(reordered.status).toBe(200);
    expect(reordered.headers.get('idempotent-replayed')).toBe('true');

    // Other body with the same key: refused, nothing written.
    const reused = await credit(id, '6.00', 'MAD', key);
    expectProblem(reused, 422, 'idempotency-key-reused');
    const reusedAsDebit = await debit(id, '5.00', 'MAD', key);
    expectProblem(reusedAsDebit, 422, 'idempotency-key-reused');
    expect(await allEvents(id)).toEqual(written);

    // Still the first answer after later commands moved the stream on.
    expect((await credit(id, '1.00')).body.version).toBe(4);
    const late = await credit(id, '5.00', 'MAD', key);
    expect(late.body).toEqual({ accountId: id, version: 3 });
    expect(late.headers.get('idempotent-replayed')).toBe('true');
    expect((await state(id)).body).toMatchObject({ balance: '16.00', version: 4 });
  });

  it('applies a key once when its repeats arrive in parallel', async () => {
    const id = await opened('100.00');
    const key = { 'idempotency-key': `parallel-${id}` };
    const results = await Promise.all(Array.from({ length: 8 }, () => debit(id, '30.00', 'MAD', key)));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    // (Member order may differ: daprd re-encodes the stored JSON; the objects are the same.)
    for (const r of results) expect(r.body).toEqual({ accountId: id, version: 3 });
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(7);
    const ev = (await allEvents(id)) as { version: number; events: Array<{ type: string }> };
    expect(ev.version).toBe(3);
    expect(ev.events.filter((e) => e.type === 'AccountDebited')).toHaveLength(1);
    expect((await state(id)).body.balance).toBe('70.00');
  });

  it('opens one account for a key sent twice, and refuses the key with another body', async () => {
    const streamsBefore = await streams();
    const key = `open-${process.pid}-${Date.now()}`;
    const first = await open('20.00', 'MAD', { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const id = first.body.accountId as string;
    expect(id).toBe(uuidFromKey(key));
    const written = await allEvents(id);

    const again = await open('20.00', 'MAD', { 'idempotency-key': key });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('location')).toBe(`/accounts/${id}`);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    expectProblem(await open('21.00', 'MAD', { 'idempotency-key': key }), 422, 'idempotency-key-reused');
    expectProblem(await open('20.00', 'EUR', { 'idempotency-key': key }), 422, 'idempotency-key-reused');
    expect(await allEvents(id)).toEqual(written);
    expect(await streams()).toEqual([...streamsBefore, id].sort());

    // In parallel too: one account, one AccountCreated.
    const key2 = `open-par-${process.pid}-${Date.now()}`;
    const par = await Promise.all(Array.from({ length: 5 }, () => open('3.00', 'KWD', { 'idempotency-key': key2 })));
    expect(par.map((r) => r.status)).toEqual(Array(5).fill(201));
    expect(new Set(par.map((r) => r.body.accountId as string))).toEqual(new Set([uuidFromKey(key2)]));
    const ev = (await allEvents(uuidFromKey(key2))) as { version: number; events: Array<{ type: string }> };
    expect(ev.events.map((e) => e.type)).toEqual(['AccountCreated', 'AccountActivated']);
  });

  it('replays a keyed open even after more keyed commands than the window holds; forgets old credit keys', async () => {
    const key = `open-window-${process.pid}-${Date.now()}`;
    const first = await open('0.00', 'MAD', { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const id = first.body.accountId as string;
    for (let i = 0; i < 7; i++) expect((await credit(id, '1.00', 'MAD', { 'idempotency-key': `${key}-c${i}` })).status).toBe(200);
    const again = await open('0.00', 'MAD', { 'idempotency-key': key });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // The newest credit keys are still remembered; the oldest one has left the window.
    const recent = await credit(id, '1.00', 'MAD', { 'idempotency-key': `${key}-c6` });
    expect(recent.headers.get('idempotent-replayed')).toBe('true');
    const old = await credit(id, '1.00', 'MAD', { 'idempotency-key': `${key}-c0` });
    expect(old.headers.get('idempotent-replayed')).toBeNull();
    expect(old.body.version).toBe(2 + 7 + 1);
  });

  it('opens distinct accounts without a key', async () => {
    const [a, b] = await Promise.all([open('1.00'), open('1.00')]);
    expect(a.body.accountId).not.toBe(b.body.accountId);
  });
});

describe('If-Match', () => {
  it('applies a command at the expected version and refuses a stale one with 412', async () => {
    const id = await opened('10.00');
    const ok = await credit(id, '1.00', 'MAD', { 'if-match': '"2"' });
    expect(ok.status).toBe(200);
    expect(ok.body.version).toBe(3);
    const written = await allEvents(id);

    for (const stale of ['"2"', '"4"', '"0"']) expectProblem(await debit(id, '1.00', 'MAD', { 'if-match': stale }), 412, 'precondition-failed');
    expect(await allEvents(id)).toEqual(written);

    const weak = await debit(id, '1.00', 'MAD', { 'if-match': 'W/"3"' });
    expect(weak.status).toBe(200);
    expect(weak.body.version).toBe(4);

    // A retried request is answered as the first time, even though its If-Match is now stale.
    const keyed = { 'if-match': '"4"', 'idempotency-key': `if-match-${id}` };
    const first = await credit(id, '2.00', 'MAD', keyed);
    expect(first.body).toEqual({ accountId: id, version: 5 });
    const retried = await credit(id, '2.00', 'MAD', keyed);
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ accountId: id, version: 5 });
    expect(retried.headers.get('idempotent-replayed')).toBe('true');

    // Two writers with the same expectation: exactly one wins.
    const race = await Promise.all([credit(id, '1.00', 'MAD', { 'if-match': '"5"' }), debit(id, '1.00', 'MAD', { 'if-match': '"5"' })]);
    expect(race.map((r) => r.status).sort()).toEqual([200, 412]);
    expect((await state(id)).body.version).toBe(6);
  });
});
