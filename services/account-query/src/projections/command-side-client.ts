// The query side's client of the command side: the authoritative event store, read through the
// command service's feed endpoints by Dapr service invocation. Paths, queries and answers are the
// contracts in @bank/contracts (command-side-api.ts) that the command side's routes serve.
import {
  COMMAND_SIDE_PATHS,
  type EventPage,
  type EventPageQuery,
  type StreamEventsPage,
  type StreamEventsQuery,
  type StreamIndexPage,
  type StreamIndexQuery,
  type StreamVersions,
  type StreamVersionsQuery,
} from '@bank/contracts';
import { SidecarError, type Sidecar } from '@bank/platform';

/** The event store could not be read now (sidecar, command service or store unavailable): retry later. */
export class PullError extends Error {}

/** `path` with `query` (absent and empty values left out; a list as comma-separated, each item encoded). */
function withQuery<Query extends object>(path: string, query: Query): string {
  const pairs = Object.entries(query).flatMap(([name, value]: [string, unknown]) => {
    if (value === undefined || value === null || value === '') return [];
    const encoded = Array.isArray(value) ? value.map((item) => encodeURIComponent(String(item))).join(',') : encodeURIComponent(String(value));
    return [`${name}=${encoded}`];
  });
  return pairs.length > 0 ? `${path}?${pairs.join('&')}` : path;
}

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
    return this.get<EventPage>(withQuery<EventPageQuery>(COMMAND_SIDE_PATHS.accountEvents(accountId), { fromVersion, limit }));
  }

  /**
   * The events of many accounts at once (rebuilds): each stream up to `limit` events; a longer
   * one comes back cut (events.length < version). Unknown ids are left out.
   */
  async batch(accountIds: readonly string[], limit: number): Promise<EventPage[]> {
    const page = await this.get<StreamEventsPage>(withQuery<StreamEventsQuery>(COMMAND_SIDE_PATHS.streamEvents, { ids: accountIds, limit }));
    if (!page) throw new PullError('GET /streams/events answered 404');
    return page.streams;
  }

  /** The current version of each of these streams (unknown ids are left out). */
  async versions(accountIds: readonly string[]): Promise<StreamVersions['streams']> {
    const page = await this.get<StreamVersions>(withQuery<StreamVersionsQuery>(COMMAND_SIDE_PATHS.streamVersions, { ids: accountIds }));
    if (!page) throw new PullError('GET /streams/versions answered 404');
    return page.streams;
  }

  /** Every stream id (may repeat across pages: callers treat it as a set). */
  async *streams(pageSize = 1000): AsyncGenerator<string[]> {
    let cursor: string | null = null;
    do {
      const query: StreamIndexQuery = { limit: pageSize, ...(cursor ? { cursor } : {}) };
      const page: StreamIndexPage | null = await this.get<StreamIndexPage>(withQuery(COMMAND_SIDE_PATHS.streams, query));
      if (!page) throw new PullError('GET /streams answered 404');
      yield page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }
}
