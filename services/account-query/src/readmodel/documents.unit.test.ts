// A transfer as its steps tell it: its two accounts are projected independently, so the steps
// may arrive in any order and the status must not depend on it. An account's document and JSON,
// with its owner.
import { accountDoc, accountJson, accountView, ownerOf, transferJson, type AccountDoc, type TransferStepDoc } from './documents.js';
import type { AccountView } from './views.js';

const FROM = '00000000-0000-4000-8000-00000000000a';
const TO = '00000000-0000-4000-8000-00000000000b';
let second = 0;
const step = (type: TransferStepDoc['type'], accountId: string, fields: Partial<TransferStepDoc> = {}): TransferStepDoc => ({
  _id: `e${++second}`,
  transferId: 'tr-1',
  type,
  accountId,
  version: second,
  fromAccountId: FROM,
  toAccountId: TO,
  amount: type === 'COMPLETED' ? null : '30.00',
  currency: 'MAD',
  description: type === 'DEBITED' || type === 'CREDITED' ? 'rent' : null,
  reason: null,
  detail: null,
  occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)),
  correlationId: null,
  ...fields,
});

describe('transferJson', () => {
  it('given only the debit, is PENDING', () => {
    expect(transferJson([step('DEBITED', FROM)])).toMatchObject({ status: 'PENDING', amount: '30.00', description: 'rent', reason: null, fromAccountId: FROM, toAccountId: TO });
  });

  it('given the credit, is COMPLETED, whichever account was projected first', () => {
    const debited = step('DEBITED', FROM);
    const credited = step('CREDITED', TO);
    const completed = step('COMPLETED', FROM);
    for (const steps of [[debited, credited, completed], [credited], [completed, credited, debited]]) {
      expect(transferJson(steps)).toMatchObject({ status: 'COMPLETED', amount: '30.00', fromAccountId: FROM, toAccountId: TO });
    }
    expect(transferJson([completed, credited, debited]).steps.map((s) => s.type)).toEqual(['DEBITED', 'CREDITED', 'COMPLETED']);
  });

  it('given a refusal, is PENDING until the refund, then FAILED with the refusal reason', () => {
    const refused = step('CREDIT_REFUSED', TO, { reason: 'account-closed', detail: 'closed' });
    expect(transferJson([step('DEBITED', FROM), refused])).toMatchObject({ status: 'PENDING', reason: 'account-closed' });
    expect(transferJson([step('DEBITED', FROM), refused, step('REFUNDED', FROM, { reason: 'account-closed' })])).toMatchObject({
      status: 'FAILED',
      reason: 'account-closed',
      detail: 'closed',
    });
  });

  it("given the refund projected before the target's refusal, is FAILED with the reason the refund carries", () => {
    const refunded = step('REFUNDED', FROM, { reason: 'account-closed', detail: 'closed' });
    expect(transferJson([step('DEBITED', FROM), refunded])).toMatchObject({ status: 'FAILED', reason: 'account-closed', detail: 'closed' });
  });

  it('given a decline, is FAILED with insufficient-funds', () => {
    expect(transferJson([step('DECLINED', FROM, { reason: 'insufficient-funds', detail: 'short' })])).toMatchObject({ status: 'FAILED', reason: 'insufficient-funds' });
  });
});

describe('account documents', () => {
  const view: AccountView = {
    accountId: FROM,
    owner: 'alice',
    version: 3,
    balanceMinor: 12_550n,
    initialBalanceMinor: 10_000n,
    currency: 'MAD',
    status: 'ACTIVATED',
    createdAt: '2026-01-01T00:00:01.000Z',
    updatedAt: '2026-01-01T00:00:03.000Z',
  };

  it('keep the owner from view to document and back, and serve it', () => {
    const doc = accountDoc(view);
    expect(doc.owner).toBe('alice');
    expect(accountView(doc)).toEqual(view);
    expect(accountJson(doc)).toEqual({
      accountId: FROM,
      owner: 'alice',
      balance: '125.50',
      currency: 'MAD',
      status: 'ACTIVATED',
      version: 3,
      createdAt: view.createdAt,
      updatedAt: view.updatedAt,
    });
  });

  it("given a document written before owners, read its owner as null (the bank's)", () => {
    const { owner: _absent, ...written }: AccountDoc = accountDoc(view);
    const before: AccountDoc = written;
    expect(ownerOf(before)).toBeNull();
    expect(accountView(before).owner).toBeNull();
    expect(accountJson(before).owner).toBeNull();
    expect(accountJson(accountDoc({ ...view, owner: null })).owner).toBeNull();
  });
});
