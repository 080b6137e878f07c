// The authenticator with its keys at a given address (OIDC_JWKS_URL, as on a cluster): the issuer
// is then only what tokens must name, never fetched. A local key server stands in for the provider.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { createAuthenticator, Unauthenticated } from './authenticate.js';

const ISSUER = 'http://127.0.0.1:9/'; // the discard port: nothing answers there
const AUDIENCE = 'bank-api';

let server: Server;
let jwksUrl: string;
let keyFetches = 0;
let signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  signingKey = pair.privateKey;
  const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((req, res) => {
    keyFetches += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const token = (claims: { iss?: string; aud?: string } = {}) =>
  new SignJWT({ roles: ['customer'] })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setSubject('alice')
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(signingKey);

describe('an authenticator reading its keys from OIDC_JWKS_URL', () => {
  const authenticate = () => createAuthenticator({ issuer: ISSUER, audience: AUDIENCE, clockSkewSeconds: 30, jwksUrl, timeoutMs: 2000 });

  it('accepts a token of the issuer signed with a key from that address, without reading the discovery document', async () => {
    // Given keys served at jwksUrl and an issuer address nobody answers at
    // When a token of that issuer is checked
    const principal = await authenticate()(`Bearer ${await token()}`);
    // Then it is accepted, with the keys read from jwksUrl
    expect(principal).toEqual({ subject: 'alice', role: 'customer' });
    expect(keyFetches).toBeGreaterThan(0);
  });

  it('still refuses a token naming another issuer', async () => {
    const refused = await authenticate()(`Bearer ${await token({ iss: 'http://127.0.0.1:4444/' })}`).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(Unauthenticated);
    expect((refused as Unauthenticated).challenge).toContain('error="invalid_token"');
  });

  it('still refuses a token for another audience', async () => {
    const refused = await authenticate()(`Bearer ${await token({ aud: 'another-api' })}`).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(Unauthenticated);
  });
});
