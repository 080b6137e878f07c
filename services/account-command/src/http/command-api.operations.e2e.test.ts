// The command API end to end, operations: health, correlation ids, metrics, and the read side's
// feed of many streams at once.
// One system (account-command and a real daprd) for the file: see testing/command-api.ts.
import { readFileSync } from 'node:fs';
import { call, post, open, credit, debit, sleep, UUID, UNKNOWN, opened, expectProblem, useCommandSystem, commandSystem } from '../testing/command-api.js';

useCommandSystem();

/**
 * At least what /metrics is checked for: 10 opens; 30 parallel debits of 10.00 on 100.00 (10
 * accepted, 20 refused for insufficient funds); a replayed credit; a refused credit amount; a
 * credit without a JSON content type (415); an open missing a field (400).
 */
async function metricsTraffic(): Promise<void> {
  const ids = await Promise.all(Array.from({ length: 10 }, () => opened('100.00')));
  const debits = await Promise.all(Array.from({ length: 30 }, () => debit(ids[0]!, '10.00')));
  expect(debits.map((res) => res.status).sort()).toEqual([...Array(10).fill(200), ...Array(20).fill(422)]);
  const key = { 'idempotency-key': `metrics-${ids[1]}` };
  expect((await credit(ids[1]!, '1.00', 'MAD', key)).status).toBe(200);
  expect((await credit(ids[1]!, '1.00', 'MAD', key)).headers.get('idempotent-replayed')).toBe('true');
  expectProblem(await credit(ids[1]!, '0'), 400, 'invalid-amount');
  expectProblem(
    await call('POST', `/accounts/${ids[1]}/credit`, { body: '{"amount":"1.00","currency":"MAD"}', headers: { 'content-type': 'text/plain' } }),
    415,
    'unsupported-media-type',
  );
  expectProblem(await post('/accounts', { initialBalance: '1.00' }), 400, 'invalid-request');
}

