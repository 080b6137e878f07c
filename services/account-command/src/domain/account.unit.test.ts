// The account decider read as given events / when command / then events or error.
import { EVENT_SCHEMA_VERSION, type AccountEvent, type NewEvent } from '@bank/contracts';
import {
  decide,
  evolve,
  fold,
  fromSnapshot,
  initialState,
  toSnapshot,
  type AccountCommand,
  type AccountSnapshot,
  type AccountState,
  type Decision,
  type DomainError,
} from './account.js';

const ID = '3f8a1c52-6a0e-4d7b-9f11-2b7c4e9d0a13';
let clock = Date.parse('2026-01-10T09:00:00.000Z');

/** Stored envelopes for new events, numbered after `after` (what the command handler does). */
function stored(after: number, events: NewEvent[]): AccountEvent[] {
  return events.map((e, i) => {
    clock += 1000;
    return {
      eventId: `evt-${after + 1 + i}`,
      accountId: ID,
      type: e.type,
      version: after + 1 + i,
      occurredAt: new Date(clock).toISOString(),
      schemaVersion: EVENT_SCHEMA_VERSION,
      correlationId: null,
      causationId: null,
      actor: null,
      data: e.data,
    } as AccountEvent;
  });
}

const created = (initialBalance: string, currency = 'MAD'): NewEvent => ({ type: 'AccountCreated', data: { initialBalance, currency, owner: null } });
const activated: NewEvent = { type: 'AccountActivated', data: {} };
const credited = (amount: string, currency = 'MAD', description: string | null = null): NewEvent => ({
  type: 'AccountCredited',
  data: { amount, currency, description, transfer: null },
});
const debited = (amount: string, currency = 'MAD', description: string | null = null): NewEvent => ({
  type: 'AccountDebited',
  data: { amount, currency, description, transfer: null },
});

/** Given these (new) events, in order, as the stored stream. */
function given(...events: NewEvent[]): { state: AccountState; history: AccountEvent[] } {
  const history = stored(0, events);
  return { state: fold(history), history };
}

const open = (initialBalance: string, currency = 'MAD'): AccountCommand => ({ type: 'OpenAccount', accountId: ID, initialBalance, currency, owner: null });
const credit = (amount: string, currency = 'MAD'): AccountCommand => ({ type: 'CreditAccount', accountId: ID, amount, currency });
const debit = (amount: string, currency = 'MAD'): AccountCommand => ({ type: 'DebitAccount', accountId: ID, amount, currency });
const suspend: AccountCommand = { type: 'SuspendAccount', accountId: ID };
const reactivate: AccountCommand = { type: 'ReactivateAccount', accountId: ID };
const close: AccountCommand = { type: 'CloseAccount', accountId: ID };
const suspended: NewEvent = { type: 'AccountSuspended', data: {} };
const reactivated: NewEvent = { type: 'AccountReactivated', data: {} };
const closed: NewEvent = { type: 'AccountClosed', data: {} };
const TARGET = '7d0e2b9c-1f4a-4c3e-8a5b-6e9f0c1d2a3b';
const TRANSFER = 'transfer-1';
const send = (amount: string, currency = 'MAD'): AccountCommand => ({
  type: 'SendTransfer',
  accountId: ID,
  transferId: TRANSFER,
  counterpartyAccountId: TARGET,
  counterpartyVersion: 7,
  amount,
  currency,
  description: 'rent',
});
const receive = (amount: string, currency = 'MAD'): AccountCommand => ({
  type: 'ReceiveTransfer',
  accountId: ID,
  transferId: TRANSFER,
  counterpartyAccountId: TARGET,
  amount,
  currency,
  description: 'rent',
});
const complete: AccountCommand = { type: 'CompleteTransfer', accountId: ID, transferId: TRANSFER };
const refund = (reason: string): AccountCommand => ({ type: 'RefundTransfer', accountId: ID, transferId: TRANSFER, failure: { reason, detail: `because ${reason}` } });
/** The source's debit of TRANSFER to TARGET, as sendTransfer decides it. */
const sentOut = (amount: string): NewEvent => ({
  type: 'AccountDebited',
  data: { amount, currency: 'MAD', description: 'rent', transfer: { transferId: TRANSFER, counterpartyAccountId: TARGET, counterpartyVersion: 7 } },
});

