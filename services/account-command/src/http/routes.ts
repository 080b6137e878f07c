import Router from '@koa/router';
import type { Context } from 'koa';
import { formatAmount, Problem, readJson, type AccountEvent, type EventPage, type Sidecar } from '@bank/shared';
import { fold, type AccountCommand, type AccountState } from '../domain/index.js';
import { streamIdOf, type AccountStore, type CommandHandler, type CommandResult } from '../commands/command-handler.js';
import { fingerprint, IDEMPOTENCY_KEY, uuidFromKey } from '../commands/idempotency.js';
import { StreamIndex } from '../eventstore/stream-index.js';
import { streamExists } from '../eventstore/stream-store.js';
import type { CommandMetrics } from './metrics.js';
import { accountIdParam, commandBody, idsQuery, instantQuery, intQuery, versionHeader } from './validation.js';

export interface RouteDeps {
  isReady: () => boolean;
  handler: CommandHandler;
  store: AccountStore;
  index: StreamIndex;
  sidecar: Sidecar;
  storeName: string;
  metrics: CommandMetrics;
  bodyLimit: number;
  newId: () => string;
}

function idempotencyKey(ctx: Context): string | undefined {
  const key = ctx.get('idempotency-key');
  if (key === '') return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) throw new Problem('invalid-header', 'Idempotency-Key must be 1 to 128 printable ASCII characters');
  return key;
}

function stateBody(accountId: string, s: AccountState) {
  if (s.status === 'NONE') throw new Problem('account-not-found', `account ${accountId} does not exist`);
  return { accountId, balance: formatAmount(s.balance, s.currency), currency: s.currency, status: s.status, version: s.version };
}

