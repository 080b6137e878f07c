// The command API end to end, refusals: status, problem type, and no partial write, for bad
// bodies, headers, ids, queries, routes and methods.
// One system (account-command and a real daprd) for the file: see testing/command-api.ts.
import { request as httpRequest } from 'node:http';
import { uuidFromKey } from '../commands/idempotency.js';
import {
  call,
  post,
  open,
  credit,
  debit,
  events,
  state,
  sleep,
  UNKNOWN,
  opened,
  expectProblem,
  allEvents,
  streams,
  type Res,
  useCommandSystem,
  baseUrl,
} from '../testing/command-api.js';

useCommandSystem();

describe('errors: status, problem type, and no partial write', () => {
  const big = 'x'.repeat(17 * 1024);

  it('refuses bad credits and debits on an existing account and changes nothing', async () => {
    const id = await opened('50.00');
    const before = await allEvents(id);
    const raw = (path: string, body: string, contentType = 'application/json') => call('POST', `/accounts/${id}/${path}`, { body, headers: { 'content-type': contentType } });

    const cases: Array<[string, Promise<Res>, number, string]> = [
      ['malformed JSON', raw('credit', '{"amount":"1.00",'), 400, 'malformed-json'],
      ['not JSON at all', raw('debit', 'amount=1.00'), 400, 'malformed-json'],
      ['empty body', raw('credit', ''), 400, 'malformed-json'],
      ['duplicate key', raw('credit', '{"amount":"1.00","currency":"MAD","amount":"900.00"}'), 400, 'malformed-json'],
      ['duplicate key in a debit', raw('debit', '{"amount":"100.00","amount":"1.00","currency":"MAD"}'), 400, 'malformed-json'],
      ['not an object', raw('credit', '["1.00","MAD"]'), 400, 'invalid-request'],
      ['null body', raw('credit', 'null'), 400, 'invalid-request'],
      ['missing amount', post(`/accounts/${id}/credit`, { currency: 'MAD' }), 400, 'invalid-request'],
      ['missing currency', post(`/accounts/${id}/debit`, { amount: '1.00' }), 400, 'invalid-request'],
      ['extra field', post(`/accounts/${id}/credit`, { amount: '1.00', currency: 'MAD', note: 'hi' }), 400, 'invalid-request'],
      ['extra accountId field', post(`/accounts/${id}/debit`, { amount: '1.00', currency: 'MAD', accountId: UNKNOWN }), 400, 'invalid-request'],
      ['numeric amount', post(`/accounts/${id}/credit`, { amount: 1, currency: 'MAD' }), 400, 'invalid-amount'],
      ['zero amount', credit(id, '0'), 400, 'invalid-amount'],
      ['zero amount with decimals', debit(id, '0.00'), 400, 'invalid-amount'],
      ['negative credit', credit(id, '-1.00'), 400, 'invalid-amount'],
      ['negative debit', debit(id, '-5'), 400, 'invalid-amount'],
      ['exponent', credit(id, '1e3'), 400, 'invalid-amount'],
      ['leading space', credit(id, ' 1'), 400, 'invalid-amount'],
      ['trailing dot', credit(id, '1.'), 400, 'invalid-amount'],
      ['leading dot', debit(id, '.5'), 400, 'invalid-amount'],
      ['plus sign', credit(id, '+1'), 400, 'invalid-amount'],
      ['leading zero', credit(id, '01'), 400, 'invalid-amount'],
      ['too many decimals', debit(id, '1.001'), 400, 'invalid-amount'],
      ['too large', credit(id, '1'.repeat(16)), 400, 'invalid-amount'],
      ['unknown currency', credit(id, '1.00', 'ABC'), 400, 'unknown-currency'],
      ['lower-case currency', debit(id, '1.00', 'mad'), 400, 'unknown-currency'],
      ['currency mismatch on credit', credit(id, '1.00', 'EUR'), 422, 'currency-mismatch'],
      ['currency mismatch on debit', debit(id, '1.00', 'USD'), 422, 'currency-mismatch'],
      ['insufficient funds', debit(id, '50.01'), 422, 'insufficient-funds'],
      ['text/plain', raw('credit', '{"amount":"1.00","currency":"MAD"}', 'text/plain'), 415, 'unsupported-media-type'],
      ['form content type', raw('debit', 'amount=1.00&currency=MAD', 'application/x-www-form-urlencoded'), 415, 'unsupported-media-type'],
      ['no content type', call('POST', `/accounts/${id}/credit`, { body: '{"amount":"1.00","currency":"MAD"}' }), 415, 'unsupported-media-type'],
      ['body over 16 KiB', raw('credit', `{"amount":"1.00","currency":"MAD","pad":"${big}"}`), 413, 'payload-too-large'],
      ['bad If-Match', post(`/accounts/${id}/credit`, { amount: '1.00', currency: 'MAD' }, { 'if-match': 'abc' }), 400, 'invalid-header'],
      ['bad Idempotency-Key', post(`/accounts/${id}/credit`, { amount: '1.00', currency: 'MAD' }, { 'idempotency-key': 'k'.repeat(129) }), 400, 'invalid-header'],
      ['stale If-Match', post(`/accounts/${id}/debit`, { amount: '1.00', currency: 'MAD' }, { 'if-match': '"1"' }), 412, 'precondition-failed'],
    ];
    const results = await Promise.all(cases.map(([, p]) => p));
    const got = cases.map(([name], i) => [name, results[i]!.status, results[i]!.body?.type]);
    expect(got).toEqual(cases.map(([name, , status, code]) => [name, status, `/problems/${code}`]));
    for (const [i, [, , status, code]] of cases.entries()) expectProblem(results[i]!, status, code);
    expect(results[cases.findIndex(([n]) => n === 'currency mismatch on credit')]!.body.accountCurrency).toBe('MAD');
    expect(results[cases.findIndex(([n]) => n === 'insufficient funds')]!.body).toMatchObject({ balance: '50.00', requested: '50.01' });
    expect(results[cases.findIndex(([n]) => n === 'extra field')]!.body.errors).toEqual([{ pointer: '/note', detail: 'is not a known field' }]);
    expect(results[cases.findIndex(([n]) => n === 'stale If-Match')]!.body.currentVersion).toBe(2);

    expect(await allEvents(id)).toEqual(before);
    expect((await state(id)).body).toMatchObject({ balance: '50.00', version: 2 });
  });

  it('refuses a chunked body that crosses the limit with 413, and the service keeps working', async () => {
    const id = await opened('1.00');
    const before = await allEvents(id);
    const res = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const url = new URL(`${baseUrl()}/accounts/${id}/credit`);
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type']), body }));
        },
      );
      req.on('error', reject);
      void (async () => {
        req.write('{"amount":"1.00","currency":"MAD","pad":"');
        for (let i = 0; i < 20 && !req.destroyed; i++) {
          req.write('y'.repeat(1024));
          await sleep(2);
        }
        if (!req.destroyed) req.end('"}');
      })();
    });
    expect(res.status).toBe(413);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ type: '/problems/payload-too-large' });
    expect(await allEvents(id)).toEqual(before);
    expect((await credit(id, '1.00')).status).toBe(200);
  });

  it('refuses bad opens and writes no stream', async () => {
    const streamsBefore = await streams();
    const key = (n: string) => ({ 'idempotency-key': `bad-open-${n}-${process.pid}-${Date.now()}` });
    const cases: Array<[string, Record<string, string>, Promise<Res>, number, string]> = [];
    const add = (name: string, status: number, code: string, send: (headers: Record<string, string>) => Promise<Res>) => {
      const headers = key(name.replace(/\W+/g, '-'));
      cases.push([name, headers, send(headers), status, code]);
    };
    add('negative balance', 400, 'invalid-amount', (headers) => open('-1.00', 'MAD', headers));
    add('exponent', 400, 'invalid-amount', (headers) => open('1e3', 'MAD', headers));
    add('too many decimals', 400, 'invalid-amount', (headers) => open('1.5', 'JPY', headers));
    add('numeric balance', 400, 'invalid-amount', (headers) => post('/accounts', { initialBalance: 100, currency: 'MAD' }, headers));
    add('unknown currency', 400, 'unknown-currency', (headers) => open('1.00', 'XYZ', headers));
    add('missing currency', 400, 'invalid-request', (headers) => post('/accounts', { initialBalance: '1.00' }, headers));
    add('extra field', 400, 'invalid-request', (headers) => post('/accounts', { initialBalance: '1.00', currency: 'MAD', accountId: UNKNOWN }, headers));
    add('duplicate key', 400, 'malformed-json', (headers) =>
      call('POST', '/accounts', { body: '{"initialBalance":"1.00","currency":"MAD","currency":"EUR"}', headers: { ...headers, 'content-type': 'application/json' } }),
    );
    add('malformed', 400, 'malformed-json', (headers) => call('POST', '/accounts', { body: '{', headers: { ...headers, 'content-type': 'application/json' } }));
    add('wrong content type', 415, 'unsupported-media-type', (headers) =>
      call('POST', '/accounts', { body: '{"initialBalance":"1.00","currency":"MAD"}', headers: { ...headers, 'content-type': 'text/plain' } }),
    );
    add('too large', 413, 'payload-too-large', (headers) =>
      call('POST', '/accounts', { body: `{"initialBalance":"1.00","currency":"MAD","pad":"${big}"}`, headers: { ...headers, 'content-type': 'application/json' } }),
    );
    const results = await Promise.all(cases.map(([, , p]) => p));
    expect(cases.map(([name], i) => [name, results[i]!.status, results[i]!.body?.type])).toEqual(cases.map(([name, , , status, code]) => [name, status, `/problems/${code}`]));
    for (const [i, [, , , status, code]] of cases.entries()) expectProblem(results[i]!, status, code);
    // The id an open with that key would have created holds nothing.
    const after = await Promise.all(cases.map(([, headers]) => events(uuidFromKey(headers['idempotency-key']!))));
    for (const r of after) expectProblem(r, 404, 'account-not-found');
    expect(await streams()).toEqual(streamsBefore);
  });

  it('answers 400 for an id that is not a UUID, on every route', async () => {
    const results = await Promise.all([credit('not-a-uuid', '1.00'), debit('12345', '1.00'), events('not-a-uuid'), state('0000-0000'), call('GET', `/accounts/${UNKNOWN}x/state`)]);
    for (const r of results) expectProblem(r, 400, 'invalid-account-id');
  });

  it('answers 404 for an unknown account, and creates nothing', async () => {
    const streamsBefore = await streams();
    const results = await Promise.all([
      credit(UNKNOWN, '1.00'),
      debit(UNKNOWN, '1.00'),
      events(UNKNOWN),
      state(UNKNOWN),
      state(UNKNOWN, '?version=1'),
      state(UNKNOWN, '?at=2026-01-01T00:00:00Z'),
      credit(UNKNOWN, '1.00', 'MAD', { 'idempotency-key': `unknown-${Date.now()}` }),
      debit(UNKNOWN, '1.00', 'MAD', { 'if-match': '"0"' }),
    ]);
    for (const r of results) expectProblem(r, 404, 'account-not-found');
    expectProblem(await events(UNKNOWN), 404, 'account-not-found');
    expect(await streams()).toEqual(streamsBefore);
  });

  it('refuses bad query parameters with 400', async () => {
    const id = await opened('1.00');
    const results = await Promise.all([
      events(id, '?fromVersion=0'),
      events(id, '?fromVersion=abc'),
      events(id, '?limit=0'),
      events(id, '?limit=10001'),
      events(id, '?limit=1&limit=2'),
      state(id, '?version=0'),
      state(id, '?version=-1'),
      state(id, '?version=1.5'),
      state(id, '?at=yesterday'),
      state(id, '?at=2026-01-31T12:00:00'),
      state(id, '?at=2026-02-30T00:00:00Z'),
      state(id, '?version=1&at=2026-01-01T00:00:00Z'),
    ]);
    for (const r of results) expectProblem(r, 400, 'invalid-query');
  });

  it('answers unknown routes with 404 and wrong methods with 405, as problems', async () => {
    expectProblem(await call('GET', '/nope'), 404, 'not-found');
    expectProblem(await call('DELETE', '/accounts'), 405, 'method-not-allowed');
    const id = await opened('1.00');
    expectProblem(await call('PUT', `/accounts/${id}/credit`, { json: { amount: '1.00', currency: 'MAD' } }), 405, 'method-not-allowed');
    expect(((await allEvents(id)) as { version: number }).version).toBe(2);
  });
});
