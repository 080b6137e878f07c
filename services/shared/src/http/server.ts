import type { Server } from 'node:http';
import type Koa from 'koa';
import type { Logger } from '../log/logger.js';

/**
 * Listens and wires SIGTERM/SIGINT to a graceful stop: stop accepting, let in-flight requests
 * finish (bounded), run the service's own closers, exit.
 */
export function listen(app: Koa, port: number, log: Logger, closers: Array<() => Promise<void>> = []): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, '0.0.0.0');
    server.keepAliveTimeout = 65_000;
    server.once('error', reject);
    server.once('listening', () => {
      log.info({ port }, 'listening');
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'shutting down');
        const force = setTimeout(() => process.exit(1), 10_000);
        force.unref();
        server.close(async () => {
          for (const c of closers) await c().catch((err: unknown) => log.error({ err }, 'close failed'));
          process.exit(0);
        });
        server.closeIdleConnections();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      resolve(server);
    });
  });
}
