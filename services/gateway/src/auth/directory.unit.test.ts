import { ConfigError, hashPassword } from '@bank/platform';
import { UserDirectory } from './directory.js';

describe('the user directory (LOGIN_USERS)', () => {
  it('checks a known user with their password, and no one else', async () => {
    const json = JSON.stringify([
      { username: 'alice', role: 'customer', passwordHash: await hashPassword('alice-pw') },
      { username: 'admin', role: 'admin', passwordHash: await hashPassword('admin-pw') },
    ]);
    const directory = UserDirectory.parse(json);
    expect(directory.size).toBe(2);
    await expect(directory.check('alice', 'alice-pw')).resolves.toMatchObject({ username: 'alice', role: 'customer' });
    await expect(directory.check('alice', 'admin-pw')).resolves.toBeUndefined();
    await expect(directory.check('mallory', 'alice-pw')).resolves.toBeUndefined();
    await expect(directory.check('', '')).resolves.toBeUndefined();
    expect(directory.find('admin')?.role).toBe('admin');
  });

  it('is empty without LOGIN_USERS: nobody can sign in', async () => {
    const directory = UserDirectory.parse(undefined);
    expect(directory.size).toBe(0);
    await expect(directory.check('alice', 'x')).resolves.toBeUndefined();
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['not an array', '{}', /JSON array/],
    ['a bad name', JSON.stringify([{ username: 'Alice Smith', role: 'customer', passwordHash: 'x' }]), /username/],
    ['an unknown role', JSON.stringify([{ username: 'alice', role: 'root', passwordHash: 'x' }]), /role/],
    ['a plain password', JSON.stringify([{ username: 'alice', role: 'customer', passwordHash: 'hunter2' }]), /scrypt/],
  ])('refuses %s, naming what is wrong', (_what, json, message) => {
    expect(() => UserDirectory.parse(json)).toThrow(ConfigError);
    expect(() => UserDirectory.parse(json)).toThrow(message);
  });

  it('refuses a name given twice', async () => {
    const passwordHash = await hashPassword('pw');
    const json = JSON.stringify([
      { username: 'alice', role: 'customer', passwordHash },
      { username: 'alice', role: 'admin', passwordHash },
    ]);
    expect(() => UserDirectory.parse(json)).toThrow(/twice/);
  });
});
