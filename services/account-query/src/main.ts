import { MongoClient } from 'mongodb';
import { ConfigError, createLogger, listen, Sidecar } from '@bank/shared';
import { createQueryApp } from './app.js';
import { loadQueryConfig } from './config.js';

async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The URL without credentials, for logs. */
function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//[redacted]@');
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadQueryConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`account-query: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger('account-query', config.LOG_LEVEL);
  const sidecar = new Sidecar({ httpPort: config.DAPR_HTTP_PORT, host: config.DAPR_HOST, apiToken: config.DAPR_API_TOKEN });
  const client = new MongoClient(config.MONGODB_URL, { serverSelectionTimeoutMS: 5000, appName: 'account-query' });
  const { app, start, stop } = createQueryApp(config, sidecar, log);
  // Listen first: daprd waits for the app port before it finishes starting.
  await listen(app, config.APP_PORT, log, [stop, () => client.close()]);
  await until(`MongoDB at ${redact(config.MONGODB_URL)} is not reachable`, config.SIDECAR_WAIT_MS, async () => {
    await client.connect();
    return true;
  });
  await start(client.db());
  await until(`the Dapr sidecar at ${sidecar.baseUrl} is not healthy`, config.SIDECAR_WAIT_MS, () => sidecar.healthy());
  log.info({ mongo: redact(config.MONGODB_URL), commandAppId: config.COMMAND_APP_ID }, 'read models ready');
}

main().catch((err: unknown) => {
  console.error('account-query failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
