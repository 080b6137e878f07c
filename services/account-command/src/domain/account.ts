// The account aggregate as a pure decider: decide(command, state) -> events | error,
// evolve(state, event) -> state. No I/O, no clock, no randomness: ids and time are given by the
// caller when it turns the decided events into stored ones.
import {
  formatAmount,
  isCurrency,
  parseAmount,
  type AccountCreditedData,
  type AccountEvent,
  type AccountStatus,
  type Minor,
  type NewEvent,
  type ProblemCode,
} from '@bank/contracts';
import { assertNever, type Decider, type DecisionOf } from './decider.js';

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
  code: Extract<
    ProblemCode,
    'invalid-amount' | 'unknown-currency' | 'account-not-found' | 'account-already-exists' | 'account-not-active' | 'currency-mismatch' | 'insufficient-funds'
  >;
  detail: string;
  extensions?: Record<string, unknown>;
}

export type Decision = DecisionOf<NewEvent, DomainError>;

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

const unknownCurrency = (currency: string): Decision => refuse('unknown-currency', `"${String(currency)}" is not an ISO 4217 currency code`);

/** One command per case; a command added to AccountCommand and not here does not compile. */
export function decide(command: AccountCommand, state: AccountState): Decision {
  switch (command.type) {
    case 'OpenAccount':
      return openAccount(command, state);
    case 'CreditAccount':
      return creditAccount(command, state);
    case 'DebitAccount':
      return debitAccount(command, state);
    default:
      return assertNever(command, 'command');
  }
}

function openAccount(command: OpenAccount, state: AccountState): Decision {
  if (!isCurrency(command.currency)) return unknownCurrency(command.currency);
  const currency = command.currency;
  const initial = amountOf(command.initialBalance, currency, 'initialBalance', true);
  if (typeof initial !== 'bigint') return initial;
  if (state.status !== 'NONE') return refuse('account-already-exists', `account ${command.accountId} already exists`);
  return accept({ type: 'AccountCreated', data: { initialBalance: formatAmount(initial, currency), currency } }, { type: 'AccountActivated', data: {} });
}

type ActiveAccount = Extract<AccountState, { accountId: string }>;

/**
 * What a credit and a debit both check, in this order: the currency is known, the amount valid
 * and positive, the account exists, is active and holds that currency.
 */
function movement(command: CreditAccount | DebitAccount, state: AccountState): { account: ActiveAccount; amount: Minor; data: AccountCreditedData } | Decision {
  if (!isCurrency(command.currency)) return unknownCurrency(command.currency);
  const currency = command.currency;
  const amount = amountOf(command.amount, currency, 'amount', false);
  if (typeof amount !== 'bigint') return amount;
  if (state.status === 'NONE') return refuse('account-not-found', `account ${command.accountId} does not exist`);
  if (state.status !== 'ACTIVATED') return refuse('account-not-active', `account ${command.accountId} is ${state.status}`);
  if (currency !== state.currency) {
    return refuse('currency-mismatch', `account ${state.accountId} is in ${state.currency}, not ${currency}`, { accountCurrency: state.currency });
  }
  return { account: state, amount, data: { amount: formatAmount(amount, currency), currency } };
}

function creditAccount(command: CreditAccount, state: AccountState): Decision {
  const checked = movement(command, state);
  if ('ok' in checked) return checked;
  return accept({ type: 'AccountCredited', data: checked.data });
}

function debitAccount(command: DebitAccount, state: AccountState): Decision {
  const checked = movement(command, state);
  if ('ok' in checked) return checked;
  const { account, amount, data } = checked;
  if (amount > account.balance) {
    return refuse('insufficient-funds', `a debit of ${data.amount} ${data.currency} exceeds the balance of ${formatAmount(account.balance, data.currency)} ${data.currency}`, {
      balance: formatAmount(account.balance, data.currency),
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

export function fromSnapshot(snapshot: AccountSnapshot | null | undefined): AccountState {
  return snapshot ? { ...snapshot, balance: BigInt(snapshot.balance) } : initialState;
}

/** The account aggregate as the command handler takes it. */
export const accountDecider: Decider<AccountCommand, NewEvent, AccountEvent, AccountState, AccountSnapshot, DomainError> = {
  initialState,
  decide,
  evolve,
  toSnapshot,
  fromSnapshot,
};
