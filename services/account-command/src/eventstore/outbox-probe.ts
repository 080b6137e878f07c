// Whether the state store has the Dapr outbox enabled is a property of its component YAML, which
// the service does not read (on Kubernetes it is not even a file). It matters: an op marked
// `outbox.projection` is removed by daprd when the outbox is on, but applied as an ordinary
// upsert when it is off. So the service asks the store once, at start-up: a transaction writes a
// probe key twice, the second op marked as projection; the value that stays tells which it was.
import { randomUUID } from 'node:crypto';
import type { Sidecar } from '@bank/platform';

export const OUTBOX_PROBE_KEY = 'outbox-probe';

export async function probeOutbox(sidecar: Sidecar, storeName: string): Promise<boolean> {
  const nonce = randomUUID();
  // No contentType on either op: with the outbox off, the projection reaches the store, and a
  // JSON content type makes state.redis call RedisJSON, which a plain Redis does not have.
  await sidecar.transact(storeName, [
    { key: OUTBOX_PROBE_KEY, value: { probe: 'state', nonce }, concurrency: 'last-write' },
    { key: OUTBOX_PROBE_KEY, value: { probe: 'projection', nonce }, metadata: { 'outbox.projection': 'true' }, concurrency: 'last-write' },
  ]);
  const read = await sidecar.getState<{ probe: string; nonce: string }>(storeName, OUTBOX_PROBE_KEY);
  return read.value?.probe === 'state';
}
