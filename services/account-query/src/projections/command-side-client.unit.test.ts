// The client of the command side against a fake sidecar: the paths it asks (the contract's), and
// which answers are answers (an unknown account) and which are outages (PullError).
import { SidecarError, type Sidecar } from '@bank/platform';
import { CommandSideClient, PullError } from './command-side-client.js';

const ID = '00000000-0000-4000-8000-000000000001';
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function setUp(answer: (path: string) => Response | Promise<Response>) {
  const invoked: Array<{ appId: string; path: string; timeoutMs: number | undefined }> = [];
  const sidecar = {
    invoke: async (appId: string, path: string, init: { timeoutMs?: number } = {}) => {
      invoked.push({ appId, path, timeoutMs: init.timeoutMs });
      return answer(path);
    },
  };
  // Only invoke() is used.
  const client = new CommandSideClient(sidecar as unknown as Sidecar, 'account-command', 1234);
  return { client, invoked };
}

describe('CommandSideClient', () => {
  it('asks the contract paths, with their queries encoded', async () => {
    const { client, invoked } = setUp((path) => {
      if (path.startsWith('streams?')) return json(200, { items: ['a'], nextCursor: path.includes('cursor=') ? null : 'c/1' });
      if (path.startsWith('streams/events')) return json(200, { streams: [] });
      if (path.startsWith('streams/versions')) return json(200, { streams: [] });
      return json(200, { accountId: ID, version: 0, events: [] });
    });

    await client.events(ID, 3, 50);
    await client.batch([ID, 'x,y'], 1000);
    await client.versions([ID]);
    const pages: string[][] = [];
    for await (const page of client.streams(10)) pages.push(page);

    expect(invoked.map((call) => call.path)).toEqual([
      `accounts/${ID}/events?fromVersion=3&limit=50`,
      `streams/events?ids=${ID},x%2Cy&limit=1000`,
      `streams/versions?ids=${ID}`,
      'streams?limit=10',
      'streams?limit=10&cursor=c%2F1',
    ]);
    expect(pages).toEqual([['a'], ['a']]);
    expect(invoked.every((call) => call.appId === 'account-command' && call.timeoutMs === 1234)).toBe(true);
  });

  it("the command side's own account-not-found is an answer (null); any other 404 is an outage", async () => {
    expect(await setUp(() => json(404, { type: '/problems/account-not-found' })).client.events(ID, 1, 10)).toBeNull();
    await expect(setUp(() => json(404, { errorCode: 'ERR_DIRECT_INVOKE' })).client.events(ID, 1, 10)).rejects.toThrow(PullError);
    await expect(setUp(() => json(404, { type: '/problems/account-not-found' })).client.versions([ID])).rejects.toThrow(PullError);
  });

  it('a sidecar error, a 5xx or an unreadable answer is a PullError', async () => {
    await expect(
      setUp(() => {
        throw new SidecarError('sidecar down', 503, 'ERR_DIRECT_INVOKE');
      }).client.events(ID, 1, 10),
    ).rejects.toThrow(new PullError('sidecar down'));
    await expect(setUp(() => json(503, { title: 'busy' })).client.events(ID, 1, 10)).rejects.toThrow(/HTTP 503/);
    await expect(setUp(() => new Response('not json', { status: 200 })).client.events(ID, 1, 10)).rejects.toThrow(/unreadable answer/);
  });
});
