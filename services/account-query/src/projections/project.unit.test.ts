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

  it('given a v3 opening, when projected, then the account has its owner, kept by later events', () => {
    const v3 = (version: number, type: string, data: Record<string, unknown>): PulledEvent =>
      ({
        eventId: `o${++n}`,
        type,
        version,
        occurredAt: `2026-01-01T00:00:0${version}.000Z`,
        schemaVersion: 3,
        correlationId: null,
        causationId: null,
        actor: 'alice',
        data,
      }) as PulledEvent;
    const opened = project(ID, undefined, [v3(1, 'AccountCreated', { initialBalance: '1.00', currency: 'MAD', owner: 'alice' }), v3(2, 'AccountActivated', {})]);
    expect(opened.account.owner).toBe('alice');
    expect(project(ID, opened.account, [v3(3, 'AccountCredited', { amount: '1.00', currency: 'MAD', description: null, transfer: null })]).account.owner).toBe('alice');
    const banks = project(ID, undefined, [v3(1, 'AccountCreated', { initialBalance: '1.00', currency: 'MAD', owner: null })]);
    expect(banks.account.owner).toBeNull();
  });

  it("given an opening before owners (v1, v2) or with an owner that is not a subject, then the account is the bank's (owner null)", () => {
    expect(project(ID, undefined, opening()).account.owner).toBeNull();
    const v2 = {
      eventId: 'v2-open',
      type: 'AccountCreated',
      version: 1,
      occurredAt: '2026-01-01T00:00:01.000Z',
      schemaVersion: 2,
      correlationId: 'r',
      causationId: 'r',
      data: { initialBalance: '1.00', currency: 'MAD' },
    } as PulledEvent;
    expect(project(ID, undefined, [v2]).account.owner).toBeNull();
    const odd = { ...v2, schemaVersion: 3, actor: null, data: { initialBalance: '1.00', currency: 'MAD', owner: 42 } } as unknown as PulledEvent;
    expect(project(ID, undefined, [odd]).account.owner).toBeNull();
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

  describe('transfers', () => {
    const OTHER = '00000000-0000-4000-8000-000000000002';
    const v2 = (version: number, type: string, data: Record<string, unknown>): PulledEvent =>
      ({ eventId: `t${++n}`, type, version, occurredAt: `2026-01-01T00:01:0${version}.000Z`, schemaVersion: 2, correlationId: 'req-9', causationId: 'tr-1', data }) as PulledEvent;
    const leg = (counterpartyVersion?: number) => ({ transferId: 'tr-1', counterpartyAccountId: OTHER, ...(counterpartyVersion ? { counterpartyVersion } : {}) });

    it('given a transfer out that failed, yields its steps, the debit and the refund as operations, and the balance back', () => {
      const r = project(ID, undefined, [
        ...opening(),
        v2(3, 'AccountDebited', { amount: '30.00', currency: 'MAD', description: 'rent', transfer: leg(4) }),
        v2(4, 'TransferRefunded', { transferId: 'tr-1', counterpartyAccountId: OTHER, amount: '30.00', currency: 'MAD', reason: 'account-closed', detail: 'closed' }),
      ]);
      expect(r.account.balanceMinor).toBe(10000n);
      expect(r.operations.map((o) => [o.type, o.amountMinor, o.balanceAfterMinor, o.transferId, o.counterpartyAccountId])).toEqual([
        ['DEBIT', 3000n, 7000n, 'tr-1', OTHER],
        ['CREDIT', 3000n, 10000n, 'tr-1', OTHER],
      ]);
      expect(r.transferSteps.map((step) => [step.type, step.fromAccountId, step.toAccountId, step.amountMinor, step.reason])).toEqual([
        ['DEBITED', ID, OTHER, 3000n, null],
        ['REFUNDED', ID, OTHER, 3000n, 'account-closed'],
      ]);
    });

    it('given a transfer in, a refused one and a declined one, yields steps and no change for the refusals', () => {
      const r = project(ID, undefined, [
        ...opening(),
        v2(3, 'AccountCredited', { amount: '5.00', currency: 'MAD', description: null, transfer: leg() }),
        v2(4, 'TransferCreditRefused', { transferId: 'tr-2', counterpartyAccountId: OTHER, amount: '1.00', currency: 'MAD', reason: 'account-suspended', detail: 'x' }),
        v2(5, 'TransferDeclined', {
          transferId: 'tr-3',
          counterpartyAccountId: OTHER,
          amount: '900.00',
          currency: 'MAD',
          description: null,
          reason: 'insufficient-funds',
          detail: 'y',
        }),
        v2(6, 'TransferCompleted', { transferId: 'tr-4', counterpartyAccountId: OTHER }),
      ]);
      expect(r.account).toMatchObject({ balanceMinor: 10500n, version: 6 });
      expect(r.operations).toHaveLength(1);
      expect(r.transferSteps.map((step) => [step.type, step.transferId, step.fromAccountId, step.toAccountId, step.amountMinor])).toEqual([
        ['CREDITED', 'tr-1', OTHER, ID, 500n],
        ['CREDIT_REFUSED', 'tr-2', OTHER, ID, 100n],
        ['DECLINED', 'tr-3', ID, OTHER, 90000n],
        ['COMPLETED', 'tr-4', ID, OTHER, null],
      ]);
    });
  });
});
