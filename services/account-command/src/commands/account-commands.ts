// The account streams as the command handler takes them: the account decider, one stream per
// account, events stored with their account id and announced on the account-events topic.
// Adding a command needs nothing here: it is a case of the decider and a route.
import { ACCOUNT_EVENTS_TOPIC, EVENT_SCHEMA_VERSION, PUBSUB_NAME, toPageEvent, upcast, type AccountEvent, type NewEvent, type StreamNotification } from '@bank/contracts';
import { GroupCommit, type Sidecar } from '@bank/platform';
import { accountDecider, type AccountCommand, type AccountSnapshot, type AccountState, type DomainError } from '../domain/index.js';
import { StreamStore, type StreamStoreOptions } from '../eventstore/stream-store.js';
import type { CommandHandler, CommandOutcome, NotificationPublisher, StreamKind } from './command-handler.js';

export type AccountStore = StreamStore<AccountEvent, AccountSnapshot>;

/** The account event store: every event, whatever schema version it was written in, is read as the current one. */
export const accountStore = (sidecar: Sidecar, options: Omit<StreamStoreOptions<AccountEvent>, 'upcast'>): AccountStore =>
  new StreamStore<AccountEvent, AccountSnapshot>(sidecar, { ...options, upcast });

const ACCOUNT_STREAM_PREFIX = 'account-';

export const accountStreamId = (accountId: string): string => `${ACCOUNT_STREAM_PREFIX}${accountId}`;

/** The account id of an account stream; null for any other stream. */
export const accountIdOfStream = (streamId: string): string | null => (streamId.startsWith(ACCOUNT_STREAM_PREFIX) ? streamId.slice(ACCOUNT_STREAM_PREFIX.length) : null);

export const accountStreams: StreamKind<AccountCommand, NewEvent, AccountEvent, AccountState, AccountSnapshot, DomainError, StreamNotification> = {
  decider: accountDecider,
  streamIdOf: (command) => accountStreamId(command.accountId),
  toStored: (decided, { command, eventId, version, occurredAt, metadata }) =>
    ({ eventId, accountId: command.accountId, type: decided.type, version, occurredAt, schemaVersion: EVENT_SCHEMA_VERSION, ...metadata, data: decided.data }) as AccountEvent,
  outboxNotificationOf: (command, version) => ({ accountId: command.accountId, version }),
  committedNotificationOf: (command, events, version) => ({ accountId: command.accountId, version, committedEvents: events.map(toPageEvent) }),
};

export type AccountCommandHandler = CommandHandler<AccountCommand, NewEvent, AccountEvent, AccountState, AccountSnapshot, DomainError, StreamNotification>;
export type AccountCommandOutcome = CommandOutcome<AccountEvent, DomainError>;

/**
 * The direct publish of account notifications, keyed by account (brokers that partition keep its
 * order). With `groupUpTo` > 1 the notifications that come while a publish is in flight go
 * together in the next one (one bulk publish, one round trip to the sidecar; GroupCommit).
 */
export function accountNotifications(sidecar: Sidecar, groupUpTo = 1): NotificationPublisher<StreamNotification> {
  const metadataOf = (notification: StreamNotification) => ({ partitionKey: notification.accountId });
  if (groupUpTo <= 1) return { publish: (notification) => sidecar.publish(PUBSUB_NAME, ACCOUNT_EVENTS_TOPIC, notification, metadataOf(notification)) };
  const group = new GroupCommit<StreamNotification, Error | undefined>(
    (notifications) =>
      sidecar.publishBulk(
        PUBSUB_NAME,
        ACCOUNT_EVENTS_TOPIC,
        notifications.map((notification) => ({ data: notification, metadata: metadataOf(notification) })),
      ),
    { maxBatch: groupUpTo },
  );
  return {
    async publish(notification) {
      const failed = await group.submit(notification);
      if (failed) throw failed;
    },
  };
}
