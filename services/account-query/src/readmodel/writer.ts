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
import { accountDoc, operationDoc, transferStepDoc, type AccountDoc } from './documents.js';
import type { Generation } from './generations.js';
import type { AccountView, OperationView, TransferStepView } from './views.js';

/** One account's projected change: its new view, and the operations and transfer steps the change adds. */
export interface AccountChange {
  account: AccountView;
  operations: readonly OperationView[];
  transferSteps: readonly TransferStepView[];
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
   * Writes accounts that `generation` does not hold yet (a rebuild's, before its switch) with two
   * bulk writes. Safe to repeat: what an earlier attempt wrote is found there and kept.
   */
  applyNew(generation: Generation, changes: readonly AccountChange[]): Promise<void>;
}

/**
 * MongoDB's duplicate key error (code 11000), from a single write or from a bulk write where every
 * write that failed failed with it.
 */
export function isDuplicateKey(err: unknown): boolean {
  const { code, writeErrors } = err as { code?: number; writeErrors?: Array<{ code?: number }> | { code?: number } };
  if (writeErrors) {
    const list = Array.isArray(writeErrors) ? writeErrors : [writeErrors];
    return list.length > 0 && list.every((write) => write.code === 11000);
  }
  return code === 11000;
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

/** The read models in MongoDB (FerretDB here). */
export const readModelWriter: ReadModelWriter = {
  read(generation, accountId) {
    return generation.accounts.findOne({ _id: accountId });
  },

  async apply(generation, base, change) {
    await insertAdded(generation, [change]);
    const next = accountDoc(change.account);
    if (base) {
      const { _id: _unchanged, ...fields } = next;
      const { matchedCount } = await generation.accounts.updateOne({ _id: base._id, version: base.version }, { $set: fields });
      return matchedCount === 1 ? next : undefined;
    }
    return generation.accounts.insertOne(next).then(
      () => next,
      (err: unknown) => {
        if (isDuplicateKey(err)) return undefined;
        throw err;
      },
    );
  },

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
