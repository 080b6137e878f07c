import type { Caller } from '@bank/contracts';
import { matchRoute } from '../routes.js';
import { isAdministrative, mayCall } from './policy.js';

const customer: Caller = { subject: 'alice', role: 'customer' };
const admin: Caller = { subject: 'root', role: 'admin' };

describe('the edge policy', () => {
  it.each([
    [customer, '/api/commands/accounts', true],
    [customer, '/api/commands/accounts/a1/debit', true],
    [customer, '/api/commands/transfers', true],
    [customer, '/api/queries/accounts/a1', true],
    [customer, '/api/queries/admin/projections', false],
    [customer, '/api/queries/admin/projections/rebuild', false],
    [admin, '/api/commands/accounts/a1/credit', true],
    [admin, '/api/queries/stats', true],
    [admin, '/api/queries/admin/projections', true],
    [admin, '/api/queries/admin/projections/rebuild', true],
  ] as const)('given a %o, %s is allowed: %s', (caller, path, allowed) => {
    const route = matchRoute(path);
    expect(route).toBeDefined();
    expect(mayCall(caller, route!)).toBe(allowed);
  });

  it('calls every allow-listed admin route administrative, and nothing else', () => {
    expect(isAdministrative({ target: 'queries', path: 'admin/projections' })).toBe(true);
    expect(isAdministrative({ target: 'queries', path: 'accounts/admin' })).toBe(false);
    expect(isAdministrative({ target: 'commands', path: 'admin/projections' })).toBe(false);
  });
});
