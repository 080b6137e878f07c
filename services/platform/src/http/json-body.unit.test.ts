import { request } from 'node:http';
import Koa from 'koa';
import { Problem } from '@bank/contracts';
import { isUtf8JsonType, parseJsonStrict, readJson } from './json-body.js';
import { thrown } from '@bank/testkit';
import { listenOnLoopback, type ListeningServer } from '@bank/testkit';

const problemOf = (fn: () => unknown): Problem => thrown(fn, Problem);

describe('parseJsonStrict', () => {
  it.each([
    ['{"amount":"1.00","currency":"MAD"}', { amount: '1.00', currency: 'MAD' }],
    ['  {"a" : 1 , "b" : [1, 2, {"c": null}] }\n', { a: 1, b: [1, 2, { c: null }] }],
    ['[]', []],
    ['"text"', 'text'],
    ['12', 12],
    ['null', null],
    ['{}', {}],
  ])('parses %j', (text, value) => {
    expect(parseJsonStrict(text)).toEqual(value);
  });

  it.each(['', ' ', '{', '{"a":1,}', "{'a':1}", '{"a":01}', 'undefined', '{"a":1}x', '{"a":1}{"a":2}', 'NaN', '{"a":"\u0001"}'])('refuses malformed JSON %j', (text) => {
    const p = problemOf(() => parseJsonStrict(text));
    expect(p.code).toBe('malformed-json');
    expect(p.status).toBe(400);
  });

  it.each([
    ['at the top level', '{"amount":"1.00","amount":"2.00"}'],
    ['with other keys between', '{"amount":"1.00","currency":"MAD","amount":"1.00"}'],
    ['nested in an object', '{"a":{"b":1,"b":2}}'],
    ['deep', '{"a":{"b":{"c":{"d":1,"e":2,"d":3}}}}'],
    ['in an object inside an array', '[1,{"a":1,"a":2}]'],
    ['in the second object of an array', '[{"a":1},{"b":1,"b":2}]'],
    ['after a nested object closes', '{"a":{"x":1},"b":2,"a":3}'],
    ['after a nested array closes', '{"a":[1,{"y":2},3],"a":4}'],
    ['written with escapes', '{"amount":"1.00","\\u0061mount":"2.00"}'],
    ['with an escaped quote in the key', '{"a\\"b":1,"a\\"b":2}'],
    ['with spaces around the colons', '{ "a" : 1 , "a" : 2 }'],
    ['with the value unchanged', '{"a":1,"a":1}'],
    ['named __proto__', '{"__proto__":1,"__proto__":2}'],
  ])('refuses a duplicated key %s', (_, text) => {
    const p = problemOf(() => parseJsonStrict(text));
    expect(p.code).toBe('malformed-json');
    expect(p.message).toMatch(/repeats a key/);
  });

  it.each([
    ['the same key in sibling objects', '{"a":{"x":1},"b":{"x":2}}'],
    ['the same key in parent and child', '{"x":{"x":{"x":1}}}'],
    ['the same key in each object of an array', '[{"a":1},{"a":2},{"a":3}]'],
    ['key-like text inside a string value', '{"a":"\\"a\\":1,\\"a\\":2","b":"{\\"a\\":1}"}'],
    ['braces and commas inside strings', '{"a":"},{","b":"[\\"a\\",","c":"{\\"c\\":"}'],
    ['a string ending with an escaped backslash', '{"a":"\\\\","b":"\\\\\\\\"}'],
    ['a value equal to a key', '{"a":"a","b":"a"}'],
    ['strings in arrays', '{"a":["a","a"],"b":["b"]}'],
    ['keys differing only by case', '{"a":1,"A":2}'],
    ['keys differing by escape meaning', '{"a\\\\":1,"a":2}'],
    ['a top-level string with braces', '"{\\"a\\":1,\\"a\\":2}"'],
  ])('accepts %s', (_, text) => {
    expect(() => parseJsonStrict(text)).not.toThrow();
    expect(parseJsonStrict(text)).toEqual(JSON.parse(text));
  });

  it('handles a deeply nested document and a large array quickly', () => {
    const deep = '{"a":'.repeat(500) + '1' + '}'.repeat(500);
    expect(() => parseJsonStrict(deep)).not.toThrow();
    const many = `[${Array.from({ length: 2000 }, (_, i) => `{"k${i}":${i},"v":"x"}`).join(',')}]`;
    expect(() => parseJsonStrict(many)).not.toThrow();
    const wide = `{${Array.from({ length: 2000 }, (_, i) => `"k${i}":${i}`).join(',')},"k7":0}`;
    expect(problemOf(() => parseJsonStrict(wide)).code).toBe('malformed-json');
  });
});

