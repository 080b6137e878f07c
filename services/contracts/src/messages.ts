import type { PageEvent } from './command-side-api.js';

/** Pub/sub component and topic every service agrees on; the component behind the name is YAML. */
export const PUBSUB_NAME = 'pubsub';
export const ACCOUNT_EVENTS_TOPIC = 'account-events';
export const STATESTORE_NAME = 'statestore';
export const COMMAND_APP_ID = 'account-command';
export const QUERY_APP_ID = 'account-query';

/**
 * "Stream accountId reached version V." Consumers treat it as a hint to pull from the event
 * store: it may be duplicated, reordered, late or (outbox on Redis) announce a commit that never
 * happened.
 */
export interface StreamNotification {
  accountId: string;
  version: number;
  /**
   * The commit's own events, only on the command service's direct publish, which is sent after
   * the commit is confirmed: a consumer whose read model is at the version just before them may
   * apply them instead of pulling. The outbox's copy never carries them (it can be phantom).
   */
  committedEvents?: PageEvent[];
}
