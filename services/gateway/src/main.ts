import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, listen, runService, Sidecar } from '@bank/platform';
import { createGatewayApp } from './app.js';
import { loadGatewayConfig } from './config.js';

runService('gateway', loadGatewayConfig, async (config) => {
  const log = createLogger('gateway', config.LOG_LEVEL);
  const staticDir = path.resolve(config.STATIC_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist-web'));
  const sidecar = new Sidecar({ httpPort: config.DAPR_HTTP_PORT, host: config.DAPR_HOST, apiToken: config.DAPR_API_TOKEN });
  const { app, dashboard } = createGatewayApp({ config, sidecar, log, staticDir });
  await listen(app, config.APP_PORT, log);
  if (!dashboard()) log.warn({ staticDir }, 'the dashboard is not built (npm run build:web); the API routes work');
  log.info({ staticDir, command: config.COMMAND_APP_ID, query: config.QUERY_APP_ID }, 'gateway ready');
});
