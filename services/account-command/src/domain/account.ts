// The account aggregate as a pure decider: decide(command, state) -> events | error,
// evolve(state, event) -> state. No I/O, no clock, no randomness: ids and time are given by the
// caller when it turns the decided events into stored ones.
import {
  formatAmount,
  isCurrency,
  parseAmount,
  type AccountCreditedData,
  type AccountDebited,
  type AccountEvent,
  type AccountStatus,
  type Minor,
  type NewEvent,
  type ProblemCode,
  type TransferFailure,
} from '@bank/contracts';
import { assertNever, type Decider, type DecisionOf } from './decider.js';

/** `owner`: the customer it will belong to, or null for the administrators (AccountCreatedData). */
export type OpenAccount = { type: 'OpenAccount'; accountId: string; initialBalance: string; currency: string; owner: string | null };
/** What a credit, a debit and a transfer's send all say: how much, and optionally why. */
interface Movement {
  accountId: string;
  amount: string;
  currency: string;
  description?: string | undefined;
}
export type CreditAccount = Movement & { type: 'CreditAccount' };
export type DebitAccount = Movement & { type: 'DebitAccount' };
export type SuspendAccount = { type: 'SuspendAccount'; accountId: string };
export type ReactivateAccount = { type: 'ReactivateAccount'; accountId: string };
export type CloseAccount = { type: 'CloseAccount'; accountId: string };

/**
 * A transfer's steps, each a command on one account (the transfer process in transfers/ sends
 * them): send on the source (debit, or decline when the funds are short), receive on the target
 * (credit, or a recorded refusal), then complete or refund on the source.
 */
export type SendTransfer = {
  type: 'SendTransfer';
  accountId: string;
  transferId: string;
  counterpartyAccountId: string;
  /** The target's version when the transfer was accepted (see TransferLeg.counterpartyVersion). */
  counterpartyVersion: number;
  amount: string;
  currency: string;
  description?: string | undefined;
};
export type ReceiveTransfer = {
  type: 'ReceiveTransfer';
  accountId: string;
  transferId: string;
  counterpartyAccountId: string;
  amount: string;
  currency: string;
  description: string | null;
};
export type CompleteTransfer = { type: 'CompleteTransfer'; accountId: string; transferId: string };
export type RefundTransfer = { type: 'RefundTransfer'; accountId: string; transferId: string; failure: TransferFailure };
export type TransferCommand = SendTransfer | ReceiveTransfer | CompleteTransfer | RefundTransfer;

export type AccountCommand = OpenAccount | CreditAccount | DebitAccount | SuspendAccount | ReactivateAccount | CloseAccount | TransferCommand;

/** A transfer out of the account, debited and not yet completed or refunded. */
export interface PendingTransfer {
  transferId: string;
  counterpartyAccountId: string;
  counterpartyVersion: number;
  amount: Minor;
  currency: string;
  description: string | null;
  /** The request that asked for the transfer: its later steps correlate with it too. */
  correlationId: string | null;
}

export type AccountState =
  | { status: 'NONE'; version: 0 }
  | {
      status: AccountStatus;
      accountId: string;
      /** The customer it belongs to; null: the bank's administrators (AccountCreatedData). */
      owner: string | null;
      currency: string;
      balance: Minor;
      version: number;
      createdAt: string;
      updatedAt: string;
      /** The transfer process's work list for this account: it is settled when empty. */
      pendingTransfersOut: PendingTransfer[];
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
    | 'transfers-pending'
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

/** No such account: also what a caller gets for an account they may not see (the same words). */
export const accountNotFound = (accountId: string): DomainError => ({ code: 'account-not-found', detail: `account ${accountId} does not exist` });

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
    case 'SendTransfer':
      return sendTransfer(command, state);
    case 'ReceiveTransfer':
      return receiveTransfer(command, state);
    case 'CompleteTransfer':
      return completeTransfer(command, state);
    case 'RefundTransfer':
      return refundTransfer(command, state);
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
  return accept({ type: 'AccountCreated', data: { initialBalance: formatAmount(initial, currency), currency, owner: command.owner } }, { type: 'AccountActivated', data: {} });
}

type ExistingAccount = Extract<AccountState, { accountId: string }>;

/** The account exists and is not closed (closing is final: a closed account refuses everything). */
function existingOpen(accountId: string, state: AccountState): ExistingAccount | Decision {
  if (state.status === 'NONE') return { ok: false, error: accountNotFound(accountId) };
  if (state.status === 'CLOSED') return refuse('account-closed', `account ${accountId} is closed`);
  return state;
}

/**
 * What a credit and a debit both check, in this order: the currency is known, the amount valid
 * and positive, the account exists, is not closed, is activated (or suspended: each movement
 * decides) and holds that currency.
 */
