// Versioned events, end to end: an account whose stream was written by the v1 code (events at
// schema version 1, stored exactly as that code stored them: one append per command, through the
// same event store, sealed into chunks as it goes) reads as the current schema everywhere: the
// history API, the state folds, the live projection and a rebuild. Nothing is rewritten in the store.
import { randomUUID } from 'node:crypto';
import { formatAmount, STATESTORE_NAME, upcast, type AccountEvent } from '@bank/contracts';
import { call, ok, startSystem, waitUntil, type TestSystemWithQuery } from '@bank/testkit';
import { fold, toSnapshot, type AccountSnapshot } from '../../account-command/src/domain/index.js';
import { accountStreamId } from '../../account-command/src/commands/account-commands.js';
import { streamIndexOn } from '../../account-command/src/eventstore/stream-index.js';
import { StreamStore } from '../../account-command/src/eventstore/stream-store.js';

/** An event as the v1 code stored it: no correlation or causation id, movements { amount, currency }. */
interface V1Event {
  eventId: string;
  accountId: string;
  type: AccountEvent['type'];
  version: number;
  occurredAt: string;
  schemaVersion: 1;
  data: Record<string, string>;
}

let sys: TestSystemWithQuery;

beforeAll(async () => {
  sys = (await startSystem({ query: true })) as TestSystemWithQuery;
});

afterAll(async () => {
  await sys?.stop();
});

/** The v1 code's chunk size (CHUNK_SIZE's default then): a stream keeps the size it was created with. */
const CHUNK_SIZE = 100;
const MOVEMENTS = 130;

/** The balance the current decider folds from these events (each read as the current schema). */
function balanceOf(events: readonly V1Event[]): string {
  const state = fold(events.map((event) => upcast(event) as AccountEvent));
  if (state.status === 'NONE') throw new Error('no account in these events');
  return formatAmount(state.balance, state.currency);
}

/**
 * Writes an account's stream as the v1 code did: the stream registered in the stream index
 * first, the open's two events in one commit, then one commit per credit or debit, each with
 * the snapshot of the state it reached.
 */
async function writeV1Account(): Promise<{ accountId: string; events: V1Event[] }> {
  const sidecar = sys.command.daprd.sidecar;
  // A store without an upcaster: it writes and reads the bytes as they are.
  const raw = new StreamStore<V1Event, AccountSnapshot>(sidecar, { storeName: STATESTORE_NAME, chunkSize: CHUNK_SIZE });
  const index = streamIndexOn(sidecar, STATESTORE_NAME);
  const accountId = randomUUID();
  const streamId = accountStreamId(accountId);
  await index.register(streamId);
  const written: V1Event[] = [];
  const commit = async (...decided: Array<Pick<V1Event, 'type' | 'data'>>) => {
    const events = decided.map(({ type, data }, i): V1Event => {
      const version = written.length + 1 + i;
      return { eventId: randomUUID(), accountId, type, version, occurredAt: new Date(Date.UTC(2025, 0, 1) + version * 60_000).toISOString(), schemaVersion: 1, data };
    });
    written.push(...events);
    const snapshot = toSnapshot(fold(written.map((event) => upcast(event) as AccountEvent)));
    await raw.append(await raw.load(streamId), events, { snapshot });
  };
  await commit({ type: 'AccountCreated', data: { initialBalance: '500.00', currency: 'MAD' } }, { type: 'AccountActivated', data: {} });
  for (let n = 0; n < MOVEMENTS; n++) {
    const amount = `${1 + (n % 7)}.${String(n % 100).padStart(2, '0')}`;
    await commit({ type: n % 3 === 2 ? 'AccountDebited' : 'AccountCredited', data: { amount, currency: 'MAD' } });
  }
  return { accountId, events: written };
}

