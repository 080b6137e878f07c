import { env, type ConfigOf } from './env.js';

/**
 * The settings every service starts with, first in its config spec: where it listens and where
 * its sidecar is. The ports default to the service's `npm start` ports.
 */
export function serviceSettings(ports: { appPort: number; daprHttpPort: number }) {
  return {
    APP_PORT: env.int(ports.appPort, { min: 1, max: 65535 }),
    DAPR_HTTP_PORT: env.int(ports.daprHttpPort, { min: 1, max: 65535 }),
    DAPR_HOST: env.str('127.0.0.1'),
    /** The sidecar requires it from us when it runs with DAPR_API_TOKEN. */
    DAPR_API_TOKEN: env.secret(),
  };
}

/** The settings every service ends its config spec with: how long it waits for its dependencies, what it logs. */
export const startSettings = {
  SIDECAR_WAIT_MS: env.int(60_000, { min: 0 }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
};

/** What runService reads of a service's configuration. */
export type ServiceConfig = ConfigOf<ReturnType<typeof serviceSettings> & typeof startSettings>;
