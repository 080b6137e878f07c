import { listedOwner, mayAccess, type AccessAction } from './access.js';
import type { Caller } from './caller.js';

const alice: Caller = { subject: 'alice', role: 'customer' };
const admin: Caller = { subject: 'root', role: 'admin' };
type Whose = 'own' | "another customer's" | "the bank's";
const ownerFor = (whose: Whose) => (whose === 'own' ? 'alice' : whose === "another customer's" ? 'bob' : null);

describe('who may do what', () => {
  // (role, action, whose account) -> allowed
  const table: Array<[Caller | null, AccessAction, Whose, boolean]> = [
    [alice, 'open', 'own', true],
    [alice, 'read', 'own', true],
    [alice, 'read', "another customer's", false],
    [alice, 'read', "the bank's", false],
    [alice, 'operate', 'own', true],
    [alice, 'operate', "another customer's", false],
    [alice, 'operate', "the bank's", false],
    [alice, 'send-transfer', 'own', true],
    [alice, 'send-transfer', "another customer's", false],
    [alice, 'send-transfer', "the bank's", false],
    [alice, 'receive-transfer', 'own', true],
    [alice, 'receive-transfer', "another customer's", true],
    [alice, 'receive-transfer', "the bank's", true],
    [alice, 'administer', 'own', false],
    [alice, 'administer', "the bank's", false],
    [admin, 'read', "another customer's", true],
    [admin, 'operate', "another customer's", true],
    [admin, 'send-transfer', "another customer's", true],
    [admin, 'operate', "the bank's", true],
    [admin, 'administer', "the bank's", true],
    [null, 'read', "another customer's", true],
    [null, 'operate', "the bank's", true],
    [null, 'administer', "the bank's", true],
  ];
  it.each(table.map(([caller, action, whose, allowed]) => [caller?.role ?? 'no signed-in user', action, whose, allowed, caller] as const))(
    'a %s: %s on %s account -> %s',
    (_role, action, whose, allowed, caller) => {
      expect(mayAccess(caller, action, ownerFor(whose))).toBe(allowed);
    },
  );

  it("limits a customer's listing to their own accounts, and nobody else's", () => {
    expect(listedOwner(alice)).toBe('alice');
    expect(listedOwner(admin)).toBeUndefined();
    expect(listedOwner(null)).toBeUndefined();
  });
});
