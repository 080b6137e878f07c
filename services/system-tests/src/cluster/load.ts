// Load for the cluster suites: keyed, retrying clients (clients.ts) sending credits and debits
// through the gateway's port-forward while a test deletes pods, upgrades or swaps the broker. Every
// loop is bounded in time AND count. What the clients were told is the reference the invariants
// check; what they saw on the way (503s, connection errors, anything else) is counted.
import { Ledger, openAccounts, rng, sendUntilDefinitive } from '../clients.js';

export interface LoadOptions {
  /** Base URL of the command API (e.g. `${gateway}/api/commands`). */
  commandUrl: () => string;
  /** Read URL of one account on the query side (optional reader: statuses counted). */
  queryUrl?: (accountId: string) => string;
  accounts: readonly string[];
  clients: number;
  /** Hard bounds of the whole load. */
  maxMs: number;
  maxCommands: number;
  /** How long one command may stay undecided (retried with its key) before it counts as a failure. */
  commandDeadlineMs?: number;
  seed: number;
}

export interface LoadReport {
  ledger: Ledger;
  /** Commands that never got a definitive answer. */
  failures: string[];
  durationMs: number;
  /** The longest time without any command accepted, from the start to the end of the load. */
  longestGapMs: number;
  /** When (ms from the start) that gap began. */
  longestGapAtMs: number;
  /** The slowest command, retries included. */
  slowestCommandMs: number;
  /** The reader's answers by status ("error" when none came). */
  reads: Record<string, number>;
  /** The first answers other than 200 or 503: when (ms from the start), which account, what came. */
  oddReads: string[];
  /** Why the load ended. */
  ended: 'stopped' | 'time bound' | 'count bound';
}

export interface RunningLoad {
  readonly ledger: Ledger;
  /** Accepted so far. */
  accepted(): number;
  /** Stops sending and waits for the commands in flight to be decided. */
  stop(): Promise<LoadReport>;
}

export function startLoad(options: LoadOptions): RunningLoad {
  const ledger = new Ledger();
  const rand = rng(options.seed);
  const t0 = Date.now();
  const hardStop = t0 + options.maxMs;
  const failures: string[] = [];
  const reads: Record<string, number> = {};
  const oddReads: string[] = [];
  let running = true;
  let ended: LoadReport['ended'] = 'stopped';
  let lastAccepted = t0;
  let longestGapMs = 0;
  let longestGapAtMs = 0;
  let slowestCommandMs = 0;

  const more = (): boolean => {
    if (!running) return false;
    if (Date.now() >= hardStop) {
      ended = 'time bound';
      return false;
    }
    if (ledger.stats.sent >= options.maxCommands) {
      ended = 'count bound';
      return false;
    }
    return true;
  };
  const noteAccepted = () => {
    const now = Date.now();
    if (now - lastAccepted > longestGapMs) {
      longestGapMs = now - lastAccepted;
      longestGapAtMs = lastAccepted - t0;
    }
    lastAccepted = now;
  };

  const client = async () => {
    while (more()) {
      const id = options.accounts[Math.floor(rand() * options.accounts.length)]!;
      const type = rand() < 0.6 ? 'AccountCredited' : 'AccountDebited';
      const amount = `${1 + Math.floor(rand() * 20)}.${String(Math.floor(rand() * 100)).padStart(2, '0')}`;
      const started = Date.now();
      // The command's own bound: never past the load's hard stop plus its deadline.
      const deadline = Math.min(started + (options.commandDeadlineMs ?? 90_000), hardStop + (options.commandDeadlineMs ?? 90_000));
      try {
        const status = await sendUntilDefinitive(options.commandUrl, ledger, id, type, amount, deadline);
        if (status >= 200 && status < 300) noteAccepted();
      } catch (e) {
        failures.push((e as Error).message);
      }
      slowestCommandMs = Math.max(slowestCommandMs, Date.now() - started);
    }
  };
  const reader = async () => {
    if (!options.queryUrl) return;
    while (more()) {
      const id = options.accounts[Math.floor(rand() * options.accounts.length)]!;
      let key = 'error';
      try {
        const res = await fetch(options.queryUrl(id), { signal: AbortSignal.timeout(5000) });
        const body = await res.text();
        key = String(res.status);
        if (res.status !== 200 && res.status !== 503 && oddReads.length < 20) oddReads.push(`+${Date.now() - t0} ms ${id}: ${res.status} ${body.slice(0, 300)}`);
      } catch {
        /* no answer: counted as "error" */
      }
      reads[key] = (reads[key] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const all = Promise.all([...Array.from({ length: options.clients }, client), reader()]);

  return {
    ledger,
    accepted: () => ledger.stats.accepted,
    async stop() {
      running = false;
      await all;
      const end = Date.now();
      if (end - lastAccepted > longestGapMs) {
        longestGapMs = end - lastAccepted;
        longestGapAtMs = lastAccepted - t0;
      }
      return { ledger, failures, durationMs: end - t0, longestGapMs, longestGapAtMs, slowestCommandMs, reads, oddReads, ended };
    },
  };
}

/** Every status the clients saw is a success, a funds refusal (422) or a retryable 503. */
export function unexpectedStatuses(ledger: Ledger): Record<string, number> {
  return Object.fromEntries(Object.entries(ledger.stats.statuses).filter(([s]) => !(/^2\d\d$/.test(s) || s === '422' || s === '503')));
}

export { openAccounts };

/** Waits until at least `n` more commands were accepted, or `ms` passed; resolves with how many were. */
export async function whileAccepting(load: RunningLoad, n: number, ms: number): Promise<number> {
  const from = load.accepted();
  const until = Date.now() + ms;
  while (load.accepted() - from < n && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
  return load.accepted() - from;
}

/** One line for the test's log. */
export function describeLoad(r: LoadReport): string {
  const s = r.ledger.stats;
  return (
    `${s.sent} commands in ${(r.durationMs / 1000).toFixed(1)} s (ended: ${r.ended}): ${s.accepted} accepted (${s.replayed} replayed), ${s.refused} refused, ` +
    `${s.retries} retries after ${s.unavailable} x 503 and ${s.connectionErrors} connection errors, ${s.unexpected5xx} other 5xx; statuses ${JSON.stringify(s.statuses)}; ` +
    `longest gap between acceptances ${r.longestGapMs} ms (at +${(r.longestGapAtMs / 1000).toFixed(1)} s), slowest command ${r.slowestCommandMs} ms` +
    (Object.keys(r.reads).length ? `; reads ${JSON.stringify(r.reads)}` : '') +
    (r.ledger.unavailableSamples.length ? `; first 503s: ${r.ledger.unavailableSamples.join(' | ')}` : '')
  );
}

/**
 * Waits until the read model knows every account (?minVersion=1 parks until it is projected), so a
 * reader started afterwards may count any 404 as a defect rather than as the projection's lag.
 */
export async function untilReadable(queryUrl: (accountId: string) => string, accounts: readonly string[], timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (const id of accounts) {
    for (;;) {
      const res = await fetch(`${queryUrl(id)}?minVersion=1`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
      const text = await res?.text();
      if (res?.status === 200) break;
      if (Date.now() > until) throw new Error(`account ${id} not in the read model within ${timeoutMs} ms (last: ${res?.status ?? 'no answer'} ${text ?? ''})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
