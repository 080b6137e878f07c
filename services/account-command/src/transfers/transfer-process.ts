// The transfer process: the home of the one multi-step process of the command side. A transfer
// is asked for by one command on its source (sendTransfer: the debit, or a decline), which lists
// it among the source's pending transfers out; this process then takes it to its end:
//
//   1. receive on the target: the credit, or its refusal, recorded on the target (one event);
//   2. on the source: complete (the target was credited) or refund (it refused).
//
// Every step is a command on one account through the command handler, so it is one conditional
// write, and every step may be taken again at any time, by this process or another replica's:
//   - step 1 looks for its earlier outcome among the target's events after the version the
//     transfer started at (kept with the debit), however many commands came since, so a target
//     is credited at most once and a refusal on record can never turn into a later credit;
//   - step 2 settles a transfer only while the source lists it as pending, so it happens once.
// The work list is durable (the pending transfers live in the source's events and snapshot):
// a transfer started here is taken on at once, and a sweep over every account takes on what a
// crash, a restart or another replica left, so every transfer reaches COMPLETED or FAILED.
import { formatAmount, TRANSFER_PROCESS_ACTOR, type AccountEvent, type TransferFailure } from '@bank/contracts';
import { Failpoints, Periodic, type Logger } from '@bank/platform';
import { fromSnapshot, type PendingTransfer } from '../domain/index.js';
import { accountIdOfStream, accountStreamId, type AccountCommandHandler, type AccountStore } from '../commands/account-commands.js';
import type { StreamIndex } from '../eventstore/stream-index.js';
import { streamExists } from '../eventstore/stream-store.js';

export type TransferEnd = 'COMPLETED' | 'FAILED';

/** How much of its work a sweep takes at a time. */
const SWEEP = {
  /** Stream ids per page of the stream index. */
  streamsPerPage: 1000,
  /** Account heads per bulk read. */
  headsPerRead: 100,
  /** Transfers settled at once. */
  settlesAtOnce: 32,
} as const;

export interface TransferProcessDeps {
  handler: AccountCommandHandler;
  store: AccountStore;
  index: StreamIndex;
  log: Logger;
  /** Between the end of a sweep and the start of the next; 0: no sweeps. */
  sweepIntervalMs: number;
  /**
   * Account heads a sweep reads per second at most; 0 or absent: no bound. A sweep reads every
   * account's head to find the transfers a crash left unsettled, so unbounded its cost grows
   * with the accounts (3,200 accounts cost account-command and its sidecar about 250 ms of CPU
   * per second, idle, every 2 s); bounded, a pass over N accounts takes N / this many seconds.
   */
  sweepHeadsPerSecond?: number;
  /** Off unless FAILPOINT turns them on (see @bank/platform failpoints). */
  failpoints?: Failpoints;
}

/** The target's outcome of a transfer's credit step: its credit, or its recorded refusal. */
export const isReceiveOutcome =
  (transferId: string) =>
  (event: AccountEvent): boolean =>
    (event.type === 'AccountCredited' && event.data.transfer?.transferId === transferId) || (event.type === 'TransferCreditRefused' && event.data.transferId === transferId);

export class TransferProcess {
  private readonly inFlight = new Map<string, Promise<TransferEnd>>();
  private sweeping: Promise<number> | undefined;
  private readonly sweeps: Periodic;

  constructor(private readonly deps: TransferProcessDeps) {
    this.sweeps = new Periodic(
      deps.sweepIntervalMs,
      () => this.sweep(),
      (err) => deps.log.warn({ err }, 'transfer sweep failed; the next one retries'),
    );
  }

  /**
   * Takes one pending transfer out of `sourceAccountId` to its end; one run per transfer in this
   * process at a time (a second call joins the first).
   */
  settle(sourceAccountId: string, pending: PendingTransfer): Promise<TransferEnd> {
    let run = this.inFlight.get(pending.transferId);
    if (!run) {
      run = this.run(sourceAccountId, pending).finally(() => this.inFlight.delete(pending.transferId));
      this.inFlight.set(pending.transferId, run);
    }
    return run;
  }

  /** Starts a transfer's settling without waiting for it; a failure is left to the sweep. */
  begin(sourceAccountId: string, pending: PendingTransfer): void {
    this.settle(sourceAccountId, pending).catch((err: unknown) => {
      this.deps.log.warn({ err, transferId: pending.transferId }, 'transfer not settled yet; the next sweep takes it on');
    });
  }

