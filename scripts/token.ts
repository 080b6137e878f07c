// `npm run -s token -- <user>`: signs in as a user through the provider's authorization-code flow
// with PKCE (the gateway's sign-in page filled in as a browser would) and prints only the access
// token, for curl and scripts:
//   curl -H "authorization: Bearer $(npm run -s token -- alice)" http://127.0.0.1:3000/api/queries/accounts
// The provider is npm start's (OIDC_ISSUER, http://127.0.0.1:4444/ by default). The password is
// the demo user's (docs/security.md) unless TOKEN_PASSWORD gives another.
import { devUser, signIn, START_ISSUER } from '@bank/devkit';

async function main(): Promise<void> {
  const [username, ...rest] = process.argv.slice(2);
  if (!username || rest.length > 0) throw new Error('usage: npm run -s token -- <user>   (demo users: alice, bob, admin)');
  const password = process.env.TOKEN_PASSWORD ?? devUser(username).password;
  const tokens = await signIn({ issuer: process.env.OIDC_ISSUER ?? START_ISSUER, username, password });
  process.stdout.write(`${tokens.accessToken}\n`);
}

main().catch((err: unknown) => {
  const cause = (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED' ? ' (is npm start running?)' : '';
  console.error(`[token] ${(err as Error).message}${cause}`);
  process.exit(1);
});