function thenEvents(d: Decision): NewEvent[] {
  if (!d.ok) throw new Error(`expected events, got error ${d.error.code}: ${d.error.detail}`);
  return d.events;
}
function thenError(d: Decision): DomainError {
  if (d.ok) throw new Error(`expected an error, got events ${JSON.stringify(d.events)}`);
  return d.error;
}

/** decide must not touch its input: freeze the state deeply enough to catch a mutation. */
function frozen(s: AccountState): AccountState {
  return Object.freeze({ ...s });
}

const BAD_FORMATS = ['1e3', '1E3', ' 1', '1 ', '1.', '.5', '+1', '-1', '01', '00.50', '1,000.00', '1_000', '0x10', 'NaN', 'Infinity', '', '١٢', '10.5.1'];

describe('OpenAccount', () => {
  it('given no stream, opens the account: AccountCreated then AccountActivated, amount in canonical form', () => {
    expect(thenEvents(decide(open('100.00'), initialState))).toEqual([created('100.00'), activated]);
    expect(thenEvents(decide(open('100'), initialState))).toEqual([created('100.00'), activated]);
    expect(thenEvents(decide(open('100.5'), initialState))).toEqual([created('100.50'), activated]);
  });

  it("given a customer's open, records them as the owner", () => {
    expect(thenEvents(decide({ ...open('1.00'), owner: 'alice' } as AccountCommand, initialState))[0]).toEqual({
      type: 'AccountCreated',
      data: { initialBalance: '1.00', currency: 'MAD', owner: 'alice' },
    });
  });

  it.each(['0', '0.00', '0.0'])('allows a zero initial balance (%s)', (amount) => {
    expect(thenEvents(decide(open(amount), initialState))).toEqual([created('0.00'), activated]);
  });

  it('refuses a negative initial balance', () => {
    expect(thenError(decide(open('-1.00'), initialState)).code).toBe('invalid-amount');
    expect(thenError(decide(open('-0.01'), initialState)).code).toBe('invalid-amount');
  });

  it.each(BAD_FORMATS)('refuses the initial balance %j (plain decimals only)', (amount) => {
    const e = thenError(decide(open(amount), initialState));
    expect(e.code).toBe('invalid-amount');
    expect(e.detail).toMatch(/initialBalance/);
  });

  it('refuses more decimals than the currency allows, for each currency', () => {
    expect(thenError(decide(open('1.001', 'MAD'), initialState)).code).toBe('invalid-amount');
    expect(thenError(decide(open('1.5', 'JPY'), initialState)).code).toBe('invalid-amount');
    expect(thenError(decide(open('1.0', 'JPY'), initialState)).code).toBe('invalid-amount');
    expect(thenError(decide(open('1.0001', 'KWD'), initialState)).code).toBe('invalid-amount');
    expect(thenEvents(decide(open('1500', 'JPY'), initialState))).toEqual([created('1500', 'JPY'), activated]);
    expect(thenEvents(decide(open('1.234', 'KWD'), initialState))).toEqual([created('1.234', 'KWD'), activated]);
    expect(thenEvents(decide(open('1.2', 'KWD'), initialState))).toEqual([created('1.200', 'KWD'), activated]);
  });

  it('refuses an amount beyond the sanity bound', () => {
    expect(thenError(decide(open('1'.repeat(16)), initialState)).code).toBe('invalid-amount');
    expect(thenEvents(decide(open('9'.repeat(15)), initialState))).toEqual([created(`${'9'.repeat(15)}.00`), activated]);
  });

  it.each(['ABC', 'mad', 'Mad', 'MADX', 'MA', '', 'XXX', ' MAD'])('refuses the unknown currency %j', (currency) => {
    expect(thenError(decide(open('1.00', currency), initialState)).code).toBe('unknown-currency');
  });

  it('refuses a non-string currency without throwing', () => {
    const cmd = { ...open('1.00'), currency: 123 } as unknown as AccountCommand;
    expect(thenError(decide(cmd, initialState)).code).toBe('unknown-currency');
  });

  it('given an existing account, refuses to open it again', () => {
    const { state } = given(created('10.00'), activated);
    expect(thenError(decide(open('5.00'), state)).code).toBe('account-already-exists');
  });
});