export function commandRoutes(d: RouteDeps): Router {
  // One spelling per resource: /accounts/ or /ACCOUNTS would otherwise reach the same handler
  // and slip past any path rule in front of the service (ingress, Dapr access control).
  const router = new Router({ strict: true, sensitive: true });

  async function run(ctx: Context, type: AccountCommand['type'], build: () => Promise<{ command: AccountCommand; key?: string | undefined; fp: Record<string, unknown>; expectedVersion?: number | undefined }>, successStatus: number): Promise<CommandResult> {
    const end = d.metrics.duration.startTimer({ type });
    try {
      const { command, key, fp, expectedVersion } = await build();
      const result = await d.handler.handle({
        command,
        idempotency: key ? { key, fingerprint: fingerprint(fp) } : undefined,
        expectedVersion,
        successStatus,
      });
      d.metrics.commands.inc({ type, outcome: result.replayed ? 'replayed' : 'accepted' });
      if (result.replayed) ctx.set('idempotent-replayed', 'true');
      ctx.status = result.status;
      ctx.body = result.body;
      return result;
    } catch (err) {
      d.metrics.commands.inc({ type, outcome: err instanceof Problem ? err.code : 'error' });
      throw err;
    } finally {
      end();
    }
  }

  router.post('/accounts', async (ctx) => {
    const result = await run(ctx, 'OpenAccount', async () => {
      const key = idempotencyKey(ctx);
      const body = commandBody(await readJson(ctx, { limit: d.bodyLimit }), ['initialBalance', 'currency'] as const, 'initialBalance');
      const accountId = key ? uuidFromKey(key) : d.newId();
      return { key, command: { type: 'OpenAccount', accountId, ...body }, fp: { op: 'open', ...body } };
    }, 201);
    ctx.set('location', `/accounts/${result.body.accountId}`);
  });

  for (const [path, type] of [['credit', 'CreditAccount'], ['debit', 'DebitAccount']] as const) {
    router.post(`/accounts/:id/${path}`, async (ctx) => {
      await run(ctx, type, async () => {
        const accountId = accountIdParam(ctx.params.id);
        const key = idempotencyKey(ctx);
        const expectedVersion = versionHeader(ctx.get('if-match') || undefined);
        const body = commandBody(await readJson(ctx, { limit: d.bodyLimit }), ['amount', 'currency'] as const, 'amount');
        return { key, expectedVersion, command: { type, accountId, ...body }, fp: { op: path, accountId, ...body } };
      }, 200);
    });
  }

  router.get('/accounts/:id/events', async (ctx) => {
    const accountId = accountIdParam(ctx.params.id);
    const fromVersion = intQuery(ctx.query.fromVersion, 'fromVersion', 1, Number.MAX_SAFE_INTEGER) ?? 1;
    const limit = intQuery(ctx.query.limit, 'limit', 1, 10_000) ?? 1000;
    const loaded = await d.store.load(streamIdOf(accountId));
    if (!loaded.head || !streamExists(loaded)) throw new Problem('account-not-found', `account ${accountId} does not exist`);
    const events = await d.store.read(loaded, fromVersion, limit);
    const page: EventPage = {
      accountId,
      version: loaded.head.version,
      events: events.map(({ eventId, type, version, occurredAt, schemaVersion, data }) => ({ eventId, type, version, occurredAt, schemaVersion, data })),
    };
    ctx.body = page;
  });

  router.get('/accounts/:id/state', async (ctx) => {
    const accountId = accountIdParam(ctx.params.id);
    const version = intQuery(ctx.query.version, 'version', 1, Number.MAX_SAFE_INTEGER);
    const at = instantQuery(ctx.query.at, 'at');
    if (version !== undefined && at !== undefined) throw new Problem('invalid-query', 'give version or at, not both');
    const loaded = await d.store.load(streamIdOf(accountId));
    if (!loaded.head || !streamExists(loaded)) throw new Problem('account-not-found', `account ${accountId} does not exist`);
    if (version === undefined && at === undefined) {
      // The current state is rebuilt from the events too: the snapshot is an optimisation the
      // write path trusts, and this endpoint is how anyone can check it.
      ctx.body = stateBody(accountId, fold(await d.store.read(loaded)));
      return;
    }
    if (version !== undefined && version > loaded.head.version) {
      throw new Problem('not-found', `account ${accountId} is at version ${loaded.head.version}; version ${version} does not exist yet`);
    }
    const events = await d.store.read(loaded, 1, version ?? Number.MAX_SAFE_INTEGER);
    const upTo = at ? events.filter((e: AccountEvent) => Date.parse(e.occurredAt) <= at.getTime()) : events;
    if (upTo.length === 0) throw new Problem('account-not-found', `account ${accountId} did not exist at ${at?.toISOString()}`);
    ctx.body = { ...stateBody(accountId, fold(upTo)), ...(at ? { at: at.toISOString() } : {}) };
  });

  // Every stream id, for rebuilding read models (used by account-query through service invocation).
  router.get('/streams', async (ctx) => {
    const limit = intQuery(ctx.query.limit, 'limit', 1, 10_000) ?? 1000;
    // A repeated cursor (an array) is refused like a repeated limit, not read as "from the start".
    if (ctx.query.cursor !== undefined && typeof ctx.query.cursor !== 'string') throw new Problem('invalid-query', 'cursor may be given once');
    const cursor = typeof ctx.query.cursor === 'string' && ctx.query.cursor !== '' ? ctx.query.cursor : null;
    if (cursor !== null && !StreamIndex.isCursor(cursor)) throw new Problem('invalid-query', 'cursor is not one this service returned');
    const page = await d.index.list(cursor, limit);
    const prefix = streamIdOf('');
    ctx.body = { items: page.items.filter((s) => s.startsWith(prefix)).map((s) => s.slice(prefix.length)), nextCursor: page.nextCursor };
  });

  // Many streams' events in one answer, for rebuilds: heads and chunks come in two bulk reads
  // whatever the number of streams. A stream longer than `limit` is cut; the caller reads the
  // rest through /accounts/{id}/events. Unknown ids are left out.
  router.get('/streams/events', async (ctx) => {
    const accountIds = idsQuery(ctx.query.ids);
    const limit = intQuery(ctx.query.limit, 'limit', 1, 10_000) ?? 1000;
    const loaded = (await d.store.loadMany(accountIds.map(streamIdOf))).filter(streamExists);
    const events = await d.store.readMany(loaded, 1, limit);
    ctx.body = {
      streams: loaded.map((l, i) => ({
        accountId: l.streamId.slice(streamIdOf('').length),
        version: l.head!.version,
        events: events[i]!.map(({ eventId, type, version, occurredAt, schemaVersion, data }) => ({ eventId, type, version, occurredAt, schemaVersion, data })),
      })),
    };
  });

  // Many streams' versions in one bulk read of their heads, for account-query's reconciliation
  // (read models against the store, whatever the broker lost). Unknown ids are left out.
  router.get('/streams/versions', async (ctx) => {
    const loaded = (await d.store.loadMany(idsQuery(ctx.query.ids).map(streamIdOf))).filter(streamExists);
    ctx.body = { streams: loaded.map((l) => ({ accountId: l.streamId.slice(streamIdOf('').length), version: l.head!.version })) };
  });

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    const sidecar = await d.sidecar.healthy();
    let store = false;
    if (sidecar) {
      try {
        await d.sidecar.getState(d.storeName, 'readyz-probe');
        store = true;
      } catch {
        store = false;
      }
    }
    const started = d.isReady();
    ctx.status = sidecar && store && started ? 200 : 503;
    ctx.body = { status: ctx.status === 200 ? 'ready' : 'not ready', checks: { sidecar, store, started } };
  });

  return router;
}
