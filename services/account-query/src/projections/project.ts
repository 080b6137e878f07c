// Pure projection: given what the read model holds for an account and the next events of its
// stream (read from the event store, in version order), the account view and the operations that
// result. No I/O, so every rule here is tested without a database.
import { parseAmount, upcast, type AccountCreditedData, type EventPage } from '@bank/contracts';
import type { AccountView, OperationView } from '../readmodel/views.js';

export type PulledEvent = EventPage['events'][number];

export interface Projected {
  account: AccountView;
  operations: OperationView[];
  /** Events of a type this projection does not know: skipped, but their version is consumed. */
  skipped: number;
}

/** The events cannot be applied: a bug or corrupt data upstream, which no retry repairs. */
export class ProjectionError extends Error {}

function amount(raw: unknown, currency: string, what: string): bigint {
  const m = parseAmount(raw, currency);
  if (typeof m !== 'bigint') throw new ProjectionError(`${what}: "${String(raw)}" is not a valid ${currency} amount (${m})`);
  return m;
}

export function project(accountId: string, current: AccountView | undefined, events: readonly PulledEvent[]): Projected {
  let acc: AccountView | undefined = current ? { ...current } : undefined;
  const operations: OperationView[] = [];
  let skipped = 0;
  // Events of any schema version are read as the current one (a rebuild reads v1 events, and a
  // command service of an earlier release still announces them during a rolling update).
  for (const e of events.map(upcast)) {
    const expected = (acc?.version ?? 0) + 1;
    if (e.version !== expected) throw new ProjectionError(`account ${accountId}: expected version ${expected}, got ${e.version}`);
    if (e.type === 'AccountCreated') {
      if (acc) throw new ProjectionError(`account ${accountId}: AccountCreated at version ${e.version} of an existing account`);
      const { initialBalance, currency } = e.data as { initialBalance: unknown; currency: string };
      const initial = amount(initialBalance, currency, `account ${accountId} v${e.version}`);
      acc = { accountId, version: e.version, balanceMinor: initial, initialBalanceMinor: initial, currency, status: 'CREATED', createdAt: e.occurredAt, updatedAt: e.occurredAt };
      continue;
    }
    if (!acc) throw new ProjectionError(`account ${accountId}: ${e.type} at version ${e.version} before AccountCreated`);
    acc.version = e.version;
    acc.updatedAt = e.occurredAt;
    switch (e.type) {
      case 'AccountActivated':
      case 'AccountReactivated':
        acc.status = 'ACTIVATED';
        break;
      case 'AccountSuspended':
        acc.status = 'SUSPENDED';
        break;
      case 'AccountClosed':
        acc.status = 'CLOSED';
        break;
      case 'AccountCredited':
      case 'AccountDebited': {
        const { amount: raw, currency, description, transfer } = e.data as AccountCreditedData;
        if (currency !== acc.currency) throw new ProjectionError(`account ${accountId} v${e.version}: ${currency} operation on a ${acc.currency} account`);
        const m = amount(raw, currency, `account ${accountId} v${e.version}`);
        const credit = e.type === 'AccountCredited';
        acc.balanceMinor += credit ? m : -m;
        operations.push({
          operationId: e.eventId,
          accountId,
          version: e.version,
          type: credit ? 'CREDIT' : 'DEBIT',
          amountMinor: m,
          currency,
          balanceAfterMinor: acc.balanceMinor,
          occurredAt: e.occurredAt,
          description: description ?? null,
          transferId: transfer?.transferId ?? null,
          counterpartyAccountId: transfer?.counterpartyAccountId ?? null,
          correlationId: e.correlationId,
        });
        break;
      }
      default:
        // A newer writer may add event types that do not touch these views; stopping the
        // projection for them would freeze the account, so the version is consumed and counted.
        skipped++;
    }
  }
  if (!acc) throw new ProjectionError(`account ${accountId}: no events to project`);
  return { account: acc, operations, skipped };
}
