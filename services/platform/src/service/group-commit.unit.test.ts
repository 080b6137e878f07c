import { GroupCommit } from './group-commit.js';

/** A flush that records its groups and waits until release() is called. */
function heldFlush() {
  const groups: number[][] = [];
  let held: Array<() => void> = [];
  return {
    groups,
    flush: async (items: number[]) => {
      groups.push(items);
      await new Promise<void>((resolve) => held.push(resolve));
      return items.map((item) => item * 10);
    },
    async release() {
      const now = held;
      held = [];
      for (const resolve of now) resolve();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('GroupCommit', () => {
  it('flushes the first item at once, then what came meanwhile in groups of at most maxBatch, each caller getting its own result', async () => {
    const held = heldFlush();
    const commit = new GroupCommit(held.flush, { maxBatch: 2 });
    const results = [commit.submit(1)];
    await new Promise((resolve) => setImmediate(resolve));
    results.push(commit.submit(2), commit.submit(3), commit.submit(4));
    expect(held.groups).toEqual([[1]]);
    await held.release();
    expect(held.groups).toEqual([[1], [2, 3]]);
    await held.release();
    await held.release();
    expect(held.groups).toEqual([[1], [2, 3], [4]]);
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40]);
    expect(commit.idle).toBe(true);
  });

  it('rejects every caller of a failed flush and goes on with the next group', async () => {
    let fail = true;
    const commit = new GroupCommit(
      async (items: number[]) => {
        if (fail) {
          fail = false;
          throw new Error('the sidecar is down');
        }
        return items;
      },
      { maxBatch: 10 },
    );
    const first = commit.submit(1).catch((err: Error) => err.message);
    const second = commit.submit(2);
    expect([await first, await second]).toEqual(['the sidecar is down', 2]);
  });
});
