// The public API of the release, through the gateway's port-forward only (as a browser reaches it
// behind an Ingress): /api/commands/... and /api/queries/... routed by the gateway to the two
// services through Dapr service invocation (sidecar to sidecar, mTLS), the live feed over SSE,
// and the dashboard in Chromium. Sign-in is on (the release's own provider): every call goes out
// as the signed-in administrator's (sign-in.ts), and the dashboard signs in through the provider.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { call, REPO_ROOT, waitUntil } from '@bank/testkit';
import { launchChromium, shows, type LaunchedBrowser } from '../../../gateway/src/testing/browser.js';
import { requireCluster } from './kube.js';
import { useSignedInApi } from './sign-in.js';

const SHOTS = path.join(REPO_ROOT, '.data', 'cluster');
let api: string;
let browser: LaunchedBrowser | undefined;

beforeAll(requireCluster);
const signedIn = useSignedInApi();

beforeAll(() => {
  api = `${signedIn().gateway.url}/api`;
});

afterAll(async () => {
  await browser?.close();
});

interface AccountView {
  accountId: string;
  balance: string;
  currency: string;
  status: string;
  version: number;
}

/** Reads `event: account` frames of a Server-Sent Events response. */
function accountFrames(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  return {
    async next(timeoutMs: number): Promise<AccountView & { id: string | undefined }> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const end = buf.indexOf('\n\n');
        if (end >= 0) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const lines = frame.split('\n');
          const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          if (field('event') === 'account') return { ...(JSON.parse(field('data')!) as AccountView), id: field('id') };
          continue; // a comment (": connected", ": heartbeat"), the retry hint
        }
        const left = until - Date.now();
        if (left <= 0) throw new Error(`no account event within ${timeoutMs} ms; buffered ${JSON.stringify(buf)}`);
        let timer: NodeJS.Timeout | undefined;
        const r = await Promise.race([reader.read(), new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left)))]);
        clearTimeout(timer);
        if (r === 'timeout') continue;
        if (r.done) throw new Error('the stream ended');
        buf += decoder.decode(r.value, { stream: true });
      }
    },
    cancel: () => reader.cancel().catch(() => undefined),
  };
}

/**
 * GET /api/queries/accounts/{id}?minVersion=N, which must answer 200 at version >= N (the query
 * side waits up to 5 s for its projection). When it does not, says what a plain read answers
 * right after: a 404 or 504 there while the plain read is 200 is account-query's read-your-writes
 * wait missing an apply made by the other replica.
 */
async function readOwnWrite(id: string, version: number) {
  const t0 = Date.now();
  const read = await call<AccountView>(`${api}/queries/accounts/${id}?minVersion=${version}`);
  if (read.status !== 200) {
    const ms = Date.now() - t0;
    const plain = await call<AccountView>(`${api}/queries/accounts/${id}`);
    throw new Error(
      `?minVersion=${version} of ${id} answered ${read.status} after ${ms} ms (${JSON.stringify(read.body)}); a plain read right after answers ${plain.status} at version ${plain.body?.version}`,
    );
  }
  return read;
}

