// Reads over the live generation. Pagination is keyset-based (no skip), so a page costs the same
// at any depth and concurrent inserts never shift what the next cursor returns.
import type { Filter } from 'mongodb';
import { formatAmount, parseAmount } from '@bank/shared';
import type { AccountDoc, OperationDoc } from './documents.js';
import type { Generation } from './generations.js';

export interface AccountFilter {
  currency?: string | undefined;
  status?: string | undefined;
  after?: string | undefined;
}

export async function listAccounts(g: Generation, f: AccountFilter, limit: number): Promise<{ docs: AccountDoc[]; more: boolean }> {
  const q: Filter<AccountDoc> = {};
  if (f.currency) q.currency = f.currency;
  if (f.status) q.status = f.status as AccountDoc['status'];
  if (f.after) q._id = { $gt: f.after };
  const docs = await g.accounts.find(q).sort({ _id: 1 }).limit(limit + 1).toArray();
  return { docs: docs.slice(0, limit), more: docs.length > limit };
}

export interface OperationFilter {
  accountId?: string | undefined;
  type?: string | undefined;
  currency?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

function operationQuery(f: OperationFilter): Filter<OperationDoc> {
  const q: Filter<OperationDoc> = {};
  if (f.accountId) q.accountId = f.accountId;
  if (f.type) q.type = f.type as OperationDoc['type'];
  if (f.currency) q.currency = f.currency;
  if (f.from || f.to) q.occurredAt = { ...(f.from ? { $gte: f.from } : {}), ...(f.to ? { $lte: f.to } : {}) };
  return q;
}

/** One account's operations, newest (highest version) first. */
export async function accountOperations(g: Generation, f: OperationFilter & { accountId: string }, beforeVersion: number | undefined, limit: number) {
  const q = operationQuery(f);
  if (beforeVersion !== undefined) q.version = { $lt: beforeVersion };
  const docs = await g.operations.find(q).sort({ version: -1 }).limit(limit + 1).toArray();
  return { docs: docs.slice(0, limit), more: docs.length > limit };
}

/** Every account's operations, newest first, ties broken by operation id. */
export async function allOperations(g: Generation, f: OperationFilter, before: { t: number; id: string } | undefined, limit: number) {
  const base = operationQuery(f);
  const q: Filter<OperationDoc> = before
    ? { $and: [base, { $or: [{ occurredAt: { $lt: new Date(before.t) } }, { occurredAt: new Date(before.t), _id: { $lt: before.id } }] }] }
    : base;
  const docs = await g.operations.find(q).sort({ occurredAt: -1, _id: -1 }).limit(limit + 1).toArray();
  return { docs: docs.slice(0, limit), more: docs.length > limit };
}

/** Balance at an instant: after the last operation at or before it, else the opening balance. */
export async function balanceAt(g: Generation, account: AccountDoc, at: Date): Promise<string | undefined> {
  if (account.createdAt > at) return undefined;
  const last = await g.operations.find({ accountId: account._id, occurredAt: { $lte: at } }).sort({ version: -1 }).limit(1).next();
  return last ? last.balanceAfter : account.initialBalance;
}

/**
 * Accounts and total balance per currency. Summed here with bigint rather than by $group:
 * FerretDB 1.24 answers 0 for `$sum` over a field, and an Int64 sum could overflow anyway.
 */
export async function stats(g: Generation): Promise<Array<{ currency: string; accounts: number; totalBalance: string }>> {
  const acc = new Map<string, { n: number; total: bigint }>();
  for await (const d of g.accounts.find({}, { projection: { currency: 1, balance: 1 } })) {
    const m = parseAmount(d.balance.replace(/^-/, ''), d.currency);
    if (typeof m !== 'bigint') continue;
    const e = acc.get(d.currency) ?? { n: 0, total: 0n };
    e.n++;
    e.total += d.balance.startsWith('-') ? -m : m;
    acc.set(d.currency, e);
  }
  return [...acc.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, e]) => ({ currency, accounts: e.n, totalBalance: formatAmount(e.total, currency) }));
}
