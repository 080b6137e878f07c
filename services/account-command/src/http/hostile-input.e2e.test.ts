// Hostile input against every HTTP endpoint of account-command, with a real daprd behind it
// (Redis profile, one system for the file). Property-based (fast-check, fixed seed) plus the
// hand-picked cases a generator would rarely hit. Requests go over a raw TCP socket, so paths,
// methods, header bytes and chunking reach the server exactly as written (fetch would normalise
// `..`, refuse non-ASCII headers and unknown methods).
//
// Every answer must be a 4xx application/problem+json document whose `status` is the HTTP status,
// with no stack trace or internal detail, and nothing may be written: after every request the
// ETags of the reference account's head and of every stream-index partition are unchanged (a new
// account registers in the index before its first commit), and after every test the reference
// account's events, state and the /streams listing are the same as at the start.
//
// Reproduce a failure with FC_SEED=<seed printed by fast-check>; FC_RUNS scales the run counts.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { rawHttp, startSystem, type RawRequest, type RawResponse, type TestSystem } from '@bank/testkit';

jest.setTimeout(180_000);

const SEED = Number(process.env.FC_SEED ?? 20261126);
const SCALE = Number(process.env.FC_RUNS ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
const fcOpts = (n: number) => ({ numRuns: runs(n), seed: SEED, endOnFailure: true });

let sys: TestSystem;
let port: number;
let REF: string;
/** A second account: the target of the transfer route's bodies. */
let TARGET: string;
let baseline: { store: string; api: string };
const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const VALID_OPEN = '{"initialBalance":"10.00","currency":"MAD"}';
const VALID_MOVE = '{"amount":"1.00","currency":"MAD"}';

// A raw HTTP/1.1 client (shared with the other service's suite) and the refusal check.
const { send, describeRequest, assertRefusal } = rawHttp(() => port);

const WATCHED = () => [`account-${REF}`, `account-${TARGET}`, ...Array.from({ length: 16 }, (_, p) => `index-${p}`)];

/** The ETags of the reference head and of every index partition: any write changes one. */
async function storeFingerprint(): Promise<string> {
  const items = await sys.command.daprd.sidecar.getBulkState<unknown>('statestore', WATCHED());
  return JSON.stringify(WATCHED().map((k) => [k, items.get(k)?.etag ?? null]));
}

async function get(path: string): Promise<RawResponse> {
  return send({ method: 'GET', target: path });
}

async function apiSnapshot(): Promise<string> {
  const [ev, st, streams] = await Promise.all([get(`/accounts/${REF}/events`), get(`/accounts/${REF}/state`), get('/streams?limit=10000')]);
  for (const r of [ev, st, streams]) expect(r.status).toBe(200);
  const list = (JSON.parse(streams.text) as { items: string[] }).items.slice().sort();
  return JSON.stringify({ events: JSON.parse(ev.text) as unknown, state: JSON.parse(st.text) as unknown, streams: list });
}

/** Sends, checks the refusal, and checks that nothing was written. */
async function refused(r: RawRequest, allowed?: { statuses?: number[]; types?: string[] }): Promise<void> {
  const res = await send(r);
  assertRefusal(r, res, allowed);
  const now = await storeFingerprint();
  if (now !== baseline.store)
    throw new Error(`a refused request wrote to the store\n  request: ${JSON.stringify(describeRequest(r))}\n  before: ${baseline.store}\n  after: ${now}`);
}

beforeAll(async () => {
  sys = await startSystem({});
  port = sys.command.appPort;
  const open = await send({ method: 'POST', target: '/accounts', headers: [['content-type', 'application/json']], body: '{"initialBalance":"100.00","currency":"MAD"}' });
  expect(open.status).toBe(201);
  REF = (JSON.parse(open.text) as { accountId: string }).accountId;
  const second = await send({ method: 'POST', target: '/accounts', headers: [['content-type', 'application/json']], body: '{"initialBalance":"0.00","currency":"MAD"}' });
  expect(second.status).toBe(201);
  TARGET = (JSON.parse(second.text) as { accountId: string }).accountId;
  const credit = await send({ method: 'POST', target: `/accounts/${REF}/credit`, headers: [['content-type', 'application/json']], body: '{"amount":"5.00","currency":"MAD"}' });
  expect(credit.status).toBe(200);
  baseline = { store: await storeFingerprint(), api: await apiSnapshot() };
});

afterEach(async () => {
  if (!baseline) return;
  const before = baseline;
  // The next test starts from what is there now, so one failure does not fail every later test.
  baseline = { store: await storeFingerprint(), api: await apiSnapshot() };
  expect(baseline.store).toBe(before.store);
  expect(baseline.api).toBe(before.api);
});

afterAll(async () => {
  await sys?.stop();
});

// ---------------------------------------------------------------------------------------------
// Generators.

interface PostRoute {
  name: string;
  path: () => string;
  /** A body the route accepts (a getter: it may name the accounts, known once they are open). */
  readonly valid: string;
  /** JSON members every body of the route has besides the amount and currency (a transfer's accounts). */
  members?: () => string;
  amountField: 'initialBalance' | 'amount';
  /** Amounts accepted by the route (an opening balance may be zero). */
  zeroOk: boolean;
}

const POST_ROUTES: PostRoute[] = [
  { name: 'open', path: () => '/accounts', valid: VALID_OPEN, amountField: 'initialBalance', zeroOk: true },
  { name: 'credit', path: () => `/accounts/${REF}/credit`, valid: VALID_MOVE, amountField: 'amount', zeroOk: false },
  { name: 'debit', path: () => `/accounts/${REF}/debit`, valid: VALID_MOVE, amountField: 'amount', zeroOk: false },
  {
    name: 'transfer',
    path: () => '/transfers',
    members: () => `"fromAccountId":"${REF}","toAccountId":"${TARGET}",`,
    get valid() {
      return `{${this.members!()}"amount":"1.00","currency":"MAD"}`;
    },
    amountField: 'amount',
    zeroOk: false,
  },
];
const GET_PATHS = () => [
  `/accounts/${REF}/events`,
  `/accounts/${REF}/state`,
  '/streams',
  `/streams/versions?ids=${REF}`,
  `/streams/events?ids=${REF}`,
  '/healthz',
  '/readyz',
  '/metrics',
  '/dapr/subscribe',
];
const POST_PATHS = () => POST_ROUTES.map((r) => r.path());

/** An independent statement of a valid MAD amount (not the service's parser). */
const isValidMad = (s: string, zeroOk: boolean) => /^(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$/.test(s) && (zeroOk || !/^0(\.0*)?$/.test(s));

const LONE_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff', 'a\ud83d', '\ude00b'];
const ODD_UNICODE = [
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u202e',
  '\u202d',
  '\u200f',
  '\u061c',
  '\u0000',
  '\u00a0',
  '\u3000',
  '\u0301',
  '\ufffd',
  '😀',
  '\u{10ffff}',
];

const oddChar = fc.constantFrom(...ODD_UNICODE, ...LONE_SURROGATES);
/** Text with lone surrogates, bidi controls and zero-width characters mixed in. */
const oddText = fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), oddChar), maxLength: 12 });

