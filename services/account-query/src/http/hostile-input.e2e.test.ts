// Hostile input against every HTTP endpoint of account-query (read API, admin API, the Dapr
// subscription route), with real daprd sidecars, the command side and FerretDB/MongoDB behind it:
// one system for the file, run with APP_API_TOKEN and ADMIN_TOKEN. Same rules as the command
// side's suite: every refusal is a 4xx application/problem+json document whose `status` is the
// HTTP status, with no internal detail, and nothing changes in the read models (checked after
// every delivery and after every test). Deliveries that carry the app token are answered as Dapr
// expects (200 with DROP for anything unreadable), and still change nothing.
//
// Reproduce a failure with FC_SEED=<seed printed by fast-check>; FC_RUNS scales the run counts.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { MongoClient } from 'mongodb';
import { rawHttp, startSystem, type RawRequest, type TestSystem } from '@bank/testkit';

jest.setTimeout(180_000);

const SEED = Number(process.env.FC_SEED ?? 20261126);
const SCALE = Number(process.env.FC_RUNS ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
const fcOpts = (n: number) => ({ numRuns: runs(n), seed: SEED, endOnFailure: true });

const APP_TOKEN = `app-${randomUUID()}`;
const ADMIN_TOKEN = `admin-${randomUUID()}`;
const DELIVERY = '/deliveries/account-events';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
let sys: TestSystem;
let port: number;
let REF: string;
let mongo: MongoClient;
let baseline: string;

// A raw HTTP/1.1 client (shared with the other service's suite) and the refusal check.
const { send, assertRefusal } = rawHttp(() => port);

/** Every document of every collection of the read-model database, in a stable order. */
async function readModelSnapshot(): Promise<string> {
  const db = mongo.db();
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  const out: Record<string, unknown[]> = {};
  for (const n of names) {
    const docs = await db.collection(n).find({}).toArray();
    // The meta document carries refresh timestamps of its own; only the generation matters here.
    out[n] = docs.map((d) => JSON.stringify(d, (k, v: unknown) => (k === 'refreshedAt' || k === 'heartbeatAt' ? undefined : v))).sort();
  }
  return JSON.stringify(out);
}

async function refused(r: RawRequest, allowed?: { statuses?: number[]; types?: string[] }): Promise<void> {
  assertRefusal(r, await send(r), allowed);
}

const appToken = (): Array<[string, string]> => [['dapr-api-token', APP_TOKEN]];
const json = (): Array<[string, string]> => [['content-type', 'application/json']];

beforeAll(async () => {
  sys = await startSystem({ query: true, appApiToken: APP_TOKEN, queryEnv: { ADMIN_TOKEN } });
  port = sys.query!.appPort;
  mongo = new MongoClient(sys.mongoUrl!);
  await mongo.connect();
  const cmd = sys.command.url;
  const post = async (p: string, body: unknown) => {
    const res = await fetch(cmd + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBeLessThan(300);
    return (await res.json()) as { accountId: string; version: number };
  };
  REF = (await post('/accounts', { initialBalance: '100.00', currency: 'MAD' })).accountId;
  await post(`/accounts/${REF}/credit`, { amount: '5.00', currency: 'MAD' });
  await post(`/accounts/${REF}/debit`, { amount: '2.50', currency: 'MAD' });
  const seen = await fetch(`${sys.query!.url}/accounts/${REF}?minVersion=4`);
  expect(seen.status).toBe(200);
  // Let the late (outbox) notifications of these commits land before the baseline is taken.
  await new Promise((r) => setTimeout(r, 2500));
  baseline = await readModelSnapshot();
});

afterEach(async () => {
  if (!baseline) return;
  const before = baseline;
  baseline = await readModelSnapshot();
  expect(baseline).toBe(before);
});

afterAll(async () => {
  await mongo?.close();
  await sys?.stop();
});

/** Percent-encodes the UTF-8 bytes of every character outside [A-Za-z0-9_.~-] (lone surrogates become U+FFFD). */
function enc(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

const LONE_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff', 'a\ud83d', '\ude00b'];
const ODD_UNICODE = ['\u200b', '\u202e', '\u200f', '\u0000', '\u00a0', '\ufeff', '\u0301', '😀', '\u{10ffff}'];
const oddText = fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom(...ODD_UNICODE, ...LONE_SURROGATES)), maxLength: 12 });
const ISO_LIKE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

// ---------------------------------------------------------------------------------------------