describe('parseJsonStrict depth limit', () => {
  it('refuses nesting deeper than maxDepth, counting arrays and objects, not brackets in strings', () => {
    expect(parseJsonStrict('[[[1]]]', 3)).toEqual([[[1]]]);
    expect(problemOf(() => parseJsonStrict('[[[[1]]]]', 3)).message).toMatch(/deeper than 3 levels/);
    expect(problemOf(() => parseJsonStrict('{"a":{"b":[{"c":1}]}}', 3)).code).toBe('malformed-json');
    expect(parseJsonStrict('{"a":"[[[[[[{{{{"}', 1)).toEqual({ a: '[[[[[[{{{{' });
    expect(problemOf(() => parseJsonStrict(`${'['.repeat(8000)}${']'.repeat(8000)}`, 64)).code).toBe('malformed-json');
  });
});

describe('isUtf8JsonType', () => {
  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'application/json;charset=UTF8',
    'application/json; charset="utf-8"',
    'APPLICATION/JSON',
    'application/merge-patch+json',
    'application/cloudevents+json; charset=utf-8',
    'application/json; profile=x',
  ])('accepts %j', (ct) => {
    expect(isUtf8JsonType(ct)).toBe(true);
  });
  it.each([
    '',
    'text/plain',
    'text/json',
    'application/json; charset=latin1',
    'application/json; charset=utf-16',
    'application/json; charset="',
    'application/json, text/plain',
    'application/json;;',
    'application/jsonx',
    'application/json-seq',
    'application',
    '*/*',
    'multipart/form-data; boundary=x',
    'application/json; charset',
  ])('refuses %j', (ct) => {
    expect(isUtf8JsonType(ct)).toBe(false);
  });
});

