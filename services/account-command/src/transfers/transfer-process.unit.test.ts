// The transfer process's rules, with the real command handler and account decider over an event
// store in memory: given two accounts and a transfer sent, when the process settles it (once,
// again, racing itself, after a crash at any point), then the accounts' events.
import { createLogger, type RetryRuntime } from '@bank/platform';
import type { AccountEvent } from '@bank/contracts';
import { fromSnapshot, type AccountCommand, type PendingTransfer } from '../domain/index.js';
import { accountStreamId, accountStreams, type AccountCommandHandler, type AccountStore } from '../commands/account-commands.js';
import { CommandHandler } from '../commands/command-handler.js';
import type { StreamIndex } from '../eventstore/stream-index.js';
import { InMemoryStreams } from '../testing/in-memory-streams.js';
import { TransferProcess } from './transfer-process.js';

const SOURCE = '3f8a1c52-6a0e-4d7b-9f11-2b7c4e9d0a13';
const TARGET = '7d0e2b9c-1f4a-4c3e-8a5b-6e9f0c1d2a3b';
const TRANSFER = '9c1e5b7a-2d3f-4e8a-b6c4-0f1a2b3c4d5e';

const counter = () => ({ inc: () => undefined });
const instant: RetryRuntime = { sleep: async () => undefined, random: () => 0.5 };

const log = createLogger('transfer-process-test', 'silent');

/** A command handler (with its own per-stream lock, as a replica has) on `streams`. */
const handlerOn = (streams: InMemoryStreams): AccountCommandHandler =>
  new CommandHandler({
    kind: accountStreams,
    store: streams,
    index: { register: async () => undefined },
    publisher: { publish: async () => undefined },
    log,
    metrics: { conflicts: counter(), retries: counter(), published: counter(), publishFailures: counter() },
    retryRuntime: instant,
  });

/** settle() uses only the handler; the sweep (store, index) is covered end to end. */
const processOn = (handler: AccountCommandHandler, streams: InMemoryStreams) =>
  new TransferProcess({ handler, store: streams as unknown as AccountStore, index: {} as StreamIndex, log, sweepIntervalMs: 0 });

function world() {
  const streams = new InMemoryStreams();
  const handler = handlerOn(streams);
  const process = processOn(handler, streams);
  const run = async (command: AccountCommand) => {
    const outcome = await handler.handle({ command });
    if (!outcome.accepted) throw new Error(`${command.type} refused: ${JSON.stringify(outcome.refusal)}`);
    return outcome;
  };
  const typesOf = (accountId: string): string[] => (streams.head(accountStreamId(accountId))?.events ?? []).map((event: AccountEvent) => event.type);
  const stateOf = (accountId: string) => fromSnapshot(streams.head(accountStreamId(accountId))?.snapshot);
  /** Given both accounts open and the transfer sent: what the source lists as pending. */
  const givenSent = async (amount = '30.00'): Promise<PendingTransfer> => {
    await run({ type: 'OpenAccount', accountId: SOURCE, initialBalance: '100.00', currency: 'MAD', owner: null });
    await run({ type: 'OpenAccount', accountId: TARGET, initialBalance: '0.00', currency: 'MAD', owner: null });
    const targetVersion = streams.head(accountStreamId(TARGET))!.version;
    await run({ type: 'SendTransfer', accountId: SOURCE, transferId: TRANSFER, counterpartyAccountId: TARGET, counterpartyVersion: targetVersion, amount, currency: 'MAD' });
    const source = stateOf(SOURCE);
    if (source.status === 'NONE' || !source.pendingTransfersOut[0]) throw new Error('the transfer is not pending');
    return source.pendingTransfersOut[0];
  };
  return { streams, process, run, typesOf, stateOf, givenSent };
}

