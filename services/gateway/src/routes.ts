// Which paths the gateway forwards: an allow-list, so nothing else of a service (its /metrics,
// its Dapr delivery route, which the sidecar would call with the app token) is reachable from
// the browser, and a path can never climb out of /v1.0/invoke/<app>/method/ (segments are plain
// ids: no dots, no percent-encoding).

import { gatewayApiPaths, GATEWAY_PREFIXES } from '@bank/contracts';

export type Target = keyof typeof GATEWAY_PREFIXES;

const ID = '[A-Za-z0-9_-]{1,128}';

/**
 * The templates of each target, read from the gateway's OpenAPI document (@bank/contracts): the
 * paths it describes under /api/commands and /api/queries are the paths it forwards, no others.
 */
const TEMPLATES: Record<Target, string[]> = templatesOf(Object.keys(gatewayApiPaths()));

/** '/api/commands/accounts/{id}/credit' -> commands: 'accounts/:id/credit'. */
function templatesOf(documentedPaths: readonly string[]): Record<Target, string[]> {
  const templates: Record<Target, string[]> = { commands: [], queries: [] };
  for (const target of Object.keys(GATEWAY_PREFIXES) as Target[]) {
    const prefix = `${GATEWAY_PREFIXES[target]}/`;
    for (const documented of documentedPaths) {
      if (documented.startsWith(prefix)) templates[target].push(documented.slice(prefix.length).replace(/\{[^}]+\}/g, ':id'));
    }
  }
  return templates;
}

/** The templates the gateway forwards, per target (for its tests). */
export const forwardedTemplates = (): Record<Target, readonly string[]> => TEMPLATES;

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