describe('read API', () => {
  it('refuses bad, unknown and repeated query parameters on every read route with 400 (property)', async () => {
    const intOk = (s: string, max: number) => /^[0-9]{1,15}$/.test(s) && Number(s) >= 1 && Number(s) <= max;
    const badInt = (max: number) =>
      fc
        .oneof(
          fc.constantFrom('', '0', '-1', '+1', '1.5', '1e3', '0x10', '１', '١', ' 1', 'NaN', 'Infinity', '9'.repeat(16), '99999999999999999999', '1,2', '501'),
          fc.string({ unit: 'binary', maxLength: 12 }),
          oddText,
          fc.integer({ min: -1e9, max: 0 }).map(String),
        )
        .filter((s) => !intOk(s, max));
    const badAt = fc
      .oneof(
        fc.constantFrom('', 'now', '2026-13-01T00:00:00Z', '2026-01-01T25:00:00Z', '2026-01-01T12:00:00', '2026-01-01T12:00:00+99:99', '1700000000000', '٢٠٢٦-٠١-٠١', '2026/01/01'),
        fc.string({ unit: 'binary', maxLength: 30 }),
        oddText,
      )
      .filter((s) => !ISO_LIKE.test(s));
    const badEnum = fc
      .oneof(fc.constantFrom('', 'credit ', 'CREDITS', 'DEB1T', 'ACTIVATED\u200b', 'ＣＲＥＤＩＴ'), oddText)
      .filter((s) => !['CREDIT', 'DEBIT', 'CREATED', 'ACTIVATED'].includes(s.toUpperCase()));
    const badCurrency = fc.oneof(fc.constantFrom('', 'mad', 'MAD ', 'MAD\u200b', 'ＭＡＤ', 'XYZ', '€'), oddText).filter((c) => !Intl.supportedValuesOf('currency').includes(c));
    const badCursor = fc.oneof(
      fc.constantFrom(
        'x',
        '%%',
        '{}',
        'a'.repeat(600),
        Buffer.from('{"k":"ops","v":1}').toString('base64url'),
        Buffer.from('{"k":"accounts","a":1}').toString('base64url'),
        Buffer.from('[]').toString('base64url'),
      ),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
    );
    const q = (pairs: Array<[string, string]>) => pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
    const R = () => REF;
    const target = fc.oneof(
      fc.tuple(fc.constantFrom('/accounts', '/operations', `/accounts/${R()}/operations`), badInt(500)).map(([p, v]) => `${p}?${q([['limit', v]])}`),
      badInt(Number.MAX_SAFE_INTEGER).map((v) => `/accounts/${R()}?${q([['minVersion', v]])}`),
      fc.tuple(fc.constantFrom(`/accounts/${R()}/balance?at=`, `/accounts/${R()}/operations?from=`, '/operations?to='), badAt).map(([p, v]) => p + enc(v)),
      fc.tuple(fc.constantFrom('/operations?type=', `/accounts/${R()}/operations?type=`, '/accounts?status='), badEnum).map(([p, v]) => p + enc(v)),
      fc.tuple(fc.constantFrom('/accounts?currency=', '/operations?currency='), badCurrency).map(([p, v]) => p + enc(v)),
      fc.tuple(fc.constantFrom('/accounts?cursor=', '/operations?cursor=', `/accounts/${R()}/operations?cursor=`), badCursor).map(([p, v]) => p + enc(v)),
      fc.tuple(fc.constantFrom('/operations?accountId='), fc.oneof(oddText, fc.constantFrom('not-a-uuid', `${UNKNOWN}x`, '', `{${UNKNOWN}}`))).map(([p, v]) => p + enc(v)),
      // Unknown, repeated, misspelt parameters, on every route (/stats takes none).
      fc
        .tuple(
          fc.constantFrom('/accounts', '/operations', `/accounts/${R()}`, `/accounts/${R()}/operations`, `/accounts/${R()}/balance`, '/stats'),
          fc.webSegment().filter((k) => k !== ''),
          fc.string({ maxLength: 6 }),
        )
        .map(([p, k, v]) => `${p}?${q([[`x${k}`, v]])}`),
      fc.constantFrom(
        '/accounts?limit=1&limit=2',
        '/accounts?curency=MAD',
        '/accounts?Currency=MAD',
        '/operations?type=CREDIT&type=DEBIT',
        `/accounts/${R()}?minVersion=1&minVersion=2`,
        `/accounts/${R()}/balance?at=2026-01-01T00:00:00Z&at=2026-01-02T00:00:00Z`,
        '/operations?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
        '/stats?x=1',
        '/accounts?limit[]=1',
        '/operations?limit=%',
        '/operations?limit=%E0%A4%A',
        `/accounts/${R()}?minVersion=${'9'.repeat(5000)}`,
        '/accounts?cursor=&cursor=',
      ),
    );
    await fc.assert(
      fc.asyncProperty(target, async (t) => {
        await refused({ method: 'GET', target: t }, { statuses: [400], types: ['invalid-query', 'invalid-account-id'] });
      }),
      fcOpts(90),
    );
  });

  it('refuses impossible calendar dates (2026-02-30) like the command side does, instead of rolling them over', async () => {
    for (const t of [`/accounts/${REF}/balance?at=2026-02-30T00:00:00Z`, '/operations?from=2026-02-29T00:00:00Z', `/accounts/${REF}/operations?to=2026-04-31T00:00:00Z`]) {
      await refused({ method: 'GET', target: t }, { statuses: [400], types: ['invalid-query'] });
    }
  });

  it('refuses path tricks and ids that are not UUIDs (property)', async () => {
    const piece = fc.oneof(
      fc.constantFrom('accounts', 'ACCOUNTS', REF, UNKNOWN, 'operations', 'balance', 'stats', 'admin', 'projections', '', '.', '..', '%2e%2e', '%2F', '%00', 'a'.repeat(300)),
      fc.webSegment(),
      oddText.map(enc),
    );
    const canonical = new Set([
      '/accounts',
      `/accounts/${REF}`,
      `/accounts/${REF}/operations`,
      `/accounts/${REF}/balance`,
      `/accounts/${UNKNOWN}/operations`,
      `/accounts/${UNKNOWN}/balance`,
      `/accounts/${UNKNOWN}`,
      '/operations',
      '/stats',
      '/healthz',
      '/readyz',
      '/metrics',
    ]);
    const path = fc.tuple(fc.constantFrom('/', '//'), fc.array(piece, { minLength: 1, maxLength: 4 }), fc.constantFrom('', '/')).map(([p, parts, t]) => p + parts.join('/') + t);
    await fc.assert(
      fc.asyncProperty(path, async (target) => {
        if (canonical.has(target) || /^\/accounts\/[0-9a-fA-F-]{36}$/.test(target)) return;
        await refused({ method: 'GET', target }, { statuses: [400, 401, 404, 405] });
      }),
      fcOpts(70),
    );
    for (const target of [
      `/accounts/${REF}x`,
      '/accounts/not-a-uuid',
      `/accounts/${'9'.repeat(12_000)}`,
      '/accounts/%ZZ',
      `/accounts/${REF}%2Foperations`,
      `/accounts/${REF}#x`,
      `/accounts\\${REF}`,
      '/nope',
    ]) {
      await refused({ method: 'GET', target }, { statuses: [400, 404, 431] });
    }
  });

  it('has one spelling per resource: trailing slashes and other letter cases are not the same route', async () => {
    for (const target of ['/accounts/', '/ACCOUNTS', `/accounts/${REF}/`, `/accounts/${REF}/operations/`, `/Accounts/${REF}/balance`, '/operations/', '/STATS', '/stats/']) {
      await refused({ method: 'GET', target }, { statuses: [404] });
    }
  });

  it('refuses other methods on every route with a problem (property)', async () => {
    const methods = fc.oneof(fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND', 'TRACE', 'CONNECT', 'FOO', 'get', 'QUERY', 'MKCOL'), fc.stringMatching(/^[A-Z]{1,10}$/));
    const paths = ['/accounts', `/accounts/${REF}`, `/accounts/${REF}/operations`, `/accounts/${REF}/balance`, '/operations', '/stats', '/healthz', '/readyz', '/metrics'];
    await fc.assert(
      fc.asyncProperty(methods, fc.constantFrom(...paths), async (m, p) => {
        if (['GET', 'HEAD', 'OPTIONS'].includes(m)) return;
        await refused({ method: m, target: m === 'CONNECT' ? `127.0.0.1:${port}` : p, headers: json(), body: '{}' }, { statuses: [400, 404, 405] });
      }),
      fcOpts(50),
    );
  });
});

describe('admin API', () => {
  it('refuses missing, wrong and odd bearer tokens with 401 (property) and starts no rebuild or sweep', async () => {
    const auth = fc.oneof(
      fc.constantFrom(
        '',
        'Bearer',
        'Bearer ',
        `Bearer ${ADMIN_TOKEN}x`,
        `Bearer ${ADMIN_TOKEN.slice(0, -1)}`,
        `bearer  ${ADMIN_TOKEN}`,
        `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`,
        ADMIN_TOKEN,
        `Bearer ${ADMIN_TOKEN.toUpperCase()}`,
        `Bearer ${APP_TOKEN}`,
      ),
      fc.string({ unit: 'binary', maxLength: 60 }).filter((s) => !/[\r\n\0]/.test(s)),
    );
    await fc.assert(
      fc.asyncProperty(auth, fc.constantFrom('/admin/projections/rebuild', '/admin/projections/reconcile', '/admin/projections'), async (a, p) => {
        const method = p === '/admin/projections' ? 'GET' : 'POST';
        await refused({ method, target: p, headers: a === '' ? [] : [['authorization', a]] }, { statuses: [400, 401], types: ['unauthorized', 'invalid-request'] });
      }),
      fcOpts(30),
    );
  });
});

describe('subscription route', () => {
  const notification = () => ({ accountId: REF, version: 4, events: [] });
  const envelope = (data: unknown) =>
    JSON.stringify({
      id: randomUUID(),
      specversion: '1.0',
      source: 'x',
      type: 'com.dapr.event.sent',
      datacontenttype: 'application/json',
      topic: 'account-events',
      pubsubname: 'pubsub',
      data,
    });

  it('refuses every delivery without the app token with 401, whatever it carries (property)', async () => {
    const token = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom('', 'wrong', `${APP_TOKEN}x`, APP_TOKEN.slice(0, -1), APP_TOKEN.toUpperCase(), `Bearer ${APP_TOKEN}`),
      fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).filter((s) => s.trim() !== APP_TOKEN),
    );
    const body = fc.oneof(
      fc.constant(envelope(notification())),
      fc.constant(JSON.stringify(notification())),
      fc.json({ maxDepth: 2 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    await fc.assert(
      fc.asyncProperty(token, body, fc.constantFrom('application/json', 'application/cloudevents+json', 'text/plain'), async (t, b, ct) => {
        const headers: Array<[string, string]> = [['content-type', ct]];
        if (t !== undefined) headers.push(['dapr-api-token', t]);
        await refused({ method: 'POST', target: DELIVERY, headers, body: b }, { statuses: [401], types: ['unauthorized'] });
        // GET /dapr/subscribe likewise.
      }),
      fcOpts(40),
    );
    await refused({ method: 'GET', target: '/dapr/subscribe' }, { statuses: [401] });
  });

  it('drops unreadable deliveries that carry the token (200 DROP, as Dapr expects) and changes nothing (property)', async () => {
    const bad = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }).map((s) => ({ ct: 'application/json', body: s })),
      fc.json({ maxDepth: 3 }).map((s) => ({ ct: 'application/json', body: s })),
      fc
        .oneof(
          fc.constantFrom<unknown>(
            null,
            1,
            'x',
            [],
            {},
            { accountId: 'not-a-uuid', version: 1 },
            { accountId: REF, version: 0 },
            { accountId: REF, version: -1 },
            { accountId: REF, version: 1.5 },
            { accountId: REF, version: '4' },
            { accountId: REF, version: 1e300 },
            { accountId: `${REF}\u200b`, version: 1 },
            { accountId: REF },
            { version: 1 },
          ),
          fc.record({ accountId: oddText, version: fc.integer() }),
        )
        .map((d) => ({ ct: 'application/cloudevents+json', body: envelope(d) })),
      fc.constantFrom(
        { ct: 'text/plain', body: envelope(notification()) },
        { ct: 'application/json; charset=latin1', body: envelope(notification()) },
        { ct: 'application/json', body: `${'['.repeat(8000)}${']'.repeat(8000)}` },
        { ct: 'application/json', body: '{"id":"1","data":{"accountId":"x","version":1},"data":{"accountId":"y","version":2}}' },
      ),
    );
    await fc.assert(
      fc.asyncProperty(bad, async ({ ct, body }) => {
        const r: RawRequest = { method: 'POST', target: DELIVERY, headers: [['content-type', ct], ...appToken()], body };
        const res = await send(r);
        const where = `${JSON.stringify(body).slice(0, 300)} -> ${res.status} ${res.text.slice(0, 300)}`;
        expect({ where, status: res.status, body: res.text }).toEqual({ where, status: 200, body: JSON.stringify({ status: 'DROP' }) });
        const now = await readModelSnapshot();
        if (now !== baseline) throw new Error(`a dropped delivery changed the read model: ${where}`);
      }),
      fcOpts(40),
    );
  });
});