const badAmountFor = (zeroOk: boolean) =>
  fc
    .oneof(
      fc.constantFrom(
        '1e3',
        '1E3',
        '1e-2',
        '1.5e2',
        '0x10',
        '0b1',
        '0o7',
        '1_000',
        '1,00',
        '1 000',
        '+1',
        '-1',
        '-0',
        '-0.00',
        '0',
        '0.00',
        '00.01',
        '01',
        '.5',
        '1.',
        '1..0',
        '1.001',
        '0.001',
        '1.234567',
        '١٠٠',
        '１００',
        '𝟏',
        '1٫00',
        '1\u200b00',
        '\u202e001',
        '100\u200f',
        ' 1',
        '1 ',
        '\t1',
        '1\n',
        'NaN',
        'Infinity',
        '-Infinity',
        'null',
        'true',
        '',
        ' ',
        '9'.repeat(16),
        `1${'0'.repeat(15)}`,
        '9'.repeat(400),
        `0.${'0'.repeat(300)}1`,
        `1${'0'.repeat(1000)}`,
        '∞',
        '½',
        '1/2',
        '$1',
        '1 MAD',
        '1.00MAD',
        '\u0000',
        '1\u0000',
        ...LONE_SURROGATES,
      ),
      fc.string({ unit: 'binary', maxLength: 20 }),
      oddText,
      fc.double({ noNaN: true }).map(String),
    )
    .filter((s) => !isValidMad(s, zeroOk));

const badCurrencyFor = (route: PostRoute) =>
  fc
    .oneof(
      fc.constantFrom(
        'mad',
        'Mad',
        'MAD ',
        ' MAD',
        'MAD\u200b',
        '\u200bMAD',
        '\u202eDAM',
        'ＭＡＤ',
        'M\u0410D',
        'MA',
        'MADD',
        'XYZ',
        '',
        'M\u0000D',
        '€',
        '504',
        'EURO',
        ...LONE_SURROGATES,
      ),
      fc.string({ unit: 'binary', maxLength: 6 }),
      oddText,
      // A real currency other than the account's: 422 on credit and debit (valid for an open).
      fc.constantFrom('EUR', 'USD', 'JPY', 'KWD'),
    )
    .filter((c) => (route.name === 'open' ? !ISO_CURRENCIES.has(c) : c !== 'MAD'));

