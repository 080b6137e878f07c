// The gateway app's sign-in settings, without a sidecar or a provider: what it tells the
// dashboard at /auth/config, and that with sign-in on an anonymous API call never reaches the proxy.
import { createLogger, Sidecar } from '@bank/platform';
import { listenOnLoopback, type ListeningServer } from '@bank/testkit';
import { createGatewayApp } from './app.js';
import { loadGatewayConfig } from './config.js';

let running: ListeningServer | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function gatewayWith(env: Record<string, string>): Promise<string> {
  const config = loadGatewayConfig(env);
  // A sidecar port nothing listens on: these requests must not need it.
  const sidecar = new Sidecar({ httpPort: 9, timeoutMs: 200 });
  const { app } = createGatewayApp({ config, sidecar, log: createLogger('gateway-test', 'silent'), staticDir: '/nonexistent' });
  running = await listenOnLoopback(app);
  return running.base;
}

describe('the gateway with sign-in off', () => {
  it('tells the dashboard so', async () => {
    const base = await gatewayWith({ AUTH_MODE: 'off' });
    const res = await fetch(`${base}/auth/config`);
    expect([res.status, await res.json()]).toEqual([200, { mode: 'off' }]);
  });
});

describe('the gateway with sign-in on', () => {
  it('publishes the provider to the dashboard, and refuses an anonymous API call without calling the service', async () => {
    const base = await gatewayWith({ OIDC_ISSUER: 'http://127.0.0.1:9/' });
    const config = await fetch(`${base}/auth/config`);
    expect(await config.json()).toEqual({ mode: 'oidc', issuer: 'http://127.0.0.1:9/', clientId: 'bank-dashboard', audience: 'bank-api', scope: 'openid offline_access' });
    const anonymous = await fetch(`${base}/api/queries/accounts`);
    expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="bank"']);
  });

  it('given no token, when the OpenAPI document is asked for, then it is served: the API it describes needs one, the document does not', async () => {
    // given
    const base = await gatewayWith({ OIDC_ISSUER: 'http://127.0.0.1:9/' });
    // when
    const res = await fetch(`${base}/openapi.json`);
    // then
    const document = (await res.json()) as { openapi: string; paths: Record<string, unknown>; components: { securitySchemes: Record<string, unknown> } };
    expect([res.status, res.headers.get('content-type'), document.openapi]).toEqual([200, 'application/json; charset=utf-8', '3.1.0']);
    expect(Object.keys(document.paths)).toContain('/api/commands/accounts');
    expect(document.components.securitySchemes).toHaveProperty('bearer');
  });

  it('refuses to start without an issuer, unless sign-in is turned off', () => {
    expect(() => loadGatewayConfig({})).toThrow(/OIDC_ISSUER is required/);
    expect(() => loadGatewayConfig({ OIDC_ISSUER: 'not a url' })).toThrow(/http\(s\) URL/);
  });
});

describe('the gateway under a flood from one address', () => {
  it('answers 429 with Retry-After once the address has spent its burst: bad tokens and sign-in attempts count', async () => {
    const base = await gatewayWith({
      OIDC_ISSUER: 'http://127.0.0.1:9/',
      HYDRA_ADMIN_URL: 'http://127.0.0.1:9',
      RATE_LIMIT_ADDRESS_PER_SECOND: '1',
      RATE_LIMIT_ADDRESS_BURST: '2',
    });
    const statuses = [];
    for (let i = 0; i < 2; i++) statuses.push((await fetch(`${base}/api/queries/accounts`, { headers: { authorization: 'Basic bm9uc2Vuc2U=' } })).status);
    const limited = await fetch(`${base}/api/queries/accounts`);
    expect([...statuses, limited.status]).toEqual([401, 401, 429]);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toMatchObject({ type: '/problems/too-many-requests', status: 429 });
    const guess = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'challenge=x&csrf=y&username=alice&password=z',
    });
    expect(guess.status).toBe(429);
  });
});

describe('the client address behind proxies (TRUSTED_PROXY_HOPS)', () => {
  const flood = { OIDC_ISSUER: 'http://127.0.0.1:9/', RATE_LIMIT_ADDRESS_PER_SECOND: '1', RATE_LIMIT_ADDRESS_BURST: '1' };
  const from = (base: string, forwardedFor: string) => fetch(`${base}/api/queries/accounts`, { headers: { 'x-forwarded-for': forwardedFor } }).then((res) => res.status);

  it('counts, behind one trusted proxy, the address it saw: clients behind the same proxy are limited apart', async () => {
    const base = await gatewayWith({ ...flood, TRUSTED_PROXY_HOPS: '1' });
    // Given two clients behind one Ingress (which appends the address it saw).
    expect(await from(base, '203.0.113.7')).toBe(401);
    expect(await from(base, '203.0.113.7')).toBe(429);
    // Then the other is not held back by the first one's flood,
    expect(await from(base, '198.51.100.9')).toBe(401);
    // and a client cannot pick its address by writing the header itself: the proxy's entry counts.
    expect(await from(base, '192.0.2.1, 203.0.113.7')).toBe(429);
  });

  it('ignores X-Forwarded-For without trusted proxies (the default): any client can write it', async () => {
    const base = await gatewayWith(flood);
    expect(await from(base, '203.0.113.7')).toBe(401);
    expect(await from(base, '198.51.100.9')).toBe(429);
  });
});
