// The demo users of `npm start` and the tests: two customers and an administrator, with
// development passwords (docs/security.md). The gateway reads them as LOGIN_USERS, with scrypt
// hashes; elsewhere (the chart) LOGIN_USERS comes from a Secret with other passwords.
import { hashPassword } from '@bank/platform';

export interface DevUser {
  username: string;
  role: 'customer' | 'admin';
  password: string;
}

export const DEV_USERS: readonly DevUser[] = [
  { username: 'alice', role: 'customer', password: 'alice-dev-password' },
  { username: 'bob', role: 'customer', password: 'bob-dev-password' },
  { username: 'admin', role: 'admin', password: 'admin-dev-password' },
];

export function devUser(username: string): DevUser {
  const user = DEV_USERS.find((candidate) => candidate.username === username);
  if (!user) throw new Error(`no demo user "${username}" (there are ${DEV_USERS.map((candidate) => candidate.username).join(', ')})`);
  return user;
}

/** LOGIN_USERS for the gateway: the demo users with their passwords hashed. */
export async function devLoginUsers(): Promise<string> {
  const entries = await Promise.all(DEV_USERS.map(async ({ username, role, password }) => ({ username, role, passwordHash: await hashPassword(password) })));
  return JSON.stringify(entries);
}
