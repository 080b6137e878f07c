import { RateLimiter } from './rate-limit.js';

describe('the rate limiter', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => (clock = 1_000_000));

  it('accepts a burst, then refuses with the time until the next request, then refills at the rate', () => {
    const limiter = new RateLimiter({ perSecond: 2, burst: 3, now });
    expect([limiter.take('alice'), limiter.take('alice'), limiter.take('alice')]).toEqual([undefined, undefined, undefined]);
    expect(limiter.take('alice')).toEqual({ retryAfterSeconds: 1 });
    clock += 500;
    expect(limiter.take('alice')).toBeUndefined();
    expect(limiter.take('alice')).toEqual({ retryAfterSeconds: 1 });
  });

  it('keeps each key apart', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, now });
    expect(limiter.take('alice')).toBeUndefined();
    expect(limiter.take('alice')).toBeDefined();
    expect(limiter.take('bob')).toBeUndefined();
  });

  it('says how long a slow rate needs', () => {
    const limiter = new RateLimiter({ perSecond: 0.1, burst: 1, now });
    limiter.take('alice');
    expect(limiter.take('alice')).toEqual({ retryAfterSeconds: 10 });
  });

  it('is off at a rate of 0', () => {
    const limiter = new RateLimiter({ perSecond: 0, burst: 0, now });
    for (let i = 0; i < 100; i++) expect(limiter.take('alice')).toBeUndefined();
    expect(limiter.size).toBe(0);
  });

  it('remembers a bounded number of keys, forgetting the least recently seen', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, maxKeys: 2, now });
    limiter.take('a');
    limiter.take('b');
    limiter.take('a');
    limiter.take('c');
    expect(limiter.size).toBe(2);
    // a is still remembered (empty); b was forgotten, so it starts with a full bucket again.
    expect(limiter.take('a')).toBeDefined();
    expect(limiter.take('b')).toBeUndefined();
  });
});
