import { ConfigError, createLogger, listen, Sidecar } from '@bank/shared';
import { createCommandApp } from './app.js';
import { loadCommandConfig } from './config.js';
import { probeOutbox } from './eventstore/outbox-probe.js';

async function waitForSidecar(sidecar: Sidecar, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await sidecar.healthy())) {
    if (Date.now() > until) throw new Error(`the Dapr sidecar at ${sidecar.baseUrl} is not healthy after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadCommandConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`account-command: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger('account-command', config.LOG_LEVEL);
  const sidecar = new Sidecar({ httpPort: config.DAPR_HTTP_PORT, host: config.DAPR_HOST, apiToken: config.DAPR_API_TOKEN });
  // Listen first: daprd waits for the app port before it finishes starting.
  const { app, markReady } = createCommandApp(config, sidecar, log);
  await listen(app, config.APP_PORT, log);
  await waitForSidecar(sidecar, config.SIDECAR_WAIT_MS);
  const outbox = await probeOutbox(sidecar, config.STATESTORE);
  markReady(outbox);
  log.info({ outbox, store: config.STATESTORE }, 'event store ready');
}

main().catch((err: unknown) => {
  console.error('account-command failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
