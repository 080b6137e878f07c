import { project, ProjectionError, type PulledEvent } from './project.js';

const ID = '00000000-0000-4000-8000-000000000001';
let n = 0;
const ev = (version: number, type: string, data: Record<string, string>, occurredAt = `2026-01-01T00:00:0${version % 10}.000Z`): PulledEvent =>
  ({ eventId: `e${++n}`, type, version, occurredAt, schemaVersion: 1, data }) as PulledEvent;
const opening = () => [ev(1, 'AccountCreated', { initialBalance: '100.00', currency: 'MAD' }), ev(2, 'AccountActivated', {})];

describe('project', () => {
  it('given an open, a credit and a debit, yields the folded account and two operations', () => {
    const r = project(ID, undefined, [...opening(), ev(3, 'AccountCredited', { amount: '25.50', currency: 'MAD' }), ev(4, 'AccountDebited', { amount: '0.50', currency: 'MAD' })]);
    expect(r.account).toMatchObject({
      version: 4,
      balanceMinor: 12500n,
      initialBalanceMinor: 10000n,
      status: 'ACTIVATED',
      currency: 'MAD',
      createdAt: '2026-01-01T00:00:01.000Z',
      updatedAt: '2026-01-01T00:00:04.000Z',
    });
    expect(r.operations.map((o) => [o.type, o.version, o.amountMinor, o.balanceAfterMinor])).toEqual([
      ['CREDIT', 3, 2550n, 12550n],
      ['DEBIT', 4, 50n, 12500n],
    ]);
    expect(r.operations[0]!.operationId).toMatch(/^e/);
  });

  it('given v1 and v2 movements, when projected, then the operations carry the v2 description, transfer and correlation, and nulls for v1', () => {
    const v2 = {
      eventId: 'v2-credit',
      type: 'AccountCredited',
      version: 4,
      occurredAt: '2026-01-01T00:00:04.000Z',
      schemaVersion: 2,
      correlationId: 'req-7',
      causationId: 'transfer-1',
      data: { amount: '3.00', currency: 'MAD', description: 'rent share', transfer: { transferId: 'transfer-1', counterpartyAccountId: 'acc-b' } },
    } as PulledEvent;
    const r = project(ID, undefined, [...opening(), ev(3, 'AccountDebited', { amount: '1.00', currency: 'MAD' }), v2]);
    expect(
      r.operations.map(({ version, description, transferId, counterpartyAccountId, correlationId }) => ({
        version,
        description,
        transferId,
        counterpartyAccountId,
        correlationId,
      })),
    ).toEqual([
      { version: 3, description: null, transferId: null, counterpartyAccountId: null, correlationId: null },
      { version: 4, description: 'rent share', transferId: 'transfer-1', counterpartyAccountId: 'acc-b', correlationId: 'req-7' },
    ]);
  });

  it('continues from the state already held', () => {
    const first = project(ID, undefined, opening());
    const r = project(ID, first.account, [ev(3, 'AccountDebited', { amount: '100', currency: 'MAD' })]);
    expect(r.account.balanceMinor).toBe(0n);
    expect(r.account.version).toBe(3);
    expect(first.account.version).toBe(2); // the input is not mutated
  });

  it('refuses a gap, a replay and events before the account exists', () => {
    const held = project(ID, undefined, opening()).account;
    expect(() => project(ID, held, [ev(4, 'AccountCredited', { amount: '1', currency: 'MAD' })])).toThrow(ProjectionError);
    expect(() => project(ID, held, [ev(2, 'AccountActivated', {})])).toThrow(ProjectionError);
    expect(() => project(ID, undefined, [ev(1, 'AccountCredited', { amount: '1', currency: 'MAD' })])).toThrow(ProjectionError);
    expect(() => project(ID, held, [ev(3, 'AccountCreated', { initialBalance: '1', currency: 'MAD' })])).toThrow(ProjectionError);
  });

  it('refuses amounts that are not canonical for the currency, and a currency mismatch', () => {
    const held = project(ID, undefined, opening()).account;
    expect(() => project(ID, held, [ev(3, 'AccountCredited', { amount: '1.001', currency: 'MAD' })])).toThrow(/MAD amount/);
    expect(() => project(ID, held, [ev(3, 'AccountCredited', { amount: '1', currency: 'EUR' })])).toThrow(/EUR operation/);
  });

  it('keeps minor digits per currency (JPY has none, KWD three)', () => {
    const jpy = project(ID, undefined, [ev(1, 'AccountCreated', { initialBalance: '500', currency: 'JPY' }), ev(2, 'AccountCredited', { amount: '7', currency: 'JPY' })]);
    expect(jpy.account.balanceMinor).toBe(507n);
    const kwd = project(ID, undefined, [ev(1, 'AccountCreated', { initialBalance: '1.250', currency: 'KWD' })]);
    expect(kwd.account.balanceMinor).toBe(1250n);
  });

  it('skips an unknown event type but consumes its version', () => {
    const held = project(ID, undefined, opening()).account;
    const r = project(ID, held, [ev(3, 'AccountRenamed', { name: 'x' }), ev(4, 'AccountCredited', { amount: '1', currency: 'MAD' })]);
    expect(r.skipped).toBe(1);
    expect(r.account.version).toBe(4);
    expect(r.operations).toHaveLength(1);
  });
});
