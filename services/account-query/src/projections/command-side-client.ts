// The query side's client of the command side: the authoritative event store, read through the
// command service's private endpoints by Dapr service invocation.
import { SidecarError, type EventPage, type Sidecar, type StreamIndexPage, type StreamVersions } from '@bank/shared';

/** The event store could not be read now (sidecar, command service or store unavailable): retry later. */
export class PullError extends Error {}

export class CommandSideClient {
  constructor(
    private readonly sidecar: Sidecar,
    private readonly commandAppId: string,
    private readonly timeoutMs = 10_000,
  ) {}

  private async get<T>(path: string): Promise<T | null> {
    let res: Response;
    try {
      res = await this.sidecar.invoke(this.commandAppId, path, { timeoutMs: this.timeoutMs });
    } catch (e) {
      throw new PullError(e instanceof SidecarError ? e.message : `invoke ${path}: ${(e as Error).message}`);
    }
    if (res.status === 404) {
      const body = (await res.json().catch(() => ({}))) as { type?: string };
      // Only the command service's own "no such account" is an answer; a 404 from daprd (say,
      // the app id is not resolvable yet) is an outage.
      if (body.type === '/problems/account-not-found') return null;
      throw new PullError(`invoke ${path}: HTTP 404 ${body.type ?? ''}`.trim());
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new PullError(`invoke ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    }
    try {
      return (await res.json()) as T;
    } catch (e) {
      throw new PullError(`invoke ${path}: unreadable answer: ${(e as Error).message}`);
    }
  }

  /** Events from `fromVersion` on (at most `limit`), or null when the account does not exist. */
  events(accountId: string, fromVersion: number, limit: number): Promise<EventPage | null> {
    return this.get<EventPage>(`accounts/${encodeURIComponent(accountId)}/events?fromVersion=${fromVersion}&limit=${limit}`);
  }

  /**
   * The events of many accounts at once (rebuilds): each stream up to `limit` events; a longer
   * one comes back cut (events.length < version). Unknown ids are left out.
   */
  async batch(accountIds: readonly string[], limit: number): Promise<EventPage[]> {
    const page = await this.get<{ streams: EventPage[] }>(`streams/events?ids=${accountIds.map(encodeURIComponent).join(',')}&limit=${limit}`);
    if (!page) throw new PullError('GET /streams/events answered 404');
    return page.streams;
  }

  /** The current version of each of these streams (unknown ids are left out). */
  async versions(accountIds: readonly string[]): Promise<StreamVersions['streams']> {
    const page = await this.get<StreamVersions>(`streams/versions?ids=${accountIds.map(encodeURIComponent).join(',')}`);
    if (!page) throw new PullError('GET /streams/versions answered 404');
    return page.streams;
  }

  /** Every stream id (may repeat across pages: callers treat it as a set). */
  async *streams(pageSize = 1000): AsyncGenerator<string[]> {
    let cursor: string | null = null;
    do {
      const qs: string = `limit=${pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: StreamIndexPage | null = await this.get<StreamIndexPage>(`streams?${qs}`);
      if (!page) throw new PullError('GET /streams answered 404');
      yield page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }
}
