// The account aggregate as a pure decider: decide(command, state) -> events | error,
// evolve(state, event) -> state. No I/O, no clock, no randomness: ids and time are given by the
// caller when it turns the decided events into stored ones.
import {
  formatAmount,
  isCurrency,
  parseAmount,
  type AccountEvent,
  type AccountStatus,
  type Minor,
  type NewEvent,
  type ProblemCode,
} from '@bank/shared';

export type OpenAccount = { type: 'OpenAccount'; accountId: string; initialBalance: string; currency: string };
export type CreditAccount = { type: 'CreditAccount'; accountId: string; amount: string; currency: string };
export type DebitAccount = { type: 'DebitAccount'; accountId: string; amount: string; currency: string };
export type AccountCommand = OpenAccount | CreditAccount | DebitAccount;

export type AccountState =
  | { status: 'NONE'; version: 0 }
  | {
      status: AccountStatus;
      accountId: string;
      currency: string;
      balance: Minor;
      version: number;
      createdAt: string;
      updatedAt: string;
    };

export const initialState: AccountState = { status: 'NONE', version: 0 };

export interface DomainError {
  code: Extract<ProblemCode, 'invalid-amount' | 'unknown-currency' | 'account-not-found' | 'account-already-exists' | 'account-not-active' | 'currency-mismatch' | 'insufficient-funds'>;
  detail: string;
  extensions?: Record<string, unknown>;
}

export type Decision = { ok: true; events: NewEvent[] } | { ok: false; error: DomainError };

const refuse = (code: DomainError['code'], detail: string, extensions?: Record<string, unknown>): Decision => ({
  ok: false,
  error: { code, detail, ...(extensions ? { extensions } : {}) },
});
const accept = (...events: NewEvent[]): Decision => ({ ok: true, events });

function amountOf(text: string, currency: string, field: string, allowZero: boolean): Minor | Decision {
  const parsed = parseAmount(text, currency);
  if (parsed === 'format') return refuse('invalid-amount', `${field} must be a plain decimal string such as "25.50"`);
  if (parsed === 'precision') return refuse('invalid-amount', `${field} has more decimals than ${currency} allows`);
  if (parsed === 'range') return refuse('invalid-amount', `${field} is too large`);
  if (!allowZero && parsed <= 0n) return refuse('invalid-amount', `${field} must be greater than zero`);
  return parsed;
}

export function decide(command: AccountCommand, state: AccountState): Decision {
  if (!isCurrency(command.currency)) return refuse('unknown-currency', `"${String(command.currency)}" is not an ISO 4217 currency code`);
  const currency = command.currency;

  if (command.type === 'OpenAccount') {
    const initial = amountOf(command.initialBalance, currency, 'initialBalance', true);
    if (typeof initial !== 'bigint') return initial;
    if (state.status !== 'NONE') return refuse('account-already-exists', `account ${command.accountId} already exists`);
    return accept(
      { type: 'AccountCreated', data: { initialBalance: formatAmount(initial, currency), currency } },
      { type: 'AccountActivated', data: {} },
    );
  }

  const amount = amountOf(command.amount, currency, 'amount', false);
  if (typeof amount !== 'bigint') return amount;
  if (state.status === 'NONE') return refuse('account-not-found', `account ${command.accountId} does not exist`);
  if (state.status !== 'ACTIVATED') return refuse('account-not-active', `account ${command.accountId} is ${state.status}`);
  if (currency !== state.currency) {
    return refuse('currency-mismatch', `account ${state.accountId} is in ${state.currency}, not ${currency}`, { accountCurrency: state.currency });
  }
  const data = { amount: formatAmount(amount, currency), currency };
  if (command.type === 'CreditAccount') return accept({ type: 'AccountCredited', data });
  if (amount > state.balance) {
    return refuse('insufficient-funds', `a debit of ${data.amount} ${currency} exceeds the balance of ${formatAmount(state.balance, currency)} ${currency}`, {
      balance: formatAmount(state.balance, currency),
      requested: data.amount,
    });
  }
  return accept({ type: 'AccountDebited', data });
}

export function evolve(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'AccountCreated': {
      const balance = parseAmount(event.data.initialBalance, event.data.currency);
      if (typeof balance !== 'bigint') throw new Error(`corrupt event ${event.eventId}: bad initialBalance`);
      return {
        status: 'CREATED',
        accountId: event.accountId,
        currency: event.data.currency,
        balance,
        version: event.version,
        createdAt: event.occurredAt,
        updatedAt: event.occurredAt,
      };
    }
    case 'AccountActivated':
      if (state.status === 'NONE') return state;
      return { ...state, status: 'ACTIVATED', version: event.version, updatedAt: event.occurredAt };
    case 'AccountCredited':
    case 'AccountDebited': {
      if (state.status === 'NONE') return state;
      const amount = parseAmount(event.data.amount, event.data.currency);
      if (typeof amount !== 'bigint') throw new Error(`corrupt event ${event.eventId}: bad amount`);
      const balance = event.type === 'AccountCredited' ? state.balance + amount : state.balance - amount;
      return { ...state, balance, version: event.version, updatedAt: event.occurredAt };
    }
  }
}

export const fold = (events: readonly AccountEvent[], from: AccountState = initialState): AccountState => events.reduce(evolve, from);

/** JSON form of the state, kept with the stream head as its snapshot. */
export type AccountSnapshot = Omit<Extract<AccountState, { accountId: string }>, 'balance'> & { balance: string };

export function toSnapshot(state: AccountState): AccountSnapshot | null {
  return state.status === 'NONE' ? null : { ...state, balance: state.balance.toString() };
}

export function fromSnapshot(s: AccountSnapshot | null | undefined): AccountState {
  return s ? { ...s, balance: BigInt(s.balance) } : initialState;
}