/** A JSON literal of any type but string, as raw text: exponents, huge and tiny numbers. */
const nonStringJson = fc.oneof(
  fc.constantFrom(
    '1e3',
    '1E+400',
    '-1e400',
    '1e-400',
    '-0',
    '0',
    '100',
    '1.00',
    '12345678901234567890',
    '5e-324',
    '1.7976931348623157e308',
    'true',
    'false',
    'null',
    '[]',
    '{}',
    '["1.00"]',
    '{"value":"1.00"}',
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.bigInt().map(String),
  fc.json({ maxDepth: 2 }),
);

const str = (s: string) => JSON.stringify(s);
/** JSON string literal with every character escaped, lone surrogates included. */
const escaped = (s: string) => `"${[...s].map((c) => [...Array(c.length).keys()].map((i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')).join('')}"`;

/** Bodies that no route may accept: malformed JSON, wrong shapes, wrong types, bad values. */
function hostileBody(route: PostRoute): fc.Arbitrary<string | Buffer> {
  const [a, c] = [route.amountField, 'currency'];
  const validAmount = route.name === 'open' ? '10.00' : '1.00';
  return fc.oneof(
    // Random text and bytes.
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.uint8Array({ maxLength: 60 }).map((u) => Buffer.from(u)),
    oddText,
    // Valid JSON of the wrong shape.
    fc.json({ maxDepth: 3 }),
    fc.constantFrom('null', 'true', '0', '""', '[]', `[${route.valid}]`, JSON.stringify(route.valid), '{}', `{"${a}":null}`),
    // The right shape, a bad amount or currency.
    fc.tuple(badAmountFor(route.zeroOk), fc.constantFrom('MAD', 'EUR')).map(([x, y]) => `{${str(a)}:${str(x)},"currency":${str(y)}}`),
    badCurrencyFor(route).map((y) => `{${str(a)}:"${validAmount}","currency":${str(y)}}`),
    badCurrencyFor(route).map((y) => `{"currency":${escaped(y)},${str(a)}:"${validAmount}"}`),
    // Wrong types, as raw JSON text (so exponents and out-of-range numbers arrive as written).
    nonStringJson.map((x) => `{${str(a)}:${x},"currency":"MAD"}`),
    nonStringJson.map((x) => `{${str(a)}:"${validAmount}","currency":${x}}`),
    // Missing, extra and look-alike fields.
    fc.constantFrom(`{${str(a)}:"${validAmount}"}`, '{"currency":"MAD"}', `{${str(a)}:"${validAmount}","currency":"MAD","accountId":"${UNKNOWN}"}`),
    fc
      .oneof(oddText, fc.constantFrom(`${a}\u200b`, `\u0430${a.slice(1)}`, a.toUpperCase(), ` ${a}`, 'Currency', 'currency\u0000', '__proto__', 'constructor'))
      .filter((k) => k !== a && k !== c)
      .map((k) => `{${str(a)}:"${validAmount}","currency":"MAD",${str(k)}:"x"}`),
    fc.constantFrom(`{"__proto__":{${str(a)}:"${validAmount}","currency":"MAD"}}`, `{"constructor":{"prototype":{"x":1}},${str(a)}:"${validAmount}","currency":"MAD"}`),
    // Duplicate keys (also through escapes), the last one valid.
    fc.constantFrom(
      `{${str(a)}:"999",${route.valid.slice(1)}`,
      `${route.valid.slice(0, -1)},"currency":"MAD"}`,
      `${route.valid.slice(0, -1)},${escaped(a)}:"${validAmount}"}`,
      `${route.valid.slice(0, -1)},"\\u0063urrency":"MAD"}`,
    ),
    // Lone surrogates and odd characters inside otherwise valid bodies.
    fc
      .tuple(fc.constantFrom(...LONE_SURROGATES, ...ODD_UNICODE), fc.boolean())
      .map(([ch, inAmount]) => (inAmount ? `{${str(a)}:${escaped(`${validAmount}${ch}`)},"currency":"MAD"}` : `{${str(a)}:"${validAmount}","currency":${escaped(`MAD${ch}`)}}`)),
    // Invalid UTF-8 inside a valid body: a lone byte, an overlong '/', a CESU-8 surrogate.
    fc
      .constantFrom('ff', 'c0af', 'eda080', 'f4908080', 'c3')
      .map((hex) => Buffer.concat([Buffer.from(`{${str(a)}:"${validAmount}","currency":"MA`), Buffer.from(hex, 'hex'), Buffer.from('D"}')])),
    // Almost JSON.
    fc.constantFrom(
      `${route.valid},`,
      `${route.valid}${route.valid}`,
      `${route.valid}\u0000`,
      `${route.valid} x`,
      route.valid.slice(0, -1),
      route.valid.replace(/"/g, "'"),
      route.valid.replace('}', ',}'),
      `/*x*/${route.valid}`,
      `${route.valid}//`,
      `\ufeff${route.valid.slice(0, -1)}`,
      route.valid.replace(`"${validAmount}"`, 'NaN'),
      route.valid.replace(`"${validAmount}"`, 'Infinity'),
      route.valid.replace(`"${validAmount}"`, '0x10'),
      route.valid.replace('"MAD"', '"M\tAD"'),
      route.valid.replace('"MAD"', '"MA\\D"'),
      route.valid.replace('"MAD"', '"MAD\\u12"'),
    ),
  );
}

/** A generated body with the route's other members first, when it is a JSON object at all. */
function withMembers(route: PostRoute, body: string | Buffer): string | Buffer {
  if (!route.members) return body;
  const text = typeof body === 'string' ? body : body.toString('latin1');
  if (!text.startsWith('{')) return body;
  const members = route.members();
  return typeof body === 'string' ? `{${members}${body.slice(1)}` : Buffer.concat([Buffer.from(`{${members}`), body.subarray(1)]);
}

const ALLOWED_BODY_TYPES = ['malformed-json', 'invalid-request', 'invalid-amount', 'unknown-currency', 'currency-mismatch'];
const json = (): Array<[string, string]> => [['content-type', 'application/json']];

// ---------------------------------------------------------------------------------------------

describe.each(POST_ROUTES)('POST $name: hostile bodies', (route) => {
  it('refuses malformed JSON, wrong types, bad values and odd unicode with 400/422, writing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileBody(route).map((body) => withMembers(route, body)),
        async (body) => {
          await refused({ method: 'POST', target: route.path(), headers: json(), body }, { statuses: [400, 422], types: ALLOWED_BODY_TYPES });
        },
      ),
      fcOpts(70),
    );
  });

  it('refuses deep nesting, oversize and chunked bodies past the limit', async () => {
    const a = route.amountField;
    const pad = (n: number) => `${route.valid.slice(0, -1)}${' '.repeat(n)}}`;
    const cases: Array<[RawRequest, number]> = [
      // 8k levels fit in 16 KiB and parse (then fail the shape); 10k levels are over the limit.
      [{ method: 'POST', target: route.path(), headers: json(), body: `${'['.repeat(8000)}${']'.repeat(8000)}` }, 400],
      [{ method: 'POST', target: route.path(), headers: json(), body: `${'['.repeat(10_000)}${']'.repeat(10_000)}` }, 413],
      [{ method: 'POST', target: route.path(), headers: json(), body: `${'{"a":'.repeat(2700)}1${'}'.repeat(2700)}` }, 400],
      [{ method: 'POST', target: route.path(), headers: json(), body: `${route.valid.slice(0, -1)},"x":${'['.repeat(7000)}${']'.repeat(7000)}}` }, 400],
      [{ method: 'POST', target: route.path(), headers: json(), body: `{${str(a)}:${'['.repeat(7000)}"1.00"${']'.repeat(7000)},"currency":"MAD"}` }, 400],
      [{ method: 'POST', target: route.path(), headers: json(), body: '['.repeat(16_000) }, 400],
      [{ method: 'POST', target: route.path(), headers: json(), body: '{"a":'.repeat(3500) }, 413],
      // A valid command padded with whitespace past 16 KiB: declared, then chunked (no length).
      [{ method: 'POST', target: route.path(), headers: json(), body: pad(16 * 1024 + 1 - route.valid.length) }, 413],
      [{ method: 'POST', target: route.path(), headers: json(), body: pad(200_000) }, 413],
      [{ method: 'POST', target: route.path(), headers: json(), chunks: [route.valid.slice(0, -1), ...Array.from({ length: 20 }, () => ' '.repeat(1024)), '}'] }, 413],
      [{ method: 'POST', target: route.path(), headers: json(), chunks: [route.valid.slice(0, -1), ' '.repeat(17 * 1024), '}'] }, 413],
      // A declared length far over the limit, with a small body: refused before reading.
      [{ method: 'POST', target: route.path(), headers: [...json(), ['content-length', '999999999999']], body: route.valid }, 413],
      // Content codings are not decoded (a zip bomb stays a few bytes), nor taken for plain text.
      [{ method: 'POST', target: route.path(), headers: [...json(), ['content-encoding', 'gzip']], body: gzipSync(route.valid) }, 415],
      [{ method: 'POST', target: route.path(), headers: [...json(), ['content-encoding', 'gzip']], body: route.valid }, 415],
      [{ method: 'POST', target: route.path(), headers: [...json(), ['content-encoding', 'br, identity']], body: route.valid }, 415],
    ];
    for (const [r, status] of cases) await refused(r, { statuses: [status] });
  });

  it('refuses every content type but JSON in UTF-8, with the valid command as the body', async () => {
    const fixed = [
      'text/plain',
      'text/plain; charset=utf-8',
      'text/json',
      'application/json; charset=latin1',
      'application/json; charset=iso-8859-1',
      'application/json; charset=utf-16',
      'application/json; charset=utf-32',
      'application/json; charset=us-ascii',
      'application/json; charset=utf-7',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      '',
      'application/jsonx',
      'application/json-seq',
      'json',
      '*/*',
      'application/*',
      'application/json, text/plain',
      'text/plain; x=application/json',
      'application/xml',
      'application/octet-stream',
      'application/json;;',
      'application/json; charset="',
      'application',
      '/json',
      'application/json\u00a0',
    ];
    const noJson = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !/json/i.test(s) && !/[\r\n]/.test(s));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...fixed), noJson), fc.boolean(), async (ct, multipart) => {
        const body = multipart && ct.startsWith('multipart/') ? `--x\r\ncontent-type: application/json\r\n\r\n${route.valid}\r\n--x--\r\n` : route.valid;
        await refused({ method: 'POST', target: route.path(), headers: [['content-type', ct]], body }, { statuses: [400, 415] });
      }),
      fcOpts(40),
    );
    // No Content-Type at all.
    await refused({ method: 'POST', target: route.path(), body: route.valid }, { statuses: [415] });
  });

  it('refuses bad Idempotency-Key and If-Match headers with 400 before anything is written', async () => {
    const keyOk = (k: string) => {
      const t = k.replace(/^[ \t]+|[ \t]+$/g, '');
      return t === '' || /^[\x21-\x7e]{1,128}$/.test(t);
    };
    const badKey = fc
      .oneof(
        fc.string({ unit: 'grapheme-ascii', minLength: 129, maxLength: 2000 }),
        fc.constantFrom('a b', 'a\tb', 'clé', 'ключ', '🔑', '\u202ekey', 'k\u200bey', 'k\x7fey', 'k\x01ey', 'k\x00ey', 'x'.repeat(129), 'é'.repeat(64)),
        fc.string({ unit: 'binary', maxLength: 30 }),
        oddText,
      )
      .filter((k) => !keyOk(k) && !/[\r\n]/.test(k));
    const ifMatchOk = (v: string) => {
      const t = v.replace(/^[ \t]+|[ \t]+$/g, '');
      return t === '' || t === '*' || /^(?:W\/)?"?([0-9]{1,12})"?$/.test(t);
    };
    const badIfMatch = fc
      .oneof(
        fc.constantFrom(
          '"abc"',
          'W/"x"',
          '"1", "2"',
          '"-1"',
          '"1e3"',
          '"1.0"',
          `"${'9'.repeat(13)}"`,
          '"٣"',
          '"３"',
          '""',
          'W/',
          '"',
          '**',
          '"3"x',
          'W/"3" W/"4"',
          '3 ,',
          'null',
          '0x3',
          '"3\u200b"',
        ),
        fc.string({ unit: 'binary', maxLength: 20 }),
        oddText,
      )
      .filter((v) => !ifMatchOk(v) && !/[\r\n]/.test(v));
    // The open and a transfer take no If-Match (a transfer names two accounts).
    const header =
      route.name === 'open' || route.name === 'transfer'
        ? fc.tuple(fc.constant('idempotency-key'), badKey)
        : fc.oneof(fc.tuple(fc.constant('idempotency-key'), badKey), fc.tuple(fc.constant('if-match'), badIfMatch));
    await fc.assert(
      fc.asyncProperty(header, async ([name, value]) => {
        await refused(
          { method: 'POST', target: route.path(), headers: [...json(), [name, value]], body: route.valid },
          { statuses: [400], types: ['invalid-header', 'invalid-request'] },
        );
      }),
      fcOpts(45),
    );
    // Two Idempotency-Key headers are joined by Node into "a, b": not a key.
    await refused({ method: 'POST', target: route.path(), headers: [...json(), ['idempotency-key', 'a'], ['idempotency-key', 'b']], body: route.valid }, { statuses: [400] });
  });
});

