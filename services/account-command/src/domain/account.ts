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
  type TransferLeg,
} from '@bank/contracts';
import { assertNever, type Decider, type DecisionOf } from './decider.js';

export type OpenAccount = { type: 'OpenAccount'; accountId: string; initialBalance: string; currency: string };
/** What a credit and a debit both say: how much, and optionally why and as part of which transfer. */
interface Movement {
  accountId: string;
  amount: string;
  currency: string;
  description?: string | undefined;
  transfer?: TransferLeg | undefined;
}
export type CreditAccount = Movement & { type: 'CreditAccount' };
export type DebitAccount = Movement & { type: 'DebitAccount' };
export type SuspendAccount = { type: 'SuspendAccount'; accountId: string };
export type ReactivateAccount = { type: 'ReactivateAccount'; accountId: string };
export type CloseAccount = { type: 'CloseAccount'; accountId: string };
export type AccountCommand = OpenAccount | CreditAccount | DebitAccount | SuspendAccount | ReactivateAccount | CloseAccount;

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
    | 'invalid-amount'
    | 'unknown-currency'
    | 'account-not-found'
    | 'account-already-exists'
    | 'account-not-active'
    | 'currency-mismatch'
    | 'insufficient-funds'
    | 'account-suspended'
    | 'account-already-suspended'
    | 'account-not-suspended'
    | 'account-closed'
    | 'balance-not-zero'
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
    case 'SuspendAccount':
      return suspendAccount(command, state);
    case 'ReactivateAccount':
      return reactivateAccount(command, state);
    case 'CloseAccount':
      return closeAccount(command, state);
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

type ExistingAccount = Extract<AccountState, { accountId: string }>;

/** The account exists and is not closed (closing is final: a closed account refuses everything). */
function existingOpen(accountId: string, state: AccountState): ExistingAccount | Decision {
  if (state.status === 'NONE') return refuse('account-not-found', `account ${accountId} does not exist`);
  if (state.status === 'CLOSED') return refuse('account-closed', `account ${accountId} is closed`);
  return state;
}

/**
 * What a credit and a debit both check, in this order: the currency is known, the amount valid
 * and positive, the account exists, is not closed, is activated (or suspended: each movement
 * decides) and holds that currency.
 */
function movement(command: CreditAccount | DebitAccount, state: AccountState): { account: ExistingAccount; amount: Minor; data: AccountCreditedData } | Decision {
  if (!isCurrency(command.currency)) return unknownCurrency(command.currency);
  const currency = command.currency;
  const amount = amountOf(command.amount, currency, 'amount', false);
  if (typeof amount !== 'bigint') return amount;
  const account = existingOpen(command.accountId, state);
  if ('ok' in account) return account;
  if (account.status === 'CREATED') return refuse('account-not-active', `account ${command.accountId} is ${account.status}`);
  if (currency !== account.currency) {
    return refuse('currency-mismatch', `account ${account.accountId} is in ${account.currency}, not ${currency}`, { accountCurrency: account.currency });
  }
  return {
    account,
    amount,
    data: { amount: formatAmount(amount, currency), currency, description: command.description ?? null, transfer: command.transfer ?? null },
  };
}

const suspended = (accountId: string, what: string): Decision => refuse('account-suspended', `account ${accountId} is suspended: it takes no ${what}`);

function creditAccount(command: CreditAccount, state: AccountState): Decision {
  const checked = movement(command, state);
  if ('ok' in checked) return checked;
  // A suspended account still takes plain credits (a salary goes on arriving), not a transfer's.
  if (checked.account.status === 'SUSPENDED' && command.transfer) return suspended(command.accountId, 'transfers');
  return accept({ type: 'AccountCredited', data: checked.data });
}

function debitAccount(command: DebitAccount, state: AccountState): Decision {
  const checked = movement(command, state);
  if ('ok' in checked) return checked;
  const { account, amount, data } = checked;
  if (account.status === 'SUSPENDED') return suspended(command.accountId, command.transfer ? 'transfers' : 'debits');
  if (amount > account.balance) {
    return refuse('insufficient-funds', `a debit of ${data.amount} ${data.currency} exceeds the balance of ${formatAmount(account.balance, data.currency)} ${data.currency}`, {
      balance: formatAmount(account.balance, data.currency),
      requested: data.amount,
    });
  }
  return accept({ type: 'AccountDebited', data });
}

function suspendAccount(command: SuspendAccount, state: AccountState): Decision {
  const account = existingOpen(command.accountId, state);
  if ('ok' in account) return account;
  if (account.status === 'SUSPENDED') return refuse('account-already-suspended', `account ${command.accountId} is already suspended`);
  if (account.status === 'CREATED') return refuse('account-not-active', `account ${command.accountId} is ${account.status}`);
  return accept({ type: 'AccountSuspended', data: {} });
}

function reactivateAccount(command: ReactivateAccount, state: AccountState): Decision {
  const account = existingOpen(command.accountId, state);
  if ('ok' in account) return account;
  if (account.status !== 'SUSPENDED') return refuse('account-not-suspended', `account ${command.accountId} is ${account.status}, not suspended`);
  return accept({ type: 'AccountReactivated', data: {} });
}

function closeAccount(command: CloseAccount, state: AccountState): Decision {
  const account = existingOpen(command.accountId, state);
  if ('ok' in account) return account;
  if (account.status === 'CREATED') return refuse('account-not-active', `account ${command.accountId} is ${account.status}`);
  if (account.balance !== 0n) {
    const balance = formatAmount(account.balance, account.currency);
    return refuse('balance-not-zero', `account ${command.accountId} holds ${balance} ${account.currency}: only an account with a zero balance can be closed`, {
      balance,
    });
  }
  return accept({ type: 'AccountClosed', data: {} });
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
    case 'AccountReactivated':
      if (state.status === 'NONE') return state;
      return { ...state, status: 'ACTIVATED', version: event.version, updatedAt: event.occurredAt };
    case 'AccountSuspended':
      if (state.status === 'NONE') return state;
      return { ...state, status: 'SUSPENDED', version: event.version, updatedAt: event.occurredAt };
    case 'AccountClosed':
      if (state.status === 'NONE') return state;
      return { ...state, status: 'CLOSED', version: event.version, updatedAt: event.occurredAt };
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
