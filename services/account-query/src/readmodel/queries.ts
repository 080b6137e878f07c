// Reads over the active generation. Pagination is keyset-based (no skip), so a page costs the same
// at any depth and concurrent inserts never shift what the next cursor returns.
import type { Filter } from 'mongodb';
import { formatAmount, parseAmount } from '@bank/contracts';
import type { AccountDoc, OperationDoc } from './documents.js';
import type { Generation } from './generations.js';

export interface AccountFilter {
  currency?: string | undefined;
  status?: string | undefined;
  after?: string | undefined;
}

export async function listAccounts(generation: Generation, filter: AccountFilter, limit: number): Promise<{ docs: AccountDoc[]; more: boolean }> {
  const query: Filter<AccountDoc> = {};
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
  type?: string | undefined;
  currency?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

function operationQuery(filter: OperationFilter): Filter<OperationDoc> {
  const query: Filter<OperationDoc> = {};
  if (filter.accountId) query.accountId = filter.accountId;
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

/** Every account's operations, newest first, ties broken by operation id. */
export async function allOperations(generation: Generation, filter: OperationFilter, before: { t: number; id: string } | undefined, limit: number) {
  const base = operationQuery(filter);
  const query: Filter<OperationDoc> = before
    ? { $and: [base, { $or: [{ occurredAt: { $lt: new Date(before.t) } }, { occurredAt: new Date(before.t), _id: { $lt: before.id } }] }] }
    : base;
  const docs = await generation.operations
    .find(query)
    .sort({ occurredAt: -1, _id: -1 })
    .limit(limit + 1)
    .toArray();
  return { docs: docs.slice(0, limit), more: docs.length > limit };
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

/**
 * Accounts and total balance per currency. Summed here with bigint rather than by $group:
 * FerretDB 1.24 answers 0 for `$sum` over a field, and an Int64 sum could overflow anyway.
 */
export async function stats(generation: Generation): Promise<Array<{ currency: string; accounts: number; totalBalance: string }>> {
  const byCurrency = new Map<string, { accounts: number; total: bigint }>();
  for await (const doc of generation.accounts.find({}, { projection: { currency: 1, balance: 1 } })) {
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
