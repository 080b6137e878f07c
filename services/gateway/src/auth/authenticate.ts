// Bearer tokens at the edge: every /api call carries an access token from the provider, a JWT
// whose signature is checked against the provider's published keys (JWKS, found through its
// discovery document and cached by jose, refetched when a token names an unknown key), and whose
// issuer, audience and expiry are checked with a bounded clock skew. Only asymmetric algorithms
// are accepted (never "none", never an HMAC a public key could be abused as).
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { Problem } from '@bank/contracts';
import { roleOf, type Principal } from './principal.js';

export interface AuthenticatorOptions {
  issuer: string;
  audience: string;
  clockSkewSeconds: number;
  /**
   * Where to read the provider's keys, when not at the jwks_uri of its discovery document: on a
   * cluster the issuer is the address browsers reach, which the gateway's pod may not (a
   * port-forward, an external name); the keys are then read from the provider's Service.
   */
  jwksUrl?: string;
  /** Bound on a provider round trip (discovery, keys). */
  timeoutMs?: number;
}

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];
/** Longer than any token this provider issues: a longer header is refused before any parsing. */
const MAX_TOKEN_CHARS = 8192;
const REALM = 'bank';

/** A 401 answer: the problem, and the RFC 6750 challenge for WWW-Authenticate. */
export class Unauthenticated extends Error {
  constructor(
    readonly problem: Problem,
    readonly challenge: string,
  ) {
    super(problem.message);
  }
}

function refuse(description?: string): Unauthenticated {
  // Without a token: the bare challenge (RFC 6750 3.1); with a bad one: invalid_token and why.
  const challenge = description ? `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"` : `Bearer realm="${REALM}"`;
  return new Unauthenticated(
    new Problem('unauthorized', description ? `the access token is not accepted: ${description}` : 'sign in: this API needs an access token (Authorization: Bearer)'),
    challenge,
  );
}

/** Why jose refused a token, in words safe to send back (never the token or key material). */
function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'it has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `its ${err.claim} claim is not accepted`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'its algorithm is not accepted';
  if (err instanceof errors.JWKSNoMatchingKey) return 'it is not signed with a key of the provider';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  return 'it is not a well-formed signed token';
}

/** fetch's own failure to reach the key set's address (jose passes it through). */
function unreachable(err: unknown): boolean {
  return err instanceof TypeError && err.message === 'fetch failed';
}

export function createAuthenticator(options: AuthenticatorOptions) {
  const timeoutMs = options.timeoutMs ?? 5000;
  let keys: JWTVerifyGetKey | undefined;

  /** The provider's key set, found through its discovery document once it has answered. */
  async function keySet(): Promise<JWTVerifyGetKey> {
    if (keys) return keys;
    if (options.jwksUrl) return (keys = createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: timeoutMs }));
    let jwksUri: string;
    try {
      const res = await fetch(new URL('.well-known/openid-configuration', options.issuer.endsWith('/') ? options.issuer : `${options.issuer}/`), {
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) throw new Error(`status ${res.status}`);
      jwksUri = ((await res.json()) as { jwks_uri?: string }).jwks_uri ?? '';
      if (!jwksUri) throw new Error('no jwks_uri');
    } catch (e) {
      throw new Problem('dependency-unavailable', `the sign-in provider's discovery document could not be read (${(e as Error).message})`);
    }
    keys = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: timeoutMs });
    return keys;
  }

  /** The caller of a request with this Authorization header, or an Unauthenticated to answer with. */
  return async function authenticate(authorization: string | undefined): Promise<Principal> {
    if (!authorization) throw refuse();
    const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(authorization);
    if (!match || authorization.length > MAX_TOKEN_CHARS) throw refuse('the Authorization header is not a Bearer token');
    const token = match[1]!;
    const getKey = await keySet();
    try {
      const { payload } = await jwtVerify(token, getKey, {
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockSkewSeconds,
        algorithms: ALGORITHMS,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      if (!payload.sub) throw refuse('it names no subject');
      return { subject: payload.sub, role: roleOf(payload.roles) };
    } catch (err) {
      if (err instanceof Unauthenticated) throw err;
      if (err instanceof errors.JWKSTimeout || (err instanceof errors.JOSEError && err.code === 'ERR_JWKS_INVALID') || unreachable(err)) {
        throw new Problem('dependency-unavailable', "the sign-in provider's keys could not be read");
      }
      throw refuse(reasonOf(err));
    }
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;
