// Sign-in at the edge, end to end: Hydra issues the tokens through its real authorization-code
// flow (the gateway's sign-in page filled in), the gateway verifies them against Hydra's keys.
// Without a valid token nothing is read or written; hostile tokens get a 401, never a 5xx; only
// an administrator reaches the admin endpoints.
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { API_AUDIENCE, CLI_CLIENT_ID, devUser, registerClient, signIn } from '@bank/devkit';
import { gatewayDocument } from '@bank/contracts';
import { call, rawHttp, startSystem, type TestSystemWithGateway } from '@bank/testkit';

let sys: TestSystemWithGateway;
let gw: string;
let alice: string;
let admin: string;

beforeAll(async () => {
  sys = (await startSystem({
    gateway: true,
    gatewayEnv: { OIDC_CLOCK_SKEW_SECONDS: '1', RATE_LIMIT_SUBJECT_PER_SECOND: '20', RATE_LIMIT_SUBJECT_BURST: '40' },
  })) as TestSystemWithGateway;
  gw = sys.gateway.url;
  [alice, admin] = await Promise.all([sys.tokenFor('alice'), sys.tokenFor('admin')]);
});

afterAll(async () => {
  await sys?.stop();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/** How many accounts the read side has, asked as the administrator. */
async function accountCount(): Promise<number> {
  const page = await call<{ items: unknown[] }>(`${gw}/api/queries/accounts?limit=200`, { headers: bearer(admin) });
  expect(page.status).toBe(200);
  return page.body.items.length;
}

/** A refusal at the edge: 401, a problem, the RFC 6750 challenge. */
function expectUnauthorized(answer: { status: number; body: unknown; headers: Headers }, error?: 'invalid_token') {
  expect({ status: answer.status, type: (answer.body as { type?: string }).type }).toEqual({ status: 401, type: '/problems/unauthorized' });
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const challenge = answer.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer realm="bank"/);
  if (error) expect(challenge).toContain(`error="${error}"`);
  else expect(challenge).not.toContain('error=');
}

describe('a token from the provider', () => {
  it('is a JWT for the bank API naming the user and their role', () => {
    expect(claimsOf(alice)).toMatchObject({ sub: 'alice', aud: [API_AUDIENCE], roles: ['customer'], iss: sys.hydra.issuer });
    expect(claimsOf(admin)).toMatchObject({ sub: 'admin', roles: ['admin'] });
  });

  it('lets a customer open, operate and read an account through the gateway', async () => {
    const opened = await call<{ accountId: string }>(`${gw}/api/commands/accounts`, { body: { initialBalance: '10.00', currency: 'MAD' }, headers: bearer(alice) });
    expect(opened.status).toBe(201);
    const credited = await call(`${gw}/api/commands/accounts/${opened.body.accountId}/credit`, { body: { amount: '1.00', currency: 'MAD' }, headers: bearer(alice) });
    expect(credited.status).toBe(200);
    const read = await call<{ balance: string }>(`${gw}/api/queries/accounts/${opened.body.accountId}?minVersion=3`, { headers: bearer(alice) });
    expect([read.status, read.body.balance]).toEqual([200, '11.00']);
  });
});

describe('without a valid token', () => {
  it('nothing is written or read, and the answer says how to authenticate', async () => {
    const before = await accountCount();
    expectUnauthorized(await call(`${gw}/api/commands/accounts`, { body: { initialBalance: '10.00', currency: 'MAD' } }));
    expectUnauthorized(await call(`${gw}/api/queries/accounts`));
    expectUnauthorized(await call(`${gw}/api/queries/stats`));
    expectUnauthorized(await call(`${gw}/api/queries/admin/projections/rebuild`, { method: 'POST' }));
    expect(await accountCount()).toBe(before);
  });

  it('given no token, when the OpenAPI document is asked for, then the gateway serves its own: the document of what needs one', async () => {
    // given, when
    const answer = await call(`${gw}/openapi.json`);
    // then
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(gatewayDocument())));
  });

  it.each([
    ['another scheme', 'Basic YWxpY2U6YWxpY2U='],
    ['an empty bearer', 'Bearer '],
    ['not a JWT', 'Bearer not-a-token'],
    ['three empty parts', 'Bearer ..'],
    ['garbage parts', 'Bearer aaa.bbb.ccc'],
    ['a very long token', `Bearer ${'a'.repeat(9000)}`],
  ])('%s is refused with 401', async (_what, authorization) => {
    const answer = await call(`${gw}/api/queries/accounts`, { headers: { authorization } });
    expectUnauthorized(answer, 'invalid_token');
  });

  it('a token whose signature was tampered with is refused', async () => {
    const [header, payload, signature] = alice.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, -4)}${signature.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    expectUnauthorized(await call(`${gw}/api/queries/accounts`, { headers: bearer(`${header}.${payload}.${flipped}`) }), 'invalid_token');
    // The same signature over claims that make alice an administrator.
    const forged = Buffer.from(JSON.stringify({ ...claimsOf(alice), roles: ['admin'] })).toString('base64url');
    expectUnauthorized(await call(`${gw}/api/queries/admin/projections`, { headers: bearer(`${header}.${forged}.${signature}`) }), 'invalid_token');
  });

  it('an unsigned token (alg none) is refused', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ ...claimsOf(admin), exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    for (const token of [`${header}.${payload}.`, `${header}.${payload}`]) {
      const answer = await call(`${gw}/api/queries/admin/projections`, { headers: bearer(token) });
      expect(answer.status).toBe(401);
    }
  });

  it('a token signed with another key, under the provider key id, is refused', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const providerKid = (JSON.parse(Buffer.from(admin.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
    const claims = claimsOf(admin);
    const token = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256', kid: providerKid, typ: 'JWT' }).setExpirationTime('10m').sign(privateKey);
    expectUnauthorized(await call(`${gw}/api/queries/admin/projections`, { headers: bearer(token) }), 'invalid_token');
    // An HMAC token keyed with the provider's public key (the algorithm-confusion attack).
    const jwk = await exportJWK(publicKey);
    const hmac = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', kid: providerKid }).sign(new TextEncoder().encode(JSON.stringify(jwk)));
    expectUnauthorized(await call(`${gw}/api/queries/admin/projections`, { headers: bearer(hmac) }), 'invalid_token');
  });

  it('a token for another audience is refused', async () => {
    const { password } = devUser('alice');
    const noAudience = await signIn({ issuer: sys.hydra.issuer, username: 'alice', password, audience: '' });
    expect(claimsOf(noAudience.accessToken).aud).toEqual([]);
    const answer = await call(`${gw}/api/queries/accounts`, { headers: bearer(noAudience.accessToken) });
    expectUnauthorized(answer, 'invalid_token');
    expect((answer.body as { detail: string }).detail).toMatch(/aud/);
  });

  it('an expired token is refused once the bounded clock skew has passed', async () => {
    await registerClient(sys.hydra.adminUrl, {
      client_id: 'bank-short-lived',
      redirect_uris: ['http://127.0.0.1/short-callback'],
      authorization_code_grant_access_token_lifespan: '2s',
    });
    const { password } = devUser('alice');
    const short = await signIn({ issuer: sys.hydra.issuer, username: 'alice', password, clientId: 'bank-short-lived', redirectUri: 'http://127.0.0.1/short-callback' });
    const claims = claimsOf(short.accessToken) as { exp: number; iat: number };
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(3);
    expect((await call(`${gw}/api/queries/accounts`, { headers: bearer(short.accessToken) })).status).toBe(200);
    // exp + the gateway's 1 s of tolerated skew, and a little more.
    await new Promise((resolve) => setTimeout(resolve, (claims.exp + 1) * 1000 - Date.now() + 1500));
    const answer = await call(`${gw}/api/queries/accounts`, { headers: bearer(short.accessToken) });
    expectUnauthorized(answer, 'invalid_token');
    expect((answer.body as { detail: string }).detail).toMatch(/expired/);
  });

  it('a header too large for the server is refused before any token is read, never with a 5xx', async () => {
    const raw = rawHttp(() => Number(new URL(gw).port));
    const answer = await raw.send({ method: 'GET', target: '/api/queries/accounts', headers: [['authorization', `Bearer ${'a'.repeat(20_000)}`]] });
    expect([answer.status, answer.headers.get('content-type')]).toEqual([431, 'application/problem+json']);
  });
});

