// MongoDB documents of the read models and their JSON forms. Amounts are kept twice: the
// canonical decimal string (what clients get, exact) and Int64 minor units (for sorting and
// range filters in the database). Instants are BSON dates so that range queries use indexes.
import { Long } from 'mongodb';
import { formatAmount, type AccountStatus, type TransferStepType } from '@bank/contracts';
import type { AccountJson, AccountView, OperationJson, OperationType, OperationView, TransferJson, TransferStepView } from './views.js';

export interface AccountDoc {
  _id: string;
  /**
   * The customer it belongs to; null: the bank's administrators. Absent on documents projected
   * before owners were: read as null (ownerOf), so such an account is the administrators' until
   * a rebuild projects its opening again.
   */
  owner?: string | null;
  version: number;
  balance: string;
  balanceMinor: Long;
  initialBalance: string;
  initialBalanceMinor: Long;
  currency: string;
  status: AccountStatus;
  createdAt: Date;
  updatedAt: Date;
}

export interface OperationDoc {
  /** The event id: an operation is exactly one event. */
  _id: string;
  accountId: string;
  version: number;
  type: OperationType;
  amount: string;
  amountMinor: Long;
  currency: string;
  balanceAfter: string;
  balanceAfterMinor: Long;
  occurredAt: Date;
  /** Absent on documents projected before these fields existed: read as null. */
  description?: string | null;
  transferId?: string | null;
  counterpartyAccountId?: string | null;
  correlationId?: string | null;
}

/**
 * One step of a transfer (one event), keyed by its event id like an operation: the view's fields,
 * with the amount as its decimal string and the instant as a BSON date.
 */
export type TransferStepDoc = Omit<TransferStepView, 'stepId' | 'amountMinor' | 'occurredAt'> & {
  _id: string;
  amount: string | null;
  occurredAt: Date;
};

export interface MetaDoc {
  _id: 'projections';
  generation: number;
  accounts: string;
  operations: string;
  /** Absent on a meta document written before transfers: the generation's default name. */
  transferSteps?: string;
  switchedAt: Date;
  /** Highest generation number ever handed out, so a failed rebuild's name is never reused. */
  lastAllocated: number;
  lastRebuild?: Record<string, unknown>;
}

/** Whose account it is (AccountDoc.owner; absent: null). */
export const ownerOf = (doc: Pick<AccountDoc, 'owner'>): string | null => doc.owner ?? null;

const long = (minor: bigint) => Long.fromBigInt(minor);
const big = (minor: Long | number | bigint): bigint => (typeof minor === 'bigint' ? minor : typeof minor === 'number' ? BigInt(minor) : minor.toBigInt());

export function accountDoc(view: AccountView): AccountDoc {
  return {
    _id: view.accountId,
    owner: view.owner,
    version: view.version,
    balance: formatAmount(view.balanceMinor, view.currency),
    balanceMinor: long(view.balanceMinor),
    initialBalance: formatAmount(view.initialBalanceMinor, view.currency),
    initialBalanceMinor: long(view.initialBalanceMinor),
    currency: view.currency,
    status: view.status,
    createdAt: new Date(view.createdAt),
    updatedAt: new Date(view.updatedAt),
  };
}

export function accountView(doc: AccountDoc): AccountView {
  return {
    accountId: doc._id,
    owner: ownerOf(doc),
    version: doc.version,
    balanceMinor: big(doc.balanceMinor),
    initialBalanceMinor: big(doc.initialBalanceMinor),
    currency: doc.currency,
    status: doc.status,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

export function operationDoc(view: OperationView): OperationDoc {
  return {
    _id: view.operationId,
    accountId: view.accountId,
    version: view.version,
    type: view.type,
    amount: formatAmount(view.amountMinor, view.currency),
    amountMinor: long(view.amountMinor),
    currency: view.currency,
    balanceAfter: formatAmount(view.balanceAfterMinor, view.currency),
    balanceAfterMinor: long(view.balanceAfterMinor),
    occurredAt: new Date(view.occurredAt),
    description: view.description,
    transferId: view.transferId,
    counterpartyAccountId: view.counterpartyAccountId,
    correlationId: view.correlationId,
  };
}

export function accountJson(doc: AccountDoc): AccountJson {
  return {
    accountId: doc._id,
    owner: ownerOf(doc),
    balance: doc.balance,
    currency: doc.currency,
    status: doc.status,
    version: doc.version,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

export function operationJson(doc: OperationDoc, withAccount = false): OperationJson {
  return {
    operationId: doc._id,
    ...(withAccount ? { accountId: doc.accountId } : {}),
    type: doc.type,
    amount: doc.amount,
    currency: doc.currency,
    balanceAfter: doc.balanceAfter,
    occurredAt: doc.occurredAt.toISOString(),
    version: doc.version,
    description: doc.description ?? null,
    transferId: doc.transferId ?? null,
    counterpartyAccountId: doc.counterpartyAccountId ?? null,
    correlationId: doc.correlationId ?? null,
  };
}

export function transferStepDoc(view: TransferStepView): TransferStepDoc {
  return {
    _id: view.stepId,
    transferId: view.transferId,
    type: view.type,
    accountId: view.accountId,
    version: view.version,
    fromAccountId: view.fromAccountId,
    toAccountId: view.toAccountId,
    amount: view.amountMinor === null ? null : formatAmount(view.amountMinor, view.currency),
    currency: view.currency,
    description: view.description,
    reason: view.reason,
    detail: view.detail,
    occurredAt: new Date(view.occurredAt),
    correlationId: view.correlationId,
  };
}

/**
 * A transfer as its steps tell it, in whatever order they were projected (its two accounts are
 * projected independently): credited, it is COMPLETED; declined or refunded, FAILED; else PENDING.
 */
export function transferJson(steps: readonly TransferStepDoc[]): TransferJson {
  const ordered = [...steps].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a._id.localeCompare(b._id));
  const first = ordered[0];
  if (!first) throw new Error('a transfer has at least one step');
  const last = ordered[ordered.length - 1]!;
  const of = (...types: TransferStepType[]) => ordered.find((step) => types.includes(step.type));
  const failed = of('DECLINED', 'REFUNDED');
  // The refund carries the refusal's reason too: the source's refund may be projected before the
  // target's refusal, and a FAILED transfer always says why.
  const why = of('DECLINED', 'CREDIT_REFUSED', 'REFUNDED');
  const withAmount = of('DEBITED', 'DECLINED', 'CREDITED', 'CREDIT_REFUSED', 'REFUNDED');
  return {
    transferId: first.transferId,
    fromAccountId: first.fromAccountId,
    toAccountId: first.toAccountId,
    amount: withAmount?.amount ?? '',
    currency: first.currency,
    description: of('DEBITED', 'DECLINED', 'CREDITED')?.description ?? null,
    status: failed ? 'FAILED' : of('CREDITED', 'COMPLETED') ? 'COMPLETED' : 'PENDING',
    reason: why?.reason ?? null,
    detail: why?.detail ?? null,
    requestedAt: first.occurredAt.toISOString(),
    updatedAt: last.occurredAt.toISOString(),
    steps: ordered.map((step) => ({ type: step.type, accountId: step.accountId, version: step.version, occurredAt: step.occurredAt.toISOString() })),
  };
}
