// The read side's Prometheus metrics. Defined here, at the top of src/, so that every layer
// (projections, rebuild, http) can take them without importing from an outer one.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function createQueryMetrics(registry: Registry) {
  return {
    // mode="live": applied to the active generation on a notification or a sweep (the name predates
    // the SSE live updates; dashboards and tests read it); mode="rebuild": applied by a rebuild.
    eventsApplied: new Counter({
      name: 'projection_events_applied_total',
      help: 'Events applied to the read models, by mode (live or rebuild)',
      labelNames: ['mode'] as const,
      registers: [registry],
    }),
    pulls: new Counter({
      name: 'projection_pulls_total',
      help: 'Pulls from the event store, by outcome (applied, empty, unknown-account, failed, data-error)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    committedApplied: new Counter({
      name: 'projection_committed_events_applied_total',
      help: 'Commits applied from the events their notification carried, without a pull',
      registers: [registry],
    }),
    duplicatesIgnored: new Counter({ name: 'projection_duplicates_ignored_total', help: 'Notifications for a version already applied (no pull made)', registers: [registry] }),
    races: new Counter({ name: 'projection_write_races_total', help: 'Conditional account updates that found another writer ahead', registers: [registry] }),
    unknownEvents: new Counter({ name: 'projection_unknown_events_total', help: 'Events of an unknown type, skipped', registers: [registry] }),
    lag: new Histogram({
      name: 'projection_lag_seconds',
      help: 'now - occurredAt of each event when it is applied by the live projection',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    deliveries: new Counter({ name: 'notification_deliveries_total', help: 'Pub/sub deliveries, by answer', labelNames: ['status'] as const, registers: [registry] }),
    pullsInFlight: new Gauge({ name: 'projection_pulls_in_flight', help: 'Accounts with a pull running or queued', registers: [registry] }),
    reconcileSweeps: new Counter({
      name: 'reconcile_sweeps_total',
      help: 'Reconciliation sweeps (event store versions against read models), by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    reconcileHealed: new Counter({
      name: 'reconcile_accounts_behind_total',
      help: 'Accounts a reconciliation sweep found behind the event store, and pulled',
      registers: [registry],
    }),
    rebuildStreams: new Gauge({ name: 'projection_rebuild_streams_done', help: 'Streams projected by the running (or last) rebuild', registers: [registry] }),
  };
}

export type QueryMetrics = ReturnType<typeof createQueryMetrics>;