describe('CreditAccount', () => {
  it('given an active account, credits it', () => {
    const { state } = given(created('100.00'), activated);
    expect(thenEvents(decide(credit('25.50'), frozen(state)))).toEqual([credited('25.50')]);
    expect(thenEvents(decide(credit('25.5'), state))).toEqual([credited('25.50')]);
    expect(thenEvents(decide(credit('0.01'), state))).toEqual([credited('0.01')]);
  });

  it.each(['0', '0.00', '0.0'])('refuses a zero amount (%s)', (amount) => {
    const { state } = given(created('100.00'), activated);
    expect(thenError(decide(credit(amount), state)).code).toBe('invalid-amount');
  });

  it.each(['-1', '-0.01', '-25.50'])('refuses a negative amount (%s)', (amount) => {
    const { state } = given(created('100.00'), activated);
    expect(thenError(decide(credit(amount), state)).code).toBe('invalid-amount');
  });

  it.each(BAD_FORMATS)('refuses the amount %j', (amount) => {
    const { state } = given(created('100.00'), activated);
    const e = thenError(decide(credit(amount), state));
    expect(e.code).toBe('invalid-amount');
    expect(e.detail).toMatch(/amount/);
  });

  it('refuses more decimals than the currency allows', () => {
    expect(thenError(decide(credit('1.001'), given(created('1.00'), activated).state)).code).toBe('invalid-amount');
    expect(thenError(decide(credit('1.5', 'JPY'), given(created('100', 'JPY'), activated).state)).code).toBe('invalid-amount');
    expect(thenError(decide(credit('0.0001', 'KWD'), given(created('1.000', 'KWD'), activated).state)).code).toBe('invalid-amount');
    expect(thenEvents(decide(credit('0.001', 'KWD'), given(created('1.000', 'KWD'), activated).state))).toEqual([credited('0.001', 'KWD')]);
    expect(thenEvents(decide(credit('7', 'JPY'), given(created('100', 'JPY'), activated).state))).toEqual([credited('7', 'JPY')]);
  });

  it('given no stream, refuses: the account does not exist', () => {
    expect(thenError(decide(credit('1.00'), initialState)).code).toBe('account-not-found');
  });

  it('given a created but not activated account, refuses', () => {
    const { state } = given(created('1.00'));
    expect(state.status).toBe('CREATED');
    expect(thenError(decide(credit('1.00'), state)).code).toBe('account-not-active');
  });

  it('refuses a currency other than the account one, naming it', () => {
    const { state } = given(created('100.00'), activated);
    const e = thenError(decide(credit('1.00', 'EUR'), state));
    expect(e.code).toBe('currency-mismatch');
    expect(e.extensions).toEqual({ accountCurrency: 'MAD' });
  });

  it('refuses an unknown currency before anything else', () => {
    expect(thenError(decide(credit('1.00', 'ZZZ'), initialState)).code).toBe('unknown-currency');
    expect(thenError(decide(credit('1.00', 'ZZZ'), given(created('1.00'), activated).state)).code).toBe('unknown-currency');
  });
});

