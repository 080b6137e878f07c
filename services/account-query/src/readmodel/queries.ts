// Reads over the active generation. Pagination is keyset-based (no skip), so a page costs the same
// at any depth and concurrent inserts never shift what the next cursor returns.
import type { Collection, Filter } from 'mongodb';
import { formatAmount, parseAmount } from '@bank/contracts';
import type { AccountDoc, OperationDoc, TransferStepDoc } from './documents.js';
import type { Generation } from './generations.js';

export interface AccountFilter {
  /** Only this customer's accounts (listedOwner); undefined: everyone's. */
  owner?: string | undefined;
  currency?: string | undefined;
  status?: string | undefined;
  after?: string | undefined;
}

/** The accounts of `owner` (listedOwner); every account when undefined. */
function ownedBy(owner: string | undefined): Filter<AccountDoc> {
  return owner === undefined ? {} : { owner };
}

export async function listAccounts(generation: Generation, filter: AccountFilter, limit: number): Promise<{ docs: AccountDoc[]; more: boolean }> {
  const query = ownedBy(filter.owner);
  if (filter.currency) query.currency = filter.currency;
  if (filter.status) query.status = filter.status as AccountDoc['status'];
  if (filter.after) query._id = { $gt: filter.after };
  const docs = await generation.accounts
    .find(query)
    .sort({ _id: 1 })
    .limit(limit + 1)
    .toArray();
  return { docs: docs.slice(0, limit), more: docs.length > limit };
}

export interface OperationFilter {
  accountId?: string | undefined;
  /** Only operations of these accounts (a customer's own); undefined: every account's. */
  accountIds?: readonly string[] | undefined;
  type?: string | undefined;
  currency?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** The accounts of `allowed` that a query asking for `asked` (undefined: any) covers: none when it is not among them. */
function accountsInScope(allowed: readonly string[], asked: string | undefined): string[] {
  if (asked === undefined) return [...allowed];
  return allowed.includes(asked) ? [asked] : [];
}

function operationQuery(filter: OperationFilter): Filter<OperationDoc> {
  const query: Filter<OperationDoc> = {};
  if (filter.accountId) query.accountId = filter.accountId;
  if (filter.accountIds) query.accountId = { $in: accountsInScope(filter.accountIds, filter.accountId) };
  if (filter.type) query.type = filter.type as OperationDoc['type'];
  if (filter.currency) query.currency = filter.currency;
  if (filter.from || filter.to) query.occurredAt = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lte: filter.to } : {}) };
  return query;
}

/** One account's operations, newest (highest version) first. */
export async function accountOperations(generation: Generation, filter: OperationFilter & { accountId: string }, beforeVersion: number | undefined, limit: number) {
  const query = operationQuery(filter);
  if (beforeVersion !== undefined) query.version = { $lt: beforeVersion };
  const docs = await generation.operations
    .find(query)
    .sort({ version: -1 })
    .limit(limit + 1)
    .toArray();
  return { docs: docs.slice(0, limit), more: docs.length > limit };
}

/** A page's position in a list ordered newest first by (occurredAt, _id): its last item's. */
export interface TimeCursor {
  t: number;
  id: string;
}

/**
 * One page of `collection` matching `base`, newest first by (occurredAt, _id), after `before`;
 * `more` says whether there is a next page.
 */
async function newestFirst<Doc extends { _id: string; occurredAt: Date }>(collection: Collection<Doc>, base: Filter<Doc>, before: TimeCursor | undefined, limit: number) {
  const query = before
    ? ({ $and: [base, { $or: [{ occurredAt: { $lt: new Date(before.t) } }, { occurredAt: new Date(before.t), _id: { $lt: before.id } }] }] } as Filter<Doc>)
    : base;
  const docs = (await collection
    .find(query)
    .sort({ occurredAt: -1, _id: -1 })
    .limit(limit + 1)
    .toArray()) as Doc[];
  return { docs: docs.slice(0, limit), more: docs.length > limit };
}

/** Every account's operations, newest first, ties broken by operation id. */
export function allOperations(generation: Generation, filter: OperationFilter, before: TimeCursor | undefined, limit: number) {
  return newestFirst(generation.operations, operationQuery(filter), before, limit);
}

/** Balance at an instant: after the last operation at or before it, else the opening balance. */
export async function balanceAt(generation: Generation, account: AccountDoc, at: Date): Promise<string | undefined> {
  if (account.createdAt > at) return undefined;
  const last = await generation.operations
    .find({ accountId: account._id, occurredAt: { $lte: at } })
    .sort({ version: -1 })
    .limit(1)
    .next();
  return last ? last.balanceAfter : account.initialBalance;
}

/** The ids of `owner`'s accounts (a customer has a handful; the bank's are not among them). */
export async function accountIdsOf(generation: Generation, owner: string): Promise<string[]> {
  const docs = await generation.accounts.find(ownedBy(owner), { projection: { _id: 1 } }).toArray();
  return docs.map((doc) => doc._id);
}

/**
 * Accounts and total balance per currency, of `owner`'s accounts only when given. Summed here
 * with bigint rather than by $group: FerretDB 1.24 answers 0 for `$sum` over a field, and an
 * Int64 sum could overflow anyway.
 */
export async function stats(generation: Generation, owner?: string): Promise<Array<{ currency: string; accounts: number; totalBalance: string }>> {
  const byCurrency = new Map<string, { accounts: number; total: bigint }>();
  for await (const doc of generation.accounts.find(ownedBy(owner), { projection: { currency: 1, balance: 1 } })) {
    const minor = parseAmount(doc.balance.replace(/^-/, ''), doc.currency);
    if (typeof minor !== 'bigint') continue;
    const sum = byCurrency.get(doc.currency) ?? { accounts: 0, total: 0n };
    sum.accounts++;
    sum.total += doc.balance.startsWith('-') ? -minor : minor;
    byCurrency.set(doc.currency, sum);
  }
  return [...byCurrency.entries()]
    .sort(([first], [second]) => first.localeCompare(second))
    .map(([currency, sum]) => ({ currency, accounts: sum.accounts, totalBalance: formatAmount(sum.total, currency) }));
}

/** Every step of one transfer (none: the read model does not know it). */
export function transferSteps(generation: Generation, transferId: string): Promise<TransferStepDoc[]> {
  return generation.transferSteps.find({ transferId }).toArray();
}

/** A transfer's first step on each account: a source's debit or decline, a target's credit or refusal. */
const ENTRY_STEPS: Array<TransferStepDoc['type']> = ['DEBITED', 'DECLINED', 'CREDITED', 'CREDIT_REFUSED'];

/**
 * The transfers in and out of one account, newest first (by their first step on it), with every
 * step of each: one query for the page, one for their steps.
 */
export async function accountTransfers(generation: Generation, accountId: string, before: TimeCursor | undefined, limit: number) {
  const { docs: page, more } = await newestFirst(generation.transferSteps, { accountId, type: { $in: ENTRY_STEPS } }, before, limit);
  const steps = await generation.transferSteps.find({ transferId: { $in: page.map((entry) => entry.transferId) } }).toArray();
  const byTransfer = new Map<string, TransferStepDoc[]>();
  for (const step of steps) byTransfer.set(step.transferId, [...(byTransfer.get(step.transferId) ?? []), step]);
  return { entries: page, stepsOf: (transferId: string) => byTransfer.get(transferId) ?? [], more };
}
