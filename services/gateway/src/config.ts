import { COMMAND_APP_ID } from '@bank/contracts';
import { ConfigError, env, loadConfig, serviceSettings, startSettings } from '@bank/platform';

export const configSpec = {
  ...serviceSettings({ appPort: 3000, daprHttpPort: 3500 }),
  /** The sidecar sends it to us; the gateway takes no deliveries, so it only guards /dapr/*. */
  APP_API_TOKEN: env.secret(),
  COMMAND_APP_ID: env.str(COMMAND_APP_ID),
  QUERY_APP_ID: env.str('account-query'),
  /** Largest request body forwarded (the services apply their own, smaller, limits). */
  BODY_LIMIT_BYTES: env.int(65_536, { min: 1024, max: 10 * 1024 * 1024 }),
  /** Bound of a proxied request (live streams excepted). */
  UPSTREAM_TIMEOUT_MS: env.int(15_000, { min: 100, max: 300_000 }),
  /**
   * oidc: every /api call needs an access token from OIDC_ISSUER (the default). off: no sign-in
   * at all, for a deployment that has no provider yet; the gateway logs a warning at start.
   */
  AUTH_MODE: env.oneOf(['oidc', 'off'], 'oidc'),
  /** The provider's issuer URL, exactly as in its tokens (Hydra's ends with a slash). */
  OIDC_ISSUER: env.optional(),
  /**
   * Where the gateway reads the provider's signing keys, when it cannot reach the issuer's own
   * address (on a cluster: the provider's Service); empty: the jwks_uri of the issuer's discovery
   * document. Tokens are still checked against OIDC_ISSUER.
   */
  OIDC_JWKS_URL: env.optional(),
  OIDC_AUDIENCE: env.str('bank-api'),
  /** Clock difference tolerated on a token's exp, nbf and iat. */
  OIDC_CLOCK_SKEW_SECONDS: env.int(30, { min: 0, max: 300 }),
  /** The dashboard's OAuth 2.0 client id at the provider (published at /auth/config). */
  OIDC_DASHBOARD_CLIENT_ID: env.str('bank-dashboard'),
  /** Hydra's admin API: with it the gateway serves the provider's login, consent and logout pages. */
  HYDRA_ADMIN_URL: env.optional(),
  /**
   * Abuse limits, per gateway replica (a token bucket each: requests per second and burst; a rate
   * of 0 turns one off): per client address on every /api call and sign-in, per signed-in user
   * on every /api call. Over a limit: 429 with Retry-After.
   */
  RATE_LIMIT_ADDRESS_PER_SECOND: env.int(200, { min: 0, max: 100_000 }),
  RATE_LIMIT_ADDRESS_BURST: env.int(400, { min: 1, max: 1_000_000 }),
  RATE_LIMIT_SUBJECT_PER_SECOND: env.int(50, { min: 0, max: 100_000 }),
  RATE_LIMIT_SUBJECT_BURST: env.int(100, { min: 1, max: 1_000_000 }),
  /**
   * Proxies in front of the gateway that append the client's address to X-Forwarded-For (an
   * Ingress controller: 1). The per-address limit then counts the address the nearest of them
   * saw; 0: the connection's own address, and X-Forwarded-For is ignored (any client can write it).
   */
  TRUSTED_PROXY_HOPS: env.int(0, { min: 0, max: 5 }),
  /** Who may sign in: a JSON array of {username, role, passwordHash} (a Secret; docs/security.md). */
  LOGIN_USERS: env.secret(),
  /** The dashboard's built files (npm run build:web). */
  STATIC_DIR: env.optional(),
  ...startSettings,
};

export function loadGatewayConfig(source: NodeJS.ProcessEnv = process.env) {
  const c = loadConfig(configSpec, source);
  const problems: string[] = [];
  for (const name of ['COMMAND_APP_ID', 'QUERY_APP_ID'] as const) {
    if (!/^[A-Za-z0-9_.-]+$/.test(c[name])) problems.push(`${name} must be a Dapr app id, got "${c[name]}"`);
  }
  if (c.AUTH_MODE === 'oidc' && !c.OIDC_ISSUER) problems.push('OIDC_ISSUER is required with AUTH_MODE=oidc (or set AUTH_MODE=off to run without sign-in)');
  for (const name of ['OIDC_ISSUER', 'OIDC_JWKS_URL', 'HYDRA_ADMIN_URL'] as const) {
    const value = c[name];
    if (value && !/^https?:\/\/[^\s/]+/.test(value)) problems.push(`${name} must be an http(s) URL, got "${value}"`);
  }
  if (problems.length) throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return c;
}

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
