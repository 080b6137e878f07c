// Fan-out between replicas: each projector publishes the account it just changed on a Redis
// pub/sub channel, and every replica (this one included) subscribes once and hands what it
// receives to its local SSE clients. Redis pub/sub is fire-and-forget: a client that misses an
// update sees the next one (each carries the whole read model) and gets the current state on
// reconnect. When Redis is down, publishing is skipped and the live endpoints answer 503; the
// projections never wait for it.
import { Redis } from 'ioredis';
import type { Logger } from '@bank/shared';
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
    const e = JSON.parse(raw) as Partial<Envelope>;
    const a = e.account;
    if (e.v === 1 && a && typeof a.accountId === 'string' && Number.isSafeInteger(a.version)) return a;
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

  constructor(private readonly o: LiveBusOptions) {
    const common = {
      lazyConnect: true,
      // Never queue while disconnected: a publish is dropped, not delayed.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      retryStrategy: (times: number) => Math.min(250 * times, 5000),
      connectionName: 'account-query-live',
    };
    this.pub = new Redis(o.url, common);
    this.sub = new Redis(o.url, { ...common, autoResubscribe: false });
    for (const [name, conn] of [['publisher', this.pub], ['subscriber', this.sub]] as const) {
      conn.on('error', (err: Error) => {
        if (this.warned) return;
        this.warned = true;
        o.log.warn({ err: err.message, connection: name }, 'live updates: Redis unavailable; live endpoints answer 503 until it is back');
      });
      conn.on('ready', () => {
        if (this.warned) o.log.info({ connection: name }, 'live updates: Redis reachable again');
        this.warned = false;
      });
    }
    this.sub.on('ready', () => {
      this.sub.subscribe(o.channel).then(
        () => {
          this.subscribed = true;
        },
        (err: Error) => o.log.warn({ err: err.message }, 'live updates: subscribe failed'),
      );
    });
    this.sub.on('close', () => {
      if (this.subscribed) o.onDown();
      this.subscribed = false;
    });
    this.sub.on('message', (channel: string, raw: string) => {
      if (channel !== o.channel) return;
      const account = parse(raw);
      if (account) o.onMessage(account);
    });
  }

  /** Connects in the background (retrying); never throws. */
  start(): void {
    for (const c of [this.pub, this.sub]) c.connect().catch(() => undefined);
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
    this.pub.publish(this.o.channel, JSON.stringify(msg)).then(
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
