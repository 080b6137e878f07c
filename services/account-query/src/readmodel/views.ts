// The read side's views of an account and its operations, in the two forms the layers exchange:
// the projection's working form (exact minor units as bigint, instants as ISO strings), which
// projections/ computes and documents.ts stores, and the JSON form that the query API and the
// live updates serve. Types only: the mappings live next to the documents they read.
import type { AccountStatus } from '@bank/contracts';

export type OperationType = 'CREDIT' | 'DEBIT';

export interface AccountView {
  accountId: string;
  /** Last applied stream version. */
  version: number;
  balanceMinor: bigint;
  initialBalanceMinor: bigint;
  currency: string;
  status: AccountStatus;
  createdAt: string;
  updatedAt: string;
}

export interface OperationView {
  operationId: string;
  accountId: string;
  version: number;
  type: OperationType;
  amountMinor: bigint;
  currency: string;
  balanceAfterMinor: bigint;
  occurredAt: string;
}

/**
 * An account as GET /accounts/{id} serves it (and every live update carries it). A type alias, not
 * an interface, so that it fits the live hub's open record of fields.
 */
export type AccountJson = {
  accountId: string;
  balance: string;
  currency: string;
  status: AccountStatus;
  version: number;
  createdAt: string;
  updatedAt: string;
};

/** An operation as the operations lists serve it (`accountId` only in the all-accounts list). */
export type OperationJson = {
  operationId: string;
  accountId?: string;
  type: OperationType;
  amount: string;
  currency: string;
  balanceAfter: string;
  occurredAt: string;
  version: number;
};
