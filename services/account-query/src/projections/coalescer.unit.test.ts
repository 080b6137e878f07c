import { KeyedCoalescer } from './coalescer.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('KeyedCoalescer', () => {
  it('runs one pull per key at a time and queues at most one more, for the highest version', async () => {
    const calls: Array<[string, number]> = [];
    const gates: Array<ReturnType<typeof deferred>> = [];
    let running = 0;
    let maxRunning = 0;
    const c = new KeyedCoalescer(async (key, v) => {
      calls.push([key, v]);
      running++;
      maxRunning = Math.max(maxRunning, running);
      const g = deferred();
      gates.push(g);
      await g.promise;
      running--;
    });
    const p1 = c.request('a', 1);
    const dup = c.request('a', 1); // covered by the running pull
    const p2 = c.request('a', 2);
    const p3 = c.request('a', 5); // joins the queued one
    const other = c.request('b', 1); // another key runs in parallel
    expect(calls).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    gates[0]!.resolve();
    await p1;
    await dup;
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([
      ['a', 1],
      ['b', 1],
      ['a', 5],
    ]);
    gates[1]!.resolve();
    gates[2]!.resolve();
    await Promise.all([p2, p3, other]);
    expect(c.size).toBe(0);
    expect(maxRunning).toBe(2); // a and b, never two for a
  });

  it('a failed pull rejects its waiters, and the queued pull still runs', async () => {
    const first = deferred();
    let n = 0;
    const c = new KeyedCoalescer(async () => {
      if (n++ === 0) await first.promise;
    });
    const p1 = c.request('a', 1);
    const p2 = c.request('a', 2);
    first.reject(new Error('down'));
    await expect(p1).rejects.toThrow('down');
    await expect(p2).resolves.toBeUndefined();
    expect(n).toBe(2);
    expect(c.size).toBe(0);
  });
});
