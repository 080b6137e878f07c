// Signing in as a user through the provider's real authorization-code flow with PKCE, the way a
// browser does it, without a browser: Hydra's /oauth2/auth, the gateway's sign-in page (its form
// filled and posted, cookies kept), the consent step, then the code exchanged at the token
// endpoint. Used by `npm run token` and the tests; the dashboard does the same in Chromium.
import { createHash, randomBytes } from 'node:crypto';
import { API_AUDIENCE, CLI_CLIENT_ID, CLI_REDIRECT_URI } from './hydra.js';

export interface SignInOptions {
  issuer: string;
  username: string;
  password: string;
  clientId?: string;
  redirectUri?: string;
  audience?: string;
  scope?: string;
}

export interface Tokens {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  expiresIn: number;
}

/** Cookies by host name (as a browser keeps them: not by port), name -> value. */
class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();
  take(url: string, res: Response): void {
    const host = new URL(url).hostname;
    const jar = this.byHost.get(host) ?? new Map<string, string>();
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq > 0) jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    this.byHost.set(host, jar);
  }
  header(url: string): string {
    return [...(this.byHost.get(new URL(url).hostname) ?? new Map<string, string>())].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

const MAX_HOPS = 12;

/** The hidden fields and action of the sign-in page's form. */
function readForm(html: string, pageUrl: string): { action: string; fields: Record<string, string> } {
  const form = /<form[^>]*action="([^"]*)"/i.exec(html);
  if (!form) throw new Error(`no form on the sign-in page ${pageUrl}`);
  const fields: Record<string, string> = {};
  for (const input of html.matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
    if (name)
      fields[name] = value
        .replace(/&amp;/g, '&')
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>');
  }
  return { action: new URL(form[1]!.replace(/&amp;/g, '&'), pageUrl).toString(), fields };
}

export async function signIn(options: SignInOptions): Promise<Tokens> {
  const clientId = options.clientId ?? CLI_CLIENT_ID;
  const redirectUri = options.redirectUri ?? CLI_REDIRECT_URI;
  const discovery = (await (await fetch(new URL('.well-known/openid-configuration', options.issuer))).json()) as { authorization_endpoint: string; token_endpoint: string };
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL(discovery.authorization_endpoint);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: options.scope ?? 'openid offline_access',
    audience: options.audience ?? API_AUDIENCE,
    state,
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();

  const jar = new CookieJar();
  let url = authorize.toString();
  let init: RequestInit = {};
  let submitted = false;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: jar.header(url) } });
    jar.take(url, res);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      const next = new URL(location, url).toString();
      if (next.startsWith(redirectUri)) return exchange(discovery.token_endpoint, next, { clientId, redirectUri, verifier, state });
      url = next;
      init = {};
      continue;
    }
    const body = await res.text();
    if (res.status === 200 && !submitted && /<form/i.test(body)) {
      const form = readForm(body, url);
      submitted = true;
      url = form.action;
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...form.fields, username: options.username, password: options.password }).toString(),
      };
      continue;
    }
    throw new Error(`sign-in as ${options.username} stopped at ${url}: ${res.status} ${body.slice(0, 300)}`);
  }
  throw new Error(`sign-in as ${options.username}: more than ${MAX_HOPS} redirects`);
}

async function exchange(tokenEndpoint: string, callback: string, flow: { clientId: string; redirectUri: string; verifier: string; state: string }): Promise<Tokens> {
  const params = new URL(callback).searchParams;
  if (params.get('error')) throw new Error(`the provider refused: ${params.get('error')} ${params.get('error_description') ?? ''}`);
  if (params.get('state') !== flow.state) throw new Error('the provider answered with another state');
  const res = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code') ?? '',
      redirect_uri: flow.redirectUri,
      client_id: flow.clientId,
      code_verifier: flow.verifier,
    }),
  });
  const json = (await res.json()) as { access_token?: string; refresh_token?: string; id_token?: string; expires_in?: number; error?: string };
  if (!res.ok || !json.access_token) throw new Error(`token exchange answered ${res.status}: ${JSON.stringify(json)}`);
  return { accessToken: json.access_token, refreshToken: json.refresh_token, idToken: json.id_token, expiresIn: json.expires_in ?? 0 };
}
