// The users who may sign in: LOGIN_USERS, a JSON array of {username, role, passwordHash} (scrypt
// hashes from @bank/platform's hashPassword; `npm start` and the tests pass the demo users, the
// chart a Secret). Read once at start: a malformed entry stops the gateway with the reason.
import { randomBytes } from 'node:crypto';
import { ConfigError, hashPassword, isPasswordHash, verifyPassword } from '@bank/platform';
import type { Role } from './principal.js';

export interface DirectoryUser {
  username: string;
  role: Role;
  passwordHash: string;
}

const USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export class UserDirectory {
  private readonly users: ReadonlyMap<string, DirectoryUser>;
  /** Compared against when the name is unknown, so both answers take one hash's time. */
  private decoy: Promise<string> | undefined;

  constructor(users: readonly DirectoryUser[]) {
    this.users = new Map(users.map((user) => [user.username, user]));
  }

  static parse(json: string | undefined): UserDirectory {
    if (!json) return new UserDirectory([]);
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new ConfigError('LOGIN_USERS is not JSON');
    }
    if (!Array.isArray(parsed)) throw new ConfigError('LOGIN_USERS must be a JSON array of {username, role, passwordHash}');
    const users = parsed.map((entry: unknown, index) => {
      const { username, role, passwordHash } = (entry ?? {}) as Record<string, unknown>;
      if (typeof username !== 'string' || !USERNAME.test(username)) throw new ConfigError(`LOGIN_USERS[${index}].username must match ${USERNAME}`);
      if (role !== 'customer' && role !== 'admin') throw new ConfigError(`LOGIN_USERS[${index}].role must be customer or admin`);
      if (typeof passwordHash !== 'string' || !isPasswordHash(passwordHash)) throw new ConfigError(`LOGIN_USERS[${index}].passwordHash is not a scrypt hash (hashPassword)`);
      return { username, role, passwordHash } as DirectoryUser;
    });
    if (new Set(users.map((user) => user.username)).size !== users.length) throw new ConfigError('LOGIN_USERS names a user twice');
    return new UserDirectory(users);
  }

  get size(): number {
    return this.users.size;
  }

  find(username: string): DirectoryUser | undefined {
    return this.users.get(username);
  }

  /** The user, when the name is known and the password is theirs. */
  async check(username: string, password: string): Promise<DirectoryUser | undefined> {
    const user = this.users.get(username);
    this.decoy ??= hashPassword(randomBytes(16).toString('base64url'));
    const matches = await verifyPassword(password, user?.passwordHash ?? (await this.decoy));
    return user && matches ? user : undefined;
  }
}
