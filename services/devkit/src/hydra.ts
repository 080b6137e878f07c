// Ory Hydra, the OpenID Connect provider, for `npm start` and the tests: on loopback, in Hydra's
// --dev mode (plain http on 127.0.0.1), on a SQLite file made afresh at each start (a restart
// forgets sessions and issued tokens, and signs with new keys). Not DSN=memory: its shared-cache
// database failed two token exchanges at once ("Unable to serialize access due to a concurrent
// update", a 500 from /oauth2/token); a file in WAL mode with a busy timeout takes them. Its login, consent and logout pages are the gateway's
// (/auth/*), which also holds the user directory. Access tokens are JWTs for audience "bank-api"
// carrying the user's roles as a top-level claim. Telemetry is off (--sqa-opt-out).
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './ports.js';
import { httpOk, spawnManaged, waitFor, type Managed } from './processes.js';
import { toolsCacheBin } from './tools.js';

/** The audience every bank API token is issued for; the gateway accepts no other. */
export const API_AUDIENCE = 'bank-api';
/** The dashboard's OAuth 2.0 client: public (no secret), authorization code + PKCE, refresh tokens. */
export const DASHBOARD_CLIENT_ID = 'bank-dashboard';
/** The command line's client (npm run token, the tests): public, PKCE, redirect never listened on. */
export const CLI_CLIENT_ID = 'bank-cli';
export const CLI_REDIRECT_URI = 'http://127.0.0.1/token-callback';
/** npm start's provider ports: its issuer is what `npm run token` signs in at by default. */
export const START_HYDRA_PORTS = { public: 4444, admin: 4445 } as const;
export const START_ISSUER = `http://127.0.0.1:${START_HYDRA_PORTS.public}/`;
/** Where the dashboard lands after sign-in: any extension-less path is the single-page app. */
export const DASHBOARD_REDIRECT_PATH = '/signed-in';

export interface HydraOptions {
  runDir: string;
  /** The gateway's origin (http://127.0.0.1:<port>): its /auth pages and the dashboard. */
  gatewayOrigin: string;
  /** Fixed ports (npm start); free ones by default. */
  publicPort?: number;
  adminPort?: number;
}

export interface RunningHydra {
  /** The issuer, with its trailing slash as Hydra writes it in tokens. */
  issuer: string;
  adminUrl: string;
  proc: Managed;
  stop(): Promise<void>;
}

/** An OAuth 2.0 client as Hydra's admin API takes it (the fields used here). */
export interface OAuthClient {
  client_id: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  /** Seconds, e.g. "5s": a shorter access-token life for this client's authorization-code grants. */
  authorization_code_grant_access_token_lifespan?: string;
}

export async function startHydra(options: HydraOptions): Promise<RunningHydra> {
  const binary = path.join(toolsCacheBin(), 'hydra');
  if (!existsSync(binary)) throw new Error(`hydra not found in ${path.dirname(binary)}: run npm run setup (it builds it into the tools cache)`);
  const publicPort = options.publicPort ?? (await freePort());
  const adminPort = options.adminPort ?? (await freePort());
  const issuer = `http://127.0.0.1:${publicPort}/`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  mkdirSync(options.runDir, { recursive: true });
  const database = path.join(options.runDir, 'hydra.sqlite');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${database}${suffix}`, { force: true });
  const dsn = `sqlite://${database}?_fk=true&_journal_mode=WAL&_busy_timeout=10000&_txlock=immediate`;
  const migrated = spawnSync(binary, ['migrate', 'sql', 'up', '--yes', dsn], { encoding: 'utf8', timeout: 60_000 });
  if (migrated.status !== 0) throw new Error(`hydra migrate failed (${migrated.status ?? migrated.error?.message}): ${(migrated.stderr || migrated.stdout).slice(-2000)}`);
  const configFile = path.join(options.runDir, 'hydra.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      dsn,
      log: { level: 'warn' },
      serve: {
        public: {
          host: '127.0.0.1',
          port: publicPort,
          // The dashboard (another origin) reads the discovery document and exchanges its code.
          cors: { enabled: true, allowed_origins: [options.gatewayOrigin], allowed_methods: ['GET', 'POST'], allowed_headers: ['Content-Type', 'Authorization'] },
        },
        admin: { host: '127.0.0.1', port: adminPort },
      },
      urls: {
        self: { issuer },
        login: `${options.gatewayOrigin}/auth/login`,
        consent: `${options.gatewayOrigin}/auth/consent`,
        logout: `${options.gatewayOrigin}/auth/logout`,
        post_logout_redirect: `${options.gatewayOrigin}/`,
      },
      // A new secret each start: nothing outlives the in-memory database anyway.
      secrets: { system: [randomBytes(32).toString('base64url')] },
      strategies: { access_token: 'jwt' },
      oauth2: { allowed_top_level_claims: ['roles'], mirror_top_level_claims: false },
      ttl: { access_token: '15m', refresh_token: '8h' },
    }),
    { mode: 0o600 },
  );
  const proc = spawnManaged('hydra', binary, ['serve', 'all', '--dev', '--sqa-opt-out', '--config', configFile], { logDir: options.runDir });
  await waitFor('hydra', () => httpOk(`${adminUrl}/health/ready`), { proc, timeoutMs: 60_000 });
  await registerClient(adminUrl, {
    client_id: DASHBOARD_CLIENT_ID,
    redirect_uris: [`${options.gatewayOrigin}${DASHBOARD_REDIRECT_PATH}`],
    post_logout_redirect_uris: [`${options.gatewayOrigin}/`],
  });
  await registerClient(adminUrl, { client_id: CLI_CLIENT_ID, redirect_uris: [CLI_REDIRECT_URI] });
  return { issuer, adminUrl, proc, stop: () => proc.kill('SIGTERM') };
}

/** Registers a public first-party client (PKCE, no secret) allowed the bank API's audience. */
export async function registerClient(adminUrl: string, client: OAuthClient): Promise<void> {
  const res = await fetch(`${adminUrl}/admin/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'openid offline_access',
      audience: [API_AUDIENCE],
      token_endpoint_auth_method: 'none',
      ...client,
    }),
  });
  if (res.status !== 201) throw new Error(`hydra: registering client ${client.client_id} answered ${res.status}: ${await res.text()}`);
}