describe('paths', () => {
  it('refuses path tricks around every route, even with a valid command as the body', async () => {
    const R = REF;
    const postTricks: Array<[string, string]> = [];
    for (const [op, valid] of [
      ['credit', VALID_MOVE],
      ['debit', VALID_MOVE],
    ] as const) {
      for (const t of [
        `/accounts/${R}/${op}/`,
        `/accounts/${R}//${op}`,
        `/accounts//${R}/${op}`,
        `//accounts/${R}/${op}`,
        `/accounts/${R}/./${op}`,
        `/accounts/${R}/x/../${op}`,
        `/accounts/x/../${R}/${op}`,
        `/accounts/${R}%2F${op}`,
        `/accounts/${R}%2f${op}`,
        `/accounts%2F${R}%2F${op}`,
        `/accounts/${R}/${op.toUpperCase()}`,
        `/ACCOUNTS/${R}/${op}`,
        `/Accounts/${R}/${op}`,
        `/accounts/${R}/${op}%00`,
        `/accounts/${R}%00/${op}`,
        `/accounts/${R};x/${op}`,
        `/accounts/${R}/${op};x`,
        `/accounts/%7B${R}%7D/${op}`,
        `/accounts/urn:uuid:${R}/${op}`,
        `/accounts/${R}%20/${op}`,
        `/accounts/%20${R}/${op}`,
        `/accounts/${R}%E2%80%8B/${op}`,
        `/accounts/%E2%80%AE${R}/${op}`,
        `/accounts/${R.replace(/-/g, '')}/${op}`,
        `/accounts/${R}x/${op}`,
        `/accounts/${R}/${op}/..`,
        `/accounts/${R}/${op}/.`,
        `/accounts/${R}/${op}%2F`,
        `/accounts/${R}/${op}/x`,
        `/accounts/${R}/${op}%20`,
        `/accounts/..%2F${R}/${op}`,
        `/accounts/%2e%2e/accounts/${R}/${op}`,
        `/accounts/${R}/%2e/${op}`,
        `/accounts/${'a'.repeat(10_000)}/${op}`,
        `/accounts/${R}${'0'.repeat(5000)}/${op}`,
        `/accounts/%ZZ/${op}`,
        `/accounts/%E0%A4%A/${op}`,
        `/accounts/${R}/${op}\\`,
        `/accounts\\${R}\\${op}`,
        `/accounts/${R}/${op}#x`,
      ])
        postTricks.push([t, valid]);
    }
    for (const t of [
      '/accounts/',
      '//accounts',
      '/accounts//',
      '/ACCOUNTS',
      '/Accounts',
      '/accounts/.',
      '/./accounts',
      '/x/../accounts',
      '/accounts%2F',
      '/accounts%00',
      '/accounts;x',
      '/accounts/x',
      '/accounts\\',
      '/%2e/accounts',
      `/accounts/${R}`,
      '/accounts/new',
    ]) {
      postTricks.push([t, VALID_OPEN]);
    }
    for (const [target, body] of postTricks) await refused({ method: 'POST', target, headers: json(), body }, { statuses: [400, 404, 405] });
    // Raw (not percent-encoded) bytes in the target: UTF-8, a lone byte, spaces and controls.
    const rawTargets: Array<string | Buffer> = [
      Buffer.from(`/accounts/${R}é/credit`, 'utf8'),
      Buffer.from(`/accounts/${R}\u202e/credit`, 'utf8'),
      Buffer.concat([Buffer.from(`/accounts/${R}`), Buffer.from([0xff]), Buffer.from('/credit')]),
      `/accounts/${R} /credit`,
      `/accounts/${R}\t/credit`,
      `/accounts/${R}\x01/credit`,
      Buffer.from('/accounts/ключ/credit', 'utf8'),
      Buffer.from('/счета', 'utf8'),
    ];
    for (const target of rawTargets) await refused({ method: 'POST', target, headers: json(), body: VALID_MOVE }, { statuses: [400, 404] });
    // The read routes: trailing and doubled slashes, case, ids that are not UUIDs.
    const getTricks = [
      `/accounts/${R}/events/`,
      `/accounts/${R}//events`,
      `//accounts/${R}/events`,
      `/accounts/${R}/EVENTS`,
      `/accounts/${R}/state/`,
      `/ACCOUNTS/${R}/state`,
      '/streams/',
      '//streams',
      '/STREAMS',
      '/streams/x',
      `/accounts/${R}/events/..`,
      `/accounts/${R}%2Fevents`,
      `/accounts/${'9'.repeat(12_000)}/events`,
      '/accounts/not-a-uuid/events',
      `/accounts/${R}x/state`,
      '/accounts/%ZZ/state',
      '/healthz/',
      '/HEALTHZ',
      '/readyz/',
      '/metrics/',
      '/dapr/subscribe/',
      '/dapr//subscribe',
      '/',
      '',
      '*',
      '/accounts',
      '/nope',
      `http://evil.example/accounts/${UNKNOWN}/events`,
    ];
    for (const target of getTricks) await refused({ method: 'GET', target }, { statuses: [400, 404, 405] });
  });

  it('refuses random paths built from route pieces, unicode and encodings (property)', async () => {
    const piece = fc.oneof(
      fc.constantFrom(
        'accounts',
        'ACCOUNTS',
        REF,
        REF.toUpperCase(),
        UNKNOWN,
        'credit',
        'debit',
        'events',
        'state',
        'streams',
        'healthz',
        '',
        '.',
        '..',
        '%2e%2e',
        '%2F',
        '%00',
        ';',
        'a'.repeat(300),
      ),
      fc.webSegment(),
      oddText.map((s) => encodeURIComponentLoose(s)),
    );
    const path = fc
      .tuple(fc.constantFrom('/', '//', '/./'), fc.array(piece, { minLength: 1, maxLength: 5 }), fc.constantFrom('', '/', '//'))
      .map(([p, parts, t]) => p + parts.join('/') + t);
    const canonical = new Set([...POST_PATHS(), `/accounts/${REF.toUpperCase()}/credit`, `/accounts/${REF.toUpperCase()}/debit`]);
    const canonicalGet = new Set([...GET_PATHS(), `/accounts/${REF.toUpperCase()}/events`, `/accounts/${REF.toUpperCase()}/state`]);
    await fc.assert(
      fc.asyncProperty(path, fc.constantFrom('GET', 'POST'), async (target, method) => {
        if (method === 'POST' && canonical.has(target)) return;
        if (method === 'GET' && canonicalGet.has(target)) return;
        const body = method === 'POST' ? (target.includes('credit') || target.includes('debit') ? VALID_MOVE : VALID_OPEN) : undefined;
        await refused({ method, target, ...(body ? { headers: json(), body } : {}) }, { statuses: [400, 404, 405] });
      }),
      fcOpts(80),
    );
  });
});

