// The same conditional append as the event store (read the head, write it back only if nobody
// else did), straight to Redis with ioredis and no sidecar: the Dapr overhead becomes a ratio.
import { Redis } from 'ioredis';
import { summarize, type LoadResult } from './load.js';

// Same shape as state.redis: a hash with data and version; the write checks the version.
const CAS = `
local v = redis.call('HGET', KEYS[1], 'version')
if (v == false and ARGV[1] == '0') or v == ARGV[1] then
  redis.call('HSET', KEYS[1], 'data', ARGV[2])
  return redis.call('HINCRBY', KEYS[1], 'version', 1)
end
return -1`;

export async function redisBaseline(opts: { host: string; port: number; db: number; concurrency: number; seconds: number; accounts: number }): Promise<LoadResult> {
  const clients = Array.from({ length: Math.min(opts.concurrency, 32) }, () => new Redis({ host: opts.host, port: opts.port, db: opts.db, lazyConnect: false }));
  const latencies: number[] = [];
  let errors = 0;
  let i = 0;
  const until = performance.now() + opts.seconds * 1000;
  const started = performance.now();
  const worker = async (w: number) => {
    const redis = clients[w % clients.length]!;
    while (performance.now() < until) {
      const key = `baseline:account-${i++ % opts.accounts}`;
      const t0 = performance.now();
      for (;;) {
        const [data, version] = await redis.hmget(key, 'data', 'version');
        const head = data ? (JSON.parse(data) as { version: number; balance: number }) : { version: 0, balance: 0 };
        const next = JSON.stringify({ ...head, version: head.version + 1, balance: head.balance + 1 });
        const r = (await redis.eval(CAS, 1, key, version ?? '0', next)) as number;
        if (r !== -1) break;
        errors++; // a lost race: retry, as the command handler does
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.quit()));
  return summarize(latencies, elapsed, errors, {});
}
