import Router from '@koa/router';
import { ACCOUNT_STATUSES, listedOwner, Problem, type BalanceAtJson, type Caller, type StatsJson } from '@bank/contracts';
import type { Projector } from '../projections/projector.js';
import type { VersionWaiters } from '../projections/waiters.js';
import { accountJson, operationJson, transferJson, type AccountDoc } from '../readmodel/documents.js';
import type { Generations } from '../readmodel/generations.js';
import { accountIdsOf, accountOperations, accountTransfers, allOperations, balanceAt, listAccounts, stats, transferSteps } from '../readmodel/queries.js';
import { callerOfRequest, mayRead, visibleTo } from './access.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { accountIdParam, currencyQuery, transferIdParam, enumQuery, instantQuery, intQuery, limitQuery, onlyParams, rangeQuery } from './validation.js';

export interface QueryRouteDeps {
  generations: Generations;
  projector: Projector;
  waiters: VersionWaiters;
  minVersionWaitMs: number;
  /** A ?minVersion read still waiting after this long asks the projector to pull the account itself. */
  minVersionPullAfterMs: number;
}

const OP_TYPES = ['CREDIT', 'DEBIT'] as const;
const isStr = (v: unknown): v is string => typeof v === 'string';

export function queryRoutes(deps: QueryRouteDeps): Router {
  // One spelling per resource (no trailing slash, exact case): see account-command's routes.
  const router = new Router({ strict: true, sensitive: true });
  // Every account read goes through visibleTo: an account the caller may not read is not found,
  // with the same problem and words as one the read model does not know.
  const accountNotFound = (id: string) => new Problem('account-not-found', `account ${id} is not known to the read model`);
  const findVisible = async (caller: Caller | null, id: string): Promise<AccountDoc | null> => visibleTo(caller, await deps.generations.active.accounts.findOne({ _id: id }));
  const mustFind = async (caller: Caller | null, id: string): Promise<AccountDoc> => {
    const doc = await findVisible(caller, id);
    if (!doc) throw accountNotFound(id);
    return doc;
  };
  /** Whether `caller` may read one of these accounts (looked up only for a caller limited to their own). */
  const mayReadAny = async (caller: Caller | null, ids: readonly string[]): Promise<boolean> => {
    if (listedOwner(caller) === undefined) return true;
    const docs = await deps.generations.active.accounts.find({ _id: { $in: [...ids] } }, { projection: { owner: 1 } }).toArray();
    return docs.some((doc) => mayRead(caller, doc));
  };

  router.get('/accounts', async (ctx) => {
    onlyParams(ctx.query, ['currency', 'status', 'limit', 'cursor']);
    const currency = currencyQuery(ctx.query.currency);
    const status = enumQuery(ctx.query.status, 'status', ACCOUNT_STATUSES);
    const limit = limitQuery(ctx.query.limit);
    const after = decodeCursor(ctx.query.cursor, 'accounts', (p): p is { a: string } => isStr(p.a));
    const owner = listedOwner(callerOfRequest(ctx));
    const page = await listAccounts(deps.generations.active, { owner, currency, status, after: after?.a }, limit);
    const last = page.docs[page.docs.length - 1];
    ctx.body = { items: page.docs.map(accountJson), nextCursor: page.more && last ? encodeCursor('accounts', { a: last._id }) : null };
  });

  /**
   * ?minVersion=N: read-your-writes. The request parks until the projector applies version N, at
   * most MIN_VERSION_WAIT_MS; if the notification has not brought it within
   * MIN_VERSION_PULL_AFTER_MS the request kicks a pull itself, so a lost or slow notification
   * does not matter; what the projector of this process has just written (at N or later) answers
   * without a read of the store. Past MIN_VERSION_WAIT_MS the answer is a 504 problem `read-model-behind` with
   * the version the read model holds (`currentVersion`) and Retry-After: never a stale 200 that
   * a client could mistake for its own write, and never a 404 for an account that exists in the
   * read model. An account the read model does not know at all after the wait is a 404.
   * An account the caller may not read is treated as one the read model does not know, from the
   * first look to the last: the same wait and then the same 404, never a 504 with its version.
   */
  router.get('/accounts/:id', async (ctx) => {
    onlyParams(ctx.query, ['minVersion']);
    const id = accountIdParam(ctx.params.id);
    const minVersion = intQuery(ctx.query.minVersion, 'minVersion', 1, Number.MAX_SAFE_INTEGER);
    const caller = callerOfRequest(ctx);
    let doc: AccountDoc | null | undefined;
    if (minVersion === undefined) doc = await findVisible(caller, id);
    else {
      // Parked before the first look: an apply after it wakes this request, so none is missed.
      const wait = deps.waiters.wait(id, minVersion, deps.minVersionWaitMs);
      const kick = setTimeout(() => void deps.projector.request(id, minVersion).catch(() => undefined), deps.minVersionPullAfterMs);
      const written = (): AccountDoc | undefined => {
        const known = visibleTo(caller, deps.projector.remembered(id));
        return known && known.version >= minVersion ? known : undefined;
      };
      try {
        doc = written() ?? (await findVisible(caller, id));
        if ((doc?.version ?? 0) >= minVersion) wait.cancel();
        else {
          // Read again however the wait ended: another replica may have applied the version
          // (this replica's pull then loses the race and wakes nobody; seen on the cluster with
          // two replicas, where the old read answered 404 for an account that existed).
          await wait.reached;
          doc = written() ?? (await findVisible(caller, id));
        }
      } finally {
        clearTimeout(kick);
      }
      if (doc && doc.version < minVersion) {
        ctx.set('retry-after', '1');
        throw new Problem(
          'read-model-behind',
          `account ${id} is at version ${doc.version} in the read model; version ${minVersion} was not reached within ${deps.minVersionWaitMs} ms`,
          {
            currentVersion: doc.version,
            minVersion,
          },
        );
      }
    }
    if (!doc) throw accountNotFound(id);
    ctx.set('etag', `"${doc.version}"`);
    ctx.body = accountJson(doc);
  });

  router.get('/accounts/:id/operations', async (ctx) => {
    onlyParams(ctx.query, ['type', 'from', 'to', 'limit', 'cursor']);
    const id = accountIdParam(ctx.params.id);
    const type = enumQuery(ctx.query.type, 'type', OP_TYPES);
    const range = rangeQuery(ctx.query);
    const limit = limitQuery(ctx.query.limit);
    const before = decodeCursor(ctx.query.cursor, `ops:${id}`, (p): p is { v: number } => Number.isSafeInteger(p.v));
    await mustFind(callerOfRequest(ctx), id);
    const page = await accountOperations(deps.generations.active, { accountId: id, type, ...range }, before?.v, limit);
    const last = page.docs[page.docs.length - 1];
    ctx.body = { items: page.docs.map((operation) => operationJson(operation)), nextCursor: page.more && last ? encodeCursor(`ops:${id}`, { v: last.version }) : null };
  });

  router.get('/accounts/:id/balance', async (ctx) => {
    onlyParams(ctx.query, ['at']);
    const id = accountIdParam(ctx.params.id);
    const at = instantQuery(ctx.query.at, 'at') ?? new Date();
    const account = await mustFind(callerOfRequest(ctx), id);
    const balance = await balanceAt(deps.generations.active, account, at);
    if (balance === undefined) throw new Problem('account-not-found', `account ${id} did not exist at ${at.toISOString()}`);
    ctx.body = { accountId: id, balance, currency: account.currency, at: at.toISOString() } satisfies BalanceAtJson;
  });

  router.get('/operations', async (ctx) => {
    onlyParams(ctx.query, ['type', 'currency', 'accountId', 'from', 'to', 'limit', 'cursor']);
    const type = enumQuery(ctx.query.type, 'type', OP_TYPES);
    const currency = currencyQuery(ctx.query.currency);
    const accountId = ctx.query.accountId === undefined ? undefined : accountIdParam(isStr(ctx.query.accountId) ? ctx.query.accountId : undefined);
    const range = rangeQuery(ctx.query);
    const limit = limitQuery(ctx.query.limit);
    const before = decodeCursor(ctx.query.cursor, 'ops', (p): p is { t: number; id: string } => Number.isSafeInteger(p.t) && isStr(p.id));
    // A customer's: of their own accounts only (another's accountId filters to nothing).
    const owner = listedOwner(callerOfRequest(ctx));
    const accountIds = owner === undefined ? undefined : await accountIdsOf(deps.generations.active, owner);
    const page = await allOperations(deps.generations.active, { type, currency, accountId, accountIds, ...range }, before, limit);
    const last = page.docs[page.docs.length - 1];
    ctx.body = {
      items: page.docs.map((operation) => operationJson(operation, true)),
      nextCursor: page.more && last ? encodeCursor('ops', { t: last.occurredAt.getTime(), id: last._id }) : null,
    };
  });

  router.get('/accounts/:id/transfers', async (ctx) => {
    onlyParams(ctx.query, ['limit', 'cursor']);
    const id = accountIdParam(ctx.params.id);
    const limit = limitQuery(ctx.query.limit);
    const before = decodeCursor(ctx.query.cursor, `transfers:${id}`, (p): p is { t: number; id: string } => Number.isSafeInteger(p.t) && isStr(p.id));
    await mustFind(callerOfRequest(ctx), id);
    const page = await accountTransfers(deps.generations.active, id, before, limit);
    const last = page.entries[page.entries.length - 1];
    ctx.body = {
      items: page.entries.map((entry) => transferJson(page.stepsOf(entry.transferId))),
      nextCursor: page.more && last ? encodeCursor(`transfers:${id}`, { t: last.occurredAt.getTime(), id: last._id }) : null,
    };
  });

  router.get('/transfers/:id', async (ctx) => {
    onlyParams(ctx.query, []);
    const id = transferIdParam(ctx.params.id);
    const caller = callerOfRequest(ctx);
    const steps = await transferSteps(deps.generations.active, id);
    // Readable by whoever may read either of its accounts; to anyone else, not known.
    const accounts = [...new Set(steps.flatMap((step) => [step.fromAccountId, step.toAccountId]))];
    if (steps.length === 0 || !(await mayReadAny(caller, accounts)))
      throw new Problem('transfer-not-found', `transfer ${id} is not known to the read model (yet: a new transfer appears within moments)`);
    ctx.body = transferJson(steps);
  });

  router.get('/stats', async (ctx) => {
    onlyParams(ctx.query, []);
    ctx.body = { currencies: await stats(deps.generations.active, listedOwner(callerOfRequest(ctx))) } satisfies StatsJson;
  });

  return router;
}
