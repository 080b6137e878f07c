// The command API end to end, accepted commands: open, credit, debit, the events and states they
// leave, in every currency precision, and many at once on one account or several.
// One system (account-command and a real daprd) for the file: see testing/command-api.ts.
import { open, credit, debit, post, events, state, sleep, UUID, ISO, opened, expectProblem, allEvents, useCommandSystem } from '../testing/command-api.js';

useCommandSystem();

describe('happy path', () => {
  it('opens, credits, debits; the events and the state at every version and instant follow', async () => {
    const before = new Date().toISOString();
    await sleep(5);

    const opening = await open('100.00');
    expect(opening.status).toBe(201);
    expect(opening.headers.get('content-type')).toMatch(/^application\/json/);
    expect(opening.body).toEqual({ accountId: expect.stringMatching(UUID), version: 2 });
    const id = opening.body.accountId as string;
    expect(opening.headers.get('location')).toBe(`/accounts/${id}`);
    expect(opening.headers.get('idempotent-replayed')).toBeNull();

    await sleep(5);
    const afterOpen = new Date().toISOString();
    await sleep(5);

    // (A credit with a description, from a request that names itself.)
    const credited = await post(`/accounts/${id}/credit`, { amount: '25.50', currency: 'MAD', description: 'salary' }, { 'x-correlation-id': 'req-credit-1' });
    expect(credited.status).toBe(200);
    expect(credited.body).toEqual({ accountId: id, version: 3 });

    await sleep(5);
    const afterCredit = new Date().toISOString();
    await sleep(5);

    const debited = await debit(id, '10');
    expect(debited.status).toBe(200);
    expect(debited.body).toEqual({ accountId: id, version: 4 });

    await sleep(5);
    const afterDebit = new Date().toISOString();

    const ev = await events(id);
    expect(ev.status).toBe(200);
    expect(ev.headers.get('content-type')).toMatch(/^application\/json/);
    // Events are written at schema version 3: the envelope names the request each came from
    // (its correlation id, which is also what caused it) and who caused it (no one signed in here:
    // the service was called directly), credits and debits their description, the opening its
    // owner (the administrators', with no signed-in customer).
    const fromRequest = { correlationId: expect.any(String), causationId: expect.any(String), actor: null };
    expect(ev.body).toEqual({
      accountId: id,
      version: 4,
      events: [
        {
          eventId: expect.stringMatching(UUID),
          type: 'AccountCreated',
          version: 1,
          occurredAt: expect.stringMatching(ISO),
          schemaVersion: 3,
          ...fromRequest,
          data: { initialBalance: '100.00', currency: 'MAD', owner: null },
        },
        { eventId: expect.stringMatching(UUID), type: 'AccountActivated', version: 2, occurredAt: expect.stringMatching(ISO), schemaVersion: 3, ...fromRequest, data: {} },
        {
          eventId: expect.stringMatching(UUID),
          type: 'AccountCredited',
          version: 3,
          occurredAt: expect.stringMatching(ISO),
          schemaVersion: 3,
          correlationId: 'req-credit-1',
          causationId: 'req-credit-1',
          actor: null,
          data: { amount: '25.50', currency: 'MAD', description: 'salary', transfer: null },
        },
        {
          eventId: expect.stringMatching(UUID),
          type: 'AccountDebited',
          version: 4,
          occurredAt: expect.stringMatching(ISO),
          schemaVersion: 3,
          ...fromRequest,
          data: { amount: '10.00', currency: 'MAD', description: null, transfer: null },
        },
      ],
    });
    const [openedEvent, , , debitedEvent] = ev.body.events as Array<{ correlationId: string; causationId: string }>;
    // One request opened the account (both events share its id); the debit was another request.
    expect((ev.body.events as Array<{ correlationId: string }>)[1]!.correlationId).toBe(openedEvent!.correlationId);
    expect(debitedEvent!.causationId).toBe(debitedEvent!.correlationId);
    expect(debitedEvent!.correlationId).not.toBe(openedEvent!.correlationId);
    const list = ev.body.events as Array<{ eventId: string; occurredAt: string }>;
    expect(new Set(list.map((e) => e.eventId)).size).toBe(4);
    // Event times lie between the client's marks (same host clock).
    expect(list[0]!.occurredAt > before && list[1]!.occurredAt <= afterOpen).toBe(true);
    expect(list[2]!.occurredAt > afterOpen && list[2]!.occurredAt <= afterCredit).toBe(true);
    expect(list[3]!.occurredAt > afterCredit && list[3]!.occurredAt <= afterDebit).toBe(true);

    // Paging.
    const page = await events(id, '?fromVersion=2&limit=2');
    expect(page.status).toBe(200);
    expect(page.body.version).toBe(4);
    expect((page.body.events as Array<{ version: number }>).map((e) => e.version)).toEqual([2, 3]);
    expect((await events(id, '?fromVersion=4')).body.events.map((e: { version: number }) => e.version)).toEqual([4]);
    expect((await events(id, '?fromVersion=5')).body).toEqual({ accountId: id, version: 4, events: [] });
    expect((await events(id, '?limit=1')).body.events.map((e: { version: number }) => e.version)).toEqual([1]);

    // State now.
    const now = await state(id);
    expect(now.status).toBe(200);
    expect(now.body).toEqual({ accountId: id, balance: '115.50', currency: 'MAD', status: 'ACTIVATED', version: 4 });

    // State at each version.
    const atVersion = await Promise.all([1, 2, 3, 4].map((v) => state(id, `?version=${v}`)));
    expect(atVersion.map((r) => [r.status, r.body.status, r.body.balance, r.body.version])).toEqual([
      [200, 'CREATED', '100.00', 1],
      [200, 'ACTIVATED', '100.00', 2],
      [200, 'ACTIVATED', '125.50', 3],
      [200, 'ACTIVATED', '115.50', 4],
    ]);

    // State at instants: between commands, exactly at an event's time, and after everything.
    const at = (iso: string) => state(id, `?at=${encodeURIComponent(iso)}`);
    const [a1, a2, a3, a4, a5, a6] = await Promise.all([
      at(afterOpen),
      at(afterCredit),
      at(afterDebit),
      at(list[2]!.occurredAt),
      at('2999-01-01T00:00:00Z'),
      at(list[0]!.occurredAt),
    ]);
    expect(a1.body).toMatchObject({ accountId: id, balance: '100.00', status: 'ACTIVATED', version: 2, at: afterOpen });
    expect(a2.body).toMatchObject({ balance: '125.50', version: 3, at: afterCredit });
    expect(a3.body).toMatchObject({ balance: '115.50', version: 4 });
    expect(a4.body).toMatchObject({ balance: '125.50', version: 3 });
    expect(a5.body).toMatchObject({ balance: '115.50', version: 4, currency: 'MAD' });
    // Both opening events carry the time of the one command that made them.
    expect(a6.body).toMatchObject({ version: 2, status: 'ACTIVATED', balance: '100.00' });
    // The same instant written with an offset is the same instant.
    const shifted = new Date(Date.parse(afterCredit) + 3_600_000).toISOString().replace('Z', '+01:00');
    expect((await at(shifted)).body).toMatchObject({ version: 3 });

    // Before the account existed, or past its head: not found.
    expectProblem(await at(before), 404, 'account-not-found');
    expectProblem(await state(id, '?version=5'), 404, 'not-found');
  });

  it('keeps each currency in its own precision (JPY 0, KWD 3) and allows a zero opening balance', async () => {
    const [jpy, kwd, zero] = await Promise.all([opened('1000', 'JPY'), opened('1.5', 'KWD'), opened('0')]);
    const [c1, c2, c3] = await Promise.all([debit(jpy, '1000', 'JPY'), credit(kwd, '0.001', 'KWD'), credit(zero, '0.01')]);
    expect([c1.status, c2.status, c3.status]).toEqual([200, 200, 200]);
    const [s1, s2, s3] = await Promise.all([state(jpy), state(kwd), state(zero)]);
    expect(s1.body).toMatchObject({ balance: '0', currency: 'JPY', version: 3 });
    expect(s2.body).toMatchObject({ balance: '1.501', currency: 'KWD', version: 3 });
    expect(s3.body).toMatchObject({ balance: '0.01', currency: 'MAD', version: 3 });
    expect(((await allEvents(kwd)) as { events: Array<{ data: unknown }> }).events[0]!.data).toEqual({ initialBalance: '1.500', currency: 'KWD', owner: null });

    const beforeJ = await allEvents(jpy);
    const beforeK = await allEvents(kwd);
    const refused = await Promise.all([credit(jpy, '1.5', 'JPY'), credit(kwd, '0.0001', 'KWD'), credit(jpy, '1.0', 'JPY')]);
    for (const r of refused) expectProblem(r, 400, 'invalid-amount');
    expect(await allEvents(jpy)).toEqual(beforeJ);
    expect(await allEvents(kwd)).toEqual(beforeK);
  });

  it('allows a debit of exactly the balance, then refuses the next cent', async () => {
    const id = await opened('42.42');
    expect((await debit(id, '42.42')).status).toBe(200);
    expectProblem(await debit(id, '0.01'), 422, 'insufficient-funds');
    expect((await state(id)).body).toMatchObject({ balance: '0.00', version: 3 });
  });
});

