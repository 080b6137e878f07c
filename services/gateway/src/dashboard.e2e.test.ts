// The whole system behind the gateway: the proxy passes answers through unchanged (errors
// included) and streams live updates; then the dashboard in Debian's Chromium (playwright-core):
// sign in through the provider (and out), open an account, credit it and see the balance change through the live feed without a reload,
// see a refused debit's message, and go back in time to the old balance.
import { request } from 'node:http';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { devUser } from '@bank/devkit';
import { call, REPO_ROOT, startSystem, type TestSystemWithGateway } from '@bank/testkit';
import { ensureWebBuilt } from './web-build.js';
import { ensureChromium, launchChromium, shows, type LaunchedBrowser } from './testing/browser.js';

const SHOTS = path.join(REPO_ROOT, '.data', 'screenshots');
let sys: TestSystemWithGateway;
let gw: string;
let browser: LaunchedBrowser | undefined;
/** The administrator's Authorization header (every /api call needs a token). */
let auth: { authorization: string };

/** `call` through the gateway, signed in as the administrator. */
const callGw: typeof call = (url, init = {}) => call(url, { ...init, headers: { ...auth, ...init.headers } });

beforeAll(async () => {
  ensureChromium();
  ensureWebBuilt(REPO_ROOT);
  mkdirSync(SHOTS, { recursive: true });
  sys = (await startSystem({
    gateway: true,
    daprApiToken: 'dapr-token-for-tests',
    appApiToken: 'app-token-for-tests',
    queryEnv: { LIVE_HEARTBEAT_MS: '1000' },
  })) as TestSystemWithGateway;
  gw = sys.gateway.url;
  auth = { authorization: `Bearer ${await sys.tokenFor('admin')}` };
});

afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

/** A raw request target, as a browser or curl could send it (fetch would normalise `..`). */
function rawGet(url: string, target: string): Promise<{ status: number; type: string | undefined }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: target, method: 'GET' }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads SSE frames of `event: account` from a streamed response. */
function frames(res: Response) {
  const reader = res.body!.getReader();
  let buf = '';
  return {
    async next(timeoutMs: number): Promise<{ version: number; balance: string }> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const m = /event: account\ndata: (.*)\n\n/.exec(buf);
        if (m) {
          buf = buf.slice(m.index + m[0].length);
          return JSON.parse(m[1]!) as { version: number; balance: string };
        }
        const left = until - Date.now();
        if (left <= 0) throw new Error(`no account event within ${timeoutMs} ms; got ${JSON.stringify(buf)}`);
        const r = await Promise.race([reader.read(), new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), left))]);
        if (r === 'timeout') continue;
        if (r.done) throw new Error('stream ended');
        buf += new TextDecoder().decode(r.value);
      }
    },
    cancel: () => reader.cancel(),
  };
}

