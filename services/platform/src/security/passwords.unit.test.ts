import { hashPassword, isPasswordHash, verifyPassword } from './passwords.js';

describe('password hashes', () => {
  it('verify the password they were made from, and no other', async () => {
    const stored = await hashPassword('correct horse');
    expect(isPasswordHash(stored)).toBe(true);
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    await expect(verifyPassword('correct horse', stored)).resolves.toBe(true);
    await expect(verifyPassword('correct horsf', stored)).resolves.toBe(false);
    await expect(verifyPassword('', stored)).resolves.toBe(false);
  });

  it('differ for the same password (a salt each)', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it.each([
    ['empty', ''],
    ['another scheme', 'bcrypt$10$abc'],
    ['N not a power of two', 'scrypt$1000$8$1$c2FsdHNhbHQ$' + 'A'.repeat(43)],
    ['N beyond the bound', `scrypt$${1 << 24}$8$1$c2FsdHNhbHQ$${'A'.repeat(43)}`],
    ['a short key', 'scrypt$16384$8$1$c2FsdHNhbHQ$AAAA'],
  ])('a malformed stored hash (%s) is refused, never thrown', async (_what, stored) => {
    expect(isPasswordHash(stored)).toBe(false);
    await expect(verifyPassword('anything', stored)).resolves.toBe(false);
  });
});