describe('readJson (in-process server)', () => {
  let server: ListeningServer;
  let port: number;

  beforeAll(async () => {
    const app = new Koa();
    app.use(async (ctx) => {
      try {
        ctx.body = { got: (await readJson(ctx, { limit: 1024, optional: ctx.path === '/optional' })) ?? 'no body' };
      } catch (e) {
        if (!(e instanceof Problem)) throw e;
        ctx.status = e.status;
        ctx.body = { code: e.code };
      }
    });
    server = await listenOnLoopback(app);
    port = server.port;
  });
  afterAll(() => server.close());

  /** Raw request: full control over headers and chunking. */
  function send(body: Buffer | string | Array<Buffer | string>, headers: Record<string, string>, pauseMs = 0, path = '/'): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown }));
      });
      req.on('error', reject);
      const parts = Array.isArray(body) ? body : [body];
      if (pauseMs === 0) {
        for (const part of parts) req.write(part);
        req.end();
        return;
      }
      // One part at a time, so that the server reads them as separate chunks.
      void (async () => {
        for (const part of parts) {
          if (req.destroyed) return;
          req.write(part);
          await new Promise((r) => setTimeout(r, pauseMs));
        }
        if (!req.destroyed) req.end();
      })();
    });
  }

  it('reads a JSON body', async () => {
    expect(await send('{"a":"1"}', { 'content-type': 'application/json' })).toEqual({ status: 200, body: { got: { a: '1' } } });
    expect(await send('{"a":"1"}', { 'content-type': 'application/json; charset=utf-8' })).toEqual({ status: 200, body: { got: { a: '1' } } });
    expect(await send('{"a":"1"}', { 'content-type': 'application/merge-patch+json' })).toEqual({ status: 200, body: { got: { a: '1' } } });
  });

  it('refuses a body under a content coding (415), an unknown transfer coding (400) and nesting past 64 levels (400)', async () => {
    expect(await send('{"a":"1"}', { 'content-type': 'application/json', 'content-encoding': 'gzip' })).toEqual({ status: 415, body: { code: 'unsupported-media-type' } });
    expect(await send('{"a":"1"}', { 'content-type': 'application/json', 'content-encoding': 'identity' })).toEqual({ status: 200, body: { got: { a: '1' } } });
    expect(await send(['{"a":"1"}'], { 'content-type': 'application/json', 'transfer-encoding': 'gzip, chunked' })).toEqual({ status: 400, body: { code: 'invalid-request' } });
    expect(await send(`${'['.repeat(65)}${']'.repeat(65)}`, { 'content-type': 'application/json' })).toEqual({ status: 400, body: { code: 'malformed-json' } });
    expect((await send(`${'['.repeat(64)}${']'.repeat(64)}`, { 'content-type': 'application/json' })).status).toBe(200);
  });

  it('with optional: no body at all (not one byte, chunked or not, any content type) is undefined; a body is read as ever', async () => {
    expect(await send('', {}, 0, '/optional')).toEqual({ status: 200, body: { got: 'no body' } });
    expect(await send([], { 'transfer-encoding': 'chunked', 'content-type': 'text/plain' }, 0, '/optional')).toEqual({ status: 200, body: { got: 'no body' } });
    expect(await send('{}', { 'content-type': 'application/json' }, 0, '/optional')).toEqual({ status: 200, body: { got: {} } });
    expect(await send('{}', { 'content-type': 'text/plain' }, 0, '/optional')).toEqual({ status: 415, body: { code: 'unsupported-media-type' } });
    expect(await send('{"a":"1"}', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, 0, '/optional')).toEqual({
      status: 415,
      body: { code: 'unsupported-media-type' },
    });
    // Without optional, an empty body is still malformed JSON.
    expect(await send('', { 'content-type': 'application/json' })).toEqual({ status: 400, body: { code: 'malformed-json' } });
  });

  it('refuses other content types with 415', async () => {
    expect(await send('{"a":"1"}', { 'content-type': 'text/plain' })).toEqual({ status: 415, body: { code: 'unsupported-media-type' } });
    expect(await send('a=1', { 'content-type': 'application/x-www-form-urlencoded' })).toEqual({ status: 415, body: { code: 'unsupported-media-type' } });
    expect(await send('{"a":"1"}', {})).toEqual({ status: 415, body: { code: 'unsupported-media-type' } });
  });

  it('refuses a declared length over the limit with 413', async () => {
    expect(await send(`{"a":"${'x'.repeat(2000)}"}`, { 'content-type': 'application/json' })).toEqual({ status: 413, body: { code: 'payload-too-large' } });
  });

  it('refuses a chunked body that crosses the limit with 413 (and still answers)', async () => {
    const parts = [`{"a":"`, 'x'.repeat(600), 'x'.repeat(600), '"}'];
    expect(await send(parts, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' })).toEqual({ status: 413, body: { code: 'payload-too-large' } });
    expect(await send(parts, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, 30)).toEqual({ status: 413, body: { code: 'payload-too-large' } });
  });

  it('accepts a body of exactly the limit', async () => {
    const text = `{"a":"${'x'.repeat(1024 - 8)}"}`;
    expect(Buffer.byteLength(text)).toBe(1024);
    expect((await send(text, { 'content-type': 'application/json' })).status).toBe(200);
    expect((await send([text.slice(0, 500), text.slice(500)], { 'content-type': 'application/json', 'transfer-encoding': 'chunked' })).status).toBe(200);
  });

  it('refuses invalid UTF-8, malformed JSON and duplicated keys with 400', async () => {
    expect(await send(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), { 'content-type': 'application/json' })).toEqual({
      status: 400,
      body: { code: 'malformed-json' },
    });
    expect(await send('{"a":', { 'content-type': 'application/json' })).toEqual({ status: 400, body: { code: 'malformed-json' } });
    expect(await send('', { 'content-type': 'application/json' })).toEqual({ status: 400, body: { code: 'malformed-json' } });
    expect(await send('{"a":1,"a":2}', { 'content-type': 'application/json' })).toEqual({ status: 400, body: { code: 'malformed-json' } });
  });

  it('decodes a multi-byte character split across chunks', async () => {
    const bytes = Buffer.from('{"a":"é€"}', 'utf8');
    expect(await send([bytes.subarray(0, 7), bytes.subarray(7)], { 'content-type': 'application/json', 'transfer-encoding': 'chunked' })).toEqual({
      status: 200,
      body: { got: { a: 'é€' } },
    });
  });
});