describe('who did what (audit)', () => {
  type History = { events: Array<{ type: string; actor: string | null; correlationId: string | null; data: Record<string, unknown> }> };
  const history = async (accountId: string, token: string) => (await call<History>(`${gw}/api/commands/accounts/${accountId}/events`, { headers: bearer(token) })).body.events;

  it("records the signed-in user on every event they cause, the transfer process on its later steps, and a customer's account as theirs", async () => {
    const open = async (token: string, initialBalance: string) =>
      (await call<{ accountId: string }>(`${gw}/api/commands/accounts`, { body: { initialBalance, currency: 'MAD' }, headers: bearer(token) })).body.accountId;
    const mine = await open(alice, '50.00');
    const banks = await open(admin, '0.00');
    const credited = await call(`${gw}/api/commands/accounts/${mine}/credit`, {
      body: { amount: '1.00', currency: 'MAD' },
      headers: { ...bearer(alice), 'x-correlation-id': 'audit-1' },
    });
    expect(credited.status).toBe(200);
    const sent = await call<{ transferId: string }>(`${gw}/api/commands/transfers`, {
      body: { fromAccountId: mine, toAccountId: banks, amount: '5.00', currency: 'MAD' },
      headers: bearer(alice),
    });
    expect(sent.status).toBe(202);
    // The transfer settles within moments: its credit on the target, then its completion on the source.
    const until = Date.now() + 15_000;
    let target = await history(banks, admin);
    while (!target.some((event) => event.type === 'AccountCredited') && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      target = await history(banks, admin);
    }

    const source = await history(mine, alice);
    expect(source.slice(0, 4).map(({ type, actor }) => [type, actor])).toEqual([
      ['AccountCreated', 'alice'],
      ['AccountActivated', 'alice'],
      ['AccountCredited', 'alice'],
      ['AccountDebited', 'alice'],
    ]);
    expect(source[0]!.data.owner).toBe('alice');
    expect(source[2]!.correlationId).toBe('audit-1');
    // The administrator's account belongs to the bank; the transfer's credit there was the process's doing.
    expect(target[0]).toMatchObject({ type: 'AccountCreated', actor: 'admin', data: { owner: null } });
    const credit = target.find((event) => event.type === 'AccountCredited');
    expect(credit?.actor).toBe('process:transfers');
  });

  it('a client cannot name another caller: the headers the gateway sets are its own', async () => {
    const opened = await call<{ accountId: string }>(`${gw}/api/commands/accounts`, {
      body: { initialBalance: '1.00', currency: 'MAD' },
      headers: { ...bearer(alice), 'x-bank-subject': 'bob', 'x-bank-role': 'admin' },
    });
    const [created] = await history(opened.body.accountId, alice);
    expect(created).toMatchObject({ actor: 'alice', data: { owner: 'alice' } });
  });
});

