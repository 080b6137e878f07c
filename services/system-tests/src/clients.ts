// Clients as a careful integrator writes them: every command carries an Idempotency-Key and is
// retried with the same key until it gets a definitive answer (2xx, or a 4xx refusal), through
// crashes, restarts and timeouts. What they were told is the reference the invariants check.
import { randomUUID } from 'node:crypto';
import type { AcceptedCommand } from '@bank/testkit';

export interface ClientStats {
  sent: number;
  accepted: number;
  refused: number;
  retries: number;
  replayed: number;
  /** Answers that were 5xx other than 503: an outage must read as "unavailable", never a bug. */
  unexpected5xx: number;
  /** Attempts answered 503 (retryable: a dependency is down). */
  unavailable: number;
  /** Attempts that got no answer (connection refused or reset, timed out). */
  connectionErrors: number;
  /** Every answer's status, counted (e.g. {"200": 950, "422": 40, "503": 12}). */
  statuses: Record<string, number>;
}

export class Ledger {
  readonly accepted = new Map<string, AcceptedCommand[]>();
  readonly stats: ClientStats = { sent: 0, accepted: 0, refused: 0, retries: 0, replayed: 0, unexpected5xx: 0, unavailable: 0, connectionErrors: 0, statuses: {} };
  /** The first answers 503 (when, which account, the problem's detail): where an outage came from. */
  readonly unavailableSamples: string[] = [];
  private readonly startedAt = Date.now();

  noteUnavailable(accountId: string, body: string): void {
    this.stats.unavailable++;
    if (this.unavailableSamples.length >= 20) return;
    let detail = body.slice(0, 200);
    try {
      detail = String((JSON.parse(body) as { detail?: unknown }).detail ?? detail);
    } catch {
      /* not a problem document: its first bytes */
    }
    this.unavailableSamples.push(`+${((Date.now() - this.startedAt) / 1000).toFixed(1)} s ${accountId}: ${detail}`);
  }

  record(accountId: string, c: AcceptedCommand): void {
    const list = this.accepted.get(accountId) ?? [];
    list.push(c);
    this.accepted.set(accountId, list);
  }
}

const PATH_OF: Record<AcceptedCommand['type'], string> = {
  AccountCredited: 'credit',
  AccountDebited: 'debit',
  AccountSuspended: 'suspend',
  AccountReactivated: 'reactivate',
};

/**
 * Sends one command until definitive. Returns the HTTP status it ended with. A movement carries
 * `amount`; a suspension or reactivation none ('').
 */
export async function sendUntilDefinitive(
  commandUrl: () => string,
  ledger: Ledger,
  accountId: string,
  type: AcceptedCommand['type'],
  amount: string,
  deadline: number,
  key: string | undefined = randomUUID(),
): Promise<number> {
  ledger.stats.sent++;
  const movement = type === 'AccountCredited' || type === 'AccountDebited';
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${commandUrl()}/accounts/${accountId}/${PATH_OF[type]}`, {
        method: 'POST',
        headers: { ...(movement ? { 'content-type': 'application/json' } : {}), ...(key ? { 'idempotency-key': key } : {}) },
        body: movement ? JSON.stringify({ amount, currency: 'EUR' }) : undefined,
        signal: AbortSignal.timeout(5_000),
      });
      const body = await res.text();
      ledger.stats.statuses[res.status] = (ledger.stats.statuses[res.status] ?? 0) + 1;
      if (res.status >= 200 && res.status < 300) {
        ledger.stats.accepted++;
        if (res.headers.get('idempotent-replayed') === 'true') ledger.stats.replayed++;
        ledger.record(accountId, { type, amount: movement ? amount : '' });
        return res.status;
      }
      if (res.status === 503) ledger.noteUnavailable(accountId, body);
      if (res.status >= 500 && res.status !== 503) ledger.stats.unexpected5xx++;
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        ledger.stats.refused++;
        return res.status;
      }
    } catch {
      /* connection refused, reset or timed out: the command may or may not have landed */
      ledger.stats.connectionErrors++;
    }
    if (!key) throw new Error('a command without an idempotency key cannot be retried safely');
    if (Date.now() > deadline) throw new Error(`command on ${accountId} still undecided at the deadline`);
    ledger.stats.retries++;
    await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** Math.min(attempt, 6))));
  }
}

/** A transfer order as POST /transfers takes it. */
export interface TransferOrder {
  fromAccountId: string;
  toAccountId: string;
  amount: string;
  currency: string;
}

/**
 * Asks for one transfer until definitive, with one Idempotency-Key throughout: the id of the
 * transfer it was told of (202), or null when refused (4xx).
 */
export async function transferUntilDefinitive(
  commandUrl: () => string,
  ledger: Ledger,
  order: TransferOrder,
  deadline: number,
  key: string = randomUUID(),
): Promise<string | null> {
  ledger.stats.sent++;
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${commandUrl()}/transfers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(order),
        signal: AbortSignal.timeout(5_000),
      });
      const body = await res.text();
      ledger.stats.statuses[res.status] = (ledger.stats.statuses[res.status] ?? 0) + 1;
      if (res.status === 202) {
        ledger.stats.accepted++;
        if (res.headers.get('idempotent-replayed') === 'true') ledger.stats.replayed++;
        return (JSON.parse(body) as { transferId: string }).transferId;
      }
      if (res.status === 503) ledger.noteUnavailable(order.fromAccountId, body);
      if (res.status >= 500 && res.status !== 503) ledger.stats.unexpected5xx++;
      if (res.status >= 400 && res.status < 500 && ![408, 409, 429].includes(res.status)) {
        ledger.stats.refused++;
        return null;
      }
    } catch {
      ledger.stats.connectionErrors++;
    }
    if (Date.now() > deadline) throw new Error(`transfer from ${order.fromAccountId} still undecided at the deadline`);
    ledger.stats.retries++;
    await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** Math.min(attempt, 6))));
  }
}

/** A small deterministic generator, so a failing run can be replayed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export async function openAccounts(commandUrl: string, n: number, initialBalance: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, n - i) }, async () => {
        const res = await fetch(`${commandUrl}/accounts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ initialBalance, currency: 'EUR' }),
        });
        if (res.status !== 201) throw new Error(`open: ${res.status} ${await res.text()}`);
        return ((await res.json()) as { accountId: string }).accountId;
      }),
    );
    ids.push(...batch);
  }
  return ids;
}
