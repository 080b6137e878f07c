import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, createLogger, listen, Sidecar } from '@bank/shared';
import { createGatewayApp } from './app.js';
import { loadGatewayConfig } from './config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadGatewayConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`gateway: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger('gateway', config.LOG_LEVEL);
  const staticDir = path.resolve(config.STATIC_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist-web'));
  const sidecar = new Sidecar({ httpPort: config.DAPR_HTTP_PORT, host: config.DAPR_HOST, apiToken: config.DAPR_API_TOKEN });
  const { app, dashboard } = createGatewayApp({ config, sidecar, log, staticDir });
  await listen(app, config.APP_PORT, log);
  if (!dashboard()) log.warn({ staticDir }, 'the dashboard is not built (npm run build:web); the API routes work');
  log.info({ staticDir, command: config.COMMAND_APP_ID, query: config.QUERY_APP_ID }, 'gateway ready');
}

main().catch((err: unknown) => {
  console.error('gateway failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
