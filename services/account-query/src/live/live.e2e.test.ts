// Live updates across replicas: a second account-query process (sharing the read models and the
// first one's sidecar) streams updates the first one applied, through the Redis channel; a third
// one whose live Redis is unreachable answers 503 on the live endpoints and still projects.
import path from 'node:path';
import { call, freePort, waitUntil, httpOk, move, ok, openAccount, spawnManaged, startSystem, waitFor, type Managed, type TestSystemWithQuery } from '@bank/testkit';

let sys: TestSystemWithQuery;
const extra: Managed[] = [];
const CHANNEL = `bank:live:test-${process.pid}-${Date.now()}`;

async function replica(name: string, env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const m = spawnManaged(name, process.execPath, ['--import', 'tsx', path.join('services', 'account-query', 'src', 'main.ts')], {
    logDir: sys.runDir,
    env: {
      APP_PORT: String(port),
      DAPR_HTTP_PORT: String(sys.query.daprd.ports.http),
      MONGODB_URL: sys.mongoUrl,
      LIVE_CHANNEL: CHANNEL,
      LIVE_HEARTBEAT_MS: '500',
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  extra.push(m);
  await waitFor(`${name} ready`, () => httpOk(`http://127.0.0.1:${port}/readyz`), { proc: m, timeoutMs: 60_000 });
  return `http://127.0.0.1:${port}`;
}

function sse(res: Response) {
  const reader = res.body!.getReader();
  let buf = '';
  return {
    async next(timeoutMs: number): Promise<{ accountId: string; version: number; balance: string }> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const m = /event: account\ndata: (.*)\n\n/.exec(buf);
        if (m) {
          buf = buf.slice(m.index + m[0].length);
          return JSON.parse(m[1]!) as { accountId: string; version: number; balance: string };
        }
        const left = until - Date.now();
        if (left <= 0) throw new Error(`no event within ${timeoutMs} ms; got ${JSON.stringify(buf)}`);
        const r = await Promise.race([reader.read(), new Promise<'t'>((res) => setTimeout(() => res('t'), left))]);
        if (r === 't') continue;
        if (r.done) throw new Error('stream ended');
        buf += new TextDecoder().decode(r.value);
      }
    },
    /** Reads until the unread text matches `re` (a heartbeat comment, say). */
    async until(re: RegExp, timeoutMs: number): Promise<void> {
      const until = Date.now() + timeoutMs;
      while (!re.test(buf)) {
        const left = until - Date.now();
        if (left <= 0) throw new Error(`${re} not seen within ${timeoutMs} ms; got ${JSON.stringify(buf)}`);
        const r = await Promise.race([reader.read(), new Promise<'t'>((res) => setTimeout(() => res('t'), left))]);
        if (r === 't') continue;
        if (r.done) throw new Error('stream ended');
        buf += new TextDecoder().decode(r.value);
      }
    },
    cancel: () => reader.cancel(),
  };
}

beforeAll(async () => {
  sys = (await startSystem({ query: true, queryEnv: { LIVE_CHANNEL: CHANNEL, LIVE_HEARTBEAT_MS: '500' } })) as TestSystemWithQuery;
});

afterAll(async () => {
  await Promise.all(extra.map((m) => m.kill('SIGTERM')));
  await sys?.stop();
});

describe('live updates', () => {
  it('reach the clients of every replica, once on connect and on each change, with heartbeats', async () => {
    const second = await replica('account-query-2', {});
    const cmd = sys.command.url;
    const { accountId: id } = await openAccount(cmd, '10.00');
    await ok(call(`${sys.query.url}/accounts/${id}?minVersion=2`));
    const onFirst = sse(await fetch(`${sys.query.url}/accounts/${id}/live`));
    const res = await fetch(`${second}/accounts/${id}/live`);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const onSecond = sse(res);
    const globalSecond = sse(await fetch(`${second}/live`));
    try {
      expect(await onFirst.next(5000)).toMatchObject({ accountId: id, version: 2, balance: '10.00' });
      expect(await onSecond.next(5000)).toMatchObject({ accountId: id, version: 2, balance: '10.00' });
      await ok(move(cmd, id, 'credit', '5.00'));
      await ok(move(cmd, id, 'debit', '1.00'));
      // The first replica gets the notifications (the second has no sidecar of its own). One
      // pull may apply both commits at once, and then there is one change, to version 4: every
      // update seen must be a true state of the account, and the last one version 4.
      const truth: Record<number, string> = { 3: '15.00', 4: '14.00' };
      for (const feed of [onFirst, onSecond]) {
        for (let seen = 2; seen < 4;) {
          const u = (await feed.next(10_000)) as { version: number; balance: string };
          expect(u.version).toBeGreaterThan(seen);
          expect(u.balance).toBe(truth[u.version]);
          seen = u.version;
        }
      }
      const g = (await globalSecond.next(5000)) as { accountId: string; version: number };
      expect(g.accountId).toBe(id);
      expect([3, 4]).toContain(g.version);
      await onSecond.until(/: heartbeat /, 3000);
    } finally {
      await Promise.all([onFirst.cancel(), onSecond.cancel(), globalSecond.cancel()]);
    }
    const bad = await call<{ type: string }>(`${second}/accounts/${id}/live?x=1`);
    expect(bad.status).toBe(400);
    const unknown = await call<{ type: string }>(`${second}/accounts/00000000-0000-4000-8000-000000000000/live`);
    expect([unknown.status, unknown.body.type]).toEqual([404, '/problems/account-not-found']);
  });

  it('answer 503 while their Redis is unreachable, and the projections keep working', async () => {
    const dead = await freePort();
    const third = await replica('account-query-no-live', { LIVE_REDIS_URL: `redis://127.0.0.1:${dead}` });
    for (const p of ['/live', '/accounts/00000000-0000-4000-8000-000000000000/live']) {
      const r = await call<{ type: string; status: number }>(`${third}${p}`);
      expect([r.status, r.headers.get('content-type'), r.body.type]).toEqual([503, 'application/problem+json', '/problems/dependency-unavailable']);
    }
    const { accountId: id } = await openAccount(sys.command.url, '3.00');
    const moved = await ok(move(sys.command.url, id, 'credit', '2.00'));
    // This replica projects by itself on a read-your-writes request.
    const acc = await waitUntil(
      'the account on the replica without live updates',
      30_000,
      async () => {
        const r = await call<{ balance: string; version: number }>(`${third}/accounts/${id}?minVersion=${moved.version}`);
        return r.status === 200 ? r.body : undefined;
      },
      250,
    );
    expect(acc).toMatchObject({ balance: '5.00', version: moved.version });
  });
});
