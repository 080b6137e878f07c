// A raw HTTP/1.1 client for hostile-input suites: fetch would normalise `..`, refuse non-ASCII
// headers and odd methods, which are exactly what those suites must send. Also the check that an
// answer is a clean refusal: a 4xx problem document that gives nothing away.
import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  /** The request target, byte for byte (a Buffer for raw non-ASCII bytes). */
  target: string | Buffer;
  headers?: Array<[string, string | Buffer]>;
  body?: string | Buffer;
  /** Sent with Transfer-Encoding: chunked, one chunk per part, with a pause between parts. */
  chunks?: Array<string | Buffer>;
  /** Leave out Host (it is added otherwise). */
  noHost?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Map<string, string>;
  text: string;
}

const bytes = (s: string | Buffer): Buffer => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s);

/** A client for the server on `port()` (a getter: suites learn the port in beforeAll). */
export function rawHttp(port: () => number) {
  function encodeRequest(r: RawRequest): Buffer[] {
    const head: Buffer[] = [Buffer.from(`${r.method} `), bytes(r.target), Buffer.from(' HTTP/1.1\r\n')];
    const names = new Set((r.headers ?? []).map(([n]) => n.toLowerCase()));
    if (!r.noHost) head.push(Buffer.from(`host: 127.0.0.1:${port()}\r\n`));
    head.push(Buffer.from('connection: close\r\n'));
    for (const [n, v] of r.headers ?? []) head.push(Buffer.from(`${n}: `), bytes(v), Buffer.from('\r\n'));
    if (r.chunks) {
      if (!names.has('transfer-encoding')) head.push(Buffer.from('transfer-encoding: chunked\r\n'));
      head.push(Buffer.from('\r\n'));
      const parts = r.chunks.map((c) => Buffer.concat([Buffer.from(`${bytes(c).length.toString(16)}\r\n`), bytes(c), Buffer.from('\r\n')]));
      return [Buffer.concat(head), ...parts, Buffer.from('0\r\n\r\n')];
    }
    const body = r.body === undefined ? Buffer.alloc(0) : bytes(r.body);
    if (r.body !== undefined && !names.has('content-length')) head.push(Buffer.from(`content-length: ${body.length}\r\n`));
    head.push(Buffer.from('\r\n'));
    return [Buffer.concat([...head, body])];
  }

  function parseResponse(buf: Buffer): RawResponse {
    const sep = buf.indexOf('\r\n\r\n');
    if (sep < 0) throw new Error(`no complete response head: ${JSON.stringify(buf.toString('latin1').slice(0, 300))}`);
    const [statusLine = '', ...lines] = buf.subarray(0, sep).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine)}`);
    const headers = new Map<string, string>();
    for (const l of lines) {
      const i = l.indexOf(':');
      headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
    }
    let body = buf.subarray(sep + 4);
    if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) {
      const out: Buffer[] = [];
      let at = 0;
      for (;;) {
        const eol = body.indexOf('\r\n', at);
        const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
        if (!size) break;
        out.push(body.subarray(eol + 2, eol + 2 + size));
        at = eol + 2 + size + 2;
      }
      body = Buffer.concat(out);
    } else if (headers.has('content-length')) {
      body = body.subarray(0, Number(headers.get('content-length')));
    }
    return { status: Number(m[1]), headers, text: body.toString('utf8') };
  }

  /** Sends the request and reads the answer until the server closes (we ask for Connection: close). */
  function send(r: RawRequest, pauseMs = 2): Promise<RawResponse> {
    const parts = encodeRequest(r);
    return new Promise((resolve, reject) => {
      const sock = connect(port(), '127.0.0.1');
      const got: Buffer[] = [];
      sock.on('data', (d: Buffer) => got.push(d));
      // The server may answer (413, 400) and close before it has read everything: EPIPE/ECONNRESET
      // on our side then, with the answer already received.
      sock.on('error', () => undefined);
      sock.setTimeout(20_000, () => sock.destroy());
      sock.on('close', () => {
        const buf = Buffer.concat(got);
        if (buf.length === 0) return reject(new Error('the server closed the connection without an answer'));
        try {
          resolve(parseResponse(buf));
        } catch (e) {
          reject(e as Error);
        }
      });
      void (async () => {
        for (const [i, p] of parts.entries()) {
          if (sock.destroyed) return;
          sock.write(p);
          if (parts.length > 1 && i < parts.length - 1) await new Promise((res) => setTimeout(res, pauseMs));
        }
      })();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // What every refusal must look like, and "nothing was written".

  /** Signs of internals: stack frames, file paths, error class names, Dapr and store details. */
  const LEAKS: RegExp[] = [
    /\n\s+at /,
    /\bat [^\s]+ \(/,
    /node_modules/,
    /\/(?:work|home|tmp|usr)\//,
    /\.(?:ts|js|mjs):\d+/,
    /[A-Za-z]*Error\b/,
    /\bERR_[A-Z_]+/,
    /\bdapr(?!-api-token)/i, // naming the header a caller must send is not a leak
    /sidecar/i,
    /statestore/i,
    /redis/i,
    /127\.0\.0\.1|localhost/,
    /\bstack\b/i,
    /ECONN|EPIPE/,
    /\[object Object\]/,
    /\bundefined\b/,
    /\bprocess\b/,
  ];

  function describeRequest(r: RawRequest): string {
    return Buffer.concat(encodeRequest(r)).toString('latin1').slice(0, 600);
  }

  /** Throws (for fast-check to shrink and report) unless `res` is a clean 4xx problem. */
  function assertRefusal(r: RawRequest, res: RawResponse, allowed?: { statuses?: number[]; types?: string[] }): void {
    const where = `\n  request: ${JSON.stringify(describeRequest(r))}\n  answer: ${res.status} ${res.headers.get('content-type')} ${res.text.slice(0, 500)}`;
    const fail = (why: string): never => {
      throw new Error(`${why}${where}`);
    };
    if (res.status < 400 || res.status > 499) fail(`status ${res.status} is not a 4xx`);
    if (allowed?.statuses && !allowed.statuses.includes(res.status)) fail(`status ${res.status} not in ${allowed.statuses.join(',')}`);
    if (!/^application\/problem\+json(;|$)/.test(res.headers.get('content-type') ?? '')) fail('not application/problem+json');
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      fail('body is not JSON');
    }
    const p = body as { type?: unknown; title?: unknown; status?: unknown };
    if (typeof p !== 'object' || p === null || Array.isArray(p)) fail('body is not a JSON object');
    if (typeof p.type !== 'string' || !/^\/problems\/[a-z][a-z-]*$/.test(p.type)) fail('no problem type');
    if (typeof p.title !== 'string' || p.title === '') fail('no title');
    if (p.status !== res.status) fail(`body status ${String(p.status)} differs from HTTP status ${res.status}`);
    if (allowed?.types && !allowed.types.includes((p.type as string).slice('/problems/'.length))) fail(`type ${String(p.type)} not in ${allowed.types.join(',')}`);
    // A detail may quote the input (a JSON parse error does); only what the request did not carry
    // counts as a leak.
    const sent = Buffer.concat(encodeRequest(r));
    const echoes = `${sent.toString('utf8')}\n${sent.toString('latin1')}`;
    for (const leak of LEAKS) if (leak.test(res.text) && !leak.test(echoes)) fail(`body leaks internals (${leak})`);
    const cid = res.headers.get('x-correlation-id');
    if (cid !== undefined && !/^[A-Za-z0-9._:-]{1,128}$/.test(cid)) fail('x-correlation-id echoes unsafe input');
  }
  return { send, encodeRequest, describeRequest, assertRefusal, parseResponse };
}