  private async run(sourceAccountId: string, pending: PendingTransfer): Promise<TransferEnd> {
    const { handler } = this.deps;
    const { transferId, counterpartyAccountId: targetAccountId, currency } = pending;
    const metadata = { correlationId: pending.correlationId, causationId: transferId, actor: TRANSFER_PROCESS_ACTOR };
    const received = await handler.handle({
      command: {
        type: 'ReceiveTransfer',
        accountId: targetAccountId,
        transferId,
        counterpartyAccountId: sourceAccountId,
        amount: formatAmount(pending.amount, currency),
        currency,
        description: pending.description,
      },
      earlierOutcome: { afterVersion: pending.counterpartyVersion, matches: isReceiveOutcome(transferId) },
      metadata,
    });
    (this.deps.failpoints ?? Failpoints.none).reach('crash-after-transfer-credit');
    let failure: TransferFailure | null;
    if (received.accepted) {
      const outcome = received.events[0];
      if (!outcome) throw new Error(`transfer ${transferId}: the target's step gave no outcome`);
      failure = outcome.type === 'TransferCreditRefused' ? { reason: outcome.data.reason, detail: outcome.data.detail } : null;
    } else if (received.refusal.reason === 'domain') {
      // The target existed when the transfer was accepted and accounts are never deleted: only a
      // store that lost it gets here. The money goes back to the source.
      failure = { reason: received.refusal.error.code, detail: received.refusal.error.detail };
    } else {
      throw new Error(`transfer ${transferId}: the target's step was refused (${received.refusal.reason}); retried later`);
    }
    const settled = await handler.handle({
      command: failure ? { type: 'RefundTransfer', accountId: sourceAccountId, transferId, failure } : { type: 'CompleteTransfer', accountId: sourceAccountId, transferId },
      metadata,
    });
    if (!settled.accepted) throw new Error(`transfer ${transferId}: the source's step was refused (${settled.refusal.reason}); retried later`);
    return failure ? 'FAILED' : 'COMPLETED';
  }

  /** Sweeps every so often from now on. */
  start(): void {
    this.sweeps.start();
  }

  /** No more sweeps; waits for the steps under way here (what is cut short, the next sweep anywhere finishes). */
  async close(): Promise<void> {
    this.sweeps.stop();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /**
   * One pass over every account: each pending transfer out is settled (those already being
   * settled here are joined). Answers how many it found. A sweep already running is joined.
   */
  sweep(): Promise<number> {
    this.sweeping ??= this.pass().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async pass(): Promise<number> {
    const { index, store, log } = this.deps;
    let found = 0;
    let cursor: string | null = null;
    const started = performance.now();
    let headsRead = 0;
    do {
      const page = await index.list(cursor, SWEEP.streamsPerPage);
      cursor = page.nextCursor;
      const accountIds = page.items.map(accountIdOfStream).filter((accountId): accountId is string => accountId !== null);
      for (let i = 0; i < accountIds.length && !this.sweeps.isStopped; i += SWEEP.headsPerRead) {
        await this.keepPace(started, headsRead);
        if (this.sweeps.isStopped) break;
        const ids = accountIds.slice(i, i + SWEEP.headsPerRead);
        headsRead += ids.length;
        const heads = (await store.loadMany(ids.map(accountStreamId))).filter(streamExists);
        const work = heads.flatMap((loaded) => {
          const source = fromSnapshot(loaded.head?.snapshot);
          return source.status === 'NONE' ? [] : source.pendingTransfersOut.map((pending) => ({ source: source.accountId, pending }));
        });
        found += work.length;
        for (let j = 0; j < work.length; j += SWEEP.settlesAtOnce) {
          const results = await Promise.allSettled(work.slice(j, j + SWEEP.settlesAtOnce).map(({ source, pending }) => this.settle(source, pending)));
          const failed = results.filter((result) => result.status === 'rejected');
          if (failed.length) log.warn({ failed: failed.length, err: (failed[0] as PromiseRejectedResult).reason }, 'transfers not settled by this sweep; the next one retries');
        }
      }
    } while (cursor !== null && !this.sweeps.isStopped);
    return found;
  }

  /** Waits until `headsRead` heads since `started` are within sweepHeadsPerSecond (a stop ends the wait). */
  private async keepPace(started: number, headsRead: number): Promise<void> {
    const perSecond = this.deps.sweepHeadsPerSecond ?? 0;
    if (perSecond <= 0) return;
    for (;;) {
      const ahead = (headsRead / perSecond) * 1000 - (performance.now() - started);
      if (ahead <= 0 || this.sweeps.isStopped) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(ahead, 100)));
    }
  }
}
