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
  if (problems.length) throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return c;
}

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
