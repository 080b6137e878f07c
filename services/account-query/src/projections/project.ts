// Pure projection: given what the read model holds for an account and the next events of its
// stream (read from the event store, in version order), the account view and the operations that
// result. No I/O, so every rule here is tested without a database.
import { parseAmount, upcast, type AccountCreditedData, type EventPage, type TransferStepType } from '@bank/contracts';
import type { AccountView, OperationView, TransferStepView } from '../readmodel/views.js';

export type PulledEvent = EventPage['events'][number];

export interface Projected {
  account: AccountView;
  operations: OperationView[];
  /** The steps of transfers these events are (a transfer's two accounts each project their own). */
  transferSteps: TransferStepView[];
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

/** What every transfer event's data has (and, but for TransferCompleted, its amount and why). */
type StepData = { transferId: string; counterpartyAccountId: string; amount?: string; currency?: string; description?: string | null; reason?: string; detail?: string };

export function project(accountId: string, current: AccountView | undefined, events: readonly PulledEvent[]): Projected {
  let acc: AccountView | undefined = current ? { ...current } : undefined;
  const operations: OperationView[] = [];
  const transferSteps: TransferStepView[] = [];
  let skipped = 0;
  // Events of any schema version are read as the current one (a rebuild reads v1 events, and a
  // command service of an earlier release still announces them during a rolling update).
  for (const e of events.map(upcast)) {
    const expected = (acc?.version ?? 0) + 1;
    if (e.version !== expected) throw new ProjectionError(`account ${accountId}: expected version ${expected}, got ${e.version}`);
    if (e.type === 'AccountCreated') {
      if (acc) throw new ProjectionError(`account ${accountId}: AccountCreated at version ${e.version} of an existing account`);
      const { initialBalance, currency, owner } = e.data as { initialBalance: unknown; currency: string; owner?: unknown };
      const initial = amount(initialBalance, currency, `account ${accountId} v${e.version}`);
      // Upcast openings have owner null; anything but a subject reads as the administrators'
      // account too, so bad data can only hide an account from a customer, never show it to one.
      acc = {
        accountId,
        owner: typeof owner === 'string' ? owner : null,
        version: e.version,
        balanceMinor: initial,
        initialBalanceMinor: initial,
        currency,
        status: 'CREATED',
        createdAt: e.occurredAt,
        updatedAt: e.occurredAt,
      };
      continue;
    }
    if (!acc) throw new ProjectionError(`account ${accountId}: ${e.type} at version ${e.version} before AccountCreated`);
    acc.version = e.version;
    acc.updatedAt = e.occurredAt;
    const account = acc;
    /** The step of a transfer this event is; `outgoing`: this account is its source. */
    const step = (type: TransferStepType, outgoing: boolean, fields: StepData): TransferStepView => ({
      stepId: e.eventId,
      transferId: fields.transferId,
      type,
      accountId,
      version: e.version,
      fromAccountId: outgoing ? accountId : fields.counterpartyAccountId,
      toAccountId: outgoing ? fields.counterpartyAccountId : accountId,
      amountMinor: fields.amount === undefined ? null : amount(fields.amount, account.currency, `account ${accountId} v${e.version}`),
      currency: fields.currency ?? account.currency,
      description: fields.description ?? null,
      reason: fields.reason ?? null,
      detail: fields.detail ?? null,
      occurredAt: e.occurredAt,
      correlationId: e.correlationId,
    });
    /** Money in or out of this account: its balance moves and the move is an operation. */
    const moved = (
      type: 'CREDIT' | 'DEBIT',
      raw: string,
      currency: string,
      description: string | null,
      transfer?: { transferId: string; counterpartyAccountId: string } | null,
    ) => {
      if (currency !== account.currency) throw new ProjectionError(`account ${accountId} v${e.version}: ${currency} operation on a ${account.currency} account`);
      const m = amount(raw, currency, `account ${accountId} v${e.version}`);
      account.balanceMinor += type === 'CREDIT' ? m : -m;
      operations.push({
        operationId: e.eventId,
        accountId,
        version: e.version,
        type,
        amountMinor: m,
        currency,
        balanceAfterMinor: account.balanceMinor,
        occurredAt: e.occurredAt,
        description,
        transferId: transfer?.transferId ?? null,
        counterpartyAccountId: transfer?.counterpartyAccountId ?? null,
        correlationId: e.correlationId,
      });
    };
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
        const credit = e.type === 'AccountCredited';
        moved(credit ? 'CREDIT' : 'DEBIT', raw, currency, description ?? null, transfer);
        if (transfer) transferSteps.push(step(credit ? 'CREDITED' : 'DEBITED', !credit, { ...transfer, amount: raw, currency, description: description ?? null }));
        break;
      }
      case 'TransferDeclined':
        transferSteps.push(step('DECLINED', true, e.data as StepData));
        break;
      case 'TransferCreditRefused':
        transferSteps.push(step('CREDIT_REFUSED', false, e.data as StepData));
        break;
      case 'TransferCompleted':
        transferSteps.push(step('COMPLETED', true, e.data as StepData));
        break;
      case 'TransferRefunded': {
        // The money of a failed transfer coming back: a credit among the operations too.
        const data = e.data as StepData & { amount: string; currency: string };
        moved('CREDIT', data.amount, data.currency, `refund: ${data.reason}`, data);
        transferSteps.push(step('REFUNDED', true, data));
        break;
      }
      default:
        // A newer writer may add event types that do not touch these views; stopping the
        // projection for them would freeze the account, so the version is consumed and counted.
        skipped++;
    }
  }
  if (!acc) throw new ProjectionError(`account ${accountId}: no events to project`);
  return { account: acc, operations, transferSteps, skipped };
}
