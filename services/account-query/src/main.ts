import { MongoClient } from 'mongodb';
import { createLogger, listen, runService, Sidecar, waitForDependency } from '@bank/platform';
import { createQueryApp } from './app.js';
import { loadQueryConfig } from './config.js';

/** The URL without credentials, for logs. */
function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//[redacted]@');
}

runService('account-query', loadQueryConfig, async (config) => {
  const log = createLogger('account-query', config.LOG_LEVEL);
  const sidecar = new Sidecar({ httpPort: config.DAPR_HTTP_PORT, host: config.DAPR_HOST, apiToken: config.DAPR_API_TOKEN });
  const client = new MongoClient(config.MONGODB_URL, { serverSelectionTimeoutMS: 5000, appName: 'account-query' });
  const { app, start, stop } = createQueryApp(config, sidecar, log);
  // Listen first: daprd waits for the app port before it finishes starting.
  await listen(app, config.APP_PORT, log, [stop, () => client.close()]);
  await waitForDependency(`MongoDB at ${redact(config.MONGODB_URL)} is not reachable`, config.SIDECAR_WAIT_MS, async () => {
    await client.connect();
    return true;
  });
  await start(client.db());
  await waitForDependency(`the Dapr sidecar at ${sidecar.baseUrl} is not healthy`, config.SIDECAR_WAIT_MS, () => sidecar.healthy());
  log.info({ mongo: redact(config.MONGODB_URL), commandAppId: config.COMMAND_APP_ID }, 'read models ready');
});
