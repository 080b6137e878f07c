// The one retry helper: attempts with jittered, growing, capped pauses between them. Every loop
// that tries again (a store conflict, a sidecar hiccup, a pull that failed) goes through it, so
// the bound and the pause shape are always stated where the call is made.

export interface RetryPolicy {
  /** Attempts in all, the first included (>= 1). */
  attempts: number;
  /** The pause before the second attempt; it grows from there. */
  baseMs: number;
  /** `exponential` doubles the pause each time; `linear` adds baseMs (short waits on a hot key). */
  growth?: 'exponential' | 'linear';
  /** No pause is longer than this. */
  maxMs?: number;
  /** `full`: a uniform pick in [0, pause] (spreads contenders apart); `none`: exactly the pause. */
  jitter?: 'full' | 'none';
  /** Whether this error is worth another attempt (default: every error is). */
  retryable?: (err: unknown) => boolean;
  /** Called before each pause, with the error and the attempt that failed. */
  onRetry?: (err: unknown, attempt: number) => void;
}

/** Clock and randomness, given in unit tests. */
export interface RetryRuntime {
  sleep(ms: number): Promise<void>;
  random(): number;
}

const realRuntime: RetryRuntime = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** The pause after failed attempt `attempt` (1-based). */
export function pauseMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const grown = policy.growth === 'linear' ? policy.baseMs * attempt : policy.baseMs * 2 ** (attempt - 1);
  const capped = Math.min(policy.maxMs ?? Number.POSITIVE_INFINITY, grown);
  return policy.jitter === 'none' ? capped : random() * capped;
}

/**
 * Runs `operation` until it succeeds, the error is not retryable, or the attempts are spent; the
 * last error is thrown as it was. `operation` is told which attempt it is.
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, policy: RetryPolicy, runtime: RetryRuntime = realRuntime): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (err) {
      if (attempt >= policy.attempts || (policy.retryable && !policy.retryable(err))) throw err;
      policy.onRetry?.(err, attempt);
      await runtime.sleep(pauseMs(policy, attempt, runtime.random));
    }
  }
}
