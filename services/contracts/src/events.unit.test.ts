// The upcaster: every event ever written reads as the current schema version.
import { EVENT_SCHEMA_VERSION, upcast, type AccountEvent, type AnyVersion } from './events.js';

/** A v1 event exactly as the v1 code stored it (account-commands.ts toStored before v2). */
const v1 = (type: string, version: number, data: unknown) => ({
  eventId: `e${version}`,
  accountId: '3f8a1c52-6a0e-4d7b-9f11-2b7c4e9d0a13',
  type,
  version,
  occurredAt: '2026-01-01T00:00:00.000Z',
  schemaVersion: 1,
  data,
});

describe('upcast', () => {
  it('given a v1 credit and a v1 debit, when read, then they are current with no description, no transfer, no correlation and no actor', () => {
    for (const type of ['AccountCredited', 'AccountDebited']) {
      expect(upcast(v1(type, 3, { amount: '12.50', currency: 'MAD' }))).toEqual({
        ...v1(type, 3, undefined),
        schemaVersion: EVENT_SCHEMA_VERSION,
        correlationId: null,
        causationId: null,
        actor: null,
        data: { amount: '12.50', currency: 'MAD', description: null, transfer: null },
      });
    }
  });

  it('given a v1 opening, when read, then it is owned by the administrators (owner null) and the envelope gains its ids and actor', () => {
    expect(upcast(v1('AccountCreated', 1, { initialBalance: '100.00', currency: 'EUR' }))).toEqual({
      ...v1('AccountCreated', 1, { initialBalance: '100.00', currency: 'EUR', owner: null }),
      schemaVersion: 3,
      correlationId: null,
      causationId: null,
      actor: null,
    });
    expect(upcast(v1('AccountActivated', 2, {}))).toEqual({ ...v1('AccountActivated', 2, {}), schemaVersion: 3, correlationId: null, causationId: null, actor: null });
  });

  it('given v2 events, when read, then they keep their ids, gain a null actor, and an opening a null owner', () => {
    const v2 = { ...v1('AccountCreated', 1, { initialBalance: '5.00', currency: 'MAD' }), schemaVersion: 2, correlationId: 'req-1', causationId: 'req-1' };
    expect(upcast(v2)).toEqual({ ...v2, schemaVersion: 3, actor: null, data: { initialBalance: '5.00', currency: 'MAD', owner: null } });
    const credit = {
      ...v1('AccountCredited', 3, { amount: '1.00', currency: 'MAD', description: 'rent', transfer: null }),
      schemaVersion: 2,
      correlationId: 'req-2',
      causationId: 'req-2',
    };
    expect(upcast(credit)).toEqual({ ...credit, schemaVersion: 3, actor: null });
  });

  it('given a v1 event without its account id (a page event), when read, then it is upcast the same way and stays without one', () => {
    const { accountId: _accountId, ...pageEvent } = v1('AccountDebited', 4, { amount: '1.00', currency: 'EUR' });
    const read = upcast(pageEvent);
    expect(read).not.toHaveProperty('accountId');
    expect(read.data).toEqual({ amount: '1.00', currency: 'EUR', description: null, transfer: null });
  });

  it('given a current event, when read, then it is the same object, unchanged', () => {
    const current: AccountEvent = {
      ...v1('AccountCredited', 3, undefined),
      type: 'AccountCredited',
      schemaVersion: 3,
      correlationId: 'req-1',
      causationId: 'transfer-9',
      actor: 'process:transfers',
      data: { amount: '5.00', currency: 'MAD', description: 'rent', transfer: { transferId: 'transfer-9', counterpartyAccountId: 'b' } },
    };
    expect(upcast(current)).toBe(current);
  });

  it("given an event of a later schema version (a newer writer's), when read, then it is passed on as it is", () => {
    const later: AnyVersion = { type: 'AccountCredited', schemaVersion: 4, data: { amount: '1.00', currency: 'MAD', memo: 'x' }, correlationId: 'r', causationId: 'r', actor: 'a' };
    expect(upcast(later)).toEqual(later);
  });

  it('is idempotent: an upcast event read again is unchanged', () => {
    const once = upcast(v1('AccountCredited', 3, { amount: '12.50', currency: 'MAD' }));
    expect(upcast(once)).toEqual(once);
  });
});
