// The Dapr app-callback side: the subscription declaration and the delivery route.
import Router from '@koa/router';
import { ACCOUNT_EVENTS_TOPIC, isProblem, PUBSUB_NAME, type PageEvent } from '@bank/contracts';
import { answerDelivery, readDelivery, requireAppToken, type Logger, type Subscription } from '@bank/platform';
import { PullError } from '../projections/command-side-client.js';
import { parseNotification } from '../projections/notification.js';
import { ProjectionError } from '../projections/project.js';
import type { QueryMetrics } from '../metrics.js';

export const DELIVERY_ROUTE = '/deliveries/account-events';

export interface SubscriptionDeps {
  appApiToken: string | undefined;
  /** Brings the account up to the announced version; rejects when that cannot be done now. */
  pull: (accountId: string, version: number, committedEvents: PageEvent[] | undefined) => Promise<void>;
  metrics: QueryMetrics;
  log: Logger;
  isReady: () => boolean;
}

export function subscriptionRoutes(deps: SubscriptionDeps): Router {
  // One spelling per resource (no trailing slash, exact case): see account-command's routes.
  const router = new Router({ strict: true, sensitive: true });

  router.get('/dapr/subscribe', (ctx) => {
    requireAppToken(ctx, deps.appApiToken);
    const subs: Subscription[] = [{ pubsubname: PUBSUB_NAME, topic: ACCOUNT_EVENTS_TOPIC, route: DELIVERY_ROUTE }];
    ctx.body = subs;
  });

  router.post(DELIVERY_ROUTE, async (ctx) => {
    requireAppToken(ctx, deps.appApiToken);
    const answer = (status: 'SUCCESS' | 'RETRY' | 'DROP') => {
      deps.metrics.deliveries.inc({ status });
      answerDelivery(ctx, status);
    };
    let data: unknown;
    try {
      data = (await readDelivery<unknown>(ctx)).data;
    } catch (err) {
      if (!isProblem(err)) throw err;
      deps.log.warn({ detail: err.message }, 'unreadable delivery dropped');
      return answer('DROP');
    }
    const notification = parseNotification(data);
    if (notification.kind === 'probe') return answer('SUCCESS');
    if (notification.kind === 'malformed') {
      deps.log.warn({ reason: notification.reason, data: preview(data) }, 'malformed notification dropped');
      return answer('DROP');
    }
    // Not connected to the read store yet: nothing can be applied, the broker keeps it for us.
    if (!deps.isReady()) return answer('RETRY');
    try {
      await deps.pull(notification.accountId, notification.version, notification.committedEvents);
      return answer('SUCCESS');
    } catch (err) {
      if (err instanceof ProjectionError) {
        // Bad data in the event store: redelivery cannot fix it, the log and metric must.
        deps.log.error({ err, accountId: notification.accountId }, 'events cannot be projected');
        return answer('SUCCESS');
      }
      // The event store could not be read, or the read store did not take the write: later.
      deps.log.warn({ err: err instanceof PullError ? err.message : err, accountId: notification.accountId, version: notification.version }, 'pull failed; asking for redelivery');
      return answer('RETRY');
    }
  });

  return router;
}

/** A bounded, never-throwing rendering of untrusted data for a log line. */
function preview(value: unknown): string {
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 500);
  } catch {
    return '[unprintable]';
  }
}
