import { Registry } from 'prom-client';
import { createLogger } from '@bank/platform';
import { createQueryMetrics } from '../metrics.js';
import type { Generations } from '../readmodel/generations.js';
import type { CommandSideClient } from './command-side-client.js';
import { behind, Reconciler } from './reconciler.js';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('behind', () => {
  it('lists the streams ahead of the read model, missing read models included', () => {
    const store = [
      { accountId: id(1), version: 3 },
      { accountId: id(2), version: 5 },
      { accountId: id(3), version: 2 },
    ];
    const read = new Map([
      [id(1), 3],
      [id(2), 4],
    ]);
    expect(behind(store, read)).toEqual([
      { accountId: id(2), version: 5 },
      { accountId: id(3), version: 2 },
    ]);
  });

  it('a read model ahead of the store (a phantom) is not "behind"', () => {
    expect(behind([{ accountId: id(1), version: 2 }], new Map([[id(1), 3]]))).toEqual([]);
  });
});

/** In-memory stand-ins: 250 streams (three pages of ids, three batches), some behind. */
function fixture(storeVersions: Map<string, number>, readVersions: Map<string, number>) {
  const pulls: Array<[string, number]> = [];
  const ids = [...storeVersions.keys()];
  const commandSide = {
    async *streams() {
      for (let i = 0; i < ids.length; i += 120) yield ids.slice(i, i + 120);
    },
    async versions(batch: readonly string[]) {
      return batch.filter((accountId) => storeVersions.has(accountId)).map((accountId) => ({ accountId, version: storeVersions.get(accountId)! }));
    },
  };
  const generations = {
    active: {
      accounts: {
        find: (filter: { _id: { $in: string[] } }) =>
          (async function* () {
            for (const a of filter._id.$in) if (readVersions.has(a)) yield { _id: a, version: readVersions.get(a)! };
          })(),
      },
    },
  };
  const metrics = createQueryMetrics(new Registry());
  const reconciler = (intervalMs = 0) =>
    new Reconciler({
      // Only the members the reconciler uses are faked (a unit test: no event store, no Mongo).
      commandSide: commandSide as unknown as CommandSideClient,
      generations: generations as unknown as Generations,
      pull: async (accountId, version) => {
        pulls.push([accountId, version]);
        readVersions.set(accountId, version);
      },
      metrics,
      log: createLogger('test', 'silent'),
      intervalMs,
    });
  return { pulls, metrics, reconciler };
}

describe('Reconciler', () => {
  it('given read models behind, missing or current, when it sweeps, then it pulls exactly the ones behind', async () => {
    const store = new Map(Array.from({ length: 250 }, (_, k) => [id(k), 1 + (k % 4)] as [string, number]));
    // Every 10th read model missing, every 7th one event behind, the others current.
    const read = new Map<string, number>();
    [...store].forEach(([a, v], k) => {
      if (k % 10 !== 0) read.set(a, k % 7 === 0 ? v - 1 : v);
    });
    const want = [...store].filter(([a, v]) => (read.get(a) ?? 0) < v);
    const { pulls, metrics, reconciler } = fixture(store, read);
    const r = await reconciler().sweep();
    expect(r).toEqual({ checked: 250, healed: want.length });
    expect(pulls.sort()).toEqual(want.sort());
    expect(want.length).toBeGreaterThan(25);
    expect((await metrics.reconcileHealed.get()).values[0]!.value).toBe(want.length);
    // A second sweep finds nothing left.
    expect(await reconciler().sweep()).toEqual({ checked: 250, healed: 0 });
  });

  it('a sweep asked for while one runs joins it', async () => {
    const { pulls, reconciler } = fixture(new Map([[id(1), 2]]), new Map());
    const rec = reconciler();
    const [a, b] = await Promise.all([rec.sweep(), rec.sweep()]);
    expect(a).toBe(b);
    expect(pulls).toEqual([[id(1), 2]]);
  });

  it('sweeps by itself every interval once started, and stops when closed', async () => {
    const read = new Map<string, number>();
    const { pulls, metrics, reconciler } = fixture(new Map([[id(1), 2]]), read);
    const rec = reconciler(20);
    rec.start();
    const until = Date.now() + 5000;
    while ((await metrics.reconcileSweeps.get()).values.length === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
    rec.close();
    expect(pulls).toEqual([[id(1), 2]]);
    const sweeps = (await metrics.reconcileSweeps.get()).values.find((sample) => sample.labels.outcome === 'done')!.value;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await metrics.reconcileSweeps.get()).values.find((sample) => sample.labels.outcome === 'done')!.value).toBe(sweeps);
  });
});
