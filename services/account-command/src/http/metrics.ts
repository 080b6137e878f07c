import { Counter, Histogram, type Registry } from 'prom-client';

export function createCommandMetrics(registry: Registry) {
  return {
    commands: new Counter({
      name: 'commands_total',
      help: 'Commands handled, by type and outcome (accepted, replayed, or the problem code)',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'command_duration_seconds',
      help: 'Time to handle a command, store round trips included',
      labelNames: ['type'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    conflicts: new Counter({ name: 'eventstore_concurrency_conflicts_total', help: 'Appends that lost an ETag race', registers: [registry] }),
    retries: new Counter({ name: 'command_retries_total', help: 'Command attempts repeated after a conflict', registers: [registry] }),
    published: new Counter({ name: 'notifications_published_total', help: 'Direct publishes of stream notifications', registers: [registry] }),
    publishFailures: new Counter({ name: 'notifications_publish_failures_total', help: 'Notifications given up after retries (the outbox still delivers)', registers: [registry] }),
  };
}

export type CommandMetrics = ReturnType<typeof createCommandMetrics>;
