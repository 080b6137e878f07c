// The read side's views of an account and its operations, in the two forms the layers exchange:
// the projection's working form (exact minor units as bigint, instants as ISO strings), which
// projections/ computes and documents.ts stores, and the JSON form that the query API and the
// live updates serve (its types are in @bank/contracts, query-api.ts). Types only: the mappings
// live next to the documents they read.
import type { AccountStatus, OperationType, TransferStepType } from '@bank/contracts';

export interface AccountView {
  accountId: string;
  /** The customer it belongs to; null: the bank's administrators (the opening's data.owner). */
  owner: string | null;
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
  /** What the client said it is for, or null. */
  description: string | null;
  /** The transfer it is a step of, and the other account; null for a movement on its own. */
  transferId: string | null;
  counterpartyAccountId: string | null;
  /** The request it came from (the event's correlation id), or null (events written before v2). */
  correlationId: string | null;
}

/** One step of a transfer: one event on one of its two accounts (projected from that account's stream). */
export interface TransferStepView {
  /** The event id. */
  stepId: string;
  transferId: string;
  type: TransferStepType;
  /** The account whose event it is, and the event's version. */
  accountId: string;
  version: number;
  fromAccountId: string;
  toAccountId: string;
  /** Null on COMPLETED, which carries no amount. */
  amountMinor: bigint | null;
  currency: string;
  description: string | null;
  reason: string | null;
  detail: string | null;
  occurredAt: string;
  correlationId: string | null;
}

export type { AccountJson, OperationJson, OperationType, TransferJson } from '@bank/contracts';
