// Local fan-out of live updates to Server-Sent Events clients of this process. Every replica
// receives every update through the bus (bus.ts) and hands it to its own clients here.
import type { Writable } from 'node:stream';

/** What an update carries: the account's read model, as GET /accounts/{id} serves it. */
export interface LiveAccount {
  accountId: string;
  version: number;
  [field: string]: unknown;
}

export interface LiveClient {
  /** Only this account's updates; undefined for the global feed. */
  readonly accountId: string | undefined;
  /** Which updates this client may receive (whose accounts they are); undefined: every one. */
  readonly admits: ((account: LiveAccount) => boolean) | undefined;
  /** Highest version sent per account, so a late or duplicated update never goes back in time. */
  readonly sent: Map<string, number>;
  readonly out: Writable;
}

export interface LiveHubOptions {
  maxClients: number;
  heartbeatMs: number;
  /** Accounts remembered per global-feed client for ordering (oldest forgotten first). */
  maxTrackedAccounts?: number;
}

/** One SSE event frame; `data` is JSON on one line, so no line of it can start a new field. */
export function sseFrame(event: string, data: unknown, id?: string): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class LiveHub {
  private readonly clients = new Set<LiveClient>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly maxTracked: number;

  constructor(private readonly options: LiveHubOptions) {
    this.maxTracked = options.maxTrackedAccounts ?? 10_000;
    // Comments keep idle connections open through proxies and reveal dead peers.
    this.heartbeat = setInterval(() => {
      for (const client of this.clients) client.out.write(`: heartbeat ${new Date().toISOString()}\n\n`);
    }, options.heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  get full(): boolean {
    return this.clients.size >= this.options.maxClients;
  }

  /** Registers a client; undefined when the bound is reached (the caller answers 503). */
  add(accountId: string | undefined, out: Writable, admits?: (account: LiveAccount) => boolean): LiveClient | undefined {
    if (this.full) return undefined;
    const client: LiveClient = { accountId, admits, sent: new Map(), out };
    this.clients.add(client);
    return client;
  }

  remove(client: LiveClient): void {
    this.clients.delete(client);
  }

  /** Sends `account` to `client` unless it already got that version or a later one. */
  send(client: LiveClient, account: LiveAccount): boolean {
    const last = client.sent.get(account.accountId) ?? 0;
    if (account.version <= last) return false;
    client.sent.delete(account.accountId);
    client.sent.set(account.accountId, account.version);
    if (client.sent.size > this.maxTracked) {
      const oldest = client.sent.keys().next().value;
      if (oldest !== undefined) client.sent.delete(oldest);
    }
    client.out.write(sseFrame('account', account, String(account.version)));
    return true;
  }

  /** Hands an update to every interested local client; returns how many got it. */
  dispatch(account: LiveAccount): number {
    let n = 0;
    for (const client of this.clients) {
      if (client.accountId !== undefined && client.accountId !== account.accountId) continue;
      if (client.admits && !client.admits(account)) continue;
      if (this.send(client, account)) n++;
    }
    return n;
  }

  /** Ends every stream (the bus went away: clients reconnect and learn it from the 503). */
  closeAll(reason: string): void {
    for (const client of [...this.clients]) {
      client.out.end(sseFrame('unavailable', { reason }));
      this.clients.delete(client);
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.closeAll('shutting down');
  }
}
