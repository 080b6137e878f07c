import { MongoClient } from 'mongodb';
import { runService, waitForDependency, waitForSidecar } from '@bank/platform';
import { createQueryApp } from './app.js';
import { loadQueryConfig } from './config.js';

/** The URL without credentials, for logs. */
function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//[redacted]@');
}

runService({
  name: 'account-query',
  load: loadQueryConfig,
  build: ({ config, log, sidecar }) => {
    const client = new MongoClient(config.MONGODB_URL, { serverSelectionTimeoutMS: 5000, appName: 'account-query' });
    const { app, start, stop } = createQueryApp(config, sidecar, log);
    return {
      app,
      closers: [stop, () => client.close()],
      start: async () => {
        await waitForDependency(`MongoDB at ${redact(config.MONGODB_URL)} is not reachable`, config.SIDECAR_WAIT_MS, async () => {
          await client.connect();
          return true;
        });
        await start(client.db());
        await waitForSidecar(sidecar, config.SIDECAR_WAIT_MS);
        log.info({ mongo: redact(config.MONGODB_URL), commandAppId: config.COMMAND_APP_ID }, 'read models ready');
      },
    };
  },
});