describe('DebitAccount', () => {
  const rich = () => given(created('100.00'), activated).state;

  it('given enough funds, debits', () => {
    expect(thenEvents(decide(debit('25.50'), frozen(rich())))).toEqual([debited('25.50')]);
  });

  it('allows a debit of exactly the balance', () => {
    expect(thenEvents(decide(debit('100.00'), rich()))).toEqual([debited('100.00')]);
    expect(thenEvents(decide(debit('100'), rich()))).toEqual([debited('100.00')]);
  });

  it('refuses a debit above the balance, by one minor unit, with balance and request', () => {
    const e = thenError(decide(debit('100.01'), rich()));
    expect(e.code).toBe('insufficient-funds');
    expect(e.extensions).toEqual({ balance: '100.00', requested: '100.01' });
  });

  it('refuses any debit on a zero balance, and allows it after a credit', () => {
    const { state } = given(created('0.00'), activated);
    expect(thenError(decide(debit('0.01'), state)).code).toBe('insufficient-funds');
    const after = fold(stored(2, [credited('0.01')]), state);
    expect(thenEvents(decide(debit('0.01'), after))).toEqual([debited('0.01')]);
  });

  it.each(['0', '0.00', '-1', '-100.00'])('refuses the non-positive amount %s', (amount) => {
    expect(thenError(decide(debit(amount), rich())).code).toBe('invalid-amount');
  });

  it.each(BAD_FORMATS)('refuses the amount %j', (amount) => {
    expect(thenError(decide(debit(amount), rich())).code).toBe('invalid-amount');
  });

  it('given no stream, refuses', () => {
    expect(thenError(decide(debit('1.00'), initialState)).code).toBe('account-not-found');
  });

  it('refuses a currency mismatch even when the amount would fit', () => {
    expect(thenError(decide(debit('1.00', 'USD'), rich())).code).toBe('currency-mismatch');
  });

  it('JPY has no minor unit: the whole balance in yen', () => {
    const { state } = given(created('1000', 'JPY'), activated);
    expect(thenEvents(decide(debit('1000', 'JPY'), state))).toEqual([debited('1000', 'JPY')]);
    expect(thenError(decide(debit('1001', 'JPY'), state)).extensions).toEqual({ balance: '1000', requested: '1001' });
    expect(thenError(decide(debit('999.5', 'JPY'), state)).code).toBe('invalid-amount');
  });

  it('KWD has three decimals: a fils above the balance is refused', () => {
    const { state } = given(created('1.500', 'KWD'), activated);
    expect(thenEvents(decide(debit('1.5', 'KWD'), state))).toEqual([debited('1.500', 'KWD')]);
    expect(thenError(decide(debit('1.501', 'KWD'), state)).extensions).toEqual({ balance: '1.500', requested: '1.501' });
  });

  it('the decision depends on the balance after every event', () => {
    const { state } = given(created('10.00'), activated, credited('5.00'), debited('14.99'));
    expect(thenEvents(decide(debit('0.01'), state))).toEqual([debited('0.01')]);
    expect(thenError(decide(debit('0.02'), state)).code).toBe('insufficient-funds');
  });
});

