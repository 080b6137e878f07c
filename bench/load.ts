// A small closed-loop load generator: `concurrency` clients, each sending its next request as soon
// as the previous one answered, for a fixed time. Every latency is kept, so percentiles are exact.
import { Pool } from 'undici';

export interface LoadResult {
  requests: number;
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
  throughput: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function summarize(latencies: number[], seconds: number, errors: number, statuses: Record<string, number>): LoadResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    statuses,
    seconds,
    throughput: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/** `onAnswer`, when given, gets each answer's status and body with its request's index (else bodies are discarded unread). */
export async function closedLoop(
  origin: string,
  concurrency: number,
  seconds: number,
  next: (i: number) => RequestSpec,
  onAnswer?: (status: number, body: string, i: number) => void,
): Promise<LoadResult> {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let i = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  const client = async () => {
    while (performance.now() < until) {
      const index = i++;
      const spec = next(index);
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: spec.method, path: spec.path, body: spec.body, headers: { 'content-type': 'application/json', ...spec.headers } });
        if (onAnswer) onAnswer(res.statusCode, await res.body.text(), index);
        else await res.body.dump();
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode >= 500) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  return summarize(latencies, elapsed, errors, statuses);
}
