import { createLogger, listen, runService, Sidecar, waitForDependency } from '@bank/platform';
import { createCommandApp } from './app.js';
import { loadCommandConfig } from './config.js';
import { probeOutbox } from './eventstore/outbox-probe.js';

runService('account-command', loadCommandConfig, async (config) => {
  const log = createLogger('account-command', config.LOG_LEVEL);
  const sidecar = new Sidecar({ httpPort: config.DAPR_HTTP_PORT, host: config.DAPR_HOST, apiToken: config.DAPR_API_TOKEN });
  // Listen first: daprd waits for the app port before it finishes starting.
  const { app, markReady } = createCommandApp(config, sidecar, log);
  await listen(app, config.APP_PORT, log, [() => sidecar.close()]);
  await waitForDependency(`the Dapr sidecar at ${sidecar.baseUrl} is not healthy`, config.SIDECAR_WAIT_MS, () => sidecar.healthy());
  const outbox = await probeOutbox(sidecar, config.STATESTORE);
  markReady(outbox);
  log.info({ outbox, store: config.STATESTORE }, 'event store ready');
});