describe("a customer and another customer's account", () => {
  let bob: string;
  let alicesAccount: string;
  let bobsAccount: string;
  const unknownId = '00000000-0000-4000-8000-000000000001';

  beforeAll(async () => {
    bob = await sys.tokenFor('bob');
    const open = async (token: string, key: string) =>
      (
        await call<{ accountId: string }>(`${gw}/api/commands/accounts`, {
          body: { initialBalance: '20.00', currency: 'MAD' },
          headers: { ...bearer(token), 'idempotency-key': key },
        })
      ).body.accountId;
    alicesAccount = await open(alice, 'owned-1');
    bobsAccount = await open(bob, 'owned-1');
  });

  it('one Idempotency-Key opens one account per customer: the same key of another customer opens their own', () => {
    expect(bobsAccount).not.toBe(alicesAccount);
  });

  it("answers another customer's account on the command side exactly as one that does not exist, and changes nothing", async () => {
    const asBob = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
      call<Record<string, unknown>>(`${gw}/api/commands/${path}`, { ...(body === undefined ? {} : { body }), headers: { ...bearer(bob), ...headers } });
    const before = await call<{ version: number }>(`${gw}/api/commands/accounts/${alicesAccount}/state`, { headers: bearer(alice) });
    expect(before.status).toBe(200);
    for (const [mine, unknown] of [
      [await asBob(`accounts/${alicesAccount}/state`), await asBob(`accounts/${unknownId}/state`)],
      [await asBob(`accounts/${alicesAccount}/events`), await asBob(`accounts/${unknownId}/events`)],
      [await asBob(`accounts/${alicesAccount}/credit`, { amount: '1.00', currency: 'MAD' }), await asBob(`accounts/${unknownId}/credit`, { amount: '1.00', currency: 'MAD' })],
      [
        await asBob(`accounts/${alicesAccount}/debit`, { amount: '1.00', currency: 'MAD' }, { 'if-match': '"2"' }),
        await asBob(`accounts/${unknownId}/debit`, { amount: '1.00', currency: 'MAD' }, { 'if-match': '"2"' }),
      ],
      [await asBob(`accounts/${alicesAccount}/suspend`, {}), await asBob(`accounts/${unknownId}/suspend`, {})],
      [await asBob(`accounts/${alicesAccount}/close`, {}), await asBob(`accounts/${unknownId}/close`, {})],
      [
        await asBob('transfers', { fromAccountId: alicesAccount, toAccountId: bobsAccount, amount: '1.00', currency: 'MAD' }),
        await asBob('transfers', { fromAccountId: unknownId, toAccountId: bobsAccount, amount: '1.00', currency: 'MAD' }),
      ],
    ]) {
      // 404, or for an If-Match the 412 a missing account gets (at version 0): never hers.
      expect([404, 412]).toContain(mine!.status);
      expect(mine!.status).toBe(unknown!.status);
      const hide = (body: Record<string, unknown>) => JSON.stringify(body).replaceAll(alicesAccount, '<id>').replaceAll(unknownId, '<id>');
      expect(hide(mine!.body)).toBe(hide(unknown!.body));
    }
    // Alice's key, repeated by Bob on her account: not her remembered answer, a 404.
    const credited = await call(`${gw}/api/commands/accounts/${alicesAccount}/credit`, {
      body: { amount: '2.00', currency: 'MAD' },
      headers: { ...bearer(alice), 'idempotency-key': 'hers-1' },
    });
    expect(credited.status).toBe(200);
    const replayed = await asBob(`accounts/${alicesAccount}/credit`, { amount: '2.00', currency: 'MAD' }, { 'idempotency-key': 'hers-1' });
    expect([replayed.status, replayed.headers.get('idempotent-replayed')]).toEqual([404, null]);
    const after = await call<{ version: number; balance: string }>(`${gw}/api/commands/accounts/${alicesAccount}/state`, { headers: bearer(alice) });
    expect(after.body).toMatchObject({ version: before.body.version + 1, balance: '22.00' });
  });

  it("answers another customer's account on the query side as unknown, and lists only a customer's own", async () => {
    await call(`${gw}/api/queries/accounts/${alicesAccount}?minVersion=2`, { headers: bearer(alice) });
    const hers = await call<Record<string, unknown>>(`${gw}/api/queries/accounts/${alicesAccount}`, { headers: bearer(bob) });
    const unknown = await call<Record<string, unknown>>(`${gw}/api/queries/accounts/${unknownId}`, { headers: bearer(bob) });
    expect([hers.status, unknown.status]).toEqual([404, 404]);
    expect(JSON.stringify(hers.body).replaceAll(alicesAccount, '<id>')).toBe(JSON.stringify(unknown.body).replaceAll(unknownId, '<id>'));
    const listed = await call<{ items: Array<{ accountId: string; owner: string | null }> }>(`${gw}/api/queries/accounts?limit=200`, { headers: bearer(bob) });
    expect(listed.body.items.length).toBeGreaterThan(0);
    expect(listed.body.items.every((account) => account.owner === 'bob')).toBe(true);
    const all = await call<{ items: Array<{ accountId: string }> }>(`${gw}/api/queries/accounts?limit=200`, { headers: bearer(admin) });
    expect(all.body.items.map((account) => account.accountId)).toEqual(expect.arrayContaining([alicesAccount, bobsAccount]));
  });

  it("lets a customer send to another customer's account, and an administrator act on any", async () => {
    const sent = await call<{ status: string }>(`${gw}/api/commands/transfers`, {
      body: { fromAccountId: bobsAccount, toAccountId: alicesAccount, amount: '5.00', currency: 'MAD' },
      headers: bearer(bob),
    });
    expect(sent.status).toBe(202);
    const byAdmin = await call(`${gw}/api/commands/accounts/${alicesAccount}/credit`, { body: { amount: '1.00', currency: 'MAD' }, headers: bearer(admin) });
    expect(byAdmin.status).toBe(200);
    expect((await call(`${gw}/api/commands/accounts/${bobsAccount}/events`, { headers: bearer(admin) })).status).toBe(200);
  });
});

