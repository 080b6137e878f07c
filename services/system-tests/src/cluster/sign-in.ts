// Sign-in on the local cluster: the release runs its own provider (Ory Hydra, chart values
// "hydra", deployed with values-local-signin.yaml), and every /api call through the gateway needs
// one of its access tokens. Browsers reach the gateway and the provider at the addresses the
// release was deployed with (gateway.publicUrl, hydra.issuer: 127.0.0.1 ports), so the kit serves
// port-forwards on exactly those ports while a test file runs; tokens are had through the real
// authorization-code flow (the gateway's sign-in page filled in, as `npm run token` does) with the
// demo users' passwords, which deploy.sh made at random and keeps in the Secret
// bank-cqrs-demo-passwords.
import { signIn } from '@bank/devkit';
import { helm, kubectlJson, NS, portForward, PORT, RELEASE, SVC, type PortForward } from './kube.js';

export type DemoUser = 'alice' | 'bob' | 'admin';

/** Where browsers reach the release, as it was deployed. */
export interface PublicAddresses {
  gatewayUrl: string;
  issuer: string;
}

export async function publicAddresses(): Promise<PublicAddresses> {
  const values = JSON.parse(await helm(['get', 'values', RELEASE, '-n', NS, '--all', '-o', 'json'])) as {
    gateway?: { publicUrl?: string };
    hydra?: { enabled?: boolean; issuer?: string };
  };
  const gatewayUrl = values.gateway?.publicUrl ?? '';
  const issuer = values.hydra?.issuer ?? '';
  if (!values.hydra?.enabled || !gatewayUrl || !issuer) {
    throw new Error('the release runs without its provider (hydra.enabled, gateway.publicUrl, hydra.issuer): deploy it with scripts/cluster/deploy.sh');
  }
  return { gatewayUrl: gatewayUrl.replace(/\/$/, ''), issuer };
}

async function demoPassword(user: DemoUser): Promise<string> {
  const secret = await kubectlJson<{ data?: Record<string, string> }>(['get', 'secret', 'bank-cqrs-demo-passwords', '-n', NS]);
  const encoded = secret.data?.[user];
  if (!encoded) throw new Error(`no password for ${user} in Secret bank-cqrs-demo-passwords (made by scripts/cluster/deploy.sh)`);
  return Buffer.from(encoded, 'base64').toString('utf8');
}

const portOf = (url: string) => Number(new URL(url).port || 80);

/** Tokens older than this are renewed before use (the release issues them for 15 minutes). */
const RENEW_AFTER_MS = 10 * 60_000;

export interface ClusterSignIn {
  addresses: PublicAddresses;
  /** The gateway, forwarded at its public address. */
  gateway: PortForward;
  /** The provider's public port, forwarded at the issuer's address. */
  provider: PortForward;
  /** An access token of the user, signed in through the provider (cached; renewed when old). */
  tokenFor(user: DemoUser): Promise<string>;
  /** The user's password (for a sign-in in the browser). */
  passwordOf(user: DemoUser): Promise<string>;
  close(): Promise<void>;
}

export async function openSignIn(): Promise<ClusterSignIn> {
  const addresses = await publicAddresses();
  const gateway = await portForward(NS, `svc/${SVC.gateway}`, PORT.gateway, { localPort: portOf(addresses.gatewayUrl) });
  let provider: PortForward;
  try {
    provider = await portForward(NS, `svc/${SVC.hydra}`, PORT.hydraPublic, { localPort: portOf(addresses.issuer), probePath: '/health/alive' });
  } catch (e) {
    await gateway.close();
    throw e;
  }
  const tokens = new Map<DemoUser, { token: Promise<string>; at: number }>();
  const tokenFor = (user: DemoUser): Promise<string> => {
    const cached = tokens.get(user);
    if (cached && Date.now() - cached.at < RENEW_AFTER_MS) return cached.token;
    const token = demoPassword(user).then(async (password) => (await signIn({ issuer: addresses.issuer, username: user, password })).accessToken);
    const entry = { token, at: Date.now() };
    tokens.set(user, entry);
    // A failed sign-in is forgotten, but only if no newer one has taken its place.
    token.catch(() => {
      if (tokens.get(user) === entry) tokens.delete(user);
    });
    return token;
  };
  return {
    addresses,
    gateway,
    provider,
    tokenFor,
    passwordOf: demoPassword,
    close: async () => void (await Promise.all([gateway.close(), provider.close()])),
  };
}

/** True for a request to the gateway's API on this machine (any forward of it: /api/...). */
function isApiCall(input: string | URL | Request): boolean {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  return url.hostname === '127.0.0.1' && url.pathname.startsWith('/api/');
}

/**
 * Registers, in the calling test file, a sign-in for its whole run, and makes the file's fetch a
 * signed-in client's: every request to the gateway's /api on 127.0.0.1 that carries no
 * Authorization header of its own gets `user`'s token (the administrator's by default, who may
 * reach every account, as the suites did before sign-in). The load clients, the query readers and
 * `call` all go through fetch, so none of them needs to know. A request that sets Authorization
 * (or goes out another way, e.g. node:http) is sent as it is.
 */
export function useSignedInApi(user: DemoUser = 'admin'): () => ClusterSignIn {
  let session: ClusterSignIn | undefined;
  const plainFetch = globalThis.fetch;
  beforeAll(async () => {
    session = await openSignIn();
    await session.tokenFor(user);
    const signedIn = session;
    globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
      const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
      if (!isApiCall(input) || headers.has('authorization')) return plainFetch(input, init);
      headers.set('authorization', `Bearer ${await signedIn.tokenFor(user)}`);
      return plainFetch(input, { ...init, headers });
    };
  }, 120_000);
  afterAll(async () => {
    globalThis.fetch = plainFetch;
    await session?.close();
  });
  return () => {
    if (!session) throw new Error('not signed in (the set-up failed)');
    return session;
  };
}
