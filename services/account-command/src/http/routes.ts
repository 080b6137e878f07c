import Router from '@koa/router';
import type { Context } from 'koa';
import { COMPONENT_SCHEMAS, formatAmount, Problem, type AccountEvent, type AccountStateJson } from '@bank/contracts';
import { Failpoints, readJson, type RequestState } from '@bank/platform';
import { fold, pendingTransferOf, type AccountCommand, type AccountState, type DomainError, type SendTransfer } from '../domain/index.js';
import { accessGuard, callerOfRequest, requireReadable, type AccessGuard } from './access.js';
import type { Refusal } from '../commands/command-handler.js';
import { accountStreamId, type AccountCommandHandler, type AccountCommandOutcome, type AccountStore } from '../commands/account-commands.js';
import type { TransferProcess } from '../transfers/transfer-process.js';
import { fingerprint, IDEMPOTENCY_KEY, uuidFromKey } from '../commands/idempotency.js';
import type { StreamIndex } from '../eventstore/stream-index.js';
import { streamExists } from '../eventstore/stream-store.js';
import type { CommandMetrics } from './metrics.js';
import { eventFeedRoutes } from './event-feed-routes.js';
import { accountIdField, accountIdParam, commandBody, descriptionField, emptyBody, instantQuery, intQuery, versionHeader } from './validation.js';

export interface RouteDeps {
  handler: AccountCommandHandler;
  store: AccountStore;
  index: StreamIndex;
  metrics: CommandMetrics;
  bodyLimit: number;
  newId: () => string;
  transfers: Pick<TransferProcess, 'begin'>;
  failpoints?: Failpoints;
}

type AccountCommandAccepted = Extract<AccountCommandOutcome, { accepted: true }>;

/** What a command route builds from the request before the handler runs it. */
interface BuiltCommand {
  command: AccountCommand;
  key?: string | undefined;
  /** What makes two requests with one Idempotency-Key the same request. */
  fingerprintOf: Record<string, unknown>;
  expectedVersion?: number | undefined;
  /** Whether the caller may act on the account (accessGuard). */
  guard?: AccessGuard | undefined;
}

function idempotencyKey(ctx: Context): string | undefined {
  const key = ctx.get('idempotency-key');
  if (key === '') return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) throw new Problem('invalid-header', 'Idempotency-Key must be 1 to 128 printable ASCII characters');
  return key;
}

function stateBody(accountId: string, state: AccountState): AccountStateJson {
  if (state.status === 'NONE') throw new Problem('account-not-found', `account ${accountId} does not exist`);
  return { accountId, balance: formatAmount(state.balance, state.currency), currency: state.currency, status: state.status, version: state.version };
}

/** A refused command as the problem the client gets (the catalogue gives the status). */
export function refusalProblem(refusal: Refusal<DomainError>): Problem {
  switch (refusal.reason) {
    case 'domain':
      return new Problem(refusal.error.code, refusal.error.detail, refusal.error.extensions);
    case 'idempotency-key-reused':
      return new Problem('idempotency-key-reused', 'this Idempotency-Key was used for a different request');
    case 'precondition-failed':
      return new Problem('precondition-failed', `account is at version ${refusal.currentVersion}, not ${refusal.expectedVersion}`, { currentVersion: refusal.currentVersion });
    case 'concurrency-conflict':
      return new Problem('concurrency-conflict', 'the account is being changed concurrently; retry');
  }
}