describe('the API through the gateway', () => {
  it('opens, credits and debits an account, refuses an overdraft with a 422 problem, and reads its writes', async () => {
    // Given a new account (an Idempotency-Key: a repeat answers the same, once).
    const key = `cluster-open-${Date.now()}`;
    const opened = await call<{ accountId: string; version: number }>(`${api}/commands/accounts`, {
      body: { initialBalance: '100.00', currency: 'MAD' },
      headers: { 'idempotency-key': key },
    });
    expect({ status: opened.status, body: opened.body }).toMatchObject({ status: 201, body: { version: 2 } });
    const id = opened.body.accountId;
    expect(opened.headers.get('location')).toBe(`/accounts/${id}`);
    const again = await call<{ accountId: string }>(`${api}/commands/accounts`, { body: { initialBalance: '100.00', currency: 'MAD' }, headers: { 'idempotency-key': key } });
    expect([again.status, again.body.accountId, again.headers.get('idempotent-replayed')]).toEqual([201, id, 'true']);

    // When it is credited, then debited.
    const credit = await call<{ version: number }>(`${api}/commands/accounts/${id}/credit`, { body: { amount: '25.50', currency: 'MAD' } });
    expect([credit.status, credit.body.version]).toEqual([200, 3]);
    const debit = await call<{ version: number }>(`${api}/commands/accounts/${id}/debit`, { body: { amount: '10.25', currency: 'MAD' } });
    expect([debit.status, debit.body.version]).toEqual([200, 4]);

    // Then a debit beyond the balance is refused, as a problem, and changes nothing.
    const overdraft = await call<{ type: string; status: number; detail?: string }>(`${api}/commands/accounts/${id}/debit`, { body: { amount: '1000.00', currency: 'MAD' } });
    expect(overdraft.status).toBe(422);
    expect(overdraft.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(overdraft.body).toMatchObject({ type: '/problems/insufficient-funds', status: 422 });
    const state = await call<AccountView>(`${api}/commands/accounts/${id}/state`);
    expect(state.body).toMatchObject({ balance: '115.25', currency: 'MAD', status: 'ACTIVATED', version: 4 });

    // And the query side reads its writes: ?minVersion waits for the projection of version 4.
    const read = await readOwnWrite(id, 4);
    expect([read.status, read.headers.get('etag')]).toEqual([200, '"4"']);
    expect(read.body).toMatchObject({ accountId: id, balance: '115.25', currency: 'MAD', status: 'ACTIVATED', version: 4 });
    const ops = await call<{ items: Array<{ type: string; amount: string; balanceAfter: string; version: number }> }>(`${api}/queries/accounts/${id}/operations`);
    expect(ops.body.items.map((o) => [o.type, o.amount, o.balanceAfter, o.version])).toEqual([
      ['DEBIT', '10.25', '115.25', 4],
      ['CREDIT', '25.50', '125.50', 3],
    ]);
    // The history on the command side is the same four events.
    const events = await call<{ events: Array<{ type: string }> }>(`${api}/commands/accounts/${id}/events`);
    expect(events.body.events.map((e) => e.type)).toEqual(['AccountCreated', 'AccountActivated', 'AccountCredited', 'AccountDebited']);

    // What the gateway does not route stays out of reach (404 problem), e.g. a service's metrics.
    const hidden = await call(`${api}/commands/metrics`);
    expect([hidden.status, hidden.headers.get('content-type')]).toEqual([404, 'application/problem+json']);
  });

  it("suspends, reactivates and closes an account, each refusal its own problem, and keeps the description and the caller's id in the events", async () => {
    const { accountId: id } = (await call<{ accountId: string }>(`${api}/commands/accounts`, { body: { initialBalance: '20.00', currency: 'MAD' } })).body;
    const post = (action: string, init: { body?: unknown; headers?: Record<string, string> } = {}) =>
      call<{ version: number; type?: string; balance?: string }>(`${api}/commands/accounts/${id}/${action}`, { method: 'POST', ...init });
    // Given a suspended account: a debit is refused (409 account-suspended), a credit with a description lands.
    expect((await post('suspend')).status).toBe(200);
    const refused = await post('debit', { body: { amount: '1.00', currency: 'MAD' } });
    expect([refused.status, refused.body.type]).toEqual([409, '/problems/account-suspended']);
    const credited = await post('credit', { body: { amount: '5.00', currency: 'MAD', description: 'refund' }, headers: { 'x-correlation-id': `cluster-credit-${id}` } });
    expect([credited.status, credited.body.version]).toEqual([200, 4]);
    // When reactivated and emptied, it closes; a close with a balance is refused first (422 with the balance).
    expect((await post('reactivate', { body: {} })).status).toBe(200);
    const notZero = await post('close');
    expect([notZero.status, notZero.body.type, notZero.body.balance]).toEqual([422, '/problems/balance-not-zero', '25.00']);
    expect((await post('debit', { body: { amount: '25.00', currency: 'MAD' } })).status).toBe(200);
    const closed = await post('close', { headers: { 'idempotency-key': `cluster-close-${id}` } });
    expect([closed.status, closed.body.version]).toEqual([200, 7]);
    expect((await post('credit', { body: { amount: '1.00', currency: 'MAD' } })).body.type).toBe('/problems/account-closed');
    // Then the query side reads it CLOSED at version 7, and the history keeps the description.
    // (The id the credit's event records is the request's: the caller's x-correlation-id, or the
    // W3C trace id when the mesh's tracing gave one; never empty.)
    const read = await readOwnWrite(id, 7);
    expect(read.body).toMatchObject({ status: 'CLOSED', balance: '0.00', version: 7 });
    const history = await call<{ events: Array<{ type: string; schemaVersion: number; correlationId: string | null; data: { description?: string | null } }> }>(
      `${api}/commands/accounts/${id}/events`,
    );
    expect(history.body.events.map((e) => e.type)).toEqual([
      'AccountCreated',
      'AccountActivated',
      'AccountSuspended',
      'AccountCredited',
      'AccountReactivated',
      'AccountDebited',
      'AccountClosed',
    ]);
    const credit = history.body.events[3]!;
    expect(credit).toMatchObject({ schemaVersion: 3, data: { description: 'refund' } });
    expect(credit.correlationId).toMatch(/^(cluster-credit-|[0-9a-f]{32}$)/);
    expect(credit.correlationId).not.toMatch(/^0+$/);
  });

  it('transfers between accounts on two command replicas: 20 complete, one to a closed account is refunded, every balance adds up', async () => {
    const open = async (balance: string) => (await call<{ accountId: string }>(`${api}/commands/accounts`, { body: { initialBalance: balance, currency: 'MAD' } })).body.accountId;
    const [from, to, closed] = [await open('100.00'), await open('0.00'), await open('0.00')];
    expect((await call(`${api}/commands/accounts/${closed}/close`, { method: 'POST' })).status).toBe(200);
    const send = (target: string, amount: string) =>
      call<{ transferId: string; status: string }>(`${api}/commands/transfers`, { body: { fromAccountId: from, toAccountId: target, amount, currency: 'MAD' } });
    // 20 at once (either command replica may take each, either may settle it) and one to the closed account.
    const sent = await Promise.all([...Array.from({ length: 20 }, () => send(to, '2.50')), send(closed, '10.00')]);
    expect(sent.map((answer) => answer.status)).toEqual(Array(21).fill(202));
    const finals = await waitUntil('21 transfers final', 60_000, async () => {
      const all = await Promise.all(sent.map(async (answer) => (await call<{ status: string; reason: string | null }>(`${api}/queries/transfers/${answer.body.transferId}`)).body));
      return all.every((transfer) => transfer.status === 'COMPLETED' || transfer.status === 'FAILED') ? all : undefined;
    });
    expect(finals.slice(0, 20).map((transfer) => transfer.status)).toEqual(Array(20).fill('COMPLETED'));
    expect(finals[20]).toMatchObject({ status: 'FAILED', reason: 'account-closed' });
    const balance = async (id: string) => (await call<{ balance: string }>(`${api}/commands/accounts/${id}/state`)).body.balance;
    expect([await balance(from), await balance(to), await balance(closed)]).toEqual(['50.00', '50.00', '0.00']);
  });

  it('reads its own writes on the query side, whichever replica answers (?minVersion on 40 new accounts)', async () => {
    // Given accounts just opened (each answered 201 at version 2), when each is read at once with
    // ?minVersion=2 through the gateway (either account-query replica may answer, either may
    // project it), then every read answers 200 at version 2, within the query side's 5 s wait.
    const failures: string[] = [];
    const t0 = Date.now();
    let n = 0;
    for (; n < 40 && Date.now() - t0 < 120_000; n++) {
      const opened = await call<{ accountId: string; version: number }>(`${api}/commands/accounts`, { body: { initialBalance: '1.00', currency: 'MAD' } });
      expect(opened.status).toBe(201);
      await readOwnWrite(opened.body.accountId, 2).then(
        (r) => expect(r.body.version).toBeGreaterThanOrEqual(2),
        (e: Error) => failures.push(e.message),
      );
    }
    expect({ reads: n, failures }).toEqual({ reads: 40, failures: [] });
  });

  it('streams a live update over SSE through the gateway when the account changes', async () => {
    const { accountId: id } = (await call<{ accountId: string }>(`${api}/commands/accounts`, { body: { initialBalance: '5.00', currency: 'MAD' } })).body;
    // (Once the read model has it: the live route answers 404 for an account it does not know.
    // A plain read, so that this test is not about ?minVersion, which the test above covers.)
    await waitUntil(`account ${id} in the read model`, 15_000, async () => (await call(`${api}/queries/accounts/${id}`)).status === 200, 100);
    // Given an open stream (served by one account-query replica; the update may be projected by
    // the other: the replicas fan updates out to each other through Redis).
    const res = await fetch(`${api}/queries/accounts/${id}/live`, { headers: { accept: 'text/event-stream' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const feed = accountFrames(res);
    const all = accountFrames(await fetch(`${api}/queries/live`, { headers: { accept: 'text/event-stream' } }));
    try {
      expect(await feed.next(10_000)).toMatchObject({ accountId: id, version: 2, balance: '5.00', id: '2' });
      // When it is credited (repeatedly: either replica may project each one).
      for (const [amount, version, balance] of [
        ['1.50', 3, '6.50'],
        ['2.00', 4, '8.50'],
        ['0.25', 5, '8.75'],
      ] as const) {
        const t0 = Date.now();
        const c = await call<{ version: number }>(`${api}/commands/accounts/${id}/credit`, { body: { amount, currency: 'MAD' } });
        expect([c.status, c.body.version]).toEqual([200, version]);
        // Then the stream carries the new version, without a reload.
        expect(await feed.next(15_000)).toMatchObject({ accountId: id, version, balance, id: String(version) });
        console.log(`live: version ${version} reached the SSE client ${Date.now() - t0} ms after the command was sent`);
      }
      // The global feed saw it too.
      for (;;) {
        const f = await all.next(15_000);
        if (f.accountId === id && f.version === 5) break;
      }
    } finally {
      await feed.cancel();
      await all.cancel();
    }
  });
});

describe('the dashboard in Chromium, through the port-forward', () => {
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(30_000);
    // Only the port-forwards (the gateway's and the provider's public addresses): any other
    // address is refused before it leaves the browser.
    const { gateway, provider } = signedIn();
    const allowed = new Set([String(gateway.localPort), String(provider.localPort)]);
    await browser.context.route('**/*', (route) => {
      const u = new URL(route.request().url());
      return u.hostname === '127.0.0.1' && allowed.has(u.port) ? route.continue() : route.abort('blockedbyclient');
    });
  });

  it("signs the administrator in through the release's provider, opens an account, credits it live, and lists it", async () => {
    // The dashboard sends the browser to the provider, whose sign-in page is the gateway's.
    await page.goto(signedIn().gateway.url);
    await page.getByRole('heading', { name: 'Sign in to the bank' }).waitFor();
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(await signedIn().passwordOf('admin'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Accounts' }).waitFor();
    await shows(page.locator('#user-name'), 'Signed in as admin');
    // Given an account opened in the page.
    await page.getByLabel('Initial balance').fill('42.00');
    await page.getByLabel('Currency', { exact: true }).first().fill('MAD');
    await page.getByRole('button', { name: 'Open account' }).click();
    await page.waitForURL(/#\/accounts\/[0-9a-f-]{36}$/);
    const id = /#\/accounts\/(.+)$/.exec(page.url())![1]!;
    await shows(page.locator('#balance'), '42.00 MAD');
    await page.locator('#live-status[data-state="connected"]').waitFor();
    // When it is credited from outside the page, the page follows live.
    expect((await call(`${api}/commands/accounts/${id}/credit`, { body: { amount: '8.00', currency: 'MAD' } })).status).toBe(200);
    await shows(page.locator('#balance'), '50.00 MAD');
    await page.locator('#timeline li[data-version="3"]').waitFor();
    // Then the list shows it: it pages the release's accounts 25 at a time (earlier runs left
    // many), and puts an account that changes at the top through its live feed.
    await page.getByRole('link', { name: '← All accounts' }).click();
    await shows(page.locator('main p[role="status"]').first(), 'account(s) shown');
    await page.locator('#live-status[data-state="connected"]').waitFor();
    const row = page.locator(`tr[data-account="${id}"]`);
    // (The list's own feed may still be connecting when the first credit lands: up to 3 credits.)
    let version = 3;
    for (let cents = 5100; cents <= 5300; cents += 100) {
      const c = await call<{ version: number }>(`${api}/commands/accounts/${id}/credit`, { body: { amount: '1.00', currency: 'MAD' } });
      expect(c.status).toBe(200);
      version = c.body.version;
      if (
        await shows(row, `${cents / 100}.00`, 10_000).then(
          () => true,
          () => false,
        )
      )
        break;
    }
    await page.screenshot({ path: path.join(SHOTS, 'dashboard.png'), fullPage: true });
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(1, 5)).toEqual([`${50 + version - 3}.00`, 'MAD', 'ACTIVATED', String(version)]);
    expect(cells[0]).toContain(id);
  });
});
