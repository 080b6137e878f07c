// `npm start`: the whole system on this machine, in the foreground. FerretDB for the read models
// (unless MONGODB_URL points at a MongoDB), the gateway and dashboard on 3000 (daprd 3500; the
// dashboard is built first when missing or stale), account-command on 3001 (daprd 3501),
// account-query on 3002 (daprd 3502), Hydra (the sign-in provider) on 4444 (admin 4445, in memory:
// sign in again after a restart), the components profile from PROFILE (default redis) with its
// slot 0, so data survives restarts. Ctrl-C (or SIGTERM) stops everything it started.
import { createServer } from 'node:net';
import path from 'node:path';
import {
  devLoginUsers,
  prepareProfile,
  START_HYDRA_PORTS,
  startHydra,
  REDIS_HOST,
  REDIS_PORT,
  redisCommand,
  REPO_ROOT,
  selectedProfile,
  startFerretDb,
  startService,
  type RunningFerretDb,
  type RunningHydra,
  type RunningService,
} from '@bank/devkit';
import { ensureWebBuilt } from '../services/gateway/src/web-build.js';

const say = (m: string) => console.log(`[start] ${m}`);

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function requirePort(port: number, what: string): Promise<void> {
  if (!(await portFree(port))) throw new Error(`port ${port} (${what}) is in use: stop whatever holds it (another npm start?) and try again`);
}

async function main(): Promise<void> {
  const profile = selectedProfile();
  if (profile === 'redis' || profile.includes('redis')) {
    try {
      await redisCommand([['PING']], 0);
    } catch (e) {
      throw new Error(
        `Redis is not reachable at ${REDIS_HOST}:${REDIS_PORT} (${(e as Error).message}). Start it, or set REDIS_HOST / REDIS_PORT (and REDIS_PASSWORD) to where it runs.`,
      );
    }
  }
  for (const [port, what] of [
    [3000, 'gateway'],
    [3500, 'daprd of gateway'],
    [3001, 'account-command'],
    [3501, 'daprd of account-command'],
    [3002, 'account-query'],
    [3502, 'daprd of account-query'],
    [START_HYDRA_PORTS.public, 'hydra (sign-in provider)'],
    [START_HYDRA_PORTS.admin, 'hydra admin API'],
  ] as const)
    await requirePort(port, what);

  ensureWebBuilt(REPO_ROOT, say);
  const run = await prepareProfile(profile, { slot: 0 });
  const runDir = path.join(REPO_ROOT, '.data', 'start');
  const common = { resourcesPath: run.resourcesPath, runDir, nameResolutionDb: path.join(runDir, 'name-resolution.db'), daprEnv: run.daprEnv };
  let ferret: RunningFerretDb | undefined;
  let hydra: RunningHydra | undefined;
  const services: RunningService[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping');
    await Promise.allSettled(services.map((s) => s.stop()));
    await Promise.allSettled([ferret?.stop(), hydra?.stop()]);
    run.release();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    let mongoUrl = process.env.MONGODB_URL;
    if (!mongoUrl) {
      const port = (await portFree(27017)) ? 27017 : undefined;
      ferret = await startFerretDb({ runDir, port, slot: run.slot, fresh: false, dataDir: path.join(REPO_ROOT, '.data', 'ferretdb') });
      mongoUrl = ferret.url;
      const where = process.env.FERRETDB_BACKEND === 'sqlite' ? '.data/ferretdb' : 'PostgreSQL database bank_readmodels';
      say(`FerretDB      ${mongoUrl}  (data in ${where}${port ? '' : '; 27017 was taken'})`);
    } else {
      say(`MongoDB       ${mongoUrl.replace(/\/\/[^@/]*@/, '//[redacted]@')}`);
    }
    // Live updates (SSE fan-out between query replicas) use Redis pub/sub, wherever the profile's stores are.
    const pw = process.env.REDIS_PASSWORD;
    const liveRedisUrl = process.env.LIVE_REDIS_URL ?? `redis://${pw ? `:${encodeURIComponent(pw)}@` : ''}${REDIS_HOST}:${REDIS_PORT}`;
    hydra = await startHydra({ runDir, gatewayOrigin: 'http://127.0.0.1:3000', publicPort: START_HYDRA_PORTS.public, adminPort: START_HYDRA_PORTS.admin });
    say(`Hydra         ${hydra.issuer}  (sign-in provider; admin API ${hydra.adminUrl})`);
    say(`profile ${profile}; logs in ${path.relative(process.cwd(), runDir)}/`);
    const [gateway, command, query] = await Promise.all([
      startService({
        ...common,
        appId: 'gateway',
        entry: 'services/gateway/src/main.ts',
        appPort: 3000,
        daprHttpPort: 3500,
        env: { OIDC_ISSUER: hydra.issuer, HYDRA_ADMIN_URL: hydra.adminUrl, LOGIN_USERS: process.env.LOGIN_USERS ?? (await devLoginUsers()) },
      }).then((s) => (services.push(s), s)),
      startService({ ...common, appId: 'account-command', entry: 'services/account-command/src/main.ts', appPort: 3001, daprHttpPort: 3501 }).then((s) => (services.push(s), s)),
      startService({
        ...common,
        appId: 'account-query',
        entry: 'services/account-query/src/main.ts',
        appPort: 3002,
        daprHttpPort: 3502,
        env: { MONGODB_URL: mongoUrl, LIVE_REDIS_URL: liveRedisUrl },
      }).then((s) => (services.push(s), s)),
    ]);
    say(`dashboard        ${gateway.url}   (gateway; daprd http://127.0.0.1:${gateway.daprd.ports.http})  ready`);
    say(`account-command  ${command.url}   (daprd http://127.0.0.1:${command.daprd.ports.http})  ready`);
    say(`account-query    ${query.url}   (daprd http://127.0.0.1:${query.daprd.ports.http})  ready`);
    say(`sign in at ${gateway.url} as alice, bob or admin (passwords in docs/security.md), or: TOKEN=$(npm run -s token -- alice)`);
    say(
      `try: curl -s -XPOST ${gateway.url}/api/commands/accounts -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"initialBalance":"100.00","currency":"MAD"}'`,
    );
    say('Ctrl-C stops everything');
    // Report a service that dies, rather than leaving a half-running system behind.
    for (const s of services) {
      void s.app.exited.then((code) => {
        if (!stopping) {
          say(`${s.appId} exited (${code}); see ${s.app.logFile}`);
          void stop(1);
        }
      });
    }
  } catch (err) {
    console.error(`[start] ${(err as Error).message}`);
    await stop(1);
  }
}

main().catch((err: unknown) => {
  console.error(`[start] ${(err as Error).message}`);
  process.exit(1);
});