describe('operations', () => {
  it('/healthz and /readyz', async () => {
    const health = await call('GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const readiness = await call('GET', '/readyz');
    expect(readiness.status).toBe(200);
    expect(readiness.body).toEqual({ status: 'ready', checks: { sidecar: true, store: true, started: true } });
  });

  it('carries the trace id of a traceparent as the correlation id, on answers and in the logs', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    const ok = await open('1.00', 'MAD', { traceparent });
    expect(ok.status).toBe(201);
    expect(ok.headers.get('x-correlation-id')).toBe(traceId);
    const bad = await debit(ok.body.accountId as string, '2.00', 'MAD', { traceparent });
    expectProblem(bad, 422, 'insufficient-funds');
    expect(bad.headers.get('x-correlation-id')).toBe(traceId);

    const own = await call('GET', '/healthz', { headers: { 'x-correlation-id': 'my-request-1' } });
    expect(own.headers.get('x-correlation-id')).toBe('my-request-1');
    const fresh = await call('GET', '/healthz', { headers: { traceparent: 'garbage' } });
    expect(fresh.headers.get('x-correlation-id')).toMatch(UUID);

    const logged = (): Array<Record<string, unknown>> =>
      readFileSync(commandSystem().command.app.logFile, 'utf8')
        .split('\n')
        .filter((l) => l.includes(traceId))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (let i = 0; i < 50 && logged().length < 2; i++) await sleep(100);
    const lines = logged();
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l.correlationId).toBe(traceId);
    expect(lines.map((l) => l.status)).toEqual(expect.arrayContaining([201, 422]));
  });

  it('/metrics exposes command counts by type and outcome, durations, conflicts and retries', async () => {
    // This file's own traffic, so that every count below has something to count (the suites that
    // made it when they shared one system now start their own).
    await metricsTraffic();
    const res = await call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const value = (re: RegExp): number => {
      const line = res.text.split('\n').find((l) => re.test(l));
      if (!line) throw new Error(`no metric line matches ${re}`);
      return Number(line.split(' ').pop());
    };
    expect(value(/^commands_total\{.*type="DebitAccount".*outcome="accepted"/)).toBeGreaterThanOrEqual(10);
    expect(value(/^commands_total\{.*type="DebitAccount".*outcome="insufficient-funds"/)).toBeGreaterThanOrEqual(20);
    expect(value(/^commands_total\{.*type="CreditAccount".*outcome="replayed"/)).toBeGreaterThanOrEqual(1);
    expect(value(/^commands_total\{.*type="OpenAccount".*outcome="accepted"/)).toBeGreaterThanOrEqual(10);
    expect(value(/^commands_total\{.*type="CreditAccount".*outcome="invalid-amount"/)).toBeGreaterThanOrEqual(1);
    expect(value(/^command_duration_seconds_count\{.*type="DebitAccount"/)).toBeGreaterThanOrEqual(30);
    expect(res.text).toMatch(/^command_duration_seconds_bucket\{.*le="\+Inf".*type="OpenAccount"|^command_duration_seconds_bucket\{.*type="OpenAccount".*le="\+Inf"/m);
    expect(value(/^eventstore_concurrency_conflicts_total/)).toBeGreaterThanOrEqual(0);
    expect(value(/^command_retries_total/)).toBeGreaterThanOrEqual(0);
    expect(res.text).toMatch(/^# TYPE commands_total counter$/m);
    expect(res.text).toMatch(/^# TYPE command_duration_seconds histogram$/m);
    expect(res.text).toMatch(/^# TYPE eventstore_concurrency_conflicts_total counter$/m);
    expect(res.text).toMatch(/^# TYPE command_retries_total counter$/m);
    expect(res.text).toMatch(/service="account-command"/);
    // HTTP timings carry the status the client got, refusals included.
    expect(value(/^http_request_duration_seconds_count\{.*route="\/accounts\/:id\/debit",status="422"/)).toBeGreaterThanOrEqual(20);
    expect(value(/^http_request_duration_seconds_count\{.*route="\/accounts",status="400"/)).toBeGreaterThanOrEqual(1);
    expect(value(/^http_request_duration_seconds_count\{.*route="\/accounts\/:id\/credit",status="415"/)).toBeGreaterThanOrEqual(1);
    // No answer to any request of this suite was a 5xx (startup probes of /readyz and of daprd
    // may get 503 before the service is ready; they are not the API).
    expect(res.text).not.toMatch(/^http_request_duration_seconds_count\{[^}]*route="\/(accounts|streams)[^"]*",status="5\d\d"/m);
    expect(res.text).not.toMatch(/^commands_total\{[^}]*outcome="(error|internal)"/m);
  });
});

describe('many streams at once (read-side rebuild and reconciliation)', () => {
  it('GET /streams/versions and /streams/events give each known stream its version (and events), unknown ids left out', async () => {
    const a = await opened('1.00');
    const b = await opened('2.00');
    expect((await credit(b, '1.00')).status).toBe(200);
    const versions = await call('GET', `/streams/versions?ids=${a},${UNKNOWN},${b},${a}`);
    expect(versions.status).toBe(200);
    expect(versions.body.streams.sort((x: { version: number }, y: { version: number }) => x.version - y.version)).toEqual([
      { accountId: a, version: 2 },
      { accountId: b, version: 3 },
    ]);
    const pages = await call('GET', `/streams/events?ids=${b}&limit=2`);
    expect(pages.status).toBe(200);
    expect(pages.body.streams).toEqual([
      { accountId: b, version: 3, events: [expect.objectContaining({ version: 1, type: 'AccountCreated' }), expect.objectContaining({ version: 2, type: 'AccountActivated' })] },
    ]);
  });

  it.each([
    { what: 'no ids', query: '', code: 'invalid-query' },
    { what: 'empty ids', query: '?ids=', code: 'invalid-query' },
    { what: 'ids twice', query: `?ids=${UNKNOWN}&ids=${UNKNOWN}`, code: 'invalid-query' },
    { what: 'a malformed id', query: `?ids=${UNKNOWN},nope`, code: 'invalid-account-id' },
    { what: '201 ids', query: `?ids=${Array.from({ length: 201 }, () => UNKNOWN).join(',')}`, code: 'invalid-query' },
  ])('GET /streams/versions with $what -> 400 $code', async ({ query, code }) => {
    expectProblem(await call('GET', `/streams/versions${query}`), 400, code);
  });
});
