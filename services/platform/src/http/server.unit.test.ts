import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { answerMalformedRequests, refuseAmbiguousTargets } from './server.js';

describe('requests Node or its URL parsing would mishandle', () => {
  let server: Server;
  let port: number;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer(
      refuseAmbiguousTargets((req, res) => {
        seen.push(req.url ?? '');
        res.end('ok');
      }),
    );
    answerMalformedRequests(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  /** Raw bytes in, the whole answer out (the server closes: connection: close or an error). */
  function raw(request: string | Buffer): Promise<{ status: number; type: string; body: unknown }> {
    return new Promise((resolve, reject) => {
      const sock = connect(port, '127.0.0.1');
      const got: Buffer[] = [];
      sock.on('data', (d: Buffer) => got.push(d));
      sock.on('error', () => undefined);
      sock.on('close', () => {
        const text = Buffer.concat(got).toString('utf8');
        const [head = '', body = ''] = text.split('\r\n\r\n');
        if (!head) return reject(new Error('closed without an answer'));
        resolve({
          status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]),
          type: /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '',
          body: body ? (JSON.parse(body) as unknown) : undefined,
        });
      });
      sock.write(request);
    });
  }

  it.each([
    ['an unknown method', 'FOO / HTTP/1.1\r\nhost: x\r\n\r\n', 400, 'invalid-request'],
    ['a lower-case method', 'get / HTTP/1.1\r\nhost: x\r\n\r\n', 400, 'invalid-request'],
    ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'invalid-request'],
    ['raw UTF-8 in the target', Buffer.from('GET /é HTTP/1.1\r\nhost: x\r\n\r\n', 'utf8'), 400, 'invalid-request'],
    ['headers over the limit', `GET / HTTP/1.1\r\nhost: x\r\nx-pad: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'header-fields-too-large'],
    ['CONNECT', 'CONNECT 127.0.0.1:80 HTTP/1.1\r\nhost: x\r\n\r\n', 405, 'method-not-allowed'],
    ['a fragment in the target', 'GET /accounts#x HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n', 400, 'invalid-request'],
    ['a backslash in the target', 'GET /a\\b HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n', 400, 'invalid-request'],
  ])('answers %s with a problem document', async (_, request, status, code) => {
    const res = await raw(request);
    expect(res.status).toBe(status);
    expect(res.type).toBe('application/problem+json');
    expect(res.body).toMatchObject({ type: `/problems/${code}`, status, title: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toMatch(/HPE_|Parse Error|at /);
  });

  it('passes ordinary requests through', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/accounts?x=1`);
    expect(res.status).toBe(200);
    expect(seen).toContain('/accounts?x=1');
  });
});
