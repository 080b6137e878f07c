// Which paths the gateway forwards: an allow-list, so nothing else of a service (its /metrics,
// its Dapr delivery route, which the sidecar would call with the app token) is reachable from
// the browser, and a path can never climb out of /v1.0/invoke/<app>/method/ (segments are plain
// ids: no dots, no percent-encoding).

export type Target = 'commands' | 'queries';

const ID = '[A-Za-z0-9_-]{1,128}';

const TEMPLATES: Record<Target, string[]> = {
  commands: [
    'accounts',
    'accounts/:id/credit',
    'accounts/:id/debit',
    'accounts/:id/suspend',
    'accounts/:id/reactivate',
    'accounts/:id/close',
    'accounts/:id/events',
    'accounts/:id/state',
    'transfers',
  ],
  queries: [
    'accounts',
    'accounts/:id',
    'accounts/:id/operations',
    'accounts/:id/balance',
    'accounts/:id/transfers',
    'accounts/:id/live',
    'transfers/:id',
    'live',
    'operations',
    'stats',
    'admin/projections',
    'admin/projections/rebuild',
  ],
};

const COMPILED = Object.fromEntries(
  (Object.keys(TEMPLATES) as Target[]).map((t) => [t, TEMPLATES[t].map((tpl) => ({ tpl, re: new RegExp(`^${tpl.replace(/:id/g, ID)}$`) }))]),
) as Record<Target, Array<{ tpl: string; re: RegExp }>>;

export interface Route {
  target: Target;
  /** The path on the service, without a leading slash. */
  path: string;
  /** The template matched (a bounded metrics label). */
  template: string;
  /** A Server-Sent Events stream: no timeout, no buffering. */
  live: boolean;
}

/** The route for a raw request path (as received, not decoded), or undefined. */
export function matchRoute(rawPath: string): Route | undefined {
  const m = /^\/api\/(commands|queries)\/(.+)$/.exec(rawPath);
  if (!m) return undefined;
  const target = m[1] as Target;
  const path = m[2]!;
  const hit = COMPILED[target].find((r) => r.re.test(path));
  if (!hit) return undefined;
  return { target, path, template: `/api/${target}/${hit.tpl}`, live: hit.tpl.endsWith('live') };
}
