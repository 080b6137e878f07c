// Live updates: a hub of local SSE clients, fed by a Redis pub/sub channel that every replica
// publishes to after a successful projection.
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import type { Logger } from '@bank/platform';
import { accountJson, type AccountDoc } from '../readmodel/documents.js';
import { LiveBus } from './bus.js';
import { LiveHub } from './hub.js';

export { liveRoutes } from './routes.js';
export { LiveHub, sseFrame, type LiveAccount } from './hub.js';
export { LiveBus } from './bus.js';

export interface LiveOptions {
  enabled: boolean;
  redisUrl: string;
  channel: string;
  maxClients: number;
  heartbeatMs: number;
  log: Logger;
  registry: Registry;
  /**
   * Every update the bus brings, this replica's own included: an account reached a version in
   * the active read model. Read-your-writes waiters are woken by it, so a request parked on one
   * replica learns of an apply done by another at once, not at its wait's bound.
   */
  onApplied?: (accountId: string, version: number) => void;
}

export function createLive(options: LiveOptions) {
  const hub = new LiveHub({ maxClients: options.maxClients, heartbeatMs: options.heartbeatMs });
  const messages = new Counter({ name: 'live_messages_total', help: 'Live updates by outcome', labelNames: ['outcome'] as const, registers: [options.registry] });
  new Gauge({
    name: 'live_sse_clients',
    help: 'Server-Sent Events clients connected to this replica',
    registers: [options.registry],
    collect() {
      this.set(hub.size);
    },
  });
  const bus = options.enabled
    ? new LiveBus({
        url: options.redisUrl,
        channel: options.channel,
        log: options.log,
        onMessage: (account) => {
          messages.inc({ outcome: 'received' });
          options.onApplied?.(account.accountId, account.version);
          hub.dispatch(account);
        },
        onDown: () => hub.closeAll('live updates interrupted; reconnect'),
      })
    : undefined;
  return {
    hub,
    bus,
    start: () => bus?.start(),
    available: () => bus?.ready ?? false,
    /** The projector's hook: called after each apply to the active generation. */
    published(doc: AccountDoc): void {
      if (!bus) return;
      bus.publish(accountJson(doc));
      messages.inc({ outcome: 'published' });
    },
    async close(): Promise<void> {
      hub.close();
      await bus?.close();
    },
  };
}

/** The live updates of one process: its SSE hub and, when enabled, the bus between replicas. */
export type Live = ReturnType<typeof createLive>;
