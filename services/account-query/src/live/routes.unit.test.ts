// The live feeds and who may follow what: an account's feed only for a caller who may read it
// (else the 404 of an unknown account), and the global feed with only the updates of the accounts
// the caller may read. A real hub, a fake read store, no bus.
import Koa from 'koa';
import { callerHeaders, type AccountJson, type Caller } from '@bank/contracts';
import { createLogger, problemMiddleware } from '@bank/platform';
import { listenOnLoopback, waitUntil, type ListeningServer } from '@bank/testkit';
import { accountDoc, accountJson, type AccountDoc } from '../readmodel/documents.js';
import { LiveHub } from './hub.js';
import { liveRoutes } from './routes.js';

const ALICES = '00000000-0000-4000-8000-00000000000a';
const BOBS = '00000000-0000-4000-8000-00000000000b';
const ALICE: Caller = { subject: 'alice', role: 'customer' };
const BOB: Caller = { subject: 'bob', role: 'customer' };
const ADMIN: Caller = { subject: 'root', role: 'admin' };

function docOf(accountId: string, owner: string | null, version = 2): AccountDoc {
  const at = new Date(Date.UTC(2026, 0, 1)).toISOString();
  return accountDoc({ accountId, owner, version, balanceMinor: 100n, initialBalanceMinor: 100n, currency: 'MAD', status: 'ACTIVATED', createdAt: at, updatedAt: at });
}

let hub: LiveHub;
let server: ListeningServer;
let base: string;
const docs = new Map<string, AccountDoc>();
const streams: AbortController[] = [];

beforeEach(async () => {
  docs.clear();
  docs.set(ALICES, docOf(ALICES, 'alice'));
  docs.set(BOBS, docOf(BOBS, 'bob'));
  hub = new LiveHub({ maxClients: 10, heartbeatMs: 60_000 });
  const app = new Koa();
  app.use(problemMiddleware(createLogger('unit', 'silent')));
  app.use(liveRoutes({ hub, available: () => true, findAccount: async (id) => docs.get(id) ?? null, retryMs: 1000 }).routes());
  server = await listenOnLoopback(app);
  base = server.base;
});

afterEach(async () => {
  for (const stream of streams.splice(0)) stream.abort();
  hub.close();
  await server.close();
});

/** Opens a feed as `caller`; `events` reads the account updates that came, `answer` the status. */
async function follow(path: string, caller: Caller) {
  const abort = new AbortController();
  streams.push(abort);
  const res = await fetch(`${base}${path}`, { headers: callerHeaders(caller), signal: abort.signal });
  let text = '';
  if (res.status === 200) {
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body!) text += decoder.decode(chunk as Uint8Array);
      } catch {
        /* aborted */
      }
    })();
  }
  const events = (): AccountJson[] => [...text.matchAll(/event: account\ndata: (.*)\n/g)].map((match) => JSON.parse(match[1]!) as AccountJson);
  return { status: res.status, body: res.status === 200 ? undefined : await res.json(), events };
}

describe('live feeds', () => {
  it("given alice's account, then alice follows it from its current state, and bob gets the 404 of an unknown account", async () => {
    const own = await follow(`/accounts/${ALICES}/live`, ALICE);
    expect(own.status).toBe(200);
    await waitUntil('the current state', 2000, async () => own.events().length === 1);
    expect(own.events()[0]).toMatchObject({ accountId: ALICES, owner: 'alice', version: 2 });

    const refused = await follow(`/accounts/${ALICES}/live`, BOB);
    docs.delete(ALICES);
    const unknown = await follow(`/accounts/${ALICES}/live`, BOB);
    expect(refused.status).toBe(404);
    expect(refused.body).toEqual(unknown.body);
  });

  it('given updates of alice and bob, then on the global feed alice gets hers only, and an admin both', async () => {
    const alices = await follow('/live', ALICE);
    const admins = await follow('/live', ADMIN);
    await waitUntil('both feeds registered', 2000, async () => hub.size === 2);

    hub.dispatch(accountJson(docOf(BOBS, 'bob', 3)));
    hub.dispatch(accountJson(docOf(ALICES, 'alice', 3)));
    // An update from a replica of an earlier release, without an owner: administrators only.
    const { owner: _absent, ...withoutOwner } = accountJson(docOf(ALICES, 'alice', 4));
    hub.dispatch(withoutOwner);
    await waitUntil('the admin feed', 2000, async () => admins.events().length === 3);

    expect(alices.events().map((account) => [account.accountId, account.version])).toEqual([[ALICES, 3]]);
    expect(admins.events().map((account) => [account.accountId, account.version])).toEqual([
      [BOBS, 3],
      [ALICES, 3],
      [ALICES, 4],
    ]);
  });

  it('given a malformed x-bank-role, then 400 invalid-header on both feeds', async () => {
    for (const path of ['/live', `/accounts/${ALICES}/live`]) {
      const res = await fetch(`${base}${path}`, { headers: { 'x-bank-subject': 'alice', 'x-bank-role': 'owner' } });
      expect([res.status, ((await res.json()) as { type: string }).type]).toEqual([400, '/problems/invalid-header']);
    }
  });
});
