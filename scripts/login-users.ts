// `npm run -s login-users < users.json`: the gateway's user directory (LOGIN_USERS) from a list of
// users with their passwords, each password hashed with scrypt (hashPassword of @bank/platform,
// a salt each). Reads a JSON array of {username, role, password} (role: customer or admin) on
// standard input and prints the array of {username, role, passwordHash}; nothing else is printed,
// so the output can go straight into a Secret:
//   npm run -s login-users < users.json | kubectl -n bank create secret generic bank-cqrs-login-users --from-file=login-users=/dev/stdin
import { hashPassword } from '@bank/platform';

interface UserWithPassword {
  username: string;
  role: string;
  password: string;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseUsers(text: string): UserWithPassword[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || parsed.length === 0) throw new Error('expected a non-empty JSON array of {username, role, password} on standard input');
  return parsed.map((entry: unknown, index) => {
    const { username, role, password } = (entry ?? {}) as Partial<UserWithPassword>;
    if (typeof username !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(username)) throw new Error(`user ${index}: username must be 1-64 lower-case letters, digits or ._-`);
    if (role !== 'customer' && role !== 'admin') throw new Error(`user ${username}: role must be customer or admin`);
    if (typeof password !== 'string' || password.length < 12) throw new Error(`user ${username}: password must be at least 12 characters`);
    return { username, role, password };
  });
}

async function main(): Promise<void> {
  const users = parseUsers(await readStdin());
  const directory = await Promise.all(users.map(async ({ username, role, password }) => ({ username, role, passwordHash: await hashPassword(password) })));
  process.stdout.write(`${JSON.stringify(directory)}\n`);
}

main().catch((err: unknown) => {
  console.error(`[login-users] ${(err as Error).message}`);
  process.exit(1);
});
