// Who may do what, on the release: the chart's own provider (Ory Hydra, values-local-signin.yaml)
// issues the tokens, through the gateway's sign-in page; the gateway checks them against the
// provider's keys read through its Service, and the services decide per account. Every call here
// says whose token it carries (no signed-in fetch in this file).
import { call } from '@bank/testkit';
import { kubectlJson, NS, requireCluster, SVC } from './kube.js';
import { openSignIn, type ClusterSignIn } from './sign-in.js';

let session: ClusterSignIn;
let api: string;
const tokens: Record<'alice' | 'bob' | 'admin', string> = { alice: '', bob: '', admin: '' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

beforeAll(async () => {
  await requireCluster();
  session = await openSignIn();
  api = `${session.gateway.url}/api`;
  for (const user of ['alice', 'bob', 'admin'] as const) tokens[user] = await session.tokenFor(user);
}, 120_000);

afterAll(async () => {
  await session?.close();
});

function expectUnauthorized(answer: { status: number; headers: Headers; body: unknown }, error?: string) {
  expect(answer.status).toBe(401);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ type: '/problems/unauthorized', status: 401 });
  expect(answer.headers.get('www-authenticate')).toMatch(error ? new RegExp(`^Bearer realm="bank", error="${error}"`) : /^Bearer realm="bank"$/);
}

describe("the release's provider", () => {
  it('runs in the release, and its tokens are JWTs for the bank API naming the user and their role', async () => {
    const deployment = await kubectlJson<{ status: { readyReplicas?: number } }>(['get', 'deployment', SVC.hydra, '-n', NS]);
    expect(deployment.status.readyReplicas).toBe(1);
    expect(claimsOf(tokens.alice)).toMatchObject({ iss: session.addresses.issuer, sub: 'alice', aud: ['bank-api'], roles: ['customer'] });
    expect(claimsOf(tokens.admin)).toMatchObject({ sub: 'admin', roles: ['admin'] });
    // The dashboard is told where to sign in.
    const config = await call<{ mode: string; issuer: string; clientId: string }>(`${session.gateway.url}/auth/config`);
    expect(config.body).toMatchObject({ mode: 'oidc', issuer: session.addresses.issuer, clientId: 'bank-dashboard' });
  });
});

describe('without a valid token', () => {
  it('nothing is read or written through the gateway, and the answer says how to authenticate', async () => {
    expectUnauthorized(await call(`${api}/queries/accounts`));
    expectUnauthorized(await call(`${api}/commands/accounts`, { body: { initialBalance: '10.00', currency: 'MAD' } }));
    expectUnauthorized(await call(`${api}/queries/admin/projections/rebuild`, { method: 'POST' }));
  });

  it('a token whose signature was tampered with, or that is unsigned, is refused', async () => {
    const [header, payload, signature] = tokens.alice.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, -4)}${signature.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    expectUnauthorized(await call(`${api}/queries/accounts`, { headers: bearer(`${header}.${payload}.${flipped}`) }), 'invalid_token');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const asAdmin = Buffer.from(JSON.stringify({ ...claimsOf(tokens.alice), roles: ['admin'] })).toString('base64url');
    expectUnauthorized(await call(`${api}/queries/admin/projections`, { headers: bearer(`${none}.${asAdmin}.`) }), 'invalid_token');
  });
});

describe('per account and per role', () => {
  it("a customer reaches only their own accounts: another customer's answers as unknown, and lists hold only theirs", async () => {
    // Given an account alice opened.
    const opened = await call<{ accountId: string; version: number }>(`${api}/commands/accounts`, {
      body: { initialBalance: '30.00', currency: 'MAD' },
      headers: bearer(tokens.alice),
    });
    expect(opened.status).toBe(201);
    const id = opened.body.accountId;
    const own = await call<{ owner: string | null; balance: string }>(`${api}/queries/accounts/${id}?minVersion=${opened.body.version}`, { headers: bearer(tokens.alice) });
    expect([own.status, own.body.owner, own.body.balance]).toEqual([200, 'alice', '30.00']);
    // When bob reads or debits it, it does not exist for him, and nothing changes.
    expect((await call(`${api}/queries/accounts/${id}`, { headers: bearer(tokens.bob) })).status).toBe(404);
    const debit = await call<{ type: string }>(`${api}/commands/accounts/${id}/debit`, { body: { amount: '30.00', currency: 'MAD' }, headers: bearer(tokens.bob) });
    expect([debit.status, debit.body.type]).toEqual([404, '/problems/account-not-found']);
    const bobsList = await call<{ items: Array<{ accountId: string; owner: string | null }> }>(`${api}/queries/accounts?limit=200`, { headers: bearer(tokens.bob) });
    expect(bobsList.status).toBe(200);
    expect(bobsList.body.items.every((account) => account.owner === 'bob')).toBe(true);
    // Then the administrator sees it, and its history says who opened it.
    const history = await call<{ events: Array<{ type: string; actor: string | null; data: { owner?: string | null } }> }>(`${api}/commands/accounts/${id}/events`, {
      headers: bearer(tokens.admin),
    });
    expect(history.status).toBe(200);
    expect(history.body.events[0]).toMatchObject({ type: 'AccountCreated', actor: 'alice', data: { owner: 'alice' } });
    const state = await call<{ balance: string }>(`${api}/commands/accounts/${id}/state`, { headers: bearer(tokens.alice) });
    expect(state.body.balance).toBe('30.00');
  });

  it('only an administrator reaches the admin endpoints', async () => {
    const asCustomer = await call<{ type: string }>(`${api}/queries/admin/projections`, { headers: bearer(tokens.alice) });
    expect([asCustomer.status, asCustomer.body.type]).toEqual([403, '/problems/forbidden']);
    const rebuild = await call<{ type: string }>(`${api}/queries/admin/projections/rebuild`, { method: 'POST', headers: bearer(tokens.bob) });
    expect([rebuild.status, rebuild.body.type]).toEqual([403, '/problems/forbidden']);
    const asAdmin = await call<{ generation: number }>(`${api}/queries/admin/projections`, { headers: bearer(tokens.admin) });
    expect(asAdmin.status).toBe(200);
    expect(typeof asAdmin.body.generation).toBe('number');
  });
});
