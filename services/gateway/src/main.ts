import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runService } from '@bank/platform';
import { createGatewayApp } from './app.js';
import { loadGatewayConfig } from './config.js';

runService({
  name: 'gateway',
  load: loadGatewayConfig,
  build: ({ config, log, sidecar }) => {
    const staticDir = path.resolve(config.STATIC_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist-web'));
    const { app, dashboard } = createGatewayApp({ config, sidecar, log, staticDir });
    return {
      app,
      start: () => {
        if (config.AUTH_MODE === 'off') log.warn('AUTH_MODE=off: anyone who reaches the gateway can call every /api route');
        if (!dashboard()) log.warn({ staticDir }, 'the dashboard is not built (npm run build:web); the API routes work');
        log.info({ staticDir, command: config.COMMAND_APP_ID, query: config.QUERY_APP_ID }, 'gateway ready');
      },
    };
  },
});