describe('gateway', () => {
  it('passes answers through unchanged, errors included, and refuses what it does not route', async () => {
    const opened = await callGw<{ accountId: string; version: number }>(`${gw}/api/commands/accounts`, {
      body: { initialBalance: '10.00', currency: 'MAD' },
      headers: { 'idempotency-key': 'gw-open-1' },
    });
    // With the body, so that a failure says which problem the gateway answered.
    expect({ status: opened.status, body: opened.body }).toMatchObject({ status: 201, body: { version: 2 } });
    const id = opened.body.accountId;
    expect(opened.headers.get('location')).toBe(`/accounts/${id}`);
    expect(opened.headers.get('x-correlation-id')).toBeTruthy();
    const again = await callGw(`${gw}/api/commands/accounts`, { body: { initialBalance: '10.00', currency: 'MAD' }, headers: { 'idempotency-key': 'gw-open-1' } });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const direct = await call<Record<string, unknown>>(`${sys.command.url}/accounts/${id}/debit`, { body: { amount: '50.00', currency: 'MAD' } });
    const via = await callGw<Record<string, unknown>>(`${gw}/api/commands/accounts/${id}/debit`, { body: { amount: '50.00', currency: 'MAD' } });
    expect(via.status).toBe(422);
    expect(via.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(via.body).toEqual(direct.body);
    const bad = await callGw<{ type: string }>(`${gw}/api/commands/accounts/${id}/credit`, { body: { amount: '-1', currency: 'MAD' } });
    expect([bad.status, bad.body.type]).toEqual([400, '/problems/invalid-amount']);
    const stale = await callGw(`${gw}/api/commands/accounts/${id}/credit`, { body: { amount: '1.00', currency: 'MAD' }, headers: { 'if-match': '"1"' } });
    expect(stale.status).toBe(412);
    const notJson = await fetch(`${gw}/api/commands/accounts`, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'x' });
    expect(notJson.status).toBe(415);

    const read = await callGw<{ version: number }>(`${gw}/api/queries/accounts/${id}?minVersion=2`);
    expect([read.status, read.body.version, read.headers.get('etag')]).toEqual([200, 2, '"2"']);
    const badQuery = await callGw<{ type: string }>(`${gw}/api/queries/accounts?status=NOPE`);
    expect(badQuery.status).toBe(400);

    // A command through the gateway is known by one id end to end: the caller's x-correlation-id
    // (or the gateway's own) is the one its event records (daprd's all-zero trace id, sent with
    // tracing off, is not taken for it).
    const named = await callGw<{ version: number }>(`${gw}/api/commands/accounts/${id}/credit`, {
      body: { amount: '1.00', currency: 'MAD' },
      headers: { 'x-correlation-id': 'gw-credit-1' },
    });
    expect(named.status).toBe(200);
    expect(named.headers.get('x-correlation-id')).toBe('gw-credit-1');
    const recorded = await callGw<{ events: Array<{ correlationId: string; causationId: string }> }>(`${gw}/api/commands/accounts/${id}/events?fromVersion=${named.body.version}`);
    expect(recorded.body.events[0]).toMatchObject({ correlationId: 'gw-credit-1', causationId: 'gw-credit-1' });

    const huge = await fetch(`${gw}/api/commands/accounts`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(70_000) }),
    });
    expect([huge.status, huge.headers.get('content-type')]).toEqual([413, 'application/problem+json']);
    for (const target of [
      '/api/commands/metrics',
      '/api/queries/dapr/subscribe',
      '/api/commands/../../v1.0/metadata',
      '/api/commands/accounts/..%2F..%2F..%2Fv1.0%2Fmetadata/events',
    ]) {
      expect(await rawGet(gw, target)).toEqual({ status: 404, type: 'application/problem+json' });
    }
    for (const p of ['/healthz', '/readyz', '/metrics', '/']) expect((await fetch(`${gw}${p}`)).status).toBe(200);
  });

  it('streams live updates through the sidecar without buffering', async () => {
    const { accountId: id } = (await callGw<{ accountId: string }>(`${gw}/api/commands/accounts`, { body: { initialBalance: '5.00', currency: 'MAD' } })).body;
    await callGw(`${gw}/api/queries/accounts/${id}?minVersion=2`);
    const res = await fetch(`${gw}/api/queries/accounts/${id}/live`, { headers: { ...auth, accept: 'text/event-stream' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const feed = frames(res);
    const global = frames(await fetch(`${gw}/api/queries/live`, { headers: auth }));
    try {
      expect(await feed.next(5000)).toMatchObject({ version: 2, balance: '5.00' });
      // Longer than a few heartbeats: the stream stays open through daprd.
      await new Promise((r) => setTimeout(r, 2500));
      const t0 = Date.now();
      await callGw(`${gw}/api/commands/accounts/${id}/credit`, { body: { amount: '1.50', currency: 'MAD' } });
      expect(await feed.next(10_000)).toMatchObject({ version: 3, balance: '6.50' });
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(await global.next(5000)).toMatchObject({ accountId: id, version: 3 });
    } finally {
      await feed.cancel();
      await global.cancel();
    }
  });
});

describe('dashboard in Chromium', () => {
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(20_000);
  });

  /** The provider's flow as a person goes through it: the dashboard sends the browser to sign in. */
  async function signInAs(username: string, password = devUser(username).password): Promise<void> {
    await page.goto(gw);
    await page.getByRole('heading', { name: 'Sign in to the bank' }).waitFor();
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Accounts' }).waitFor();
    await shows(page.locator('#user-name'), `Signed in as ${username}`);
  }

  it('signs a customer in through the provider, refuses a wrong password, hides the admin panel, and signs out', async () => {
    await page.goto(gw);
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await shows(page.getByRole('alert'), 'Wrong user name or password');
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill(devUser('alice').password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Accounts' }).waitFor();
    await shows(page.locator('#user-name'), 'Signed in as alice (customer)');
    // No token is kept where another script of the origin could read it later.
    expect(await page.evaluate('JSON.stringify({ ...localStorage })')).not.toMatch(/eyJ/);
    expect(await page.evaluate('JSON.stringify({ ...sessionStorage })')).not.toMatch(/eyJ/);
    expect(await page.locator('#rebuild').count()).toBe(0);
    await shot('0-signed-in-customer');
    await page.getByRole('button', { name: 'Sign out' }).click();
    // Signed out at the provider too: the next visit asks for the password again.
    await page.getByRole('heading', { name: 'Sign in to the bank' }).waitFor();
  });

  it('opens an account, credits it live, shows a refusal, and goes back in time', async () => {
    await signInAs('admin');
    await page.getByLabel('Initial balance').fill('100.00');
    await page.getByLabel('Currency', { exact: true }).first().fill('MAD');
    await page.getByRole('button', { name: 'Open account' }).click();
    await page.waitForURL(/#\/accounts\/[0-9a-f-]{36}$/);
    const balance = page.locator('#balance');
    await shows(balance, '100.00 MAD');
    await page.locator('#live-status[data-state="connected"]').waitFor();
    // A marker that a reload would wipe.
    await page.evaluate(() => ((globalThis as unknown as { __noReload: number }).__noReload = 1));

    await page.locator('#credit-amount').fill('25.50');
    await page.locator('#credit-description').fill('salary');
    await page.getByRole('button', { name: 'Credit', exact: true }).click();
    await shows(balance, '125.50 MAD');
    await page.locator('#timeline li[data-version="3"]').waitFor();
    // The description travels with the event: in the history and in the operations.
    await shows(page.locator('#timeline li[data-version="3"]'), 'credited 25.50 (salary)');
    // Who did it: the signed-in user, recorded in the event.
    await shows(page.locator('#timeline li[data-version="3"]'), 'by admin');
    await shows(page.locator('#operations-body'), 'salary');
    expect(await page.evaluate(() => (globalThis as unknown as { __noReload?: number }).__noReload)).toBe(1);
    await shot('1-credited');

    await page.locator('#debit-amount').fill('1000.00');
    await page.getByRole('button', { name: 'Debit', exact: true }).click();
    const refusal = page.locator('#debit-refusal');
    await shows(refusal, 'Insufficient funds');
    expect(await refusal.getAttribute('role')).toBe('alert');
    await shot('2-refused-debit');
    await page.locator('#debit-amount').fill('-3');
    await page.getByRole('button', { name: 'Debit', exact: true }).click();
    await shows(refusal, 'Invalid amount');
    await shows(balance, '125.50 MAD');

    // Suspended, the account refuses a debit; reactivated, it is ACTIVATED again (live, no reload).
    await page.getByRole('button', { name: 'Suspend' }).click();
    await shows(page.locator('#account-meta'), 'SUSPENDED');
    await page.locator('#debit-amount').fill('1.00');
    await page.getByRole('button', { name: 'Debit', exact: true }).click();
    await shows(refusal, 'Account suspended');
    await page.getByRole('button', { name: 'Reactivate' }).click();
    await shows(page.locator('#account-meta'), 'ACTIVATED');
    await shows(balance, '125.50 MAD');

    // Back in time with the keyboard: Home on the slider is the first event.
    const slider = page.getByLabel('Moment (by event)');
    await slider.focus();
    await page.keyboard.press('Home');
    await shows(page.locator('#past-balance'), '100.00 MAD');
    await page.keyboard.press('End');
    await shows(page.locator('#past-balance'), '125.50 MAD');
    await page.keyboard.press('Home');
    await shows(page.locator('#past-balance'), '100.00 MAD');
    await shot('3-back-in-time');

    // The list updates live too.
    const id = /#\/accounts\/(.+)$/.exec(page.url())![1]!;
    await page.getByRole('link', { name: '← All accounts' }).click();
    const row = page.locator(`tr[data-account="${id}"]`);
    await shows(row, '125.50');
    await callGw(`${gw}/api/commands/accounts/${id}/credit`, { body: { amount: '4.50', currency: 'MAD' } });
    await shows(row, '130.00');
    await page.locator('#projection-facts dd').first().waitFor();
    await shot('4-accounts');
  });

  it('sends a transfer and follows it to COMPLETED, then one that fails; the chart draws the balance', async () => {
    const open = async (balance: string) =>
      (await callGw<{ accountId: string }>(`${gw}/api/commands/accounts`, { body: { initialBalance: balance, currency: 'MAD' } })).body.accountId;
    const from = await open('100.00');
    const to = await open('0.00');
    await page.goto(`${gw}/#/accounts/${from}`);
    const balance = page.locator('#balance');
    await shows(balance, '100.00 MAD');

    await page.locator('#transfer-to').fill(to);
    await page.locator('#transfer-amount').fill('30.00');
    await page.locator('#transfer-description').fill('rent');
    await page.getByRole('button', { name: 'Send transfer' }).click();
    await shows(page.locator('#transfer-status'), 'COMPLETED');
    await shows(balance, '70.00 MAD');
    const row = page.locator('#transfers-body tr').first();
    await shows(row, 'COMPLETED');
    await shows(row, '30.00 MAD');
    await shows(page.locator('#operations-body'), `${to.slice(0, 8)}…`);
    // The chart has the opening and the debit, drawn on a canvas.
    await page.locator('#balance-chart[data-points="2"] canvas').first().waitFor();
    await shot('5-transfer-completed');

    // Funds short: FAILED with its reason, the balance unchanged.
    await page.locator('#transfer-to').fill(to);
    await page.locator('#transfer-amount').fill('500.00');
    await page.getByRole('button', { name: 'Send transfer' }).click();
    await shows(page.locator('#transfer-status'), 'FAILED (insufficient-funds');
    await shows(balance, '70.00 MAD');
    // Wrong input is refused with its problem, nothing sent.
    await page.locator('#transfer-to').fill(from);
    await page.locator('#transfer-amount').fill('1.00');
    await page.getByRole('button', { name: 'Send transfer' }).click();
    await shows(page.locator('#transfer-refusal'), 'Same account on both sides');
    await shot('6-transfer-failed');
  });

  it('given a signed-in user, when they open the API reference, then Swagger UI renders the gateway document under the strict CSP and tries a request with their token', async () => {
    // given: signed in (still, at the provider, after the tests before; as alice when run alone)
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(gw);
    const signInPage = page.getByRole('heading', { name: 'Sign in to the bank' });
    const accounts = page.getByRole('heading', { name: 'Accounts' });
    await signInPage.or(accounts).waitFor();
    if (await signInPage.isVisible()) await signInAs('alice');
    // when
    await page.getByRole('link', { name: 'API', exact: true }).click();
    const stats = page.locator('#operations-queries-stats');
    await stats.waitFor();
    await stats.locator('.opblock-summary').first().click();
    await page.getByRole('button', { name: 'Try it out' }).click();
    await page.getByRole('button', { name: 'Execute' }).click();
    // then: the request went through the gateway signed in (200, not 401), and nothing was blocked
    await shows(stats.locator('.live-responses-table tr.response .response-col_status').first(), '200');
    await shot('7-api-reference');
    expect(violations).toEqual([]);
  });
});
