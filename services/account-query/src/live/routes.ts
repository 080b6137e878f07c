// GET /accounts/{id}/live and GET /live: Server-Sent Events. The account feed sends the read
// model once on connect and again each time a projection changes it; the global feed sends every
// changed account. Each event: `event: account`, `id: <version>`, `data: <same JSON as GET
// /accounts/{id}>`. A customer follows only accounts they may read, as GET /accounts/{id} decides:
// another's account feed is a 404, and the global feed passes them only their accounts' updates.
import { PassThrough } from 'node:stream';
import Router from '@koa/router';
import type { Context } from 'koa';
import { mayAccess, Problem, type Caller } from '@bank/contracts';
import { accountJson, type AccountDoc } from '../readmodel/documents.js';
import { callerOfRequest, visibleTo } from '../http/access.js';
import { accountIdParam, onlyParams } from '../http/validation.js';
import type { LiveAccount, LiveHub } from './hub.js';

export interface LiveRouteDeps {
  hub: LiveHub;
  /** True while updates from every replica reach this one. */
  available(): boolean;
  findAccount(id: string): Promise<AccountDoc | null>;
  retryMs: number;
}

function refuseUnlessAvailable(ctx: Context, deps: LiveRouteDeps): void {
  if (!deps.available()) {
    ctx.set('retry-after', '5');
    throw new Problem('dependency-unavailable', 'live updates are unavailable (their message bus is not reachable); the other read endpoints still work');
  }
  if (deps.hub.full) {
    ctx.set('retry-after', '10');
    throw new Problem('dependency-unavailable', 'too many live connections on this replica; retry later');
  }
}

/**
 * The global feed's filter: the updates of accounts `caller` may read. An update from a replica
 * of an earlier release carries no owner and reaches administrators only until it is updated.
 */
function readableBy(caller: Caller | null): (account: LiveAccount) => boolean {
  return (account) => mayAccess(caller, 'read', typeof account.owner === 'string' ? account.owner : null);
}

/** Switches the response to an event stream written from `out`. */
function openStream(ctx: Context, out: PassThrough, retryMs: number): void {
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.status = 200;
  ctx.set('content-type', 'text/event-stream; charset=utf-8');
  ctx.set('cache-control', 'no-cache, no-transform');
  ctx.set('x-accel-buffering', 'no');
  // Piped here rather than through ctx.body: a client going away is the normal end of a stream,
  // not an error for Koa to print.
  ctx.respond = false;
  ctx.res.writeHead(200);
  out.pipe(ctx.res);
  out.write(`retry: ${retryMs}\n: connected\n\n`);
}

export function liveRoutes(deps: LiveRouteDeps): Router {
  const router = new Router();

  const attach = (
    ctx: Context,
    accountId: string | undefined,
    admits?: (account: LiveAccount) => boolean,
  ): { out: PassThrough; client: NonNullable<ReturnType<LiveHub['add']>> } => {
    const out = new PassThrough();
    const client = deps.hub.add(accountId, out, admits);
    if (!client) throw new Problem('dependency-unavailable', 'too many live connections on this replica; retry later');
    openStream(ctx, out, deps.retryMs);
    const done = () => {
      deps.hub.remove(client);
      out.end();
    };
    // The response's close: the client went away (or the stream ended).
    ctx.res.once('close', done);
    out.once('error', done);
    return { out, client };
  };

  router.get('/live', (ctx) => {
    onlyParams(ctx.query, []);
    const caller = callerOfRequest(ctx);
    refuseUnlessAvailable(ctx, deps);
    attach(ctx, undefined, readableBy(caller));
  });

  router.get('/accounts/:id/live', async (ctx) => {
    onlyParams(ctx.query, []);
    const id = accountIdParam(ctx.params.id);
    const caller = callerOfRequest(ctx);
    refuseUnlessAvailable(ctx, deps);
    // Decided once, here: an account's owner never changes. Not readable: as absent as unknown.
    if (!visibleTo(caller, await deps.findAccount(id))) throw new Problem('account-not-found', `account ${id} is not known to the read model`);
    // Registered before the read, so an update applied in between is not missed; the version
    // check in the hub drops whichever of the two is older.
    const { client } = attach(ctx, id);
    const doc = await deps.findAccount(id);
    if (doc) deps.hub.send(client, accountJson(doc));
  });

  return router;
}