test('a stream written by the v1 code reads as the current schema in the history, the states, the projection and a rebuild', async () => {
  const cmd = sys.command.url;
  const q = sys.query.url;
  // Given an account written by the v1 code, sealed into chunks.
  const { accountId, events } = await writeV1Account();
  const balance = balanceOf(events);
  const versions = events.length;
  expect(versions).toBe(MOVEMENTS + 2);
  expect(versions).toBeGreaterThan(CHUNK_SIZE);

  // When its history is read, then every event is current (v3): the same ids, versions, times and
  // amounts, with null description, transfer, correlation and actor, and an opening owned by the
  // administrators (owner null).
  const history = await ok(call<{ version: number; events: Array<Record<string, unknown>> }>(`${cmd}/accounts/${accountId}/events?limit=1000`));
  expect(history.version).toBe(versions);
  expect(history.events).toEqual(
    events.map(({ accountId: _accountId, ...event }) => ({
      ...event,
      schemaVersion: 3,
      correlationId: null,
      causationId: null,
      actor: null,
      data:
        event.type === 'AccountCredited' || event.type === 'AccountDebited'
          ? { ...event.data, description: null, transfer: null }
          : event.type === 'AccountCreated'
            ? { ...event.data, owner: null }
            : event.data,
    })),
  );
  // And the state folds of the v1 events give the balance, now and at a version in a sealed chunk.
  expect(await ok(call(`${cmd}/accounts/${accountId}/state`))).toEqual({ accountId, balance, currency: 'MAD', status: 'ACTIVATED', version: versions });
  expect(await ok(call(`${cmd}/accounts/${accountId}/state?version=50`))).toMatchObject({ version: 50, balance: balanceOf(events.slice(0, 50)) });

  // When the current code writes on top of it (a credit with a description)...
  const credited = await ok(call<{ version: number }>(`${cmd}/accounts/${accountId}/credit`, { body: { amount: '10.00', currency: 'MAD', description: 'after the upgrade' } }));
  expect(credited.version).toBe(versions + 1);
  const finalBalance = balanceOf([...events, { ...events[events.length - 1]!, type: 'AccountCredited', version: versions + 1, data: { amount: '10.00', currency: 'MAD' } }]);

  // ...then the read side, which never saw the account, projects the v1 events and the current one.
  const view = await ok(call<{ balance: string; version: number }>(`${q}/accounts/${accountId}?minVersion=${versions + 1}`));
  expect(view).toMatchObject({ balance: finalBalance, version: versions + 1 });
  const operationsOf = async () => {
    const page = await ok(call<{ items: Array<Record<string, unknown>> }>(`${q}/accounts/${accountId}/operations?limit=500`));
    return page.items.map(({ version, description, transferId, counterpartyAccountId, correlationId, amount }) => ({
      version,
      description,
      transferId,
      counterpartyAccountId,
      correlationId,
      amount,
    }));
  };
  const projected = await operationsOf();
  expect(projected).toHaveLength(MOVEMENTS + 1);
  const last = projected.find((operation) => operation.version === versions + 1);
  expect(last).toMatchObject({ description: 'after the upgrade', transferId: null, amount: '10.00' });
  expect(typeof last?.correlationId).toBe('string');
  expect(projected.filter((operation) => operation.version !== versions + 1).every((operation) => operation.description === null && operation.correlationId === null)).toBe(true);

  // When the read models are rebuilt from the store, then they are the same.
  const started = await call(`${q}/admin/projections/rebuild`, { method: 'POST' });
  expect(started.status).toBe(202);
  await waitUntil(
    'the rebuild to finish',
    120_000,
    async () => {
      const s = await ok(call<{ rebuild: { state: string; error?: string } }>(`${q}/admin/projections`));
      if (s.rebuild.state === 'failed') throw new Error(`rebuild failed: ${s.rebuild.error}`);
      return s.rebuild.state === 'done' ? true : undefined;
    },
    250,
  );
  expect(await ok(call(`${q}/accounts/${accountId}`))).toMatchObject({ balance: finalBalance, version: versions + 1 });
  expect(await operationsOf()).toEqual(projected);

  // And the store still holds the v1 events as they were written.
  const raw = new StreamStore<V1Event, AccountSnapshot>(sys.command.daprd.sidecar, { storeName: STATESTORE_NAME });
  const stored = await raw.read(await raw.load(accountStreamId(accountId)), 1, versions);
  expect(stored).toEqual(events);
}, 300_000);
