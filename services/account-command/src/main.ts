import { runService, waitForSidecar } from '@bank/platform';
import { createCommandApp } from './app.js';
import { loadCommandConfig } from './config.js';
import { probeOutbox } from './eventstore/outbox-probe.js';

runService({
  name: 'account-command',
  load: loadCommandConfig,
  build: ({ config, log, sidecar }) => {
    const { app, markReady, transfers } = createCommandApp(config, sidecar, log);
    return {
      app,
      closers: [() => transfers.close(), () => sidecar.close()],
      start: async () => {
        await waitForSidecar(sidecar, config.SIDECAR_WAIT_MS);
        const outbox = await probeOutbox(sidecar, config.STATESTORE);
        markReady(outbox);
        log.info({ outbox, store: config.STATESTORE }, 'event store ready');
      },
    };
  },
});