describe('evolve and fold', () => {
  it('fold of nothing is the initial state', () => {
    expect(fold([])).toEqual(initialState);
    expect(initialState).toEqual({ status: 'NONE', version: 0 });
  });

  it('AccountCreated gives a CREATED account, AccountActivated an ACTIVATED one', () => {
    const [c, a] = stored(0, [created('12.34'), activated]);
    const s1 = evolve(initialState, c!);
    expect(s1).toEqual({
      status: 'CREATED',
      accountId: ID,
      owner: null,
      currency: 'MAD',
      balance: 1234n,
      version: 1,
      createdAt: c!.occurredAt,
      updatedAt: c!.occurredAt,
      pendingTransfersOut: [],
    });
    const s2 = evolve(s1, a!);
    expect(s2).toEqual({ ...s1, status: 'ACTIVATED', version: 2, updatedAt: a!.occurredAt });
  });

  it('balance in minor units and version follow credits and debits', () => {
    const { state, history } = given(created('100.00'), activated, credited('25.50'), debited('0.50'), debited('125.00'), credited('0.01'));
    expect(state).toMatchObject({ status: 'ACTIVATED', balance: 1n, version: 6, createdAt: history[0]!.occurredAt, updatedAt: history[5]!.occurredAt });
  });

  it('folds in several steps to the same state as in one', () => {
    const { state, history } = given(created('7.00'), activated, credited('3.00'), debited('1.25'));
    expect(fold(history.slice(2), fold(history.slice(0, 2)))).toEqual(state);
    expect(history.reduce(evolve, initialState)).toEqual(state);
  });

  it('uses exact integer arithmetic: no floating point drift', () => {
    const events = [created('0.00'), activated, ...Array.from({ length: 10 }, () => credited('0.10'))];
    const { state } = given(...events);
    expect(state).toMatchObject({ balance: 100n, version: 12 });
    const big = given(created('999999999999999.99'), activated, credited('999999999999999.99')).state;
    expect(big).toMatchObject({ balance: 199999999999999998n });
  });

  it('KWD and JPY balances are kept in their own minor units', () => {
    expect(given(created('1.005', 'KWD'), activated, credited('0.001', 'KWD')).state).toMatchObject({ balance: 1006n, currency: 'KWD' });
    expect(given(created('100', 'JPY'), activated, debited('1', 'JPY')).state).toMatchObject({ balance: 99n, currency: 'JPY' });
  });

  it('ignores events other than AccountCreated on an account that does not exist', () => {
    const [, a, c] = stored(0, [created('1.00'), activated, credited('1.00')]);
    expect(evolve(initialState, a!)).toBe(initialState);
    expect(evolve(initialState, c!)).toBe(initialState);
  });

  it('does not modify the state it is given', () => {
    const { state } = given(created('1.00'), activated);
    const copy = { ...state };
    evolve(frozen(state), stored(2, [credited('1.00')])[0]!);
    expect(state).toEqual(copy);
  });

  it('throws on a corrupt stored amount rather than computing a wrong balance', () => {
    const [c] = stored(0, [created('1e3')]);
    expect(() => evolve(initialState, c!)).toThrow(/corrupt event/);
    const { state } = given(created('1.00'), activated);
    const [bad] = stored(2, [credited('-1.00')]);
    expect(() => evolve(state, bad!)).toThrow(/corrupt event/);
  });

  it('every decided event, once stored, evolves the state the decider expects', () => {
    let s: AccountState = initialState;
    const history: AccountEvent[] = [];
    for (const cmd of [open('50.00'), credit('20.00'), debit('70.00'), credit('0.05')]) {
      const events = stored(s.version, thenEvents(decide(cmd, s)));
      history.push(...events);
      s = fold(events, s);
    }
    expect(s).toMatchObject({ status: 'ACTIVATED', balance: 5n, version: 5 });
    expect(history.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
    expect(thenError(decide(debit('0.06'), s)).code).toBe('insufficient-funds');
  });
});

describe('snapshots', () => {
  it('the initial state has no snapshot, and no snapshot is the initial state', () => {
    expect(toSnapshot(initialState)).toBeNull();
    expect(fromSnapshot(null)).toEqual(initialState);
    expect(fromSnapshot(undefined)).toEqual(initialState);
  });

  it('round-trips through JSON with the balance as a string', () => {
    const { state } = given(created('100.00'), activated, credited('0.99'), debited('50.00'));
    const snap = toSnapshot(state);
    expect(snap).toMatchObject({ balance: '5099', version: 4, status: 'ACTIVATED', currency: 'MAD', accountId: ID });
    const json = JSON.parse(JSON.stringify(snap)) as AccountSnapshot;
    const back = fromSnapshot(json);
    expect(back).toEqual(state);
    expect(typeof (back as { balance: unknown }).balance).toBe('bigint');
  });

  it('a state rebuilt from a snapshot decides like the original', () => {
    const { state } = given(created('10.000', 'KWD'), activated);
    const back = fromSnapshot(JSON.parse(JSON.stringify(toSnapshot(state))) as AccountSnapshot);
    expect(decide(debit('10', 'KWD'), back)).toEqual(decide(debit('10', 'KWD'), state));
    expect(decide(debit('10.001', 'KWD'), back)).toEqual(decide(debit('10.001', 'KWD'), state));
  });

  it('keeps balances beyond Number precision exactly', () => {
    const { state } = given(created('999999999999999.99'), activated, credited('999999999999999.99'));
    expect(fromSnapshot(JSON.parse(JSON.stringify(toSnapshot(state))) as AccountSnapshot)).toEqual(state);
  });

  it('keeps a CREATED (not yet activated) state', () => {
    const { state } = given(created('3.00'));
    expect(fromSnapshot(toSnapshot(state))).toEqual(state);
  });

  it("keeps the owner, and reads a snapshot from before owners as the bank's account (owner null)", () => {
    const { state } = given({ type: 'AccountCreated', data: { initialBalance: '3.00', currency: 'MAD', owner: 'alice' } }, activated);
    expect(state).toMatchObject({ owner: 'alice' });
    expect(fromSnapshot(JSON.parse(JSON.stringify(toSnapshot(state))) as AccountSnapshot)).toEqual(state);
    const { owner: _owner, ...beforeOwners } = toSnapshot(state)!;
    expect(fromSnapshot(beforeOwners)).toMatchObject({ owner: null });
  });
});

describe('descriptions', () => {
  it('given an active account, a credit and a debit keep their description; none is null', () => {
    const { state } = given(created('100.00'), activated);
    expect(thenEvents(decide({ ...credit('5.00'), description: 'rent share' } as AccountCommand, state))).toEqual([credited('5.00', 'MAD', 'rent share')]);
    expect(thenEvents(decide({ ...debit('5.00'), description: 'groceries' } as AccountCommand, state))).toEqual([debited('5.00', 'MAD', 'groceries')]);
    expect(thenEvents(decide(debit('5.00'), state))).toEqual([debited('5.00')]);
  });
});

describe('SuspendAccount', () => {
  it('given an active account, suspends it', () => {
    const { state } = given(created('100.00'), activated);
    expect(thenEvents(decide(suspend, frozen(state)))).toEqual([suspended]);
  });

  it('given a suspended account, refuses to suspend it again (409 account-already-suspended)', () => {
    const { state } = given(created('100.00'), activated, suspended);
    expect(thenError(decide(suspend, state)).code).toBe('account-already-suspended');
  });

  it('given no account, a closed one or one not yet activated, refuses', () => {
    expect(thenError(decide(suspend, initialState)).code).toBe('account-not-found');
    expect(thenError(decide(suspend, given(created('0.00'), activated, closed).state)).code).toBe('account-closed');
    expect(thenError(decide(suspend, given(created('0.00')).state)).code).toBe('account-not-active');
  });
});

describe('a suspended account', () => {
  const { state } = given(created('100.00'), activated, suspended);

  it('refuses debits (409 account-suspended) and leaves the balance alone', () => {
    const e = thenError(decide(debit('1.00'), state));
    expect(e.code).toBe('account-suspended');
    expect(e.detail).toMatch(/debits/);
  });

  it('refuses a transfer out (409, nothing written) and records the refusal of a transfer in', () => {
    expect(thenError(decide(send('1.00'), state))).toMatchObject({ code: 'account-suspended', detail: expect.stringMatching(/transfers/) });
    expect(thenEvents(decide(receive('1.00'), state))).toEqual([
      {
        type: 'TransferCreditRefused',
        data: { transferId: TRANSFER, counterpartyAccountId: TARGET, amount: '1.00', currency: 'MAD', reason: 'account-suspended', detail: expect.any(String) },
      },
    ]);
  });

  it('still takes a plain credit', () => {
    expect(thenEvents(decide(credit('1.00'), state))).toEqual([credited('1.00')]);
  });

  it('can be closed once its balance is zero', () => {
    expect(thenError(decide(close, state)).code).toBe('balance-not-zero');
    expect(thenEvents(decide(close, given(created('0.00'), activated, suspended).state))).toEqual([closed]);
  });
});

describe('ReactivateAccount', () => {
  it('given a suspended account, reactivates it, and it takes debits again', () => {
    const { state } = given(created('100.00'), activated, suspended);
    expect(thenEvents(decide(reactivate, frozen(state)))).toEqual([reactivated]);
    const after = given(created('100.00'), activated, suspended, reactivated).state;
    expect(after.status).toBe('ACTIVATED');
    expect(thenEvents(decide(debit('1.00'), after))).toEqual([debited('1.00')]);
  });

  it('given an active account, refuses (409 account-not-suspended)', () => {
    expect(thenError(decide(reactivate, given(created('1.00'), activated).state)).code).toBe('account-not-suspended');
  });

  it('given no account or a closed one, refuses', () => {
    expect(thenError(decide(reactivate, initialState)).code).toBe('account-not-found');
    expect(thenError(decide(reactivate, given(created('0.00'), activated, closed).state)).code).toBe('account-closed');
  });
});

describe('CloseAccount', () => {
  it('given an active account with a zero balance, closes it', () => {
    expect(thenEvents(decide(close, given(created('0.00'), activated).state))).toEqual([closed]);
    expect(thenEvents(decide(close, given(created('10.00'), activated, debited('10.00')).state))).toEqual([closed]);
  });

  it('given a balance, refuses (422 balance-not-zero) and says how much is left', () => {
    const e = thenError(decide(close, given(created('10.00'), activated, debited('9.99')).state));
    expect(e).toMatchObject({ code: 'balance-not-zero', extensions: { balance: '0.01' } });
  });

  it('given no account, refuses', () => {
    expect(thenError(decide(close, initialState)).code).toBe('account-not-found');
  });

  it('is final: a closed account refuses every command with 409 account-closed', () => {
    const { state } = given(created('0.00'), activated, closed);
    expect(state.status).toBe('CLOSED');
    for (const command of [credit('1.00'), debit('1.00'), suspend, reactivate, close]) expect(thenError(decide(command, state)).code).toBe('account-closed');
    expect(thenError(decide(open('1.00'), state)).code).toBe('account-already-exists');
  });

  it('a closed account folds and snapshots like any other', () => {
    const { state } = given(created('5.00'), activated, debited('5.00'), suspended, reactivated, closed);
    expect(state).toMatchObject({ status: 'CLOSED', version: 6, balance: 0n });
    expect(fromSnapshot(JSON.parse(JSON.stringify(toSnapshot(state))) as AccountSnapshot)).toEqual(state);
  });
});

describe('a transfer, seen from its source', () => {
  const funded = given(created('100.00'), activated).state;

  it('debits the source and lists the transfer as pending', () => {
    const events = thenEvents(decide(send('30.00'), funded));
    expect(events).toEqual([sentOut('30.00')]);
    const after = given(created('100.00'), activated, ...events).state;
    expect(after).toMatchObject({ balance: 7000n, pendingTransfersOut: [{ transferId: TRANSFER, counterpartyAccountId: TARGET, counterpartyVersion: 7, amount: 3000n }] });
  });

  it('declines a transfer the balance cannot pay: recorded, nothing moves', () => {
    const events = thenEvents(decide(send('100.01'), funded));
    expect(events).toEqual([
      {
        type: 'TransferDeclined',
        data: {
          transferId: TRANSFER,
          counterpartyAccountId: TARGET,
          amount: '100.01',
          currency: 'MAD',
          description: 'rent',
          reason: 'insufficient-funds',
          detail: expect.any(String),
        },
      },
    ]);
    expect(given(created('100.00'), activated, ...events).state).toMatchObject({ balance: 10000n, pendingTransfersOut: [] });
  });

  it('refuses what is wrong with the request itself, writing nothing', () => {
    expect(thenError(decide(send('-1.00'), funded)).code).toBe('invalid-amount');
    expect(thenError(decide(send('0.00'), funded)).code).toBe('invalid-amount');
    expect(thenError(decide(send('1.00', 'EUR'), funded)).code).toBe('currency-mismatch');
    expect(thenError(decide(send('1.00', 'XXZ'), funded)).code).toBe('unknown-currency');
    expect(thenError(decide(send('1.00'), initialState)).code).toBe('account-not-found');
    expect(thenError(decide(send('1.00'), given(created('0.00'), activated, closed).state)).code).toBe('account-closed');
    expect(thenError(decide(send('1.00'), given(created('5.00')).state)).code).toBe('account-not-active');
  });

  it('sends a transfer once: the same transfer already pending writes nothing', () => {
    expect(thenEvents(decide(send('30.00'), given(created('100.00'), activated, sentOut('30.00')).state))).toEqual([]);
  });

  it('completes a pending transfer once', () => {
    const pending = given(created('100.00'), activated, sentOut('30.00')).state;
    const events = thenEvents(decide(complete, pending));
    expect(events).toEqual([{ type: 'TransferCompleted', data: { transferId: TRANSFER, counterpartyAccountId: TARGET } }]);
    const settled = given(created('100.00'), activated, sentOut('30.00'), ...events).state;
    expect(settled).toMatchObject({ balance: 7000n, pendingTransfersOut: [] });
    expect(thenEvents(decide(complete, settled))).toEqual([]);
    expect(thenEvents(decide(refund('account-closed'), settled))).toEqual([]);
  });

  it('refunds a pending transfer once, whatever the source status (here suspended)', () => {
    const pending = given(created('100.00'), activated, sentOut('30.00'), suspended).state;
    const events = thenEvents(decide(refund('account-closed'), pending));
    expect(events).toEqual([
      {
        type: 'TransferRefunded',
        data: { transferId: TRANSFER, counterpartyAccountId: TARGET, amount: '30.00', currency: 'MAD', reason: 'account-closed', detail: 'because account-closed' },
      },
    ]);
    const refunded = given(created('100.00'), activated, sentOut('30.00'), suspended, ...events).state;
    expect(refunded).toMatchObject({ status: 'SUSPENDED', balance: 10000n, pendingTransfersOut: [] });
    expect(thenEvents(decide(refund('account-closed'), refunded))).toEqual([]);
    expect(thenEvents(decide(complete, refunded))).toEqual([]);
  });

  it('cannot be closed while a transfer out is unsettled, even at a zero balance', () => {
    const emptied = given(created('30.00'), activated, sentOut('30.00')).state;
    expect(emptied).toMatchObject({ balance: 0n });
    expect(thenError(decide(close, emptied)).code).toBe('transfers-pending');
    const settled = given(created('30.00'), activated, sentOut('30.00'), { type: 'TransferCompleted', data: { transferId: TRANSFER, counterpartyAccountId: TARGET } }).state;
    expect(thenEvents(decide(close, settled))).toEqual([closed]);
  });

  it('keeps pending transfers through a snapshot, and reads a snapshot from before transfers as none pending', () => {
    const pending = given(created('100.00'), activated, sentOut('30.00')).state;
    expect(fromSnapshot(JSON.parse(JSON.stringify(toSnapshot(pending))) as AccountSnapshot)).toEqual(pending);
    const { pendingTransfersOut: _dropped, ...older } = toSnapshot(given(created('1.00'), activated).state)!;
    expect(fromSnapshot(older)).toMatchObject({ pendingTransfersOut: [], balance: 100n });
  });
});

describe('a transfer, seen from its target', () => {
  it('is credited with the transfer and its counterparty', () => {
    expect(thenEvents(decide(receive('30.00'), given(created('0.00'), activated).state))).toEqual([
      { type: 'AccountCredited', data: { amount: '30.00', currency: 'MAD', description: 'rent', transfer: { transferId: TRANSFER, counterpartyAccountId: TARGET } } },
    ]);
  });

  it.each([
    ['closed', [created('0.00'), activated, closed], 'account-closed'],
    ['in another currency', [created('0.00', 'EUR'), activated], 'currency-mismatch'],
    ['not activated', [created('0.00')], 'account-not-active'],
  ])('when %s, records its refusal (the source is refunded) and its balance is unchanged', (_what, history, reason) => {
    const before = given(...history).state;
    const events = thenEvents(decide(receive('30.00'), before));
    expect(events).toEqual([{ type: 'TransferCreditRefused', data: expect.objectContaining({ transferId: TRANSFER, reason }) }]);
    expect(given(...history, ...events).state).toMatchObject({ balance: before.status === 'NONE' ? 0n : before.balance });
  });

  it('that does not exist refuses the step itself', () => {
    expect(thenError(decide(receive('30.00'), initialState)).code).toBe('account-not-found');
  });
});