/** Percent-encodes the UTF-8 bytes of every character outside [A-Za-z0-9_.~-] (lone surrogates become U+FFFD). */
function encodeURIComponentLoose(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

describe('query strings', () => {
  it('refuses bad, repeated, negative, huge and garbage parameters on every read route with 400 (property)', async () => {
    const intOk = (s: string, max: number) => /^[0-9]{1,12}$/.test(s) && Number(s) >= 1 && Number(s) <= max;
    const badInt = (max: number) =>
      fc
        .oneof(
          fc.constantFrom(
            '',
            '0',
            '-1',
            '-0',
            '+1',
            '1.5',
            '1e3',
            '1E3',
            '0x10',
            '１',
            '١',
            ' 1',
            '1 ',
            'NaN',
            'Infinity',
            'null',
            'true',
            '[]',
            '9'.repeat(13),
            '9007199254740993',
            '99999999999999999999',
            '1,2',
            '10001',
            '000000000000',
          ),
          fc.string({ unit: 'binary', maxLength: 12 }),
          oddText,
          fc.integer({ min: -1e9, max: 0 }).map(String),
          max < 2 ** 31 - 1 ? fc.integer({ min: max + 1 }).map(String) : fc.constantFrom(String(max + 1), '9'.repeat(12)),
        )
        .filter((s) => !intOk(s, max));
    const ISO_LIKE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
    const badAt = fc
      .oneof(
        fc.constantFrom(
          '',
          'now',
          'yesterday',
          '2026-02-30T00:00:00Z',
          '2026-13-01T00:00:00Z',
          '2026-01-01T25:00:00Z',
          '2026-01-01T12:60:00Z',
          '2026-01-01T12:00:00',
          '2026-01-01T12:00:00+99:99',
          '2026-01-01T00:00:00.1234567891Z',
          '2026-01-01T00:00:00Z ',
          '1700000000000',
          '-1',
          '+275760-09-13T00:00:00Z',
          '٢٠٢٦-٠١-٠١T00:00:00Z',
          '2026-01-01T00:00:00\u202eZ',
          '2026-1-1',
          '2026/01/01',
          'Thu, 01 Jan 2026 00:00:00 GMT',
          '2026-W01',
          '2026-001',
        ),
        fc.string({ unit: 'binary', maxLength: 30 }),
        oddText,
      )
      .filter((s) => !ISO_LIKE.test(s));
    const cursorBad = fc
      .oneof(fc.constantFrom('x', '-1.0', '1.-1', '1', '1.', '.1', '00000.1', '1.1111111111111', '1.0\u0000', '%'), fc.string({ unit: 'binary', maxLength: 16 }))
      .filter((s) => s !== '' && !/^[0-9]{1,4}\.[0-9]{1,12}$/.test(s));
    const q = (pairs: Array<[string, string]>) => pairs.map(([k, v]) => `${encodeURIComponentLoose(k)}=${encodeURIComponentLoose(v)}`).join('&');
    const target = fc.oneof(
      fc.tuple(fc.constantFrom(`/accounts/${REF}/events`, `/accounts/${UNKNOWN}/events`), badInt(10_000)).map(([p, v]) => `${p}?${q([['limit', v]])}`),
      fc.tuple(fc.constantFrom(`/accounts/${REF}/events`, `/accounts/${UNKNOWN}/events`), badInt(Number.MAX_SAFE_INTEGER)).map(([p, v]) => `${p}?${q([['fromVersion', v]])}`),
      fc.tuple(fc.constantFrom(`/accounts/${REF}/state`, `/accounts/${UNKNOWN}/state`), badInt(Number.MAX_SAFE_INTEGER)).map(([p, v]) => `${p}?${q([['version', v]])}`),
      fc.tuple(fc.constantFrom(`/accounts/${REF}/state`, `/accounts/${UNKNOWN}/state`), badAt).map(([p, v]) => `${p}?${q([['at', v]])}`),
      fc.tuple(badInt(10_000), cursorBad, fc.boolean()).map(([l, c, which]) => `/streams?${q(which ? [['limit', l]] : [['cursor', c]])}`),
      // Repeated parameters, both given, raw and malformed percent sequences, noise alongside.
      fc.constantFrom(
        `/accounts/${REF}/events?limit=1&limit=2`,
        `/accounts/${REF}/events?fromVersion=1&fromVersion=1`,
        `/accounts/${REF}/state?version=1&version=2`,
        `/accounts/${REF}/state?at=2026-01-01T00:00:00Z&at=2026-01-02T00:00:00Z`,
        `/accounts/${REF}/state?version=1&at=2026-01-01T00:00:00Z`,
        '/streams?limit=1&limit=2',
        '/streams?cursor=0.0&cursor=1.0',
        `/accounts/${REF}/events?limit=1;limit=2`,
        `/accounts/${REF}/state?version=1&at=`,
        `/accounts/${REF}/events?limit=%`,
        `/accounts/${REF}/events?limit=%E0%A4%A`,
        `/accounts/${REF}/events?limit=1%00`,
        `/accounts/${REF}/state?at=%ZZ`,
        `/accounts/${REF}/events?fromVersion=${'9'.repeat(5000)}`,
        `/accounts/${REF}/state?at=${'2'.repeat(9000)}`,
        `/streams?cursor=${'1'.repeat(4000)}.1`,
        `/accounts/${REF}/events?limit`,
        `/accounts/${REF}/state?version`,
        `/accounts/${REF}/events?&&limit=0&&`,
      ),
      fc.tuple(fc.webSegment(), fc.string({ maxLength: 8 }), badInt(10_000)).map(
        ([k, v, l]) =>
          `/accounts/${REF}/events?${q([
            [`x${k}`, v],
            ['limit', l],
          ])}`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(target, async (t) => {
        await refused({ method: 'GET', target: t }, { statuses: [400], types: ['invalid-query', 'invalid-account-id'] });
      }),
      fcOpts(90),
    );
  });
});

describe('headers and framing', () => {
  it('answers malformed HTTP with a problem, never with a bare parser error or a hang-up', async () => {
    const body = VALID_MOVE;
    const target = `/accounts/${REF}/credit`;
    const cases: Array<[RawRequest, number]> = [
      // Request smuggling shapes.
      [
        {
          method: 'POST',
          target,
          headers: [...json(), ['content-length', String(body.length)], ['transfer-encoding', 'chunked']],
          body: `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
        },
        400,
      ],
      [{ method: 'POST', target, headers: [...json(), ['content-length', '2'], ['content-length', String(body.length)]], body }, 400],
      [{ method: 'POST', target, headers: [...json(), ['content-length', '-1']], body }, 400],
      [{ method: 'POST', target, headers: [...json(), ['content-length', '1e3']], body }, 400],
      [{ method: 'POST', target, headers: [...json(), ['transfer-encoding', 'gzip, chunked']], chunks: [body] }, 400],
      // Headers over the limit, a header name that is not a token, a control byte in a value.
      [{ method: 'POST', target, headers: [...json(), ['x-pad', 'a'.repeat(20_000)]], body }, 431],
      [{ method: 'POST', target, headers: [...json(), ['idempotency-key', 'k'.repeat(20_000)]], body }, 431],
      [{ method: 'POST', target, headers: [...json(), ['bad header', 'x']], body }, 400],
      [{ method: 'POST', target, headers: [...json(), ['idempotency-key', 'a\x00b']], body }, 400],
      [{ method: 'POST', target, headers: [...json(), ['idempotency-key', Buffer.from([0x6b, 0xff, 0x79])]], body }, 400],
      [{ method: 'POST', target, headers: [...json(), ['if-match', Buffer.from('"３"', 'utf8')]], body }, 400],
    ];
    for (const [r, status] of cases) await refused(r, { statuses: [status] });
  });

  it('ignores garbage correlation headers without echoing them, and still refuses a bad body', async () => {
    const garbage = fc
      .oneof(
        fc.string({ unit: 'binary', maxLength: 300 }),
        oddText,
        fc.constantFrom('00-zz-zz-01', `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01 x`, 'a'.repeat(129), '<script>', '../../etc/passwd'),
      )
      .filter((s) => !/[\r\n\0]/.test(s));
    await fc.assert(
      fc.asyncProperty(garbage, garbage, async (cid, tp) => {
        await refused(
          { method: 'POST', target: `/accounts/${REF}/credit`, headers: [...json(), ['x-correlation-id', cid], ['traceparent', tp]], body: '{"amount":"-1","currency":"MAD"}' },
          { statuses: [400] },
        );
      }),
      fcOpts(25),
    );
  });
});

describe('methods', () => {
  it('refuses every other method on every route with a problem (property)', async () => {
    const known = [
      'GET',
      'POST',
      'PUT',
      'PATCH',
      'DELETE',
      'PROPFIND',
      'PROPPATCH',
      'MKCOL',
      'COPY',
      'MOVE',
      'LOCK',
      'UNLOCK',
      'SEARCH',
      'PURGE',
      'REPORT',
      'MKACTIVITY',
      'CHECKOUT',
      'MERGE',
      'M-SEARCH',
      'NOTIFY',
      'SUBSCRIBE',
      'UNSUBSCRIBE',
      'LINK',
      'UNLINK',
      'SOURCE',
      'QUERY',
      'TRACE',
      'CONNECT',
      'ACL',
      'BIND',
      'REBIND',
      'UNBIND',
      'MKCALENDAR',
    ];
    const odd = ['FOO', 'get', 'Post', 'GETS', 'POSTX', 'G\u00c9T', 'DELETE\u200b', 'PRI', 'HTTP/1.1', '-', 'X'.repeat(100)];
    const method = fc.oneof(fc.constantFrom(...known, ...odd), fc.stringMatching(/^[A-Z]{1,12}$/));
    const paths = [...POST_PATHS(), ...GET_PATHS(), `/accounts/${UNKNOWN}/credit`, '/nope'];
    await fc.assert(
      fc.asyncProperty(method, fc.constantFrom(...paths), async (m, path) => {
        if ((m === 'POST' && POST_PATHS().includes(path)) || (m === 'GET' && (GET_PATHS().includes(path) || path === '/nope'))) return;
        if (m === 'HEAD' || m === 'OPTIONS') return; // answered without a body by design
        const body = path.endsWith('/credit') || path.endsWith('/debit') ? VALID_MOVE : VALID_OPEN;
        await refused({ method: m, target: m === 'CONNECT' ? `127.0.0.1:${port}` : path, headers: json(), body }, { statuses: [400, 404, 405] });
      }),
      fcOpts(80),
    );
    // CONNECT with an origin-form target, which Node would otherwise drop without an answer.
    await refused({ method: 'CONNECT', target: `/accounts/${REF}/credit`, headers: json(), body: VALID_MOVE }, { statuses: [400, 405] });
  });
});

describe('through the sidecar (service invocation, as account-query calls it)', () => {
  it('passes refusals through unchanged', async () => {
    const sidecar = sys.command.daprd.sidecar;
    const move = POST_ROUTES[1]!;
    const req = fc.oneof(
      hostileBody(move).map((b) => ({
        method: 'POST',
        path: `accounts/${REF}/credit`,
        body: typeof b === 'string' ? b : b.toString('latin1'),
        headers: { 'content-type': 'application/json' },
      })),
      fc
        .constantFrom('limit=0', 'limit=1&limit=2', 'fromVersion=-1', 'fromVersion=1e3')
        .map((qs) => ({ method: 'GET', path: `accounts/${REF}/events?${qs}`, body: undefined, headers: {} })),
      fc.constantFrom('cursor=x', 'limit=10001').map((qs) => ({ method: 'GET', path: `streams?${qs}`, body: undefined, headers: {} })),
    );
    await fc.assert(
      fc.asyncProperty(req, async (r) => {
        const res = await sidecar.invoke('account-command', r.path, { method: r.method, ...(r.body !== undefined ? { body: r.body } : {}), headers: r.headers });
        const text = await res.text();
        const headers = new Map<string, string>();
        res.headers.forEach((v, k) => headers.set(k, v));
        const raw: RawRequest = { method: r.method, target: `/${r.path}`, headers: Object.entries(r.headers), ...(r.body !== undefined ? { body: r.body } : {}) };
        assertRefusal(raw, { status: res.status, headers, text }, { statuses: [400, 422] });
        expect(await storeFingerprint()).toBe(baseline.store);
      }),
      fcOpts(25),
    );
  });
});

// The suite would prove little if the checks could not fail: the reference account is really there
// and a valid request really changes the fingerprint (run last: it writes).
describe('the checks themselves', () => {
  it('see a write when one happens', async () => {
    const res = await send({ method: 'POST', target: `/accounts/${REF}/credit`, headers: json(), body: VALID_MOVE });
    expect(res.status).toBe(200);
    expect(await storeFingerprint()).not.toBe(baseline.store);
    expect(() => assertRefusal({ method: 'POST', target: '/' }, res)).toThrow(/not a 4xx/);
    baseline = { store: await storeFingerprint(), api: await apiSnapshot() };
  });
});