function movement(command: Movement, state: AccountState): { account: ExistingAccount; amount: Minor; data: AccountCreditedData } | Decision {
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
    data: { amount: formatAmount(amount, currency), currency, description: command.description ?? null, transfer: null },
  };
}

const suspended = (accountId: string, what: string): Decision => refuse('account-suspended', `account ${accountId} is suspended: it takes no ${what}`);

function creditAccount(command: CreditAccount, state: AccountState): Decision {
  const checked = movement(command, state);
  if ('ok' in checked) return checked;
  // A suspended account still takes plain credits (a salary goes on arriving); a transfer's, see receiveTransfer.
  return accept({ type: 'AccountCredited', data: checked.data });
}

function debitAccount(command: DebitAccount, state: AccountState): Decision {
  const checked = movement(command, state);
  if ('ok' in checked) return checked;
  const { account, amount, data } = checked;
  if (account.status === 'SUSPENDED') return suspended(command.accountId, 'debits');
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
  // A refund may still come back to it: closing waits until every transfer out is settled.
  if (account.pendingTransfersOut.length > 0) {
    return refuse('transfers-pending', `account ${command.accountId} has ${account.pendingTransfersOut.length} transfer(s) out not yet settled`);
  }
  return accept({ type: 'AccountClosed', data: {} });
}

/**
 * The source's step of a new transfer, taken when the transfer is asked for. What is wrong with
 * the request itself (amount, currency, the account's status) is refused, nothing written; funds
 * that are short decline the transfer: it is recorded, failed, and nothing moves.
 */
function sendTransfer(command: SendTransfer, state: AccountState): Decision {
  const checked = movement(command, state);
  if ('ok' in checked) return checked;
  const { account, amount, data } = checked;
  if (account.status === 'SUSPENDED') return suspended(command.accountId, 'transfers');
  const { transferId, counterpartyAccountId } = command;
  if (account.pendingTransfersOut.some((pending) => pending.transferId === transferId)) return accept();
  if (amount > account.balance) {
    const detail = `a transfer of ${data.amount} ${data.currency} exceeds the balance of ${formatAmount(account.balance, data.currency)} ${data.currency}`;
    return accept({
      type: 'TransferDeclined',
      data: { transferId, counterpartyAccountId, amount: data.amount, currency: data.currency, description: data.description, reason: 'insufficient-funds', detail },
    });
  }
  return accept({ type: 'AccountDebited', data: { ...data, transfer: { transferId, counterpartyAccountId, counterpartyVersion: command.counterpartyVersion } } });
}

/**
 * The target's step: the credit, or the recorded reason it cannot take it. Both are events, so
 * that the outcome is decided once: a repeated step finds it (the process looks for it after the
 * version the transfer started at) and the source is refunded only for a refusal on record.
 */
function receiveTransfer(command: ReceiveTransfer, state: AccountState): Decision {
  if (state.status === 'NONE') return { ok: false, error: accountNotFound(command.accountId) };
  const { transferId, counterpartyAccountId, amount, currency } = command;
  const refusal = ((): TransferFailure | null => {
    if (state.status === 'CLOSED') return { reason: 'account-closed', detail: `account ${command.accountId} is closed` };
    if (state.status === 'SUSPENDED') return { reason: 'account-suspended', detail: `account ${command.accountId} is suspended: it takes no transfers` };
    if (state.status === 'CREATED') return { reason: 'account-not-active', detail: `account ${command.accountId} is ${state.status}` };
    if (currency !== state.currency) return { reason: 'currency-mismatch', detail: `account ${command.accountId} is in ${state.currency}, not ${currency}` };
    return null;
  })();
  if (refusal) return accept({ type: 'TransferCreditRefused', data: { transferId, counterpartyAccountId, amount, currency, ...refusal } });
  return accept({ type: 'AccountCredited', data: { amount, currency, description: command.description, transfer: { transferId, counterpartyAccountId } } });
}

const pendingOf = (state: AccountState, transferId: string): PendingTransfer | undefined =>
  state.status === 'NONE' ? undefined : state.pendingTransfersOut.find((pending) => pending.transferId === transferId);

/** The target took the credit. Settled already (or never pending): nothing to do. */
function completeTransfer(command: CompleteTransfer, state: AccountState): Decision {
  const pending = pendingOf(state, command.transferId);
  if (!pending) return accept();
  return accept({ type: 'TransferCompleted', data: { transferId: pending.transferId, counterpartyAccountId: pending.counterpartyAccountId } });
}

