import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import type { Logger } from '../log/logger.js';
import { Problem, PROBLEM_CONTENT_TYPE } from '@bank/contracts';

function writeRawProblem(socket: Duplex, p: Problem): void {
  const body = JSON.stringify(p.toBody());
  socket.end(
    `HTTP/1.1 ${p.status} ${STATUS_CODES[p.status] ?? ''}\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * Requests Node refuses before Koa sees them (not HTTP/1.1: an unknown method, a header section
 * over the limit, both Content-Length and Transfer-Encoding, bytes not allowed in the target) and
 * CONNECT (which Node would drop without a word) get a problem document too, like every other
 * refusal, never the parser's message.
 */
export function answerMalformedRequests(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Same rule as Node's own handler: answer only if nothing was written on this connection yet.
    const s = socket as Duplex & { bytesWritten?: number };
    if (err.code === 'ECONNRESET' || !s.writable || (s.bytesWritten ?? 0) > 0) {
      socket.destroy();
      return;
    }
    const p =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? new Problem('header-fields-too-large', 'the request line and headers are too large')
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? new Problem('request-timeout', 'the request was not received in time')
          : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
            ? new Problem('payload-too-large', 'the chunk extensions are too large')
            : new Problem('invalid-request', 'the request is not valid HTTP/1.1');
    writeRawProblem(socket, p);
  });
  server.on('connect', (_req: unknown, socket: Duplex) => {
    writeRawProblem(socket, new Problem('method-not-allowed', 'CONNECT is not supported'));
  });
}

/**
 * A request target with a fragment or a backslash is not a URI path (RFC 9112 §3.2), yet Node's URL
 * parsing would drop the fragment and turn backslashes into slashes, so `/accounts/x/credit#y`
 * would reach the credit route: another spelling of a resource, past any path rule in front.
 */
export function refuseAmbiguousTargets(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (/[#\\]/.test(req.url ?? '')) {
      const body = JSON.stringify(new Problem('invalid-request', 'the request target may not contain "#" or "\\"').toBody());
      res.writeHead(400, { 'content-type': PROBLEM_CONTENT_TYPE, 'content-length': Buffer.byteLength(body), connection: 'close' });
      res.end(body);
      return;
    }
    // Koa's handler answers its own errors: its promise never rejects.
    void handler(req, res);
  };
}

/**
 * Listens and wires SIGTERM/SIGINT to a graceful stop: stop accepting, let in-flight requests
 * finish (bounded), run the service's own closers, exit.
 */
export function listen(app: Koa, port: number, log: Logger, closers: Array<() => Promise<void>> = []): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(refuseAmbiguousTargets(app.callback()));
    answerMalformedRequests(server);
    server.listen(port, '0.0.0.0');
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
        const closeAll = async () => {
          for (const c of closers) await c().catch((err: unknown) => log.error({ err }, 'close failed'));
          process.exit(0);
        };
        server.close(() => void closeAll());
        server.closeIdleConnections();
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      resolve(server);
    });
  });
}
