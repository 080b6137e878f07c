import Router from '@koa/router';
import { mayAccess, Problem, type ProjectionStatusJson } from '@bank/contracts';
import { PullError } from '../projections/command-side-client.js';
import type { Projector } from '../projections/projector.js';
import type { Reconciler } from '../projections/reconciler.js';
import type { Generations } from '../readmodel/generations.js';
import type { Rebuilder } from '../rebuild/rebuilder.js';
import { collectionNames } from '../readmodel/generations.js';
import { callerOfRequest } from './access.js';

export interface AdminDeps {
  generations: Generations;
  projector: Projector;
  rebuilder: Rebuilder;
  reconciler: Reconciler;
  adminToken: string | undefined;
}

export function adminRoutes(deps: AdminDeps): Router {
  const router = new Router({ prefix: '/admin', strict: true, sensitive: true });
  router.use(async (ctx, next) => {
    // Optional: without ADMIN_TOKEN the admin API is left to the network policy in front of it.
    if (deps.adminToken && ctx.get('authorization') !== `Bearer ${deps.adminToken}`) throw new Problem('unauthorized', 'the admin API needs Authorization: Bearer <ADMIN_TOKEN>');
    // A signed-in user the gateway names must be an administrator; no one named (a caller inside
    // the system) is trusted as before.
    if (!mayAccess(callerOfRequest(ctx), 'administer')) throw new Problem('forbidden', 'the admin API is for administrators');
    await next();
  });

  router.post('/projections/rebuild', async (ctx) => {
    const rebuild = await deps.rebuilder.start();
    ctx.status = 202;
    ctx.set('location', '/admin/projections');
    ctx.body = { rebuild };
  });

  // A reconciliation sweep now (they also run every RECONCILE_INTERVAL_MS): every stream's
  // version against the read models, the accounts behind pulled. Answers when it is done.
  router.post('/projections/reconcile', async (ctx) => {
    try {
      ctx.body = { reconciliation: await deps.reconciler.sweep() };
    } catch (err) {
      if (err instanceof PullError) throw new Problem('dependency-unavailable', `the event store cannot be read now: ${err.message}`);
      throw err;
    }
  });

  router.get('/projections', async (ctx) => {
    const generation = deps.generations.active;
    const [accounts, operations, lastRebuild] = await Promise.all([
      generation.accounts.countDocuments({}),
      generation.operations.countDocuments({}),
      deps.generations.lastRebuild(),
    ]);
    const last = deps.projector.lastApplied;
    ctx.body = {
      generation: generation.number,
      collections: collectionNames(generation.number),
      counts: { accounts, operations },
      rebuild: deps.rebuilder.current ?? null,
      lastRebuild: lastRebuild ?? null,
      lag: {
        pullsInFlight: deps.projector.pending,
        lastAppliedAt: last?.at ?? null,
        lastEventOccurredAt: last?.occurredAt ?? null,
        lastApplyLagSeconds: last?.lagSeconds ?? null,
      },
    } satisfies ProjectionStatusJson;
  });
  return router;
}