/** The target refused the credit: the money comes back, whatever the source's status. */
function refundTransfer(command: RefundTransfer, state: AccountState): Decision {
  const pending = pendingOf(state, command.transferId);
  if (!pending) return accept();
  const { transferId, counterpartyAccountId, amount, currency } = pending;
  return accept({ type: 'TransferRefunded', data: { transferId, counterpartyAccountId, amount: formatAmount(amount, currency), currency, ...command.failure } });
}

/** An amount a stored event carries: written valid, so anything else is corruption. */
function storedAmount(event: AccountEvent, text: string, currency: string, field = 'amount'): Minor {
  const amount = parseAmount(text, currency);
  if (typeof amount !== 'bigint') throw new Error(`corrupt event ${event.eventId}: bad ${field}`);
  return amount;
}

export function evolve(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'AccountCreated': {
      const balance = storedAmount(event, event.data.initialBalance, event.data.currency, 'initialBalance');
      return {
        status: 'CREATED',
        accountId: event.accountId,
        owner: event.data.owner,
        currency: event.data.currency,
        balance,
        version: event.version,
        createdAt: event.occurredAt,
        updatedAt: event.occurredAt,
        pendingTransfersOut: [],
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
      const amount = storedAmount(event, event.data.amount, event.data.currency);
      const balance = event.type === 'AccountCredited' ? state.balance + amount : state.balance - amount;
      const sent = event.type === 'AccountDebited' ? pendingTransferOf(event) : null;
      const pendingTransfersOut = sent ? [...state.pendingTransfersOut, sent] : state.pendingTransfersOut;
      return { ...state, balance, pendingTransfersOut, version: event.version, updatedAt: event.occurredAt };
    }
    case 'TransferDeclined':
    case 'TransferCreditRefused':
      if (state.status === 'NONE') return state;
      return { ...state, version: event.version, updatedAt: event.occurredAt };
    case 'TransferCompleted':
    case 'TransferRefunded': {
      if (state.status === 'NONE') return state;
      const pendingTransfersOut = state.pendingTransfersOut.filter((pending) => pending.transferId !== event.data.transferId);
      let balance = state.balance;
      if (event.type === 'TransferRefunded') balance += storedAmount(event, event.data.amount, event.data.currency);
      return { ...state, balance, pendingTransfersOut, version: event.version, updatedAt: event.occurredAt };
    }
  }
}

/** The transfer a debit sends, as the source lists it until it is settled; null for a plain debit. */
export function pendingTransferOf(event: AccountDebited): PendingTransfer | null {
  const { transfer } = event.data;
  // Only a transfer's debit carries the counterparty's version: that is the source's step.
  if (transfer?.counterpartyVersion === undefined) return null;
  return {
    transferId: transfer.transferId,
    counterpartyAccountId: transfer.counterpartyAccountId,
    counterpartyVersion: transfer.counterpartyVersion,
    amount: storedAmount(event, event.data.amount, event.data.currency),
    currency: event.data.currency,
    description: event.data.description,
    correlationId: event.correlationId,
  };
}

export const fold = (events: readonly AccountEvent[], from: AccountState = initialState): AccountState => events.reduce(evolve, from);

/**
 * JSON form of the state, kept with the stream head as its snapshot. Snapshots written before
 * transfers have no `pendingTransfersOut`: read as none; before owners, no `owner`: read as the
 * bank's (null), as the upcaster reads those accounts' openings.
 */
export type AccountSnapshot = Omit<Extract<AccountState, { accountId: string }>, 'balance' | 'pendingTransfersOut' | 'owner'> & {
  balance: string;
  owner?: string | null;
  pendingTransfersOut?: Array<Omit<PendingTransfer, 'amount'> & { amount: string }>;
};

export function toSnapshot(state: AccountState): AccountSnapshot | null {
  if (state.status === 'NONE') return null;
  return {
    ...state,
    balance: state.balance.toString(),
    pendingTransfersOut: state.pendingTransfersOut.map((pending) => ({ ...pending, amount: pending.amount.toString() })),
  };
}

export function fromSnapshot(snapshot: AccountSnapshot | null | undefined): AccountState {
  if (!snapshot) return initialState;
  const pendingTransfersOut = (snapshot.pendingTransfersOut ?? []).map((pending) => ({ ...pending, amount: BigInt(pending.amount) }));
  return { ...snapshot, owner: snapshot.owner ?? null, balance: BigInt(snapshot.balance), pendingTransfersOut };
}

/** The account aggregate as the command handler takes it. */
export const accountDecider: Decider<AccountCommand, NewEvent, AccountEvent, AccountState, AccountSnapshot, DomainError> = {
  initialState,
  decide,
  evolve,
  toSnapshot,
  fromSnapshot,
};
