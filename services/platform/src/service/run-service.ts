import type Koa from 'koa';
import { ConfigError } from '../config/env.js';
import type { ServiceConfig } from '../config/service-settings.js';
import { Sidecar } from '../dapr/sidecar.js';
import { listen } from '../http/server.js';
import { createLogger, type Logger } from '../log/logger.js';

/** What a service is built from: its configuration, its logger and its Dapr sidecar client. */
export interface ServiceContext<C extends ServiceConfig> {
  config: C;
  log: Logger;
  sidecar: Sidecar;
}

/** A built service: its app, what to close when it stops, and what to do once it listens. */
export interface BuiltService {
  app: Koa;
  /** Run in order on SIGTERM/SIGINT, once in-flight requests are done. */
  closers?: Array<() => Promise<void>>;
  /** Runs once the port is open: connect dependencies, mark the service ready. */
  start?: () => Promise<void> | void;
}

export interface RunServiceOptions<C extends ServiceConfig> {
  /** The service's name: its logger's, and the prefix of a start-up failure. */
  name: string;
  load: () => C;
  build: (context: ServiceContext<C>) => BuiltService;
}

/**
 * Every service's main: configuration first (a bad variable exits 2 with a message naming it,
 * before anything starts), then the logger and the sidecar client, the app built and listened on
 * at once (daprd waits for the app port before it finishes starting), then the service's start.
 * A failure to start exits 1 with a line that says why, never a stack trace on an operator's
 * terminal.
 */
export function runService<C extends ServiceConfig>({ name, load, build }: RunServiceOptions<C>): void {
  let config: C;
  try {
    config = load();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`${name}: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  const main = async (): Promise<void> => {
    const log = createLogger(name, config.LOG_LEVEL);
    const sidecar = new Sidecar({ httpPort: config.DAPR_HTTP_PORT, host: config.DAPR_HOST, apiToken: config.DAPR_API_TOKEN });
    const service = build({ config, log, sidecar });
    await listen(service.app, config.APP_PORT, log, service.closers);
    await service.start?.();
  };
  main().catch((err: unknown) => {
    console.error(`${name} failed to start:`, err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

/** Polls `check` every 250 ms until it holds; throws `<what> after <ms> ms` when it never does. */
export async function waitForDependency(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits up to `ms` for the sidecar to report healthy. */
export function waitForSidecar(sidecar: Sidecar, ms: number): Promise<void> {
  return waitForDependency(`the Dapr sidecar at ${sidecar.baseUrl} is not healthy`, ms, () => sidecar.healthy());
}
