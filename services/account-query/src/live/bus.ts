// Fan-out between replicas: each projector publishes the account it just changed on a Redis
// pub/sub channel, and every replica (this one included) subscribes once and hands what it
// receives to its local SSE clients. Redis pub/sub is fire-and-forget: a client that misses an
// update sees the next one (each carries the whole read model) and gets the current state on
// reconnect. When Redis is down, publishing is skipped and the live endpoints answer 503; the
// projections never wait for it.
import { Redis } from 'ioredis';
import type { Logger } from '@bank/platform';
import type { LiveAccount } from './hub.js';

export interface LiveBusOptions {
  url: string;
  channel: string;
  log: Logger;
  onMessage(account: LiveAccount): void;
  /** Called when the subscription is lost (every local stream should end). */
  onDown(): void;
}

interface Envelope {
  v: 1;
  account: LiveAccount;
}

function parse(raw: string): LiveAccount | undefined {
  try {
    const envelope = JSON.parse(raw) as Partial<Envelope>;
    const account = envelope.account;
    if (envelope.v === 1 && account && typeof account.accountId === 'string' && Number.isSafeInteger(account.version)) return account;
  } catch {
    /* not ours */
  }
  return undefined;
}

export class LiveBus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private subscribed = false;
  private warned = false;
  published = 0;
  dropped = 0;

  constructor(private readonly options: LiveBusOptions) {
    const common = {
      lazyConnect: true,
      // Never queue while disconnected: a publish is dropped, not delayed.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      retryStrategy: (times: number) => Math.min(250 * times, 5000),
      connectionName: 'account-query-live',
    };
    this.pub = new Redis(options.url, common);
    this.sub = new Redis(options.url, { ...common, autoResubscribe: false });
    for (const [name, conn] of [
      ['publisher', this.pub],
      ['subscriber', this.sub],
    ] as const) {
      conn.on('error', (err: Error) => {
        if (this.warned) return;
        this.warned = true;
        options.log.warn({ err: err.message, connection: name }, 'live updates: Redis unavailable; live endpoints answer 503 until it is back');
      });
      conn.on('ready', () => {
        if (this.warned) options.log.info({ connection: name }, 'live updates: Redis reachable again');
        this.warned = false;
      });
    }
    this.sub.on('ready', () => {
      this.sub.subscribe(options.channel).then(
        () => {
          this.subscribed = true;
        },
        (err: Error) => options.log.warn({ err: err.message }, 'live updates: subscribe failed'),
      );
    });
    this.sub.on('close', () => {
      if (this.subscribed) options.onDown();
      this.subscribed = false;
    });
    this.sub.on('message', (channel: string, raw: string) => {
      if (channel !== options.channel) return;
      const account = parse(raw);
      if (account) options.onMessage(account);
    });
  }

  /** Connects in the background (retrying); never throws. */
  start(): void {
    for (const connection of [this.pub, this.sub]) connection.connect().catch(() => undefined);
  }

  /** True while this process receives the channel. */
  get ready(): boolean {
    return this.subscribed && this.sub.status === 'ready';
  }

  /** Fire and forget: never delays or fails a projection. */
  publish(account: LiveAccount): void {
    if (this.pub.status !== 'ready') {
      this.dropped++;
      return;
    }
    const msg: Envelope = { v: 1, account };
    this.pub.publish(this.options.channel, JSON.stringify(msg)).then(
      () => {
        this.published++;
      },
      () => {
        this.dropped++;
      },
    );
  }

  async close(): Promise<void> {
    this.subscribed = false;
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