export function commandRoutes(deps: RouteDeps): Router {
  // One spelling per resource: /accounts/ or /ACCOUNTS would otherwise reach the same handler
  // and slip past any path rule in front of the service (ingress, Dapr access control).
  const router = new Router({ strict: true, sensitive: true });

  /** Runs a command, counted and timed by type: its outcome when accepted (or replayed), its refusal's problem thrown otherwise. */
  async function execute(ctx: Context, type: AccountCommand['type'], build: () => Promise<BuiltCommand>): Promise<{ command: AccountCommand; outcome: AccountCommandAccepted }> {
    const end = deps.metrics.duration.startTimer({ type });
    try {
      const { command, key, fingerprintOf, expectedVersion, guard } = await build();
      // The request is both what the events correlate with and what caused them; the signed-in
      // user the gateway names (if any) is who caused them.
      const correlationId = (ctx.state as Partial<RequestState>).correlationId ?? null;
      const actor = callerOfRequest(ctx)?.subject ?? null;
      const outcome = await deps.handler.handle({
        command,
        idempotency: key ? { key, fingerprint: fingerprint(fingerprintOf) } : undefined,
        expectedVersion,
        metadata: { correlationId, causationId: correlationId, actor },
        guard,
      });
      if (!outcome.accepted) throw refusalProblem(outcome.refusal);
      deps.metrics.commands.inc({ type, outcome: outcome.replayed ? 'replayed' : 'accepted' });
      if (outcome.replayed) ctx.set('idempotent-replayed', 'true');
      return { command, outcome };
    } catch (err) {
      deps.metrics.commands.inc({ type, outcome: err instanceof Problem ? err.code : 'error' });
      throw err;
    } finally {
      end();
    }
  }

  /**
   * Runs a command on an account and answers it: `successStatus` for an accepted or replayed one
   * (the route decides it: 201 for an open, 200 otherwise), the refusal's problem otherwise.
   */
  async function run(ctx: Context, type: AccountCommand['type'], build: () => Promise<BuiltCommand>, successStatus: number): Promise<{ accountId: string; version: number }> {
    const { command, outcome } = await execute(ctx, type, build);
    const body = { accountId: command.accountId, version: outcome.version };
    ctx.status = successStatus;
    ctx.body = body;
    return body;
  }

  router.post('/accounts', async (ctx) => {
    const answer = await run(
      ctx,
      'OpenAccount',
      async () => {
        const key = idempotencyKey(ctx);
        const body = commandBody(await readJson(ctx, { limit: deps.bodyLimit }), COMPONENT_SCHEMAS.OpenAccount.required, 'initialBalance');
        // A customer's account is theirs; an administrator's, or one opened with no signed-in user, the bank's.
        const caller = callerOfRequest(ctx);
        const owner = caller?.role === 'customer' ? caller.subject : null;
        // One key names one account for one owner: another customer's same key opens their own.
        const accountId = key ? uuidFromKey(owner ? `${owner}\n${key}` : key) : deps.newId();
        return { key, command: { type: 'OpenAccount', accountId, owner, ...body }, fingerprintOf: { op: 'open', owner, ...body } };
      },
      201,
    );
    ctx.set('location', `/accounts/${answer.accountId}`);
  });

  /**
   * A command on an existing account, POST /accounts/{id}/<path>, with its Idempotency-Key and
   * If-Match: `readCommand` reads the body into the command and what fingerprints the request.
   */
  function accountCommand(
    path: string,
    type: AccountCommand['type'],
    readCommand: (ctx: Context, accountId: string) => Promise<Pick<BuiltCommand, 'command' | 'fingerprintOf'>>,
  ): void {
    router.post(`/accounts/:id/${path}`, async (ctx) => {
      await run(
        ctx,
        type,
        async () => {
          const accountId = accountIdParam(ctx.params.id);
          const key = idempotencyKey(ctx);
          const expectedVersion = versionHeader(ctx.get('if-match') || undefined);
          const guard = accessGuard(callerOfRequest(ctx), 'operate', accountId);
          return { key, expectedVersion, guard, ...(await readCommand(ctx, accountId)) };
        },
        200,
      );
    });
  }

  for (const [path, type] of [
    ['credit', 'CreditAccount'],
    ['debit', 'DebitAccount'],
  ] as const) {
    accountCommand(path, type, async (ctx, accountId) => {
      const body = commandBody(await readJson(ctx, { limit: deps.bodyLimit }), COMPONENT_SCHEMAS.Movement.required, 'amount', ['description'] as const);
      const description = descriptionField(body.description);
      return { command: { type, accountId, ...body, description }, fingerprintOf: { op: path, accountId, ...body } };
    });
  }

  // Suspend, reactivate, close: no fields; a body, if any, is an empty JSON object.
  for (const [path, type] of [
    ['suspend', 'SuspendAccount'],
    ['reactivate', 'ReactivateAccount'],
    ['close', 'CloseAccount'],
  ] as const) {
    accountCommand(path, type, async (ctx, accountId) => {
      // (daprd passes an absent body on as an empty chunked one: only the bytes tell.)
      const body = await readJson(ctx, { limit: deps.bodyLimit, optional: true });
      if (body !== undefined) emptyBody(body);
      return { command: { type, accountId }, fingerprintOf: { op: path, accountId } };
    });
  }

  /**
   * A transfer is asked for with one command on its source: the debit (or, funds short, the
   * decline), which lists it among the source's pending transfers; the transfer process takes it
   * from there (transfers/transfer-process.ts). What is wrong with the request is refused here,
   * nothing written: fields, the same account on both sides, a target that does not exist, and
   * all the source refuses (currency, amount, status).
   */
  router.post('/transfers', async (ctx) => {
    const { command, outcome } = await execute(ctx, 'SendTransfer', async () => {
      const key = idempotencyKey(ctx);
      const body = commandBody(await readJson(ctx, { limit: deps.bodyLimit }), COMPONENT_SCHEMAS.TransferRequest.required, 'amount', ['description'] as const);
      const from = accountIdField(body.fromAccountId, 'fromAccountId');
      const to = accountIdField(body.toAccountId, 'toAccountId');
      const description = descriptionField(body.description);
      if (from === to) throw new Problem('same-account', 'a transfer needs two different accounts');
      const target = await deps.store.load(accountStreamId(to));
      if (!target.head || !streamExists(target)) throw new Problem('account-not-found', `account ${to} (toAccountId) does not exist`);
      const fields = { fromAccountId: from, toAccountId: to, amount: body.amount, currency: body.currency, description };
      // A new id for every request, never one derived from the key: a key repeated after it left
      // the source's idempotency window is a new request, and must not name a settled transfer.
      const send: SendTransfer = {
        type: 'SendTransfer',
        accountId: from,
        transferId: deps.newId(),
        counterpartyAccountId: to,
        counterpartyVersion: target.head.version,
        amount: body.amount,
        currency: body.currency,
        description,
      };
      // Out of the caller's own account only; into any account.
      return { key, command: send, fingerprintOf: { op: 'transfer', ...fields }, guard: accessGuard(callerOfRequest(ctx), 'send-transfer', from) };
    });
    // A repeated request (same key) answers with what the first one recorded, its transfer, and
    // the status the source's stream gives it now (settled since, or still pending).
    const recorded = outcome.replayed ? await eventsFrom(command.accountId, outcome.version) : outcome.events;
    const first = recorded[0];
    const transferId = transferIdOf(first) ?? (command as SendTransfer).transferId;
    const settled = recorded.find((event) => (event.type === 'TransferCompleted' || event.type === 'TransferRefunded') && event.data.transferId === transferId);
    const sent = first?.type === 'AccountDebited' && !settled ? pendingTransferOf(first) : null;
    if (sent && !outcome.replayed) (deps.failpoints ?? Failpoints.none).reach('crash-after-transfer-send');
    if (sent) deps.transfers.begin(command.accountId, sent);
    ctx.status = 202;
    ctx.set('location', `/transfers/${transferId}`);
    if (first?.type === 'TransferDeclined') ctx.body = { transferId, status: 'FAILED', reason: first.data.reason };
    else if (settled?.type === 'TransferRefunded') ctx.body = { transferId, status: 'FAILED', reason: settled.data.reason };
    else ctx.body = { transferId, status: settled ? 'COMPLETED' : 'PENDING' };
  });

  /** The transfer a transfer's first step names (its debit or its decline); undefined for any other event. */
  function transferIdOf(event: AccountEvent | undefined): string | undefined {
    if (event?.type === 'AccountDebited') return event.data.transfer?.transferId;
    if (event?.type === 'TransferDeclined') return event.data.transferId;
    return undefined;
  }

  /** An account's events from a version on (a replayed request's first commit, and what came since). */
  async function eventsFrom(accountId: string, version: number): Promise<AccountEvent[]> {
    const loaded = await deps.store.load(accountStreamId(accountId));
    return deps.store.read(loaded, version);
  }

  router.get('/accounts/:id/state', async (ctx) => {
    const accountId = accountIdParam(ctx.params.id);
    const version = intQuery(ctx.query.version, 'version', 1, Number.MAX_SAFE_INTEGER);
    const at = instantQuery(ctx.query.at, 'at');
    if (version !== undefined && at !== undefined) throw new Problem('invalid-query', 'give version or at, not both');
    const loaded = await deps.store.load(accountStreamId(accountId));
    if (!loaded.head || !streamExists(loaded)) throw new Problem('account-not-found', `account ${accountId} does not exist`);
    requireReadable(callerOfRequest(ctx), accountId, loaded.head.snapshot);
    if (version === undefined && at === undefined) {
      // The current state is rebuilt from the events too: the snapshot is an optimisation the
      // write path trusts, and this endpoint is how anyone can check it.
      ctx.body = stateBody(accountId, fold(await deps.store.read(loaded)));
      return;
    }
    if (version !== undefined && version > loaded.head.version) {
      throw new Problem('not-found', `account ${accountId} is at version ${loaded.head.version}; version ${version} does not exist yet`);
    }
    const events = await deps.store.read(loaded, 1, version ?? Number.MAX_SAFE_INTEGER);
    const upTo = at ? events.filter((event: AccountEvent) => Date.parse(event.occurredAt) <= at.getTime()) : events;
    if (upTo.length === 0) throw new Problem('account-not-found', `account ${accountId} did not exist at ${at?.toISOString()}`);
    ctx.body = { ...stateBody(accountId, fold(upTo)), ...(at ? { at: at.toISOString() } : {}) };
  });

  // What the read side pulls (events of one stream or many, stream ids, versions): its own
  // router, its contract in @bank/contracts (command-side-api.ts).
  router.use(eventFeedRoutes(deps).routes());

  return router;
}
