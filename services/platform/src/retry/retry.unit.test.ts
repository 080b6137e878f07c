import { pauseMs, retry, type RetryRuntime } from './index.js';

function fakeRuntime(random = 1): RetryRuntime & { pauses: number[] } {
  const pauses: number[] = [];
  return { pauses, sleep: async (ms) => void pauses.push(ms), random: () => random };
}

describe('retry', () => {
  it('returns the first success, telling the operation which attempt it is', async () => {
    // Given an operation that fails twice
    const runtime = fakeRuntime();
    const seen: number[] = [];
    // When it is retried
    const result = await retry(
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 3) throw new Error(`fail ${attempt}`);
        return 'done';
      },
      { attempts: 5, baseMs: 100 },
      runtime,
    );
    // Then the third attempt's value comes back after two growing pauses
    expect(result).toBe('done');
    expect(seen).toEqual([1, 2, 3]);
    expect(runtime.pauses).toEqual([100, 200]);
  });

  it('throws the last error once the attempts are spent', async () => {
    const runtime = fakeRuntime();
    let calls = 0;
    await expect(
      retry(
        async (attempt) => {
          calls++;
          throw new Error(`fail ${attempt}`);
        },
        { attempts: 3, baseMs: 10 },
        runtime,
      ),
    ).rejects.toThrow('fail 3');
    expect(calls).toBe(3);
    expect(runtime.pauses).toHaveLength(2);
  });

  it('does not retry an error the policy calls final', async () => {
    const runtime = fakeRuntime();
    const final = new Error('final');
    const retried: number[] = [];
    await expect(
      retry(
        async () => {
          throw final;
        },
        { attempts: 5, baseMs: 10, retryable: (e) => e !== final, onRetry: (_e, attempt) => retried.push(attempt) },
        runtime,
      ),
    ).rejects.toBe(final);
    expect(runtime.pauses).toEqual([]);
    expect(retried).toEqual([]);
  });

  it('reports each retry before its pause', async () => {
    const runtime = fakeRuntime();
    const retried: number[] = [];
    await retry(
      async (attempt) => {
        if (attempt < 3) throw new Error('again');
        return attempt;
      },
      { attempts: 3, baseMs: 1, onRetry: (_e, attempt) => retried.push(attempt) },
      runtime,
    );
    expect(retried).toEqual([1, 2]);
  });
});

describe('pauseMs', () => {
  it('doubles, caps, and jitters over [0, pause]', () => {
    const policy = { attempts: 10, baseMs: 250, maxMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => pauseMs(policy, n, () => 1))).toEqual([250, 500, 1000, 1000, 1000]);
    expect(pauseMs(policy, 2, () => 0.5)).toBe(250);
    expect(pauseMs(policy, 2, () => 0)).toBe(0);
  });

  it('grows linearly when asked, and is exact without jitter', () => {
    expect([1, 2, 3].map((n) => pauseMs({ attempts: 5, baseMs: 3, growth: 'linear', jitter: 'none' }, n))).toEqual([3, 6, 9]);
  });
});