describe('the transfer process', () => {
  it('credits the target, then completes the transfer on the source', async () => {
    const env = world();
    const pending = await env.givenSent();
    expect(await env.process.settle(SOURCE, pending)).toBe('COMPLETED');
    expect(env.typesOf(TARGET)).toEqual(['AccountCreated', 'AccountActivated', 'AccountCredited']);
    expect(env.typesOf(SOURCE)).toEqual(['AccountCreated', 'AccountActivated', 'AccountDebited', 'TransferCompleted']);
    expect(env.stateOf(SOURCE)).toMatchObject({ balance: 7000n, pendingTransfersOut: [] });
    expect(env.stateOf(TARGET)).toMatchObject({ balance: 3000n });
  });

  it('given a target that refuses (suspended), records the refusal there and refunds the source', async () => {
    const env = world();
    const pending = await env.givenSent();
    await env.run({ type: 'SuspendAccount', accountId: TARGET });
    expect(await env.process.settle(SOURCE, pending)).toBe('FAILED');
    expect(env.typesOf(TARGET).slice(-1)).toEqual(['TransferCreditRefused']);
    expect(env.typesOf(SOURCE).slice(-1)).toEqual(['TransferRefunded']);
    expect(env.stateOf(SOURCE)).toMatchObject({ balance: 10000n, pendingTransfersOut: [] });
  });

  it('settled twice (a sweep after the first run), changes nothing the second time', async () => {
    const env = world();
    const pending = await env.givenSent();
    await env.process.settle(SOURCE, pending);
    const before = [env.typesOf(SOURCE), env.typesOf(TARGET)];
    expect(await env.process.settle(SOURCE, pending)).toBe('COMPLETED');
    expect([env.typesOf(SOURCE), env.typesOf(TARGET)]).toEqual(before);
  });

  it('after a crash between the credit and the completion, and 100 later commands on the target, credits nothing twice', async () => {
    const env = world();
    const pending = await env.givenSent();
    // Given the target credited by an earlier run that died before completing on the source
    await env.run({ type: 'ReceiveTransfer', accountId: TARGET, transferId: TRANSFER, counterpartyAccountId: SOURCE, amount: '30.00', currency: 'MAD', description: null });
    for (let i = 0; i < 100; i++) await env.run({ type: 'CreditAccount', accountId: TARGET, amount: '1.00', currency: 'MAD' });
    // When the process takes the transfer on again
    expect(await env.process.settle(SOURCE, pending)).toBe('COMPLETED');
    // Then the target holds one transfer credit, and the source completed it
    expect(env.typesOf(TARGET).filter((type) => type === 'AccountCredited')).toHaveLength(101);
    expect(env.stateOf(TARGET)).toMatchObject({ balance: 13000n });
    expect(env.typesOf(SOURCE).slice(-1)).toEqual(['TransferCompleted']);
  });

  it('after a refusal on record, a target reactivated since still refunds: never credited and refunded both', async () => {
    const env = world();
    const pending = await env.givenSent();
    await env.run({ type: 'SuspendAccount', accountId: TARGET });
    await env.run({ type: 'ReceiveTransfer', accountId: TARGET, transferId: TRANSFER, counterpartyAccountId: SOURCE, amount: '30.00', currency: 'MAD', description: null });
    await env.run({ type: 'ReactivateAccount', accountId: TARGET });
    expect(await env.process.settle(SOURCE, pending)).toBe('FAILED');
    expect(env.typesOf(TARGET)).not.toContain('AccountCredited');
    expect(env.stateOf(SOURCE)).toMatchObject({ balance: 10000n });
  });

  it('run twice at once (two replicas), settles once', async () => {
    const env = world();
    const pending = await env.givenSent();
    // A second process on the same store, with its own handler: another replica, racing on ETags.
    const other = processOn(handlerOn(env.streams), env.streams);
    expect(await Promise.all([env.process.settle(SOURCE, pending), other.settle(SOURCE, pending)])).toEqual(['COMPLETED', 'COMPLETED']);
    expect(env.typesOf(TARGET).filter((type) => type === 'AccountCredited')).toHaveLength(1);
    expect(env.typesOf(SOURCE).filter((type) => type === 'TransferCompleted')).toHaveLength(1);
  });
});

describe("the transfer sweep's pace", () => {
  const ACCOUNTS = 350;
  /** A stream index listing ACCOUNTS accounts, and a store whose bulk reads record when they start (no account exists). */
  function sweepWorld(sweepHeadsPerSecond?: number) {
    const ids = Array.from({ length: ACCOUNTS }, (_, n) => accountStreamId(`00000000-0000-4000-8000-${String(n).padStart(12, '0')}`));
    const reads: Array<{ at: number; heads: number }> = [];
    const index = { list: async () => ({ items: ids, nextCursor: null }) } as unknown as StreamIndex;
    const store = {
      loadMany: async (streamIds: string[]) => {
        reads.push({ at: performance.now(), heads: streamIds.length });
        return streamIds.map((streamId) => ({ streamId, head: null, etag: undefined }));
      },
    } as unknown as AccountStore;
    const handler = handlerOn(new InMemoryStreams());
    const process = new TransferProcess({ handler, store, index, log, sweepIntervalMs: 60_000, sweepHeadsPerSecond });
    return { process, reads };
  }

  it('given a bound of 1,000 heads a second, reads 350 heads in pages no sooner than the bound allows', async () => {
    const { process, reads } = sweepWorld(1000);
    const started = performance.now();
    // When one sweep runs over the 350 accounts.
    expect(await process.sweep()).toBe(0);
    // Then every head was read once, in pages of 100, and page k started k x 100 ms in at the
    // earliest (a timer never fires before its time; 2 ms for the clock's rounding).
    expect(reads.map((read) => read.heads)).toEqual([100, 100, 100, 50]);
    reads.forEach((read, k) => expect(read.at - started).toBeGreaterThanOrEqual(k * 100 - 2));
  });

  it('stopped while it waits for its pace, ends the sweep without reading the rest', async () => {
    const { process, reads } = sweepWorld(10);
    // Given a sweep at 10 heads a second: its second page may start 10 s in.
    const sweep = process.sweep();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // When the process closes, then the sweep ends at once, after its first page only.
    await process.close();
    await sweep;
    expect(reads.map((read) => read.heads)).toEqual([100]);
  });
});
