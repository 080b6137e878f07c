// Who may call the admin API: a signed-in user the gateway names must be an administrator; a
// caller inside the system (no such headers) is let through as before, behind ADMIN_TOKEN when it
// is set. Against fakes of what the status endpoint reads.
import Koa from 'koa';
import { callerHeaders } from '@bank/contracts';
import { createLogger, problemMiddleware } from '@bank/platform';
import { listenOnLoopback, type ListeningServer } from '@bank/testkit';
import type { Projector } from '../projections/projector.js';
import type { Reconciler } from '../projections/reconciler.js';
import type { Generations } from '../readmodel/generations.js';
import type { Rebuilder } from '../rebuild/rebuilder.js';
import { adminRoutes } from './admin-routes.js';

const ALICE = callerHeaders({ subject: 'alice', role: 'customer' });
const ADMIN = callerHeaders({ subject: 'root', role: 'admin' });

let server: ListeningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function adminApi(adminToken: string | undefined): Promise<string> {
  const count = { countDocuments: async () => 0 };
  const app = new Koa();
  app.use(problemMiddleware(createLogger('unit', 'silent')));
  const routes = adminRoutes({
    generations: { active: { number: 0, accounts: count, operations: count }, lastRebuild: async () => undefined } as unknown as Generations,
    projector: { lastApplied: undefined, pending: 0 } as unknown as Projector,
    rebuilder: { current: undefined } as unknown as Rebuilder,
    reconciler: {} as Reconciler,
    adminToken,
  });
  app.use(routes.routes());
  server = await listenOnLoopback(app);
  return server.base;
}

async function statusOf(base: string, headers: Record<string, string>): Promise<[number, unknown]> {
  const res = await fetch(`${base}/admin/projections`, { headers });
  return [res.status, ((await res.json()) as { type?: string }).type];
}

describe('the admin API', () => {
  it('given no ADMIN_TOKEN, then an admin and a caller inside the system are answered, a customer 403 forbidden, malformed caller headers 400', async () => {
    const base = await adminApi(undefined);

    expect((await statusOf(base, ADMIN))[0]).toBe(200);
    expect((await statusOf(base, {}))[0]).toBe(200);
    expect(await statusOf(base, ALICE)).toEqual([403, '/problems/forbidden']);
    expect(await statusOf(base, { 'x-bank-subject': 'alice', 'x-bank-role': 'superuser' })).toEqual([400, '/problems/invalid-header']);
  });

  it('given ADMIN_TOKEN, then the token is asked of everyone first (401), and a customer who has it is still 403', async () => {
    const base = await adminApi('secret');
    const token = { authorization: 'Bearer secret' };

    expect(await statusOf(base, ALICE)).toEqual([401, '/problems/unauthorized']);
    expect(await statusOf(base, {})).toEqual([401, '/problems/unauthorized']);
    expect(await statusOf(base, { ...ALICE, ...token })).toEqual([403, '/problems/forbidden']);
    expect((await statusOf(base, { ...ADMIN, ...token }))[0]).toBe(200);
    expect((await statusOf(base, token))[0]).toBe(200);
  });
});
