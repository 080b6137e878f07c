// The read side's views of an account and its operations, in the two forms the layers exchange:
// the projection's working form (exact minor units as bigint, instants as ISO strings), which
// projections/ computes and documents.ts stores, and the JSON form that the query API and the
// live updates serve (its types are in @bank/contracts, query-api.ts). Types only: the mappings
// live next to the documents they read.
import type { AccountStatus, OperationType } from '@bank/contracts';

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
  /** What the client said it is for, or null. */
  description: string | null;
  /** The transfer it is a step of, and the other account; null for a movement on its own. */
  transferId: string | null;
  counterpartyAccountId: string | null;
  /** The request it came from (the event's correlation id), or null (events written before v2). */
  correlationId: string | null;
}

export type { AccountJson, OperationJson, OperationType } from '@bank/contracts';
