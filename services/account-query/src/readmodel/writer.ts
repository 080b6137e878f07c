// The one place that writes account and operation documents. The projector (one account at a
// time, racing duplicate notifications and other replicas) and the rebuild (many new accounts
// into a generation nobody reads yet) both go through it, so the write order and what counts as
// "already written" are stated once.
//
// Idempotence comes from the data, not from the messages. FerretDB 1.24 has no multi-document
// transactions, so one account's change is written in two steps that cannot be made atomic, in
// this order:
//  1. the operations and transfer steps, keyed by their event id (operations also under a unique
//     (accountId, version) index): a replay finds them there (duplicate key, same content) and
//     goes on;
//  2. the account document, guarded by the version it was read at: it is the commit marker, so an
//     account document never claims a version whose operations are missing, and of two writers
//     only the one still at the version it read wins (the other reads again).
import type { AnyBulkWriteOperation } from 'mongodb';
import { accountDoc, operationDoc, transferStepDoc, type AccountDoc } from './documents.js';
import type { Generation } from './generations.js';
import type { AccountView, OperationView, TransferStepView } from './views.js';

/** One account's projected change: its new view, and the operations and transfer steps the change adds. */
export interface AccountChange {
  account: AccountView;
  operations: readonly OperationView[];
  transferSteps: readonly TransferStepView[];
}

/** A change and the document it is applied on (what read() returned). */
export interface AccountWrite {
  base: AccountDoc | null;
  change: AccountChange;
}

export interface ReadModelWriter {
  /** The account as `generation` holds it (null: not there yet): the base a change is applied on. */
  read(generation: Generation, accountId: string): Promise<AccountDoc | null>;
  /**
   * Writes `change` on top of `base` (what read() returned). Returns the account's new document,
   * or undefined when another writer moved the account after `base` was read.
   */
  apply(generation: Generation, base: AccountDoc | null, change: AccountChange): Promise<AccountDoc | undefined>;
  /**
   * apply() for many accounts at once (each at most once), in a few bulk writes whatever their
   * number; the answers in the order given.
   */
  applyMany(generation: Generation, writes: readonly AccountWrite[]): Promise<Array<AccountDoc | undefined>>;
  /**
   * Writes accounts that `generation` does not hold yet (a rebuild's, before its switch) with two
   * bulk writes. Safe to repeat: what an earlier attempt wrote is found there and kept.
   */
  applyNew(generation: Generation, changes: readonly AccountChange[]): Promise<void>;
}

interface WriteError {
  code?: number;
  index?: number;
}

function writeErrorsOf(err: unknown): WriteError[] {
  const { writeErrors } = err as { writeErrors?: WriteError[] | WriteError };
  if (!writeErrors) return [];
  return Array.isArray(writeErrors) ? writeErrors : [writeErrors];
}

/**
 * MongoDB's duplicate key error (code 11000), from a single write or from a bulk write where every
 * write that failed failed with it.
 */
export function isDuplicateKey(err: unknown): boolean {
  const writes = writeErrorsOf(err);
  if (writes.length) return writes.every((write) => write.code === 11000);
  return (err as { code?: number }).code === 11000;
}

function ignoreDuplicateKey(err: unknown): void {
  if (!isDuplicateKey(err)) throw err;
}

/** Step 1: what the changes add, each keyed by its event. */
async function insertAdded(generation: Generation, changes: readonly AccountChange[]): Promise<void> {
  const operations = changes.flatMap((change) => change.operations);
  const steps = changes.flatMap((change) => change.transferSteps);
  // Unordered: a duplicate (written by an earlier attempt that died before its account update:
  // same content) does not stop the others.
  if (operations.length) await generation.operations.insertMany(operations.map(operationDoc), { ordered: false }).catch(ignoreDuplicateKey);
  if (steps.length) await generation.transferSteps.insertMany(steps.map(transferStepDoc), { ordered: false }).catch(ignoreDuplicateKey);
}

/**
 * Accounts per bulk write. FerretDB 1.24 on PostgreSQL holds a pooled connection for each
 * statement of an update command while the command runs: one update command of many accounts
 * stopped FerretDB for good in the bench (its goroutine dump: that command's goroutine held all 50
 * connections of the pool, each with a query open, and waited for one more; every later request
 * waited behind it). Commands of 8 keep well inside the pool with several replicas writing at once.
 */
const ACCOUNTS_PER_WRITE = 8;

/**
 * Step 2 for many accounts in bulk writes, each account guarded by the version it was read at
 * (a new one: inserted, once). A new account another writer inserted first fails with a duplicate
 * key, which says which by its index; a guarded update that found the account moved only lowers
 * the matched count, so then the store is asked which: a document at the version this change
 * wrote holds the projection of the same events, whoever wrote it, and counts as written; any
 * other (moved further, or gone: then the projector starts the account again) is a lost race.
 */
async function applyMany(generation: Generation, writes: readonly AccountWrite[]): Promise<Array<AccountDoc | undefined>> {
  await insertAdded(
    generation,
    writes.map((write) => write.change),
  );
  const next = writes.map((write) => accountDoc(write.change.account));
  const guarded = writes.map(({ base }, n): AnyBulkWriteOperation<AccountDoc> => {
    if (!base) return { insertOne: { document: next[n]! } };
    const { _id: _unchanged, ...fields } = next[n]!;
    return { updateOne: { filter: { _id: base._id, version: base.version }, update: { $set: fields } } };
  });
  const updates = writes.filter((write) => write.base).length;
  let matched = 0;
  const lostInserts = new Set<number>();
  for (let from = 0; from < guarded.length; from += ACCOUNTS_PER_WRITE) {
    const chunk = guarded.slice(from, from + ACCOUNTS_PER_WRITE);
    matched += await generation.accounts.bulkWrite(chunk, { ordered: false }).then(
      (result) => result.matchedCount,
      (err: unknown) => {
        if (!isDuplicateKey(err)) throw err;
        for (const write of writeErrorsOf(err)) if (write.index !== undefined) lostInserts.add(from + write.index);
        return (err as { result?: { matchedCount: number } }).result?.matchedCount ?? 0;
      },
    );
  }
  let held = new Map<string, number>();
  if (matched < updates) {
    const moved = next.filter((_doc, n) => writes[n]!.base).map((doc) => doc._id);
    const found = await generation.accounts.find({ _id: { $in: moved } }, { projection: { version: 1 } }).toArray();
    held = new Map(found.map((doc) => [doc._id, doc.version]));
  }
  return next.map((doc, n) => {
    if (!writes[n]!.base) return lostInserts.has(n) ? undefined : doc;
    return matched === updates || held.get(doc._id) === doc.version ? doc : undefined;
  });
}

/** The read models in MongoDB (FerretDB here). */
export const readModelWriter: ReadModelWriter = {
  read(generation, accountId) {
    return generation.accounts.findOne({ _id: accountId });
  },

  async apply(generation, base, change) {
    return (await applyMany(generation, [{ base, change }]))[0];
  },

  applyMany,

  async applyNew(generation, changes) {
    await insertAdded(generation, changes);
    if (changes.length === 0) return;
    await generation.accounts
      .insertMany(
        changes.map((change) => accountDoc(change.account)),
        { ordered: false },
      )
      .catch(ignoreDuplicateKey);
  },
};
