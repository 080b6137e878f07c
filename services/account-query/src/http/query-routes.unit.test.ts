// The read-your-writes read (GET /accounts/{id}?minVersion=N) against fakes: a read store that
// counts its reads, a projector that remembers what it wrote and records the pulls it is asked
// for, and the real waiters. No database, no sidecar.
import Koa from 'koa';
import { createLogger, problemMiddleware } from '@bank/platform';
import { listenOnLoopback, type ListeningServer } from '@bank/testkit';
import type { Projector } from '../projections/projector.js';
import { VersionWaiters } from '../projections/waiters.js';
import { accountDoc, type AccountDoc } from '../readmodel/documents.js';
import type { Generations } from '../readmodel/generations.js';
import { queryRoutes } from './query-routes.js';

const ID = '00000000-0000-4000-8000-000000000001';

function docAt(version: number): AccountDoc {
  const at = new Date(Date.UTC(2026, 0, 1)).toISOString();
  return accountDoc({
    accountId: ID,
    version,
    balanceMinor: 1000n + BigInt(version),
    initialBalanceMinor: 1000n,
    currency: 'MAD',
    status: 'ACTIVATED',
    createdAt: at,
    updatedAt: at,
  });
}

function setUp(settings: { waitMs: number; pullAfterMs: number }) {
  const store = { doc: null as AccountDoc | null, reads: 0 };
  const projector = { written: undefined as AccountDoc | undefined, pulls: [] as number[] };
  const waiters = new VersionWaiters();
  const app = new Koa();
  app.use(problemMiddleware(createLogger('unit', 'silent')));
  const routes = queryRoutes({
    generations: {
      active: {
        accounts: {
          findOne: async () => {
            store.reads++;
            return store.doc;
          },
        },
      },
    } as unknown as Generations,
    projector: {
      remembered: () => projector.written,
      request: async (_accountId: string, version: number) => {
        projector.pulls.push(version);
      },
    } as unknown as Projector,
    waiters,
    minVersionWaitMs: settings.waitMs,
    minVersionPullAfterMs: settings.pullAfterMs,
  });
  app.use(routes.routes());
  /** What the projector does when it applies a version: remember it, store it, wake the waiters. */
  const apply = (version: number) => {
    projector.written = store.doc = docAt(version);
    waiters.notify(ID, version);
  };
  return { store, projector, app, apply };
}

describe('GET /accounts/{id}?minVersion', () => {
  let server: ListeningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  async function listen(app: Koa): Promise<string> {
    server = await listenOnLoopback(app);
    return server.base;
  }

  it('given the projector has just written version 3, when version 3 is asked, then it answers without reading the store', async () => {
    const env = setUp({ waitMs: 2000, pullAfterMs: 1000 });
    env.apply(3);
    const base = await listen(env.app);

    const res = await fetch(`${base}/accounts/${ID}?minVersion=3`);

    expect([res.status, ((await res.json()) as { version: number }).version]).toEqual([200, 3]);
    expect(env.store.reads).toBe(0);
  });

  it('given the read model at version 2, when version 3 is asked and applied 100 ms later, then one read of the store, no pull, and version 3', async () => {
    const env = setUp({ waitMs: 2000, pullAfterMs: 1000 });
    env.store.doc = docAt(2);
    const base = await listen(env.app);

    setTimeout(() => env.apply(3), 100);
    const res = await fetch(`${base}/accounts/${ID}?minVersion=3`);

    expect([res.status, ((await res.json()) as { version: number }).version]).toEqual([200, 3]);
    expect(env.store.reads).toBe(1);
    expect(env.projector.pulls).toEqual([]);
  });

  it('given no notification brings version 3, then the read asks for a pull after MIN_VERSION_PULL_AFTER_MS and answers 504 read-model-behind at the wait bound', async () => {
    const env = setUp({ waitMs: 600, pullAfterMs: 200 });
    env.store.doc = docAt(2);
    const base = await listen(env.app);

    const started = Date.now();
    const pullAsked = new Promise<number>((resolve) => {
      const poll = setInterval(() => {
        if (env.projector.pulls.length > 0) {
          clearInterval(poll);
          resolve(Date.now() - started);
        }
      }, 10);
    });
    const res = await fetch(`${base}/accounts/${ID}?minVersion=3`);

    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ currentVersion: 2, minVersion: 3 });
    expect(res.headers.get('retry-after')).toBe('1');
    expect(env.projector.pulls).toEqual([3]);
    expect(await pullAsked).toBeGreaterThanOrEqual(150);
  });
});
