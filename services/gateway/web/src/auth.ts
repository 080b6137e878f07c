// Sign-in for the dashboard: the authorization code flow with PKCE through oidc-client-ts, against
// the provider the gateway names at /auth/config. The tokens are kept in memory only (a reload
// signs in again through the provider, which remembers the browser for an hour, without the form);
// the flow's transient state (the PKCE verifier) is in sessionStorage, which a redirect survives.
// The access token is renewed with the refresh token before it expires.
import { InMemoryWebStorage, UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';

interface AuthConfig {
  mode: 'oidc' | 'off';
  issuer: string;
  clientId: string;
  audience: string;
  scope: string;
}

const CALLBACK_PATH = '/signed-in';
let manager: UserManager | undefined;
let user: User | null = null;

/** Who is signed in; null when the gateway runs without sign-in (AUTH_MODE=off). */
export type SignedIn = { username: string; roles: string[] } | null;

/** Signs in (or finishes signing in) and resolves with who is signed in; redirects away if need be. */
export async function signInIfNeeded(): Promise<SignedIn> {
  const res = await fetch('/auth/config', { headers: { accept: 'application/json' } });
  if (!res.ok || !/json/.test(res.headers.get('content-type') ?? '')) throw new Error(`the gateway has no sign-in configuration (${res.status})`);
  const config = (await res.json()) as AuthConfig;
  if (config.mode === 'off') return null;
  manager = new UserManager({
    authority: config.issuer,
    client_id: config.clientId,
    redirect_uri: `${location.origin}${CALLBACK_PATH}`,
    post_logout_redirect_uri: `${location.origin}/`,
    response_type: 'code',
    scope: config.scope,
    extraQueryParams: { audience: config.audience },
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
    automaticSilentRenew: true,
    loadUserInfo: false,
  });
  manager.events.addUserLoaded((loaded) => {
    user = loaded;
  });
  manager.events.addUserUnloaded(() => {
    user = null;
  });
  if (location.pathname === CALLBACK_PATH) {
    user = await manager.signinRedirectCallback();
    const back = typeof user.state === 'string' ? user.state : '#/';
    history.replaceState(null, '', `/${back}`);
  } else {
    user = await manager.getUser();
  }
  if (!user || user.expired) {
    await manager.signinRedirect({ state: location.hash || '#/' });
    // The page is going to the provider.
    return new Promise<never>(() => undefined);
  }
  const profile = user.profile as { preferred_username?: string; sub: string; roles?: string[] };
  return { username: profile.preferred_username ?? profile.sub, roles: profile.roles ?? [] };
}

/** The current access token, for the Authorization header. */
export function accessToken(): string | undefined {
  return user?.access_token;
}

/** A 401 from the API: the token is gone or refused; sign in again from here. */
export async function signInAgain(): Promise<void> {
  await manager?.signinRedirect({ state: location.hash || '#/' });
}

export async function signOut(): Promise<void> {
  const idToken = user?.id_token;
  await manager?.removeUser();
  await manager?.signoutRedirect({ id_token_hint: idToken });
}
