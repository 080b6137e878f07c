// MongoDB documents of the read models and their JSON forms. Amounts are kept twice: the
// canonical decimal string (what clients get, exact) and Int64 minor units (for sorting and
// range filters in the database). Instants are BSON dates so that range queries use indexes.
import { Long } from 'mongodb';
import { formatAmount, type AccountStatus } from '@bank/shared';
import type { AccountView, OperationType, OperationView } from '../projections/project.js';

export interface AccountDoc {
  _id: string;
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
}

export interface MetaDoc {
  _id: 'projections';
  generation: number;
  accounts: string;
  operations: string;
  switchedAt: Date;
  /** Highest generation number ever handed out, so a failed rebuild's name is never reused. */
  lastAllocated: number;
  lastRebuild?: Record<string, unknown>;
}

const long = (n: bigint) => Long.fromBigInt(n);
const big = (l: Long | number | bigint): bigint => (typeof l === 'bigint' ? l : typeof l === 'number' ? BigInt(l) : l.toBigInt());

export function accountDoc(a: AccountView): AccountDoc {
  return {
    _id: a.accountId,
    version: a.version,
    balance: formatAmount(a.balanceMinor, a.currency),
    balanceMinor: long(a.balanceMinor),
    initialBalance: formatAmount(a.initialBalanceMinor, a.currency),
    initialBalanceMinor: long(a.initialBalanceMinor),
    currency: a.currency,
    status: a.status,
    createdAt: new Date(a.createdAt),
    updatedAt: new Date(a.updatedAt),
  };
}

export function accountView(d: AccountDoc): AccountView {
  return {
    accountId: d._id,
    version: d.version,
    balanceMinor: big(d.balanceMinor),
    initialBalanceMinor: big(d.initialBalanceMinor),
    currency: d.currency,
    status: d.status,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

export function operationDoc(o: OperationView): OperationDoc {
  return {
    _id: o.operationId,
    accountId: o.accountId,
    version: o.version,
    type: o.type,
    amount: formatAmount(o.amountMinor, o.currency),
    amountMinor: long(o.amountMinor),
    currency: o.currency,
    balanceAfter: formatAmount(o.balanceAfterMinor, o.currency),
    balanceAfterMinor: long(o.balanceAfterMinor),
    occurredAt: new Date(o.occurredAt),
  };
}

export function accountJson(d: AccountDoc) {
  return {
    accountId: d._id,
    balance: d.balance,
    currency: d.currency,
    status: d.status,
    version: d.version,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

export function operationJson(d: OperationDoc, withAccount = false) {
  return {
    operationId: d._id,
    ...(withAccount ? { accountId: d.accountId } : {}),
    type: d.type,
    amount: d.amount,
    currency: d.currency,
    balanceAfter: d.balanceAfter,
    occurredAt: d.occurredAt.toISOString(),
    version: d.version,
  };
}