describe('concurrency', () => {
  it('30 parallel debits of 10.00 on 100.00: exactly 10 succeed, contiguous versions, balance 0.00', async () => {
    const id = await opened('100.00');
    const results = await Promise.all(Array.from({ length: 30 }, () => debit(id, '10.00')));
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status !== 200);
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(20);
    for (const r of refused) expectProblem(r, 422, 'insufficient-funds');
    expect(ok.map((r) => r.body.version as number).sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

    expect((await state(id)).body).toEqual({ accountId: id, balance: '0.00', currency: 'MAD', status: 'ACTIVATED', version: 12 });
    const ev = (await allEvents(id)) as { version: number; events: Array<{ eventId: string; type: string; version: number; data: unknown }> };
    expect(ev.version).toBe(12);
    expect(ev.events.map((e) => e.version)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(new Set(ev.events.map((e) => e.eventId)).size).toBe(12);
    expect(ev.events.slice(2).every((e) => e.type === 'AccountDebited')).toBe(true);
    expect(ev.events.slice(2).map((e) => e.data)).toEqual(Array(10).fill({ amount: '10.00', currency: 'MAD', description: null, transfer: null }));

    // 12 events with chunks of 10: pages and past states across the sealed chunk agree.
    const page = await events(id, '?fromVersion=9&limit=3');
    expect(page.body.events).toEqual(ev.events.slice(8, 11));
    const [v10, v11] = await Promise.all([state(id, '?version=10'), state(id, '?version=11')]);
    expect([v10.body.balance, v11.body.balance]).toEqual(['20.00', '10.00']);
  });

  it('keeps parallel commands on different accounts apart', async () => {
    const ids = await Promise.all([opened('0.00'), opened('0.00'), opened('0.00')]);
    await Promise.all(ids.flatMap((id, n) => Array.from({ length: 5 }, () => credit(id, `${n + 1}.00`))));
    const states = await Promise.all(ids.map((id) => state(id)));
    expect(states.map((s) => [s.body.balance, s.body.version])).toEqual([
      ['5.00', 7],
      ['10.00', 7],
      ['15.00', 7],
    ]);
  });
});
