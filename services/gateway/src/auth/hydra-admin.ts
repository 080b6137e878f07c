// The part of Ory Hydra's admin API the sign-in pages use: read a login, consent or logout request
// by its challenge and accept it (v2 paths, /admin/oauth2/auth/requests/*). Hydra answers with
// where to send the browser next. The admin API is never exposed: on loopback in development,
// inside the mesh elsewhere.
import { Problem } from '@bank/contracts';

export interface LoginRequest {
  challenge: string;
  /** Hydra remembers this browser's sign-in: accept without asking again. */
  skip: boolean;
  subject: string;
}

export interface ConsentRequest {
  challenge: string;
  subject: string;
  requested_scope: string[];
  requested_access_token_audience: string[];
}

export interface Redirect {
  redirect_to: string;
}

type Flow = 'login' | 'consent' | 'logout';

export function createHydraAdmin(adminUrl: string, timeoutMs = 5000) {
  async function call<T>(flow: Flow, challenge: string, accept?: object): Promise<T> {
    const url = `${adminUrl}/admin/oauth2/auth/requests/${flow}${accept ? '/accept' : ''}?${flow}_challenge=${encodeURIComponent(challenge)}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: accept ? 'PUT' : 'GET',
        headers: accept ? { 'content-type': 'application/json' } : {},
        body: accept ? JSON.stringify(accept) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch {
      throw new Problem('dependency-unavailable', 'the sign-in provider is not reachable');
    }
    // An unknown, used or expired challenge: the flow has to start again from the application.
    if (res.status === 404 || res.status === 410 || res.status === 400) {
      await res.arrayBuffer();
      throw new Problem('invalid-request', `this ${flow} request is unknown or has expired: start signing in again`);
    }
    if (!res.ok) throw new Problem('dependency-unavailable', `the sign-in provider answered ${res.status}`);
    return (await res.json()) as T;
  }

  return {
    loginRequest: (challenge: string) => call<LoginRequest>('login', challenge),
    acceptLogin: (challenge: string, subject: string) => call<Redirect>('login', challenge, { subject, remember: true, remember_for: 3600 }),
    consentRequest: (challenge: string) => call<ConsentRequest>('consent', challenge),
    acceptConsent: (challenge: string, body: object) => call<Redirect>('consent', challenge, body),
    acceptLogout: (challenge: string) => call<Redirect>('logout', challenge, {}),
  };
}

export type HydraAdmin = ReturnType<typeof createHydraAdmin>;
