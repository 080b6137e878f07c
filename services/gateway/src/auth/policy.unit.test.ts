import { matchRoute } from '../routes.js';
import { actionOf, mayPerform } from './policy.js';

describe('the edge policy', () => {
  it.each([
    ['customer', '/api/commands/accounts', true],
    ['customer', '/api/commands/accounts/a1/debit', true],
    ['customer', '/api/commands/transfers', true],
    ['customer', '/api/queries/accounts/a1', true],
    ['customer', '/api/queries/admin/projections', false],
    ['customer', '/api/queries/admin/projections/rebuild', false],
    ['admin', '/api/commands/accounts/a1/credit', true],
    ['admin', '/api/queries/stats', true],
    ['admin', '/api/queries/admin/projections', true],
    ['admin', '/api/queries/admin/projections/rebuild', true],
  ] as const)('given a %s, %s is %s', (role, path, allowed) => {
    const route = matchRoute(path);
    expect(route).toBeDefined();
    expect(mayPerform(role, actionOf(route!))).toBe(allowed);
  });

  it('calls every allow-listed admin route administrative, and nothing else', () => {
    expect(actionOf({ target: 'queries', path: 'admin/projections' })).toBe('administer');
    expect(actionOf({ target: 'queries', path: 'accounts/admin' })).toBe('account');
    expect(actionOf({ target: 'commands', path: 'admin/projections' })).toBe('account');
  });
});
