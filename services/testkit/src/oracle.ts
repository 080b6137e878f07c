// Test helpers shared by the system suites: HTTP calls, and the oracle the read models are compared with, folded here from
// the command service's events with plain arithmetic (independent of the projection code).
import {
  formatAmount,
  parseAmount,
  type AccountCreatedData,
  type AccountCreditedData,
  type AccountJson,
  type AccountStatus,
  type EventPage,
  type OperationJson,
  type TransferRefundedData,
} from '@bank/contracts';
import { expectDescribed } from './openapi-check.js';

export interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = unknown>(url: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer<T>> {
  const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
  const res = await fetch(url, {
    method,
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  // An answer the service's OpenAPI document does not describe fails the test here.
  expectDescribed({ method, url, requestJson: init.body, requestHadBody: init.body !== undefined, requestHeaders: init.headers, status: res.status, headers: res.headers, text });
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

export async function ok<T>(p: Promise<Answer<T>>, what = 'request'): Promise<T> {
  const a = await p;
  if (a.status >= 300) throw new Error(`${what}: HTTP ${a.status} ${JSON.stringify(a.body)}`);
  return a.body;
}

export async function openAccount(commandUrl: string, initialBalance: string, currency = 'MAD'): Promise<{ accountId: string; version: number }> {
  return ok(call(`${commandUrl}/accounts`, { body: { initialBalance, currency } }), 'open');
}

export async function move(commandUrl: string, id: string, kind: 'credit' | 'debit', amount: string, currency = 'MAD'): Promise<Answer<{ accountId: string; version: number }>> {
  return call(`${commandUrl}/accounts/${id}/${kind}`, { body: { amount, currency } });
}

export interface ExpectedModel {
  account: AccountJson;
  operations: OperationJson[];
}

/**
 * The status an account has after an event of this type, written here from the rules, not taken
 * from the service's code (the oracle and the invariant checker both fold with it).
 */
export function statusAfter<S extends AccountStatus | 'NONE'>(type: string, status: S): AccountStatus | S {
  switch (type) {
    case 'AccountCreated':
      return 'CREATED';
    case 'AccountActivated':
    case 'AccountReactivated':
      return 'ACTIVATED';
    case 'AccountSuspended':
      return 'SUSPENDED';
    case 'AccountClosed':
      return 'CLOSED';
    default:
      return status;
  }
}

/** The read model an account must have: its event stream folded. */
export async function expectedFromStore(commandUrl: string, id: string): Promise<ExpectedModel> {
  const page = await ok(call<EventPage>(`${commandUrl}/accounts/${id}/events?limit=10000`), `events of ${id}`);
  let balance = 0n;
  let currency = '';
  let status: AccountStatus = 'CREATED';
  let owner: string | null = null;
  const operations: ExpectedModel['operations'] = [];
  // The command side gives every event at the current schema version (v1 ones upcast).
  for (const e of page.events) {
    const d = e.data as Record<string, string>;
    status = statusAfter(e.type, status);
    if (e.type === 'AccountCreated') {
      owner = (e.data as AccountCreatedData).owner ?? null;
      currency = d.currency!;
      balance = parseAmount(d.initialBalance, currency) as bigint;
    } else if (e.type === 'TransferRefunded') {
      // The money of a failed transfer coming back: a credit, named after why it failed.
      const refund = e.data as TransferRefundedData;
      balance += parseAmount(refund.amount, currency) as bigint;
      operations.push({
        operationId: e.eventId,
        type: 'CREDIT',
        amount: refund.amount,
        currency,
        balanceAfter: formatAmount(balance, currency),
        occurredAt: e.occurredAt,
        version: e.version,
        description: `refund: ${refund.reason}`,
        transferId: refund.transferId,
        counterpartyAccountId: refund.counterpartyAccountId,
        correlationId: e.correlationId,
      });
    } else if (e.type === 'AccountCredited' || e.type === 'AccountDebited') {
      const movement = e.data as AccountCreditedData;
      const m = parseAmount(d.amount, currency) as bigint;
      balance += e.type === 'AccountCredited' ? m : -m;
      operations.push({
        operationId: e.eventId,
        type: e.type === 'AccountCredited' ? 'CREDIT' : 'DEBIT',
        amount: d.amount!,
        currency,
        balanceAfter: formatAmount(balance, currency),
        occurredAt: e.occurredAt,
        version: e.version,
        description: movement.description,
        transferId: movement.transfer?.transferId ?? null,
        counterpartyAccountId: movement.transfer?.counterpartyAccountId ?? null,
        correlationId: e.correlationId,
      });
    }
  }
  const first = page.events[0]!;
  const last = page.events[page.events.length - 1]!;
  return {
    account: { accountId: id, owner, balance: formatAmount(balance, currency), currency, status, version: page.version, createdAt: first.occurredAt, updatedAt: last.occurredAt },
    operations: operations.reverse(),
  };
}

/** Account and every operation (all pages) as the query service serves them; null when 404. */
export async function readModelOf(queryUrl: string, id: string): Promise<ExpectedModel | null> {
  const acc = await call<ExpectedModel['account']>(`${queryUrl}/accounts/${id}`);
  if (acc.status === 404) return null;
  if (acc.status !== 200) throw new Error(`GET account ${id}: ${acc.status}`);
  const operations: ExpectedModel['operations'] = [];
  let cursor: string | null = null;
  do {
    const qs: string = cursor ? `?limit=500&cursor=${cursor}` : '?limit=500';
    const page: { items: ExpectedModel['operations']; nextCursor: string | null } = await ok(call(`${queryUrl}/accounts/${id}/operations${qs}`));
    operations.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return { account: acc.body, operations };
}

export async function waitUntil<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false>, intervalMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Resolves once every account's read model equals the fold of its stream; else throws with the first difference. */
export async function waitConverged(commandUrl: string, queryUrl: string, ids: readonly string[], timeoutMs: number): Promise<void> {
  const pending = new Set(ids);
  let lastDiff = '';
  await waitUntil(
    `${ids.length} read models to converge`,
    timeoutMs,
    async () => {
      for (const batch of chunks([...pending], 20)) {
        await Promise.all(
          batch.map(async (id) => {
            const [want, got] = await Promise.all([expectedFromStore(commandUrl, id), readModelOf(queryUrl, id)]);
            if (JSON.stringify(want) === JSON.stringify(got)) pending.delete(id);
            else lastDiff = `${id}: want ${JSON.stringify(want).slice(0, 400)} got ${JSON.stringify(got).slice(0, 400)}`;
          }),
        );
      }
      return pending.size === 0;
    },
    250,
  ).catch((e: Error) => {
    throw new Error(`${e.message}; ${pending.size} differ, e.g. ${lastDiff}`);
  });
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs fn over items with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** A counter's value from a Prometheus text exposition (sum over label sets matching `labels`). */
export async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})?\s+([0-9.e+-]+)$/.exec(line);
    if (m && m[1] === name && (m[2] ?? '').includes(labels)) sum += Number(m[3]);
  }
  return sum;
}

/**
 * The whole read model in a few paged requests (per-account reads cost a collection scan each on
 * FerretDB, which does not use secondary indexes for filters).
 */
export async function dumpReadModel(queryUrl: string): Promise<Map<string, ExpectedModel>> {
  const out = new Map<string, ExpectedModel>();
  let cursor: string | null = null;
  do {
    const page: { items: ExpectedModel['account'][]; nextCursor: string | null } = await ok(call(`${queryUrl}/accounts?limit=500${cursor ? `&cursor=${cursor}` : ''}`));
    for (const a of page.items) out.set(a.accountId, { account: a, operations: [] });
    cursor = page.nextCursor;
  } while (cursor);
  do {
    const page: { items: Array<ExpectedModel['operations'][number] & { accountId: string }>; nextCursor: string | null } = await ok(
      call(`${queryUrl}/operations?limit=500${cursor ? `&cursor=${cursor}` : ''}`),
    );
    for (const { accountId, ...o } of page.items) out.get(accountId)?.operations.push(o);
    cursor = page.nextCursor;
  } while (cursor);
  for (const m of out.values()) m.operations.sort((a, b) => b.version - a.version);
  return out;
}

/** waitConverged for many accounts: one dump of the read model per round. */
export async function waitConvergedBulk(commandUrl: string, queryUrl: string, ids: readonly string[], timeoutMs: number): Promise<void> {
  const expected = new Map<string, string>();
  let lastDiff = '';
  await waitUntil(
    `${ids.length} read models to converge`,
    timeoutMs,
    async () => {
      const got = await dumpReadModel(queryUrl);
      const differ = ids.filter((id) => JSON.stringify(got.get(id)) !== expected.get(id));
      // The store is re-read only for accounts that differ: they may have moved on meanwhile.
      await mapLimit(differ, 16, async (id) => expected.set(id, JSON.stringify(await expectedFromStore(commandUrl, id))));
      const still = ids.filter((id) => JSON.stringify(got.get(id)) !== expected.get(id));
      if (still[0]) lastDiff = `${still.length} differ, e.g. ${still[0]}: want ${expected.get(still[0])?.slice(0, 300)} got ${JSON.stringify(got.get(still[0]))?.slice(0, 300)}`;
      return still.length === 0;
    },
    500,
  ).catch((e: Error) => {
    throw new Error(`${e.message}; ${lastDiff}`);
  });
}
