// The invariants every stress and fault suite ends with, checked against the running system:
//  - every account's read model equals the fold of its event stream (operations included, so
//    each event is applied exactly once: none missing, none twice);
//  - versions are contiguous from 1, event ids unique; balances never negative at any version;
//  - the lifecycle held at every version: no debit (nor a transfer's credit) while suspended, no
//    suspension of a suspended account nor reactivation of an active one, a close only at a zero
//    balance with no transfer out unsettled, and nothing after it (but the recorded refusal of a
//    transfer sent to it);
//  - each transfer out is settled at most once (completed or refunded), and only once sent;
//  - per currency, the read side's total equals initial balances + credits - debits;
//  - optionally, the events are exactly the commands clients were told were accepted.
import { formatAmount, parseAmount, type AccountStatus, type EventPage } from '@bank/contracts';
import { call, mapLimit, ok, statusAfter, waitConvergedBulk } from './oracle.js';

/**
 * A command a client was answered 2xx for, by the event it leaves (a movement's amount makes it
 * recognisable in the stream; a suspension or reactivation has none: '').
 */
export interface AcceptedCommand {
  type: 'AccountCredited' | 'AccountDebited' | 'AccountSuspended' | 'AccountReactivated';
  amount: string;
}

export interface InvariantReport {
  accounts: number;
  events: number;
  totals: Record<string, string>;
}

export async function allStreamIds(commandUrl: string): Promise<string[]> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const page: { items: string[]; nextCursor: string | null } = await ok(call(`${commandUrl}/streams?limit=1000${cursor ? `&cursor=${cursor}` : ''}`));
    page.items.forEach((id) => ids.add(id));
    cursor = page.nextCursor;
  } while (cursor);
  return [...ids];
}

async function allEvents(commandUrl: string, id: string): Promise<EventPage | null> {
  const first = await call<EventPage>(`${commandUrl}/accounts/${id}/events?limit=10000`);
  if (first.status === 404) return null;
  const page = await ok(Promise.resolve(first));
  while (page.events.length < page.version) {
    const more = await ok(call<EventPage>(`${commandUrl}/accounts/${id}/events?fromVersion=${page.events.length + 1}&limit=10000`));
    page.events.push(...more.events);
  }
  return page;
}

export async function checkInvariants(
  commandUrl: string,
  queryUrl: string,
  opts: { timeoutMs?: number; accepted?: Map<string, AcceptedCommand[]> } = {},
): Promise<InvariantReport> {
  const ids = await allStreamIds(commandUrl);
  await waitConvergedBulk(commandUrl, queryUrl, ids, opts.timeoutMs ?? 120_000);

  const totals = new Map<string, bigint>();
  const failures: string[] = [];
  let events = 0;
  let accounts = 0;
  await mapLimit(ids, 8, async (id) => {
    const page = await allEvents(commandUrl, id);
    if (!page) return; // registered in the index, never committed: harmless by design
    accounts++;
    events += page.events.length;
    const seenIds = new Set<string>();
    let balance = 0n;
    let currency = '';
    let status: AccountStatus | 'NONE' = 'NONE';
    const moves: string[] = [];
    const pendingOut = new Set<string>();
    const settledOut = new Set<string>();
    page.events.forEach((e, i) => {
      if (e.version !== i + 1) failures.push(`${id}: event ${i} has version ${e.version}`);
      if (seenIds.has(e.eventId)) failures.push(`${id}: event id ${e.eventId} twice`);
      seenIds.add(e.eventId);
      const broken = (rule: string) => failures.push(`${id}: ${e.type} at version ${e.version} ${rule}`);
      // A closed account takes nothing, but a transfer's credit sent to it is refused on the record.
      if (status === 'CLOSED' && e.type !== 'TransferCreditRefused') broken('after the account was closed');
      const d = e.data as Record<string, unknown>;
      switch (e.type) {
        case 'AccountCreated':
          currency = String(d.currency);
          balance = parseAmount(d.initialBalance, currency) as bigint;
          break;
        case 'AccountCredited':
        case 'AccountDebited': {
          const m = parseAmount(d.amount, currency) as bigint;
          balance += e.type === 'AccountCredited' ? m : -m;
          moves.push(`${e.type} ${String(d.amount)}`);
          if (status === 'SUSPENDED' && (e.type === 'AccountDebited' || d.transfer)) broken('while the account was suspended');
          const transfer = d.transfer as { transferId: string; counterpartyVersion?: number } | null;
          if (e.type === 'AccountDebited' && transfer) {
            if (pendingOut.has(transfer.transferId) || settledOut.has(transfer.transferId)) broken(`sends transfer ${transfer.transferId} again`);
            pendingOut.add(transfer.transferId);
          }
          break;
        }
        case 'TransferRefunded':
        case 'TransferCompleted': {
          const transferId = String(d.transferId);
          if (!pendingOut.delete(transferId)) broken(`settles transfer ${transferId}, which is not pending`);
          settledOut.add(transferId);
          if (e.type === 'TransferRefunded') balance += parseAmount(d.amount, currency) as bigint;
          break;
        }
        case 'AccountSuspended':
          if (status !== 'ACTIVATED') broken(`on a ${status} account`);
          moves.push(`${e.type} `);
          break;
        case 'AccountReactivated':
          if (status !== 'SUSPENDED') broken(`on a ${status} account`);
          moves.push(`${e.type} `);
          break;
        case 'AccountClosed':
          if (balance !== 0n) broken(`with a balance of ${formatAmount(balance, currency)}`);
          if (pendingOut.size > 0) broken(`with ${pendingOut.size} transfer(s) out unsettled`);
          break;
      }
      status = statusAfter(e.type, status);
      if (balance < 0n) failures.push(`${id}: balance ${formatAmount(balance, currency)} at version ${e.version}`);
    });
    totals.set(currency, (totals.get(currency) ?? 0n) + balance);
    const accepted = opts.accepted?.get(id);
    if (accepted) {
      const want = accepted.map((c) => `${c.type} ${c.amount}`).sort();
      const got = [...moves].sort();
      if (JSON.stringify(want) !== JSON.stringify(got)) {
        const missing = want.filter((w) => !got.includes(w));
        const extra = got.filter((g) => !want.includes(g));
        failures.push(
          `${id}: accepted commands and events differ (${want.length} accepted, ${got.length} applied; missing ${missing.slice(0, 3).join(', ')}; unexpected ${extra.slice(0, 3).join(', ')})`,
        );
      }
    }
  });
  const stats = await ok(call<{ currencies: Array<{ currency: string; totalBalance: string; accounts: number }> }>(`${queryUrl}/stats`));
  for (const [currency, total] of totals) {
    const row = stats.currencies.find((c) => c.currency === currency);
    if (row?.totalBalance !== formatAmount(total, currency)) failures.push(`${currency}: read side total ${row?.totalBalance}, events say ${formatAmount(total, currency)}`);
  }
  if (failures.length) throw new Error(`invariants broken (${failures.length}):\n  ${failures.slice(0, 20).join('\n  ')}`);
  return { accounts, events, totals: Object.fromEntries([...totals].map(([c, t]) => [c, formatAmount(t, c)])) };
}
