import { PassThrough } from 'node:stream';
import { LiveHub, sseFrame } from './hub.js';

const collect = (s: PassThrough): string[] => {
  const out: string[] = [];
  s.on('data', (d: Buffer) => out.push(d.toString()));
  return out;
};
const acc = (accountId: string, version: number) => ({ accountId, version, balance: `${version}.00` });

describe('LiveHub', () => {
  let hub: LiveHub;
  beforeEach(() => (hub = new LiveHub({ maxClients: 2, heartbeatMs: 60_000 })));
  afterEach(() => hub.close());

  it('sends an account feed only its account, in version order, once per version', async () => {
    const s = new PassThrough();
    const got = collect(s);
    hub.add('a', s);
    hub.dispatch(acc('b', 5));
    hub.dispatch(acc('a', 3));
    hub.dispatch(acc('a', 2)); // late
    hub.dispatch(acc('a', 3)); // duplicate
    hub.dispatch(acc('a', 4));
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([sseFrame('account', acc('a', 3), '3'), sseFrame('account', acc('a', 4), '4')]);
  });

  it('sends the global feed every account', async () => {
    const s = new PassThrough();
    const got = collect(s);
    hub.add(undefined, s);
    hub.dispatch(acc('a', 3));
    hub.dispatch(acc('b', 1));
    await new Promise((r) => setImmediate(r));
    expect(got).toHaveLength(2);
  });

  it('sends a client only the updates it admits', async () => {
    const s = new PassThrough();
    const got = collect(s);
    hub.add(undefined, s, (account) => account.owner === 'alice');
    hub.dispatch({ ...acc('a', 1), owner: 'alice' });
    hub.dispatch({ ...acc('b', 1), owner: 'bob' });
    hub.dispatch(acc('c', 1));
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([sseFrame('account', { ...acc('a', 1), owner: 'alice' }, '1')]);
  });

  it('bounds the number of clients and forgets removed ones', () => {
    const a = hub.add(undefined, new PassThrough())!;
    hub.add(undefined, new PassThrough());
    expect(hub.add(undefined, new PassThrough())).toBeUndefined();
    hub.remove(a);
    expect(hub.size).toBe(1);
    expect(hub.add('x', new PassThrough())).toBeDefined();
  });

  it('ends every stream when the bus goes away', () => {
    const s = new PassThrough();
    hub.add(undefined, s);
    hub.closeAll('gone');
    expect(s.writableEnded).toBe(true);
    expect(hub.size).toBe(0);
  });

  it('writes one data line whatever the content', () => {
    expect(
      sseFrame('account', { t: 'a\nevent: x' })
        .split('\n')
        .filter((l) => l.startsWith('data:')),
    ).toHaveLength(1);
  });
});
