// For unit tests: a Koa app (or a bare request listener) served on a free loopback port, closed
// with its open connections.
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

export interface ListeningServer {
  server: Server;
  port: number;
  /** http://127.0.0.1:PORT */
  base: string;
  /** Drops open connections and closes the server. */
  close(): Promise<void>;
}

export async function listenOnLoopback(app: Koa | RequestListener): Promise<ListeningServer> {
  const server = createServer(typeof app === 'function' ? app : app.callback());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    base: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
