import path from 'node:path';
import { freePort } from './ports.js';
import { httpOk, spawnManaged, waitFor, type Managed } from './processes.js';
import { allocateDaprdPorts, startDaprd, type Daprd } from './dapr.js';

export interface ServiceOptions {
  appId: string;
  /** TypeScript entry point, relative to the repository root. */
  entry: string;
  resourcesPath: string;
  runDir: string;
  nameResolutionDb: string;
  /** Environment of the app (ports and tokens are added). */
  env?: Record<string, string | undefined>;
  /** Environment of the sidecar (component secrets such as BANK_REDIS_ADDRESS). */
  daprEnv?: Record<string, string | undefined>;
  daprApiToken?: string | undefined;
  appApiToken?: string | undefined;
  /** Fixed app port (npm start); a free one by default. */
  appPort?: number;
  /** Fixed sidecar HTTP port (npm start); a free one by default. */
  daprHttpPort?: number;
}

export interface RunningService {
  appId: string;
  url: string;
  appPort: number;
  app: Managed;
  daprd: Daprd;
  /** Kill the app (SIGKILL by default: a crash) and start it again on the same port. */
  restartApp(opts?: { signal?: NodeJS.Signals; env?: Record<string, string | undefined> }): Promise<void>;
  /** Kill the sidecar and start it again on the same ports. */
  restartDaprd(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts an app under tsx and its daprd, and waits until the app reports ready. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const appPort = options.appPort ?? (await freePort());
  let daprd: Daprd | undefined;
  let app: Managed | undefined;
  let appEnv = options.env ?? {};

  const ports = await allocateDaprdPorts();
  if (options.daprHttpPort !== undefined) ports.http = options.daprHttpPort;
  const launchApp = async (): Promise<Managed> => {
    // SERVICE_NODE_ARGS: extra Node.js flags for every service, e.g. "--cpu-prof --cpu-prof-dir=DIR"
    // (profiles written when the service exits; docs/performance.md).
    const nodeArgs = (process.env.SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const m = spawnManaged(options.appId, process.execPath, [...nodeArgs, '--import', 'tsx', path.join(options.entry)], {
      logDir: options.runDir,
      env: {
        ...appEnv,
        APP_PORT: String(appPort),
        DAPR_HTTP_PORT: String(ports.http),
        DAPR_API_TOKEN: options.daprApiToken,
        APP_API_TOKEN: options.appApiToken,
        LOG_LEVEL: appEnv.LOG_LEVEL ?? 'info',
      },
    });
    await waitFor(`${options.appId} ready`, () => httpOk(`http://127.0.0.1:${appPort}/readyz`), { proc: m, timeoutMs: 90_000 });
    return m;
  };
  const launchDaprd = () =>
    startDaprd({
      appId: options.appId,
      appPort,
      resourcesPath: options.resourcesPath,
      runDir: options.runDir,
      nameResolutionDb: options.nameResolutionDb,
      env: options.daprEnv,
      daprApiToken: options.daprApiToken,
      appApiToken: options.appApiToken,
      ports,
      wait: false,
    });

  try {
    // Together: daprd waits for the app port, the app waits for its sidecar.
    daprd = await launchDaprd();
    app = await launchApp();
  } catch (err) {
    await app?.kill('SIGKILL');
    await daprd?.stop('SIGKILL');
    throw err;
  }
  const svc: RunningService = {
    appId: options.appId,
    url: `http://127.0.0.1:${appPort}`,
    appPort,
    app,
    daprd,
    async restartApp(opts = {}) {
      await svc.app.kill(opts.signal ?? 'SIGKILL');
      if (opts.env) appEnv = { ...appEnv, ...opts.env };
      svc.app = app = await launchApp();
    },
    async restartDaprd() {
      await svc.daprd.stop('SIGKILL');
      svc.daprd = daprd = await launchDaprd();
      await waitFor(`${options.appId} ready again`, () => httpOk(`${svc.url}/readyz`), { proc: svc.daprd.proc, timeoutMs: 60_000 });
    },
    async stop() {
      await Promise.all([svc.app.kill('SIGTERM'), svc.daprd.stop('SIGTERM')]);
    },
  };
  return svc;
}
