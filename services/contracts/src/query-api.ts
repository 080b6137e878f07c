// What the query service (account-query) answers: the JSON of an account and of an operation, as
// GET /accounts/{id}, the operations lists and every live update serve them. The dashboard and
// the test kit's oracle read the same types.
import type { AccountStatus } from './events.js';

export type OperationType = 'CREDIT' | 'DEBIT';

/**
 * An account as GET /accounts/{id} serves it (and every live update carries it). A type alias, not
 * an interface, so that it fits the live hub's open record of fields.
 */
export type AccountJson = {
  accountId: string;
  /** The customer it belongs to (their sign-in subject); null: the bank's administrators (AccountCreatedData). */
  owner: string | null;
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
  /** What the client said it is for, or null. */
  description: string | null;
  /** The transfer it is a step of, and the other account; null for a movement on its own. */
  transferId: string | null;
  counterpartyAccountId: string | null;
  /** The request it came from (the event's correlation id), or null (events written before v2). */
  correlationId: string | null;
};

/** A transfer's steps, each one event on one of its two accounts. */
export type TransferStepType = 'DEBITED' | 'DECLINED' | 'CREDITED' | 'CREDIT_REFUSED' | 'REFUNDED' | 'COMPLETED';

export type TransferStatus = 'PENDING' | 'COMPLETED' | 'FAILED';

/** A transfer as GET /transfers/{id} and GET /accounts/{id}/transfers serve it. */
export type TransferJson = {
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: string;
  currency: string;
  description: string | null;
  /** COMPLETED once the target is credited; FAILED when declined or refunded; PENDING until then. */
  status: TransferStatus;
  /** Why it failed (a problem code such as insufficient-funds or account-closed), and in words; null otherwise. */
  reason: string | null;
  detail: string | null;
  /** The first and the last step's times. */
  requestedAt: string;
  updatedAt: string;
  steps: Array<{ type: TransferStepType; accountId: string; version: number; occurredAt: string }>;
};