describe('roles', () => {
  it('only an administrator reaches the admin endpoints', async () => {
    const asCustomer = await call<{ type: string }>(`${gw}/api/queries/admin/projections`, { headers: bearer(alice) });
    expect([asCustomer.status, asCustomer.body.type]).toEqual([403, '/problems/forbidden']);
    const rebuild = await call<{ type: string }>(`${gw}/api/queries/admin/projections/rebuild`, { method: 'POST', headers: bearer(alice) });
    expect([rebuild.status, rebuild.body.type]).toEqual([403, '/problems/forbidden']);
    const asAdmin = await call<{ generation: number }>(`${gw}/api/queries/admin/projections`, { headers: bearer(admin) });
    expect(asAdmin.status).toBe(200);
    expect(typeof asAdmin.body.generation).toBe('number');
  });
});

describe('the sign-in page', () => {
  it('publishes what the dashboard needs to start the flow', async () => {
    const config = await call(`${gw}/auth/config`);
    expect(config.body).toEqual({ mode: 'oidc', issuer: sys.hydra.issuer, clientId: 'bank-dashboard', audience: API_AUDIENCE, scope: 'openid offline_access' });
  });

  it('refuses a wrong password, and a form posted without its page (login CSRF)', async () => {
    await expect(signIn({ issuer: sys.hydra.issuer, username: 'alice', password: 'not-her-password' })).rejects.toThrow(/401/);
    await expect(signIn({ issuer: sys.hydra.issuer, username: 'mallory', password: 'anything' })).rejects.toThrow(/401/);
    const posted = await fetch(`${gw}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ challenge: 'x', csrf: 'guess', username: 'alice', password: devUser('alice').password }).toString(),
      redirect: 'manual',
    });
    expect(posted.status).toBe(403);
  });

  it('answers a made-up challenge with a 400 problem, never a 5xx', async () => {
    const answer = await call<{ type: string }>(`${gw}/auth/login?login_challenge=made-up`);
    expect([answer.status, answer.body.type]).toEqual([400, '/problems/invalid-request']);
    expect((await call(`${gw}/auth/consent?consent_challenge=made-up`)).status).toBe(400);
    expect((await call(`${gw}/auth/login`)).status).toBe(400);
  });

  it('gives the command line client a token too (npm run token uses it)', () => {
    expect(claimsOf(alice).client_id).toBe(CLI_CLIENT_ID);
  });
});

describe('abuse limits', () => {
  it("answers a user's flood with 429 and Retry-After, limits no one else, and lets them in again after the wait", async () => {
    const flood = await Promise.all(Array.from({ length: 80 }, () => call(`${gw}/api/queries/stats`, { headers: bearer(admin) })));
    const limited = flood.filter((answer) => answer.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(flood.every((answer) => answer.status === 200 || answer.status === 429)).toBe(true);
    expect((limited[0]!.body as { type: string }).type).toBe('/problems/too-many-requests');
    const wait = Number(limited[0]!.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    // Another user is not held back by the first one's flood.
    expect((await call(`${gw}/api/queries/stats`, { headers: bearer(alice) })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    expect((await call(`${gw}/api/queries/stats`, { headers: bearer(admin) })).status).toBe(200);
  });
});
